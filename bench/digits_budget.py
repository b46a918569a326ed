"""The demo's networks for a fixed wall-time budget, with D judging the 32x32 digits
at full size or area-downscaled (`d_resolution`): what a discriminator resolution buys in
steps and in digits-FID / IS on the same budget.

Builds `dcgan_digits`'s DCGAN (content_size 8, EMA 0.999, latent 64) with the
discriminator `networks.dcgan_discriminator(resolution=--d-size)` builds (32: full
size; smaller: an average pooling to that side first, what `d_resolution` builds),
trains it with `fit` for `--seconds` of wall time in calls of 3 x `--spe` steps,
no callbacks, then scores 1,437 samples of the EMA generator against the 360
held-out digits (`evaluate_generator`, the digits extractor; the real floor is
FID 3.69 / IS 9.66). One line per run:

    python bench/digits_budget.py --d-size 32 --seconds 150
    python bench/digits_budget.py --d-size 16 --seconds 150
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras

import zoo
from zoo import networks
from zoo.data import digits_arrays, load_dataset
from zoo.metrics import evaluate_generator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d-size", type=int, default=32, help="side D judges (32: full size)")
    parser.add_argument("--d-width", type=int, default=32, help="D's first-layer filters")
    parser.add_argument("--width", type=int, default=32, help="G's last-layer filters")
    parser.add_argument("--seconds", type=float, default=170, help="wall-time budget of training")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--glr", type=float, default=5e-4)
    parser.add_argument("--dlr", type=float, default=2e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ema", type=float, default=0.999)
    parser.add_argument("--spe", type=int, default=44, help="steps_per_execution")
    a = parser.parse_args()
    keras.utils.set_random_seed(a.seed)
    data = load_dataset("digits", batch_size=a.batch, image_size=32, split="train").repeat()
    # The library's DCGAN discriminator, as `d_resolution` builds it, with its own width.
    discriminator = networks.dcgan_discriminator((32, 32, 1), a.d_width, resolution=a.d_size)
    model = zoo.create(
        "dcgan",
        data_shape=(32, 32, 1),
        latent_dim=64,
        width=a.width,
        content_size=8,
        ema=a.ema,
        discriminator=discriminator,
    )
    model.compile(g_learning_rate=a.glr, d_learning_rate=a.dlr, steps_per_execution=a.spe)
    start, steps, chunk = time.perf_counter(), 0, 3 * a.spe
    model.fit(data, epochs=1, steps_per_epoch=chunk, verbose=0)  # traces and compiles
    steps += chunk
    warm = time.perf_counter() - start
    while time.perf_counter() - start < a.seconds:
        model.fit(data, epochs=1, steps_per_epoch=chunk, verbose=0)
        steps += chunk
    train = time.perf_counter() - start
    real, _ = digits_arrays(32, "test")
    scores = evaluate_generator(model, real, metrics="fid,is", num_samples=1437, seed=0)
    print(
        f"RESULT d_size={a.d_size} d_width={a.d_width} width={a.width} batch={a.batch} lr={a.glr}/{a.dlr} "
        f"seed={a.seed} steps={steps} train_s={train:.0f} (first call {warm:.0f}) steps/s={steps / train:.1f} "
        f"FID={scores['fid']:.2f} IS={scores['is']:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
