"""Inference latency of an exported DCGAN generator: Keras against its artifacts.

Times, in one process and on the same z, from a numpy batch of noise to a numpy
batch of images:

- the Keras generator called eagerly, `generator(z, training=False)`;
- the same call inside a `tf.function` (a graph, with no `predict` machinery);
- the SavedModel's `serving_default` signature (`tf.saved_model.load`);
- onnxruntime's `session.run` (default threads, and one thread), and
  `export.OnnxGenerator.generate(z=...)` on top.

The methods take turns in `--rounds` blocks of calls, so that load from other
processes falls on all of them alike, while no call follows straight on another
runtime's (TensorFlow's and onnxruntime's thread pools spin for a while after
their work and would slow the next one down). The median of `--repeats` calls
after `--warmup` calls is reported, with each method's speed-up over the SavedModel.

    python bench/inference.py --repeats 300 --out docs/inference.md
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

# Before TensorFlow loads: fewer of its C++ logs between the lines of the table.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import keras
import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf
import tf2onnx
from machine import machine_facts

import export
import zoo

BASELINE = "SavedModel signature"
#: The speed-up over the SavedModel that the export issue asks of onnxruntime at batch 1.
GOAL = 3.0
BENCH_START = "<!-- bench:start -->"
BENCH_END = "<!-- bench:end -->"


def runners(model: zoo.GAN, folder: pathlib.Path) -> dict[str, object]:
    """Callables `z -> numpy images`, one per way of running the generator."""
    generator = model.generator
    onnx_path = export.to_onnx(model, folder / "generator.onnx")
    savedmodel_path = export.to_savedmodel(model, folder / "generator_savedmodel")

    graph_call = tf.function(
        lambda z: generator(z, training=False),
        input_signature=[tf.TensorSpec((None, model.latent_dim), tf.float32)],
    )
    signature = tf.saved_model.load(str(savedmodel_path)).signatures["serving_default"]
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    # One thread: no thread pool to wake or to share with other processes' work.
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    single_thread = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    onnx_generator = export.OnnxGenerator(onnx_path, providers=["CPUExecutionProvider"])
    return {
        "Keras call (eager)": lambda z: generator(z, training=False).numpy(),
        "Keras call in tf.function": lambda z: graph_call(z).numpy(),
        BASELINE: lambda z: signature(z=tf.constant(z))["image"].numpy(),
        "onnxruntime session.run": lambda z: session.run(None, {"z": z})[0],
        "onnxruntime, 1 thread": lambda z: single_thread.run(None, {"z": z})[0],
        "OnnxGenerator.generate(z=)": lambda z: onnx_generator.generate(z=z),
    }


def measure(
    methods: dict[str, object], z: np.ndarray, repeats: int, warmup: int, rounds: int
) -> dict[str, list[float]]:
    """Seconds per call of each method; the methods take turns, a block of calls each."""
    reference = None
    for name, run in methods.items():
        for _ in range(warmup):
            outputs = run(z)
        if reference is None:
            reference = outputs
        # Every method must compute the same images, or the timing compares nothing.
        difference = float(np.max(np.abs(outputs - reference)))
        if difference > 1e-4:
            raise RuntimeError(f"{name} differs from the first method by {difference:.3g}.")
    times = {name: [] for name in methods}
    for round_index in range(rounds):
        block = repeats // rounds + (round_index < repeats % rounds)
        for name, run in methods.items():
            run(z)  # lets the previous runtime's threads go quiet before timing
            for _ in range(block):
                start = time.perf_counter()
                run(z)
                times[name].append(time.perf_counter() - start)
    return times


def table(results: dict[int, dict[str, list[float]]]) -> list[str]:
    """A markdown table: median and spread per method and batch size, speed-up vs SavedModel."""
    lines = [
        "| Batch | Method | Median (ms) | p10–p90 (ms) | Images/s | Speed-up vs SavedModel |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for batch_size, times in results.items():
        baseline = statistics.median(times[BASELINE])
        for name, seconds in times.items():
            median = statistics.median(seconds)
            deciles = statistics.quantiles(seconds, n=10)
            lines.append(
                f"| {batch_size} | {name} | {median * 1e3:.3f} | {deciles[0] * 1e3:.3f}–{deciles[-1] * 1e3:.3f} "
                f"| {batch_size / median:,.0f} | {baseline / median:.2f}× |"
            )
    return lines


def verdict(results: dict[int, dict[str, list[float]]]) -> str:
    if 1 not in results:
        return "Batch 1 was not measured: no verdict on the goal."
    times = results[1]
    speedup = statistics.median(times[BASELINE]) / statistics.median(times["onnxruntime session.run"])
    met = "met" if speedup >= GOAL else "not met"
    return f"Goal (onnxruntime ≥ {GOAL:g}× faster than the SavedModel at batch 1): **{met}**, {speedup:.2f}×."


def markdown(info: dict[str, str], setup: str, lines: list[str], goal: str) -> str:
    machine_lines = [f"- {key}: {value}" for key, value in info.items()]
    return "\n".join([BENCH_START, setup, "", *machine_lines, "", *lines, "", goal, BENCH_END]) + "\n"


def write_markdown(path: pathlib.Path, section: str) -> None:
    """Replace the marked benchmark section of `path`, keeping the prose around it;
    a new file gets a title."""
    if path.exists() and BENCH_START in (text := path.read_text()) and BENCH_END in text:
        before, rest = text.split(BENCH_START, 1)
        after = rest.split(BENCH_END, 1)[1].lstrip("\n")
        path.write_text(before + section + ("\n" + after if after else ""))
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Inference benchmark\n\n" + section)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=300, help="timed calls per method and batch size")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls first (tracing, allocation)")
    parser.add_argument("--rounds", type=int, default=10, help="blocks the repeats are split into, taking turns")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--out", type=pathlib.Path, help="write the table to this markdown file")
    args = parser.parse_args(argv)
    if args.repeats < 10 or args.warmup < 1 or not 1 <= args.rounds <= args.repeats:
        parser.error("--repeats must be at least 10, --warmup at least 1, --rounds in [1, repeats].")

    info = machine_facts({"onnxruntime": ort.__version__, "tf2onnx": tf2onnx.__version__, "onnx": onnx.__version__})
    keras.utils.set_random_seed(0)
    model = zoo.create("dcgan", data_shape=(args.image_size, args.image_size, args.channels))
    setup = (
        f"DCGAN generator, {args.image_size}×{args.image_size}×{args.channels}, latent_dim {model.latent_dim}, "
        f"width {model.width} ({model.generator.count_params():,} parameters); "
        f"median of {args.repeats} calls in {args.rounds} turns after {args.warmup} warm-up calls; "
        "numpy z in, numpy images out; both runtimes at their default threads except the 1-thread row."
    )
    print(setup)
    for key, value in info.items():
        print(f"{key}: {value}")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        methods = runners(model, pathlib.Path(folder))
        for batch_size in args.batch_sizes:
            z = model.sample_noise(batch_size, seed=batch_size)
            results[batch_size] = measure(methods, z, args.repeats, args.warmup, args.rounds)
    info["Load average (1, 5, 15 min) at end"] = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    lines = table(results)
    goal = verdict(results)
    print("\n".join(["", *lines, "", goal, f"Load average at end: {info['Load average (1, 5, 15 min) at end']}"]))
    if args.out:
        write_markdown(args.out, markdown(info, setup, lines, goal))
        print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
