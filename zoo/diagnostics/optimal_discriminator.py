"""The optimal discriminator of Goodfellow et al. 2014, proposition 1, checked numerically.

"Generative Adversarial Nets", https://arxiv.org/abs/1406.2661: for a fixed generator,
the discriminator that minimizes the standard loss is

    D*(x) = p_data(x) / (p_data(x) + p_g(x)).

With p_data and p_g both Gaussian mixtures (`zoo.data.mixtures.Mixture`, exact
`density`), D* is known in closed form, so a discriminator trained on samples with
`zoo.losses.discriminator_loss` can be compared with it point by point.
"""

from __future__ import annotations

import dataclasses
import json
import math
import pathlib

import keras
import numpy as np
import tensorflow as tf

from zoo import losses, networks
from zoo.data.mixtures import Mixture, ring8

#: p_data: the eight modes of ring8 widened from std 0.01 to 0.25, so that the
#: modes overlap p_g and D* takes every value between 0 and 1 (with std 0.01, D* is
#: a 0/1 step almost everywhere and the check says little).
DEFAULT_DATA_STD = 0.25
#: p_g: one isotropic Gaussian at the origin, wide enough to cover the ring.
DEFAULT_FAKE_STD = 0.75


def default_data() -> Mixture:
    return Mixture(name=f"ring8 (std {DEFAULT_DATA_STD})", centres=ring8().centres, std=DEFAULT_DATA_STD)


def default_fake() -> Mixture:
    return Mixture(name=f"N(0, {DEFAULT_FAKE_STD}² I)", centres=np.zeros((1, 2)), std=DEFAULT_FAKE_STD)


def optimal_discriminator(points: np.ndarray, data: Mixture, fake: Mixture) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Goodfellow et al. 2014, proposition 1).

    Computed from log densities, so that it stays defined far from both mixtures
    where both densities underflow to 0.
    """
    log_data = _log_density(points, data)
    log_fake = _log_density(points, fake)
    return 1.0 / (1.0 + np.exp(np.clip(log_fake - log_data, -700, 700)))


def _log_density(points: np.ndarray, mixture: Mixture) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    squared = np.sum((points[:, None, :] - mixture.centres[None, :, :]) ** 2, axis=-1)
    variance = mixture.std**2
    log_kernels = -squared / (2.0 * variance) - np.log(2.0 * np.pi * variance)
    peak = log_kernels.max(axis=1, keepdims=True)
    return peak[:, 0] + np.log(np.mean(np.exp(log_kernels - peak), axis=1))


@dataclasses.dataclass
class OptimalDiscriminatorCheck:
    """How far the trained D is from D*.

    Errors are |D(x) - D*(x)| over held-out points drawn from (p_data + p_g) / 2, the
    region where D* is defined and the training loss weighs D; `constant_mean_abs_error`
    is the error of the uninformed D(x) = 1/2, for scale.
    """

    mean_abs_error: float
    p95_abs_error: float
    constant_mean_abs_error: float
    steps: int
    grid: dict[str, np.ndarray]
    files: dict[str, pathlib.Path] = dataclasses.field(default_factory=dict)

    def summary(self) -> dict[str, float | int]:
        return {
            "mean_abs_error": self.mean_abs_error,
            "p95_abs_error": self.p95_abs_error,
            "constant_mean_abs_error": self.constant_mean_abs_error,
            "steps": self.steps,
        }


def optimal_discriminator_check(
    data: Mixture | None = None,
    fake: Mixture | None = None,
    *,
    steps: int = 2000,
    batch_size: int = 512,
    width: int = 64,
    hidden_layers: int = 3,
    learning_rate: float = 2e-3,
    num_eval_points: int = 5000,
    grid_size: int = 101,
    seed: int = 0,
    out_dir: str | pathlib.Path | None = None,
) -> OptimalDiscriminatorCheck:
    """Train an MLP discriminator on samples of `data` (real) and `fake` (the fixed
    p_g) with the standard loss, then compare D(x) = sigmoid(logit) with D*(x).

    Args:
        data, fake: the two mixtures (defaults: `default_data()`, `default_fake()`).
        steps: Adam updates; the learning rate decays linearly to 0 over them, so
            the final D is not jittering around its optimum.
        batch_size: real and fake samples per update (fresh samples every step).
        width, hidden_layers: the MLP (`networks.mlp_discriminator`, LeakyReLU).
        num_eval_points: held-out points for the error.
        grid_size: points per axis of the grid written to the data file and plot.
        out_dir: if given, write `optimal_discriminator.png`, `.csv` (the grid) and
            `.json` (the errors) there.
    """
    data = data or default_data()
    fake = fake or default_fake()
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}.")
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    discriminator = networks.mlp_discriminator((2,), width, hidden_layers, None, name="discriminator")
    schedule = keras.optimizers.schedules.PolynomialDecay(learning_rate, steps, end_learning_rate=0.0)
    optimizer = keras.optimizers.Adam(schedule)

    @tf.function(jit_compile=True)
    def step(real, generated):
        with tf.GradientTape() as tape:
            loss = losses.discriminator_loss(
                discriminator(real, training=True), discriminator(generated, training=True)
            )
        gradients = tape.gradient(loss, discriminator.trainable_variables)
        optimizer.apply_gradients(zip(gradients, discriminator.trainable_variables))
        return loss

    for _ in range(steps):
        real = data.sample(batch_size, seed=int(rng.integers(2**31)))
        generated = fake.sample(batch_size, seed=int(rng.integers(2**31)))
        step(real, generated)

    def learned(points: np.ndarray) -> np.ndarray:
        logits = discriminator.predict_on_batch(points.astype("float32"))[:, 0]
        return 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))

    # Held out: fresh seeds, half from each distribution.
    half = num_eval_points // 2
    eval_points = np.concatenate(
        [
            data.sample(half, seed=int(rng.integers(2**31))),
            fake.sample(num_eval_points - half, seed=int(rng.integers(2**31))),
        ]
    )
    target = optimal_discriminator(eval_points, data, fake)
    errors = np.abs(learned(eval_points) - target)

    extent = float(np.max(np.abs(data.centres)) + 3 * max(data.std, fake.std))
    axis = np.linspace(-extent, extent, grid_size)
    grid_x, grid_y = np.meshgrid(axis, axis)
    grid_points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    grid = {
        "x": grid_points[:, 0],
        "y": grid_points[:, 1],
        "p_data": data.density(grid_points),
        "p_g": fake.density(grid_points),
        "d_optimal": optimal_discriminator(grid_points, data, fake),
        "d_learned": learned(grid_points),
    }
    result = OptimalDiscriminatorCheck(
        mean_abs_error=float(errors.mean()),
        p95_abs_error=float(np.quantile(errors, 0.95)),
        constant_mean_abs_error=float(np.abs(0.5 - target).mean()),
        steps=steps,
        grid=grid,
    )
    if out_dir is not None:
        out_dir = pathlib.Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        csv_path = out_dir / "optimal_discriminator.csv"
        columns = list(grid)
        np.savetxt(
            csv_path,
            np.stack([grid[key] for key in columns], axis=1),
            delimiter=",",
            header=",".join(columns),
            comments="",
            fmt="%.6g",
        )
        json_path = out_dir / "optimal_discriminator.json"
        json_path.write_text(
            json.dumps({**result.summary(), "data": data.name, "fake": fake.name, "seed": seed}, indent=2) + "\n"
        )
        result.files = {
            "plot": plot_optimal_discriminator(result, data, fake, out_dir / "optimal_discriminator.png"),
            "data": csv_path,
            "summary": json_path,
        }
    return result


def plot_optimal_discriminator(
    result: OptimalDiscriminatorCheck, data: Mixture, fake: Mixture, path: str | pathlib.Path
) -> pathlib.Path:
    """D* and the learned D as maps, and both along the line y = 0."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    grid = result.grid
    size = math.isqrt(len(grid["x"]))
    extent = (grid["x"].min(), grid["x"].max(), grid["y"].min(), grid["y"].max())
    figure = Figure(figsize=(13, 4), dpi=100)
    FigureCanvasAgg(figure)
    optimal_axes, learned_axes, slice_axes = figure.subplots(1, 3)
    for axes, key, title in (
        (optimal_axes, "d_optimal", "D*(x) = p_data / (p_data + p_g)"),
        (learned_axes, "d_learned", f"trained D, {result.steps} steps"),
    ):
        image = axes.imshow(
            grid[key].reshape(size, size), origin="lower", extent=extent, vmin=0, vmax=1, cmap="viridis"
        )
        axes.scatter(data.centres[:, 0], data.centres[:, 1], marker="x", s=15, color="white")
        axes.set_title(title, fontsize="medium")
        axes.set_aspect("equal")
    figure.colorbar(image, ax=[optimal_axes, learned_axes], shrink=0.8)

    middle = np.isclose(grid["y"], grid["y"][np.argmin(np.abs(grid["y"]))])
    slice_axes.plot(grid["x"][middle], grid["d_optimal"][middle], label="D* (closed form)", color="black")
    slice_axes.plot(grid["x"][middle], grid["d_learned"][middle], label="trained D", color="tab:orange", linestyle="--")
    slice_axes.set_xlabel("x (y = 0)")
    slice_axes.set_ylim(-0.02, 1.02)
    slice_axes.grid(alpha=0.3)
    slice_axes.legend(fontsize="small")
    slice_axes.set_title(
        f"mean |D − D*| = {result.mean_abs_error:.3f} (D = ½: {result.constant_mean_abs_error:.3f})",
        fontsize="medium",
    )
    figure.suptitle(f"p_data = {data.name}, p_g = {fake.name} (Goodfellow et al. 2014, prop. 1)")
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", bbox_inches="tight")
    return path
