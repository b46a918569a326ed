"""The vanishing-gradient experiment of Arjovsky & Bottou 2017, figures 2 and 3.

"Towards Principled Methods for Training Generative Adversarial Networks",
https://arxiv.org/abs/1701.04862: with the generator frozen, a discriminator trained
from scratch toward optimality makes the gradient of the minimax generator cost
E[log(1 - D(G(z)))] vanish (theorem 2.4), while the non-saturating cost
-E[log D(G(z))] keeps a gradient (whose direction is unstable, theorem 2.6).

On logits l = D's score, d/dl softplus(l) = sigmoid(l) -> 0 as D rejects the fakes
(l -> -inf), whereas d/dl softplus(-l) = -sigmoid(-l) -> -1.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import pathlib
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf
from numpy.typing import ArrayLike

from zoo import losses, networks, spec

CSV_COLUMNS = ("run", "d_iteration", "minimax_grad_norm", "non_saturating_grad_norm", "d_accuracy", "d_loss")


@dataclasses.dataclass
class VanishingGradients:
    """One run: per discriminator iteration (0 = the fresh D, before any update)."""

    label: str
    d_iterations: np.ndarray
    minimax_grad_norm: np.ndarray
    non_saturating_grad_norm: np.ndarray
    d_accuracy: np.ndarray
    d_loss: np.ndarray
    files: dict[str, pathlib.Path] = dataclasses.field(default_factory=dict)

    @property
    def minimax_ratio(self) -> float:
        """Final over initial norm of the minimax gradient (≪ 1 when it vanishes)."""
        return float(self.minimax_grad_norm[-1] / self.minimax_grad_norm[0])

    @property
    def non_saturating_ratio(self) -> float:
        """Final over initial norm of the non-saturating gradient."""
        return float(self.non_saturating_grad_norm[-1] / self.non_saturating_grad_norm[0])

    def summary(self) -> dict[str, float | int | str]:
        """Start, peak and end of each curve. `*_tail_median` is the median over the
        last tenth of the records: near-boundary fakes make single records spike."""
        tail = max(1, len(self.d_iterations) // 10)
        return {
            "run": self.label,
            "d_iterations": int(self.d_iterations[-1]),
            "minimax_grad_norm_start": float(self.minimax_grad_norm[0]),
            "minimax_grad_norm_peak": float(self.minimax_grad_norm.max()),
            "minimax_grad_norm_end": float(self.minimax_grad_norm[-1]),
            "minimax_grad_norm_tail_median": float(np.median(self.minimax_grad_norm[-tail:])),
            "minimax_ratio": self.minimax_ratio,
            "non_saturating_grad_norm_start": float(self.non_saturating_grad_norm[0]),
            "non_saturating_grad_norm_end": float(self.non_saturating_grad_norm[-1]),
            "non_saturating_grad_norm_tail_median": float(np.median(self.non_saturating_grad_norm[-tail:])),
            "non_saturating_ratio": self.non_saturating_ratio,
            "d_accuracy_end": float(self.d_accuracy[-1]),
            "d_accuracy_tail_min": float(self.d_accuracy[-tail:].min()),
        }


def _generator_network(model) -> tuple[keras.Model, spec.GeneratorInput]:
    """The generator network and its one (noise) input."""
    from zoo.gan import GAN

    if isinstance(model, GAN):
        network, inputs = model.generator, model.generator_inputs
    elif isinstance(model, keras.Model):
        network = model
        inputs = spec.InputSpec([spec.noise(int(model.inputs[0].shape[-1]), name=model.inputs[0].name)])
    else:
        raise TypeError(f"model must be a zoo.GAN or a Keras generator network, got {type(model).__name__}.")
    if len(network.inputs) != 1 or inputs.noise is None:
        raise ValueError(
            f"The generator takes {len(network.inputs)} inputs; only noise-only generators are frozen here."
        )
    return network, inputs.noise


def fresh_discriminator(data_shape: tuple[int, ...], width: int = 32) -> keras.Model:
    """A DCGAN (images) or MLP (vectors) discriminator without normalization.

    No batch norm, so that D's score of a sample, and hence its accuracy and the
    generator's gradient, do not depend on what else is in the batch.
    """
    if len(data_shape) == 3:
        return networks.dcgan_discriminator(data_shape, width, normalization=None, name="fresh_discriminator")
    return networks.mlp_discriminator(data_shape, width, 2, None, name="fresh_discriminator")


def vanishing_gradients(
    model,
    real_images: ArrayLike,
    *,
    d_iterations: int = 300,
    batch_size: int = 64,
    eval_size: int = 256,
    learning_rate: float = 1e-3,
    beta_2: float = 0.9,
    d_width: int = 32,
    record_every: int = 1,
    seed: int = 0,
    label: str = "generator",
    out_dir: str | pathlib.Path | None = None,
) -> VanishingGradients:
    """Freeze `model`'s generator, train a fresh discriminator on real vs fake for
    `d_iterations` Adam steps, and record after each step the norm of the gradient of
    the minimax and the non-saturating generator costs with respect to the generator's
    weights, and D's accuracy (Arjovsky & Bottou 2017, figures 2 and 3).

    The gradients and the accuracy are measured on fixed held-aside batches
    (`eval_size` noise vectors and real samples), so the curves move only because D
    does. The generator runs in inference mode throughout.

    D is trained with Adam(learning_rate, beta_1=0.5, beta_2). The short second-moment
    memory (beta_2 = 0.9 rather than 0.999) matters: as D's own gradients vanish, a
    long memory keeps dividing by the large early gradients and D's steps shrink, so
    it creeps toward optimality over thousands of iterations instead of hundreds.

    Args:
        model: a `zoo.GAN` or a noise-only Keras generator network.
        real_images: real samples of the generator's output shape.
        d_iterations: discriminator updates.
        batch_size: real and fake samples per D update.
        eval_size: fixed noise vectors (and real samples) the gradients are measured on.
        d_width: width of the fresh discriminator (`fresh_discriminator`).
        record_every: measure after every this many D updates (and after the last).
        seed: seeds D's initialization, the batches and the noise.
        label: the run's name in plots and data files.
        out_dir: if given, write `vanishing_gradients.png` and `.csv` there.
    """
    generator, noise_input = _generator_network(model)
    real_images = np.asarray(real_images, dtype="float32")
    data_shape = tuple(generator.outputs[0].shape[1:])
    if real_images.shape[1:] != data_shape:
        raise ValueError(f"real_images have shape {real_images.shape[1:]}, the generator makes {data_shape}.")
    if record_every < 1:
        raise ValueError(f"record_every must be at least 1, got {record_every}.")
    if d_iterations < 1:
        raise ValueError(f"d_iterations must be at least 1, got {d_iterations}.")
    draws = itertools.count(seed)
    rng = np.random.default_rng(seed)  # which real images each step sees

    def noise(n: int) -> np.ndarray:
        # A fresh batch per call, from the model's prior, reproducible from `seed`.
        return noise_input.draw(n, next(draws) % 2**32, stream=0)

    keras.utils.set_random_seed(seed)
    discriminator = fresh_discriminator(data_shape, d_width)
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=beta_2)
    optimizer.build(discriminator.trainable_variables)
    weights = generator.trainable_variables

    @tf.function(jit_compile=True)
    def d_step(real, z):
        fake = generator(z, training=False)
        with tf.GradientTape() as tape:
            loss = losses.discriminator_loss(discriminator(real, training=True), discriminator(fake, training=True))
        gradients = tape.gradient(loss, discriminator.trainable_variables)
        optimizer.apply_gradients(zip(gradients, discriminator.trainable_variables))

    @tf.function(jit_compile=True)
    def measure(real, z):
        with tf.GradientTape(persistent=True) as tape:
            fake_logits = discriminator(generator(z, training=False), training=False)
            minimax = losses.minimax_generator_loss(fake_logits)
            non_saturating = losses.non_saturating_generator_loss(fake_logits)
        minimax_norm = tf.linalg.global_norm(tape.gradient(minimax, weights))
        non_saturating_norm = tf.linalg.global_norm(tape.gradient(non_saturating, weights))
        real_logits = discriminator(real, training=False)
        accuracy = 0.5 * (
            tf.reduce_mean(tf.cast(real_logits > 0, "float32")) + tf.reduce_mean(tf.cast(fake_logits < 0, "float32"))
        )
        return minimax_norm, non_saturating_norm, accuracy, losses.discriminator_loss(real_logits, fake_logits)

    eval_real = real_images[rng.choice(len(real_images), min(eval_size, len(real_images)), replace=False)]
    eval_z = noise(eval_size)
    iterations, records = [0], [[float(value) for value in measure(eval_real, eval_z)]]
    for iteration in range(1, d_iterations + 1):
        real = real_images[rng.integers(0, len(real_images), batch_size)]
        d_step(real, noise(batch_size))
        if iteration % record_every == 0 or iteration == d_iterations:
            iterations.append(iteration)
            records.append([float(value) for value in measure(eval_real, eval_z)])
    records = np.asarray(records)
    result = VanishingGradients(
        label=label,
        d_iterations=np.asarray(iterations),
        minimax_grad_norm=records[:, 0],
        non_saturating_grad_norm=records[:, 1],
        d_accuracy=records[:, 2],
        d_loss=records[:, 3],
    )
    if out_dir is not None:
        out_dir = pathlib.Path(out_dir)
        result.files = {
            "plot": plot_vanishing_gradients([result], out_dir / "vanishing_gradients.png"),
            "data": write_csv([result], out_dir / "vanishing_gradients.csv"),
        }
    return result


def write_csv(results: Sequence[VanishingGradients], path: str | pathlib.Path) -> pathlib.Path:
    """One row per run and D iteration, columns `CSV_COLUMNS`."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for result in results:
            for row in zip(
                result.d_iterations,
                result.minimax_grad_norm,
                result.non_saturating_grad_norm,
                result.d_accuracy,
                result.d_loss,
            ):
                writer.writerow([result.label, int(row[0]), *(f"{value:.6g}" for value in row[1:])])
    return path


def plot_vanishing_gradients(results: Sequence[VanishingGradients], path: str | pathlib.Path) -> pathlib.Path:
    """Gradient norms (log scale) and D's accuracy against D iterations, one colour per run."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    figure = Figure(figsize=(7, 6), dpi=100)
    FigureCanvasAgg(figure)
    norms, accuracy = figure.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    colours = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")
    for index, result in enumerate(results):
        colour = colours[index % len(colours)]
        norms.plot(result.d_iterations, result.minimax_grad_norm, color=colour)
        norms.plot(result.d_iterations, result.non_saturating_grad_norm, color=colour, linestyle="--")
        accuracy.plot(result.d_iterations, result.d_accuracy, color=colour, label=result.label)
    norms.set_yscale("log")
    norms.set_ylabel("‖∇θ generator cost‖")
    norms.set_title("Frozen generator, discriminator trained from scratch (Arjovsky & Bottou 2017)", fontsize="medium")
    norms.grid(alpha=0.3, which="both")
    # Colour = run (legend below), line style = cost (legend here).
    styles = [
        Line2D([], [], color="gray", label="minimax  E[log(1 − D(G(z)))]"),
        Line2D([], [], color="gray", linestyle="--", label="non-saturating  −E[log D(G(z))]"),
    ]
    norms.legend(handles=styles, fontsize="small", loc="center right")
    accuracy.legend(fontsize="small", loc="lower right")
    accuracy.set_ylabel("D accuracy")
    accuracy.set_xlabel("discriminator iterations")
    accuracy.set_ylim(0.4, 1.02)
    accuracy.grid(alpha=0.3)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", bbox_inches="tight")
    return path
