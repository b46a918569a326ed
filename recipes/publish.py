"""Train, evaluate and publish the shipped presets, then regenerate the registry.

    python -m recipes.publish                       # every preset in PRESET_RECIPES
    python -m recipes.publish dcgan_digits --epochs 5
    python -m recipes.publish --evaluate dcgan_digits   # re-measure a preset's metrics

Each preset is trained with its recipe on offline data (the bundled digits, the 2-D
mixtures), evaluated (digits-FID / KID / IS / precision-recall with the shipped digits
classifier; modes and high-quality fraction on a mixture), exported to ONNX (checked
against Keras to 1e-4) and written as a preset folder (`zoo.pretrained.preset`) into
the package's preset folder; `registry.json` is then rewritten with every file's size
and sha256. `publish_run` does the same for any finished run folder (`gan-zoo publish`).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import functools
import json
import pathlib
import shutil
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from typing import Any

import numpy as np

import zoo
import zoo.pretrained
from recipes import get_recipe
from recipes.recipe import Recipe, run_recipe
from zoo.data.mixtures import MIXTURES
from zoo.samples import save_samples
from zoo.spec import SAMPLER

#: The digits evaluation protocol of docs/evaluation.md: as many samples as the
#: digits training split, against the 360 held-out digits.
DIGITS_NUM_SAMPLES = 1437
DIGITS_METRICS = ("fid", "kid", "is", "pr")
#: The VEEGAN / PacGAN sample size for mode coverage.
MIXTURE_NUM_SAMPLES = 2500
#: Reference samples stored with a preset: the first rows of the evaluation samples.
REFERENCE_SAMPLES = 16
REFERENCE_FILE = "samples.npy"
GRID_FILE = "samples.png"
#: The size limit of a shipped preset (all its files).
MAX_PRESET_BYTES = 2_000_000
LICENSE = "Apache-2.0"


def _digits_recipe(family: str, epochs: int, **changes: Any) -> Recipe:
    # 16x16 is the digits classifier's own size, and width 32 keeps a preset
    # (weights of G and D, plus the ONNX generator) well under 2 MB.
    settings = {
        "name": f"{family}_digits",
        "family": family,
        "data": "digits",
        "image_size": 16,
        "epochs": epochs,
        "batch_size": 32,
        "model": {"latent_dim": 32, "width": 32},
        "description": f"{zoo.family_info(family).summary} Trained on the bundled 8x8 digits at 16x16.",
    }
    settings.update(changes)
    return Recipe(**settings)


#: The shipped presets: one per family on the bundled digits, and the 2014 GAN on 25
#: Gaussians. Epochs are the recipes' cut to fit about 15 CPU-minutes of training in
#: all on a 2-core machine (the critic families take 5 critic steps per batch).
PRESET_RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (
        _digits_recipe("gan", 20, batch_size=64, model={"latent_dim": 64, "width": 256}),
        _digits_recipe("dcgan", 12),
        _digits_recipe("lsgan", 12),
        _digits_recipe("wgan", 6),
        _digits_recipe("wgan_gp", 6),
        _digits_recipe("sngan", 12),
        get_recipe("gan_grid25").replace(epochs=8),
    )
}


# === Evaluation ===


def evaluate_model(
    model: zoo.GAN, dataset: str, *, seed: int = 0, num_samples: int | None = None
) -> tuple[dict[str, float], dict[str, Any], np.ndarray]:
    """`(metrics, evaluation, samples)`: the scores of `model` on its dataset, how
    they were measured, and the generated samples they were computed on
    (`model.sample(n, seed)`)."""
    from zoo.metrics import evaluate, mode_coverage_for

    kind = model.data_kind
    if kind == "images" and dataset == "digits":
        from zoo.data.images import digits_arrays

        num_samples = num_samples or DIGITS_NUM_SAMPLES
        real, _ = digits_arrays(model.data_shape[0], "test", model.data_shape[-1])
        samples = model.sample(num_samples, seed=seed)
        scores = evaluate.evaluate_images(samples, real, DIGITS_METRICS, "digits", seed=seed)
        metrics = {
            ("digits_" + key if key in ("fid", "kid", "kid_std", "is", "is_std") else key): value
            for key, value in scores.items()
        }
        protocol = (
            f"{num_samples} samples (`model.sample({num_samples}, seed={seed})`) against the {len(real)} held-out "
            "digits (split `test`), in the features of the shipped digits classifier (docs/evaluation.md)."
        )
    elif kind == "vectors" and dataset in MIXTURES:
        num_samples = num_samples or MIXTURE_NUM_SAMPLES
        samples = model.sample(num_samples, seed=seed)
        coverage = mode_coverage_for(dataset, samples)
        metrics = {
            "modes": coverage.modes_captured,
            "num_modes": coverage.num_modes,
            "high_quality": coverage.high_quality_fraction,
        }
        protocol = (
            f"{num_samples} samples (`model.sample({num_samples}, seed={seed})`); a mode is captured when a "
            "sample lies within 3 std of its centre (VEEGAN 2017 / PacGAN 2018)."
        )
    else:
        raise ValueError(
            f"No offline evaluation for a {kind} model on {dataset!r}: presets are evaluated on digits "
            f"(images) or the 2-D mixtures {', '.join(MIXTURES)} (vectors)."
        )
    evaluation = {
        "protocol": protocol,
        "num_samples": num_samples,
        "seed": seed,
        "command": f"python -m recipes.publish --evaluate PRESET --seed {seed} --num-samples {num_samples}",
    }
    return {key: float(value) for key, value in metrics.items()}, evaluation, samples


# === Publishing ===


def _training_summary(run: pathlib.Path, recipe: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    history = run / "history.csv"
    if history.is_file():
        with history.open() as stream:
            rows = list(csv.DictReader(stream))
        if rows:
            summary["epochs"] = len(rows)
            for key in ("d_loss", "g_loss"):
                if key in rows[-1]:
                    summary[f"final_{key}"] = float(rows[-1][key])
    timing = run / "timing.json"
    if timing.is_file():
        summary.update(json.loads(timing.read_text()))
    return summary


def publish_run(
    run_folder: str | pathlib.Path,
    preset_dir: str | pathlib.Path,
    *,
    name: str | None = None,
    description: str | None = None,
    seed: int = 0,
    num_samples: int | None = None,
    max_bytes: int | None = None,
) -> pathlib.Path:
    """Write the preset of a finished run folder (its `model.keras` and `recipe.json`)
    at `preset_dir`: ONNX export (parity-checked), evaluation, reference samples,
    metadata, model card and manifest. Returns `preset_dir`."""
    import keras

    import export

    run = pathlib.Path(run_folder)
    model_path = run / "model.keras"
    if not model_path.is_file():
        raise FileNotFoundError(f"No model.keras in {run}: expected a run folder written by `gan-zoo train`.")
    model = keras.saving.load_model(model_path, compile=False, safe_mode=True)
    if not isinstance(model, zoo.GAN):
        raise TypeError(f"{model_path} holds a {type(model).__name__}, not a zoo.GAN.")
    recipe = json.loads((run / "recipe.json").read_text()) if (run / "recipe.json").is_file() else {}
    dataset = recipe.get("data") or getattr(model, "dataset", None)
    if not dataset:
        raise ValueError(f"{run} does not record its dataset (no recipe.json): cannot evaluate it.")
    model.dataset = dataset
    preset_dir = pathlib.Path(preset_dir)
    name = name or preset_dir.name

    metrics, evaluation, samples = evaluate_model(model, dataset, seed=seed, num_samples=num_samples)
    evaluation["command"] = evaluation["command"].replace("PRESET", name)
    info = zoo.family_info(model.family)
    metadata = {
        "name": name,
        "description": description or recipe.get("description") or f"{model.family} trained on {dataset}.",
        "family": model.family,
        "paper": info.paper,
        "citation": info.paper,
        "dataset": dataset,
        "data_shape": list(model.data_shape),
        "value_range": [-1.0, 1.0] if model.output_activation == "tanh" else "unbounded",
        "generator_inputs": model.generator_inputs.get_config(),
        "sampler": SAMPLER,
        "exported_networks": [exported.name for exported in model.exports()],
        "reference_samples": {
            "file": REFERENCE_FILE,
            "call": f"model.sample({REFERENCE_SAMPLES}, seed={seed})",
            "n": REFERENCE_SAMPLES,
            "seed": seed,
        },
        "license": LICENSE,
        "recipe": recipe,
        "training": _training_summary(run, recipe),
        "metrics": metrics,
        "evaluation": evaluation,
        "versions": _versions(),
    }
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        # Every network the model exports (generator.onnx first), each checked against Keras.
        written = export.export_model(model, scratch / "onnx", "onnx", dataset=dataset)
        extra = {path.name: path for path in written}
        np.save(scratch / REFERENCE_FILE, samples[:REFERENCE_SAMPLES].astype("float32"), allow_pickle=False)
        extra[REFERENCE_FILE] = scratch / REFERENCE_FILE
        if model.data_kind == "images":
            save_samples(samples[:64], scratch / GRID_FILE, export.read_metadata(written[0]))
        else:
            from zoo.metrics import scatter_plot

            scatter_plot(samples, MIXTURES[dataset](), scratch / GRID_FILE, title=f"{name}: {len(samples)} samples")
        extra[GRID_FILE] = scratch / GRID_FILE
        zoo.pretrained.write_preset(model, preset_dir, metadata, extra)
    size = sum(path.stat().st_size for path in preset_dir.iterdir() if path.is_file())
    if max_bytes is not None and size > max_bytes:
        raise ValueError(f"Preset {name} is {size} bytes, over the limit of {max_bytes}.")
    return preset_dir


def _versions() -> dict[str, str]:
    import keras
    import tensorflow as tf

    return {"keras-gan-zoo": zoo.__version__, "keras": keras.__version__, "tensorflow": tf.__version__}


def publish_all(
    names: list[str] | None = None,
    *,
    out: str | pathlib.Path = zoo.pretrained.PRESETS_DIR,
    registry_file: str | pathlib.Path | None = None,
    runs: str | pathlib.Path = "runs/publish",
    epochs: int | None = None,
    overrides: dict[str, Any] | None = None,
    seed: int = 0,
    max_bytes: int = MAX_PRESET_BYTES,
    verbose: int | str = 2,
) -> dict[str, dict[str, Any]]:
    """Train and publish each preset of `names` (default: all of PRESET_RECIPES) into
    `out`, then rewrite the registry of `out`; returns {name: metrics and timing}.

    `overrides` change every recipe (e.g. tiny networks for a test). Each run starts
    from scratch in `runs/NAME`, so a re-run reproduces the metrics.
    """
    out = pathlib.Path(out)
    registry_file = pathlib.Path(registry_file) if registry_file else out.parent / "registry.json"
    names = names or list(PRESET_RECIPES)
    unknown = [name for name in names if name not in PRESET_RECIPES]
    if unknown:
        raise ValueError(f"Unknown preset recipe {unknown[0]!r}; known: {', '.join(PRESET_RECIPES)}.")
    results = {}
    for name in names:
        recipe = PRESET_RECIPES[name].replace(epochs=epochs)
        if overrides:
            recipe = dataclasses.replace(recipe, **overrides)
        run = pathlib.Path(runs) / name
        shutil.rmtree(run, ignore_errors=True)  # no resume: a re-run must reproduce the preset
        print(f"[publish] {name}: training {recipe.family} on {recipe.data} for {recipe.epochs} epochs", flush=True)
        start = time.perf_counter()
        result = run_recipe(recipe, run, export_onnx=False, verbose=verbose, seed=seed)
        (run / "timing.json").write_text(json.dumps({"train_seconds": round(result.seconds, 1)}))
        preset = publish_run(run, out / name, seed=seed, max_bytes=max_bytes, description=recipe.description)
        metadata = zoo.pretrained.read_metadata(preset)
        size = sum(path.stat().st_size for path in preset.iterdir() if path.is_file())
        results[name] = {**metadata["metrics"], "bytes": size, "train_seconds": round(result.seconds, 1)}
        print(f"[publish] {name}: {results[name]} in {time.perf_counter() - start:.0f} s", flush=True)
    zoo.pretrained.write_registry(out, registry_file)
    return results


TABLE_START = "<!-- recipes.publish table start -->"
TABLE_END = "<!-- recipes.publish table end -->"


def _cell(metrics: dict[str, float], key: str, digits: int = 3) -> str:
    return f"{metrics[key]:.{digits}g}" if key in metrics else ""


def presets_table(registry: str | pathlib.Path | None = None) -> str:
    """The presets of a registry as a markdown table: size, training and metrics."""
    lines = [
        TABLE_START,
        "| preset | family | data | MB | epochs | train s | digits-FID | digits-IS | precision | recall | modes |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    registry = zoo.pretrained.load_registry(registry)
    for name in registry.names():
        entry = registry.get(name)
        url = urllib.parse.urlparse(entry.file("metadata.json").urls[0])
        folder = pathlib.Path(urllib.request.url2pathname(url.path)).parent
        training = zoo.pretrained.read_metadata(folder).get("training", {}) if url.scheme == "file" else {}
        metrics = entry.metrics
        cell = functools.partial(_cell, metrics)
        modes = ""
        if "modes" in metrics:
            modes = f"{metrics['modes']:.0f} / {metrics['num_modes']:.0f}, {metrics['high_quality']:.1%} HQ"
        lines.append(
            f"| `{name}` | {entry.family} | {entry.dataset} | {entry.size / 1e6:.2f} | {training.get('epochs', '')} "
            f"| {training.get('train_seconds', '')} | {cell('digits_fid')} | {cell('digits_is')} "
            f"| {cell('precision', 2)} | {cell('recall', 2)} | {modes} |"
        )
    lines.append(f"| real digits, train split (the floor) | | digits | | | | {_real_digits_row()} | |")
    lines.append(TABLE_END)
    return "\n".join(lines)


def _real_digits_row() -> str:
    """digits-FID / IS / precision / recall of the 1,437 real training digits at 16x16,
    scored like a preset: what a perfect generator would reach."""
    from zoo.data.images import digits_arrays
    from zoo.metrics import evaluate

    train, _ = digits_arrays(16, "train")
    test, _ = digits_arrays(16, "test")
    scores = evaluate.evaluate_images(train, test, ("fid", "is", "pr"), "digits")
    return " | ".join(
        f"{scores[key]:.{digits}g}" for key, digits in (("fid", 3), ("is", 3), ("precision", 2), ("recall", 2))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m recipes.publish", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"presets to publish (default: all of {', '.join(PRESET_RECIPES)})")
    parser.add_argument("--epochs", type=int, help="epochs of every recipe (default: the recipe's)")
    parser.add_argument("--out", default=str(zoo.pretrained.PRESETS_DIR), help="preset folder (default: the package's)")
    parser.add_argument("--registry", help="registry file to rewrite (default: OUT/../registry.json)")
    parser.add_argument("--runs", default="runs/publish", help="where the training runs go")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num-samples", type=int, help="evaluation samples (with --evaluate)")
    parser.add_argument("--evaluate", metavar="PRESET", help="only re-measure the metrics of a preset and print them")
    parser.add_argument("--table", action="store_true", help="only print the presets of the registry as a table")
    args = parser.parse_args(argv)
    if args.table:
        print(presets_table(args.registry))
        return 0
    if args.evaluate:
        model = zoo.pretrained.load(args.evaluate)
        metrics, evaluation, _ = evaluate_model(model, model.dataset, seed=args.seed, num_samples=args.num_samples)
        print(json.dumps({"preset": args.evaluate, "metrics": metrics, "evaluation": evaluation}, indent=2))
        return 0
    results = publish_all(
        args.names or None,
        out=args.out,
        registry_file=args.registry,
        runs=args.runs,
        epochs=args.epochs,
        seed=args.seed,
    )
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
