"""Steps per second of the demo recipe's networks: `GAN.fit` (with and without XLA and
`steps_per_execution`) against a plain TensorFlow loop over the same two networks.

Each row builds `dcgan_digits`'s model, runs one warm-up epoch, then times `--epochs`
epochs of `fit` with no callbacks (wall time, the process's CPU time, the load
average); the plain row is one `tf.function(jit_compile=True)` step (D, then G, the
same losses) over `tf.data` batches. Prints a Markdown table (docs/digits_quality.md).

    python bench/digits_speed.py --epochs 2
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import tensorflow as tf

import recipes
import zoo
from recipes.recipe import build_dataset

RECIPE = "dcgan_digits"
#: (label, jit_compile, steps_per_execution) of the `fit` rows.
FIT_ROWS = (
    ("`GAN.fit`, XLA (the default)", "auto", 1),
    ("`GAN.fit`, no XLA", False, 1),
    ("`GAN.fit`, XLA, `steps_per_execution=44`", "auto", 44),
)


def timed(run, steps: int) -> dict[str, float]:
    load, start, cpu = os.getloadavg()[0], time.perf_counter(), time.process_time()
    run()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"steps/s": steps / wall, "cpu_ms": 1000 * cpu / steps, "load": f"{load:.1f}-{os.getloadavg()[0]:.1f}"}


def fit_row(recipe: recipes.Recipe, jit_compile, steps_per_execution: int, epochs: int) -> dict[str, float]:
    keras.utils.set_random_seed(0)
    dataset = build_dataset(recipe)
    model = zoo.create(recipe.family, data_shape=tuple(dataset.element_spec.shape[1:]), **recipe.model)
    compile_args = {key: value for key, value in recipe.compile.items() if key != "steps_per_execution"}
    model.compile(**compile_args, jit_compile=jit_compile, steps_per_execution=steps_per_execution)
    steps = int(dataset.cardinality())
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)  # compiles
    return timed(lambda: model.fit(dataset, epochs=epochs, steps_per_epoch=steps, verbose=0), epochs * steps)


def plain_row(recipe: recipes.Recipe, epochs: int) -> dict[str, float]:
    """The same networks, built by the zoo, trained by a hand-written XLA step."""
    keras.utils.set_random_seed(0)
    dataset = build_dataset(recipe)
    model = zoo.create(recipe.family, data_shape=tuple(dataset.element_spec.shape[1:]), **recipe.model)
    generator, discriminator = model.generator, model.discriminator
    g_optimizer = keras.optimizers.Adam(recipe.compile["g_learning_rate"], beta_1=0.5)
    d_optimizer = keras.optimizers.Adam(recipe.compile["d_learning_rate"], beta_1=0.5)
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    latent = (recipe.batch_size, recipe.model["latent_dim"])

    @tf.function(jit_compile=True)
    def step(real):
        with tf.GradientTape() as tape:
            fake = generator(tf.random.normal(latent), training=True)
            real_scores, fake_scores = discriminator(real, training=True), discriminator(fake, training=True)
            d_loss = loss(tf.ones_like(real_scores), real_scores) + loss(tf.zeros_like(fake_scores), fake_scores)
        variables = discriminator.trainable_variables
        d_optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables))
        with tf.GradientTape() as tape:
            fake_scores = discriminator(generator(tf.random.normal(latent), training=True), training=True)
            g_loss = loss(tf.ones_like(fake_scores), fake_scores)
        variables = generator.trainable_variables
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, variables), variables))

    steps = int(dataset.cardinality())
    batches = iter(dataset.repeat())

    def run(count):
        for _ in range(count):
            step(next(batches))

    run(steps)  # compiles
    return timed(lambda: run(epochs * steps), epochs * steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per row (after one warm-up epoch)")
    parser.add_argument("--passes", type=int, help="passes over the data per epoch (default: the recipe's)")
    args = parser.parse_args()
    recipe = recipes.get_recipe(RECIPE).replace(passes_per_epoch=args.passes)
    rows = {label: fit_row(recipe, jit, per_call, args.epochs) for label, jit, per_call in FIT_ROWS}
    rows["plain TensorFlow, same networks, one XLA step per batch"] = plain_row(recipe, args.epochs)
    print("| how | steps/s | CPU ms per step | load (1 min) |\n|---|---|---|---|")
    for label, row in rows.items():
        print(f"| {label} | {row['steps/s']:.1f} | {row['cpu_ms']:.0f} | {row['load']} |")


if __name__ == "__main__":
    main()
