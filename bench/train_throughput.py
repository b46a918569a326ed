"""Training throughput: the zoo's `fit` against a hand-written `tf.function` loop
doing the same math on the same networks, with each speed lever on its own row.

The reference (issue 15) is a hand-written loop: one `tf.function` step per batch,
the same DCGAN networks built by the zoo, batch norm trained, real and fake through
D in two calls, the same losses and Adam settings, no XLA. The Keras guide's GAN
("Customizing what happens in fit()": one D call on the concatenated batch, batch
norm in inference mode) is kept for reference. The levers:

- XLA (`jit_compile`), for the hand loop too, so the share of XLA and the share of
  `fit`'s own machinery can be told apart;
- `steps_per_execution` (several steps per call of the compiled function);
- `tf.data`'s autotuner, which `load_dataset` turns off for data held in memory
  (`zoo.data.without_autotune`), turned back on;
- one discriminator call on the concatenated real + fake batch (`fused_scoring`)
  for a critic with no batch norm (WGAN-GP's LayerNorm critic), where it is exact;
- one generator pass per step instead of two (`reuse_fakes`, PyTorch's DCGAN
  step; not exact: its digits quality is measured with `bench/digits_quality.py`),
  also written into the hand loop, so that its share can be told apart.

All rows run in one process and take turns (`--rounds`), so load from other
processes falls on all of them alike; each row's number is the median of its rounds.

    python bench/train_throughput.py --steps 150 --out docs/train_throughput.md
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import keras
import tensorflow as tf
from keras import ops
from machine import machine_facts

import zoo
from zoo import losses
from zoo.data import load_dataset

REFERENCE = "hand-written `tf.function` loop, same math (reference)"
DEFAULT = "zoo `fit`, defaults (XLA, one G pass)"


class GuideGAN(keras.Model):
    """The GAN of the Keras guide "Customizing what happens in fit()", verbatim in
    structure: one D call on real + fake with noisy labels, no `training=` (batch
    norm in inference mode), a BinaryCrossentropy loss object, no XLA."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.seed_generator = keras.random.SeedGenerator(1337)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile(jit_compile=False)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        batch_size = ops.shape(real_images)[0]
        random_latent_vectors = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        generated_images = self.generator(random_latent_vectors)
        combined_images = ops.concatenate([generated_images, real_images], axis=0)
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * keras.random.uniform(ops.shape(labels), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

        random_latent_vectors = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        misleading_labels = ops.zeros((batch_size, 1))
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def hand_loop(model: zoo.GAN, dataset: tf.data.Dataset, jit_compile: bool, one_pass: bool = False):
    """`run(steps)`: the DCGAN's math written by hand: D on real and on fake in two
    calls (batch norm trained), the 2014 D loss, then G on fresh noise with the
    non-saturating loss; Adam(2e-4, 0.5) for both, as the family's defaults.
    `one_pass`: G's step re-scores the D step's fakes instead (PyTorch's DCGAN)."""
    generator, discriminator = model.generator, model.discriminator
    g_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    seed = keras.random.SeedGenerator(0)

    @tf.function(jit_compile=jit_compile)
    def one_pass_step(real):
        g_tape = tf.GradientTape()
        with g_tape:
            fake = generator(keras.random.normal((tf.shape(real)[0], model.latent_dim), seed=seed), training=True)
        with tf.GradientTape() as tape:
            real_scores = discriminator(real, training=True)
            fake_scores = discriminator(tf.stop_gradient(fake), training=True)
            d_loss = losses.discriminator_loss(real_scores, fake_scores)
        variables = discriminator.trainable_variables
        d_optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables))
        with g_tape:
            g_loss = losses.non_saturating_generator_loss(discriminator(fake, training=True))
        variables = generator.trainable_variables
        g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, variables), variables))
        return d_loss, g_loss

    @tf.function(jit_compile=jit_compile)
    def step(real):
        latent = (tf.shape(real)[0], model.latent_dim)
        with tf.GradientTape() as tape:
            fake = generator(keras.random.normal(latent, seed=seed), training=True)
            real_scores = discriminator(real, training=True)
            fake_scores = discriminator(fake, training=True)
            d_loss = losses.discriminator_loss(real_scores, fake_scores)
        variables = discriminator.trainable_variables
        d_optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables))
        with tf.GradientTape() as tape:
            fake_scores = discriminator(generator(keras.random.normal(latent, seed=seed), training=True), training=True)
            g_loss = losses.non_saturating_generator_loss(fake_scores)
        variables = generator.trainable_variables
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, variables), variables))
        return d_loss, g_loss

    batches = iter(dataset)
    step = one_pass_step if one_pass else step

    def run(steps: int) -> None:
        for _ in range(steps):
            losses_now = step(next(batches))
        float(losses_now[0])  # wait for the last step

    return run


def fit_loop(model: keras.Model, dataset: tf.data.Dataset):
    """`run(steps)`: one `fit` call of `steps` steps on the endless `dataset`."""
    return lambda steps: model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)


def zoo_model(family: str, shape, args, hyper: dict | None = None, **compile_args) -> zoo.GAN:
    model = zoo.create(family, data_shape=shape, latent_dim=args.latent_dim, width=args.width, **(hyper or {}))
    model.compile(**compile_args)
    return model


def measure(runs: dict[str, object], steps: int, warmup: int, rounds: int) -> dict[str, list[float]]:
    """Steps per second of each `run(steps)`, taking turns for `rounds` rounds."""
    for run in runs.values():
        run(warmup)  # traces, compiles
    rates = {label: [] for label in runs}
    for _ in range(rounds):
        for label, run in runs.items():
            start = time.perf_counter()
            run(steps)
            rates[label].append(steps / (time.perf_counter() - start))
    return rates


def table(rates: dict[str, list[float]], reference: str) -> list[str]:
    base = statistics.median(rates[reference])
    lines = ["| setup | steps/s (median) | range | vs reference |", "|---|---:|---:|---:|"]
    for label, values in rates.items():
        median = statistics.median(values)
        lines.append(f"| {label} | {median:.1f} | {min(values):.1f}-{max(values):.1f} | {median / base:.2f}× |")
    return lines


def dcgan_section(args, batch_size: int) -> tuple[list[str], float]:
    """The DCGAN rows at one batch size: the table's lines and fit's ratio to the reference."""
    shape = (args.image_size, args.image_size, 1)
    data = load_dataset("digits", batch_size=batch_size, image_size=args.image_size, split="all")
    in_memory = data.repeat()  # load_dataset's pipeline: arrays in memory, prefetched, autotuner off

    def autotuned():
        # load_dataset's digits with tf.data's autotuner left on (before issue 15).
        options = tf.data.Options()
        options.autotune.enabled = True
        return data.prefetch(tf.data.AUTOTUNE).with_options(options).repeat()

    def guide() -> GuideGAN:
        parts = zoo.create("dcgan", data_shape=shape, latent_dim=args.latent_dim, width=args.width)
        model = GuideGAN(parts.discriminator, parts.generator, args.latent_dim)
        model.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
        )
        return model

    dcgan = lambda **kw: zoo_model("dcgan", shape, args, **kw)  # noqa: E731
    runs = {
        REFERENCE: hand_loop(dcgan(), in_memory, jit_compile=False),
        "hand-written loop with XLA": hand_loop(dcgan(), in_memory, jit_compile=True),
        "hand-written loop with XLA and one G pass": hand_loop(dcgan(), in_memory, jit_compile=True, one_pass=True),
        "Keras guide GAN (one D call, batch norm not trained, no XLA)": fit_loop(guide(), in_memory),
        "zoo `fit`, no XLA": fit_loop(dcgan(jit_compile=False), in_memory),
        "zoo `fit`, XLA, two G passes (`reuse_fakes=False`, the default before)": fit_loop(
            zoo_model("dcgan", shape, args, {"reuse_fakes": False}), in_memory
        ),
        DEFAULT: fit_loop(dcgan(), in_memory),
        "zoo `fit`, XLA, `steps_per_execution=10`": fit_loop(dcgan(steps_per_execution=10), in_memory),
        "zoo `fit`, XLA, tf.data's autotuner on (before)": fit_loop(dcgan(), autotuned()),
    }
    print(f"DCGAN, batch {batch_size}: measuring", ", ".join(runs), flush=True)
    rates = measure(runs, args.steps, args.warmup, args.rounds)
    lines = table(rates, REFERENCE)
    print("\n".join(lines), flush=True)
    return lines, statistics.median(rates[DEFAULT]) / statistics.median(rates[REFERENCE])


def critic_section(args, batch_size: int) -> list[str]:
    """WGAN-GP's critic (LayerNorm, no batch norm) in two calls and in one."""
    shape = (args.image_size, args.image_size, 1)
    data = load_dataset("digits", batch_size=batch_size, image_size=args.image_size, split="all").repeat()
    runs = {}
    for label, fused in [
        ("WGAN-GP `fit`, real and fake through the critic in two calls", False),
        ("WGAN-GP `fit`, one critic call on real + fake (default)", None),
    ]:
        model = zoo.create(
            "wgan_gp", data_shape=shape, latent_dim=args.latent_dim, width=args.width, fused_scoring=fused
        )
        model.compile()
        runs[label] = fit_loop(model, data)
    rates = measure(runs, args.steps, args.warmup, args.rounds)
    lines = table(rates, next(iter(runs)))
    print("\n".join(lines), flush=True)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=20, help="steps before timing (tracing, XLA)")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per row, taking turns")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--out", type=pathlib.Path, help="write the tables as markdown here")
    args = parser.parse_args(argv)
    facts = machine_facts()

    sections = []
    for batch_size in args.batch_sizes:
        lines, ratio = dcgan_section(args, batch_size)
        goal = "met" if ratio >= 1.5 else "not met"
        verdict = (
            f"Batch {batch_size}: zoo `fit` with its defaults / hand-written loop: **{ratio:.2f}×** "
            f"(goal ≥ 1.5×: {goal})."
        )
        print(verdict, flush=True)
        sections += [f"### DCGAN, batch {batch_size}", "", *lines, "", verdict, ""]
    critic_lines = critic_section(args, args.batch_sizes[-1])
    if args.out:
        command = " ".join(argv if argv is not None else sys.argv[1:])
        text = "\n".join(
            [
                "# Training throughput: the zoo's `fit` against a hand-written loop",
                "",
                f"Command: `python bench/train_throughput.py {command}`",
                "",
                *[f"- {key}: {value}" for key, value in facts.items()],
                f"- Load average (1, 5, 15 min) at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
                "",
                (
                    f"Networks: the zoo's DCGAN, {args.image_size}×{args.image_size}×1, width {args.width}, latent "
                    f"{args.latent_dim}, digits. Each row: {args.rounds} timed runs of {args.steps} steps taking "
                    f"turns with the other rows, after {args.warmup} warm-up steps; the median and range of the runs."
                ),
                "",
                "## DCGAN (batch norm in both networks)",
                "",
                *sections,
                f"## A critic without batch norm: one call on real + fake (batch {args.batch_sizes[-1]})",
                "",
                "WGAN-GP, the same shapes. The first row is the reference here.",
                "",
                *critic_lines,
                "",
            ]
        )
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(args.out)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
