"""One short single-seed run on a 2-D mixture, scored at four points of training:
the sweep behind the choices of the `pacgan_*` recipes (docs/mode_coverage.md).

Prints the arguments, then `steps:modes/HQ%` at each quarter of training and the
seconds. The numbers are one seed each: they pick what to measure with
`bench/mode_coverage.py`, they are not its results.

    python bench/mode_coverage_sweep.py --steps 4000 --latent 16 --decay \
        --compile-extra '{"g_learning_rate": 1e-3, "d_learning_rate": 1e-2}' --pack 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras

import zoo
from zoo.callbacks import LinearDecay
from zoo.data import load_dataset
from zoo.metrics.mode_coverage import NUM_EVAL_POINTS, mode_coverage_for


class Probe(keras.callbacks.Callback):
    """Scores the sampling generator every `every` epochs."""

    def __init__(self, dataset: str, every: int, steps_per_epoch: int, seed: int):
        super().__init__()
        self.dataset, self.every, self.steps_per_epoch, self.seed = dataset, every, steps_per_epoch, seed
        self.scores: list[str] = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            points = self.model.generate(self.model.sample_noise(NUM_EVAL_POINTS, seed=10_000 + self.seed))
            coverage = mode_coverage_for(self.dataset, points)
            step = (epoch + 1) * self.steps_per_epoch
            self.scores.append(f"{step}:{coverage.modes_captured}/{100 * coverage.high_quality_fraction:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", default="gan")
    parser.add_argument("--data", default="grid25")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--latent", type=int, default=2)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--pack", type=int, default=1)
    parser.add_argument("--ema", type=float, default=None)
    parser.add_argument("--lr", type=float, default=None, help="both learning rates")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--decay", action="store_true", help="LinearDecay to 0 over the second half")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--extra", default="{}", help="more zoo.create arguments, JSON")
    parser.add_argument("--compile-extra", default="{}", help="more compile arguments, JSON")
    args = parser.parse_args()
    keras.utils.set_random_seed(args.seed)
    model = zoo.create(
        args.family,
        data_shape=(2,),
        latent_dim=args.latent,
        width=args.width,
        hidden_layers=args.layers,
        pack=args.pack,
        ema=args.ema,
        **json.loads(args.extra),
    )
    compile_args = json.loads(args.compile_extra)
    if args.lr:
        compile_args.update(g_learning_rate=args.lr, d_learning_rate=args.lr)
    model.compile(steps_per_execution=50, **compile_args)
    data = load_dataset(args.data, batch_size=args.batch, num_samples=100_000, seed=args.seed).repeat()
    epochs = args.steps // 100
    probe = Probe(args.data, max(1, epochs // 4), 100, args.seed)
    callbacks = [LinearDecay(epochs)] if args.decay else []
    start = time.perf_counter()
    model.fit(data, epochs=epochs, steps_per_epoch=100, verbose=0, callbacks=[*callbacks, probe])
    seconds = time.perf_counter() - start
    print(" ".join(sys.argv[1:]), "|", " ".join(probe.scores), f"| {seconds:.0f}s (load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
