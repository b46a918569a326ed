"""Training throughput: our DCGAN `fit` against the Keras guide's GAN.

The reference is written the way the guide "Customizing what happens in fit()"
writes its GAN (one discriminator batch of real + fake with noisy labels, a
BinaryCrossentropy loss object, no XLA), with the same networks, batch and data.
Both run in the same process; the ratio is printed and, with --out, written to
a markdown file with the machine it ran on.

    python bench/train_throughput.py --steps 200 --out docs/train_throughput.md
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from machine import describe_machine

import zoo
from zoo import networks
from zoo.data import load_dataset


class GuideGAN(keras.Model):
    """The GAN of the Keras guide "Customizing what happens in fit()", verbatim in
    structure: the reference we measure against."""

    def __init__(self, discriminator, generator, latent_dim, training=None):
        super().__init__()
        # The guide calls its networks without `training=`, so batch norm runs in
        # inference mode; `training=True` is the variant that trains batch norm.
        self.training = training
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
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        batch_size = ops.shape(real_images)[0]
        random_latent_vectors = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        generated_images = self.generator(random_latent_vectors, training=self.training)
        combined_images = ops.concatenate([generated_images, real_images], axis=0)
        labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * keras.random.uniform(ops.shape(labels), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images, training=self.training)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

        random_latent_vectors = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        misleading_labels = ops.zeros((batch_size, 1))
        with tf.GradientTape() as tape:
            predictions = self.discriminator(
                self.generator(random_latent_vectors, training=self.training), training=self.training
            )
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def steps_per_second(model, dataset, steps: int, warmup: int) -> float:
    """Median of three timed `fit` calls of `steps` steps, after a warm-up fit."""
    model.fit(dataset.take(warmup), epochs=1, verbose=0)
    rates = []
    for _ in range(3):
        start = time.perf_counter()
        model.fit(dataset.take(steps), epochs=1, verbose=0)
        rates.append(steps / (time.perf_counter() - start))
    return float(np.median(rates))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=150, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=10, help="steps before timing (tracing, XLA)")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--out", help="write the table as markdown here")
    args = parser.parse_args(argv)

    shape = (args.image_size, args.image_size, 1)
    dataset = load_dataset("digits", batch_size=args.batch_size, image_size=args.image_size, split="all")
    dataset = dataset.cache().repeat()

    def guide(training=None):
        model = GuideGAN(
            networks.dcgan_discriminator(shape, args.width),
            networks.dcgan_generator(args.latent_dim, shape, args.width),
            args.latent_dim,
            training,
        )
        model.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
        )
        return model

    def ours(jit_compile="auto"):
        model = zoo.create("dcgan", data_shape=shape, latent_dim=args.latent_dim, width=args.width)
        model.compile(jit_compile=jit_compile)
        return model

    rows = []
    for label, build in [
        ("Keras guide GAN (reference, no XLA)", guide),
        ("Keras guide GAN, batch norm in training mode", lambda: guide(True)),
        ("zoo DCGAN, jit_compile=False", lambda: ours(False)),
        ("zoo DCGAN, default (XLA)", ours),
    ]:
        rate = steps_per_second(build(), dataset, args.steps, args.warmup)
        rows.append((label, rate))
        print(f"{label:<38} {rate:8.1f} steps/s", flush=True)
    reference = rows[0][1]
    print()
    lines = [
        "| setup | steps/s | ratio vs reference |",
        "|---|---:|---:|",
        *[f"| {label} | {rate:.1f} | {rate / reference:.2f}x |" for label, rate in rows],
    ]
    print("\n".join(lines))
    print(f"\nratio (zoo default / reference): {rows[-1][1] / reference:.2f}x")
    if args.out:
        text = (
            "# Training throughput: zoo DCGAN `fit` vs the Keras guide GAN\n\n"
            f"Machine: {describe_machine()}\n\n"
            f"Command: `python bench/train_throughput.py {' '.join(argv if argv is not None else sys.argv[1:])}`\n\n"
            f"DCGAN {args.image_size}x{args.image_size}x1, width {args.width}, latent {args.latent_dim}, "
            f"batch {args.batch_size}, digits; median of 3 runs of {args.steps} steps after {args.warmup} "
            "warm-up steps.\n\n" + "\n".join(lines) + "\n"
        )
        pathlib.Path(args.out).write_text(text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
