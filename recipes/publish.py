"""Train, evaluate and publish the shipped presets, then regenerate the registry.

    python -m recipes.publish                       # every preset in PRESET_RECIPES
    python -m recipes.publish dcgan_digits --epochs 5
    python -m recipes.publish --no-train cgan_digits    # publish the finished run again
    python -m recipes.publish --evaluate dcgan_digits   # re-measure a preset's metrics

Each preset is trained with its recipe on offline data (the bundled digits and the
digit domains derived from them, the synthetic drums, the 2-D mixtures), evaluated
with the measures that fit its family (`evaluate_model`: digits-FID / KID / IS /
precision-recall with the shipped digits classifier, plus label accuracy, InfoGAN's
code structure, BiGAN's probe on E(x), CoGAN's pair agreement, CycleGAN's labels kept
and cycle errors; audio-FID / IS with the shipped drums classifier; modes and
high-quality fraction on a mixture), exported to ONNX (every network the family
exports, each checked against Keras to 1e-4) and written as a preset folder
(`zoo.pretrained.preset`) into the package's preset folder; `registry.json` is then
rewritten with every file's size and sha256. `publish_run` does the same for any
finished run folder (`gan-zoo publish`).
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
from zoo.data.domains import DIGITS_DOMAINS
from zoo.data.images import digits_arrays
from zoo.data.mixtures import MIXTURES
from zoo.io import atomic_path, write_text
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
#: ... or, for several arrays (CoGAN's pairs, a translator's inputs and translations):
REFERENCE_ARCHIVE = "samples.npz"
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


def _with_model(recipe: Recipe, *, image_size: int | None = None, epochs: int, **model: Any) -> Recipe:
    """`recipe` with `epochs`, `image_size` and model settings changed (the rest kept)."""
    return recipe.replace(epochs=epochs, image_size=image_size, model={**recipe.model, **model})


#: The shipped presets: one per registered family, on the bundled digits (CoGAN and
#: CycleGAN on their recipes' digit domains, WaveGAN on the drums), and the 2014 GAN on
#: 25 Gaussians. Epochs are cut to a few CPU-minutes of training each on a 2-core
#: machine (the critic families take 5 critic steps per batch).
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
        # The conditional, representation and two-domain families: their own recipes.
        get_recipe("cgan_digits").replace(epochs=30),
        get_recipe("acgan_digits").replace(epochs=30),
        get_recipe("infogan_digits"),
        get_recipe("bigan_digits").replace(epochs=30),
        get_recipe("cogan_digits").replace(epochs=30),
        # Width 8 (not 16) and a pool of 10 past fakes per domain (not 50: the pools are
        # weights too, 150 kB each at 50), so that two ResNet translators, two PatchGANs
        # and the pools fit in 2 MB.
        _with_model(get_recipe("cyclegan_digits"), epochs=8, width=8, pool_size=10),
        # The architecture families at 16x16 and width 32 (their recipes draw 32x32 at
        # width 64: 4-6 MB of weights); SAGAN's attention on the 8x8 feature maps.
        _with_model(
            get_recipe("sagan_digits"), epochs=20, image_size=16, latent_dim=32, width=32, attention_resolution=8
        ),
        _with_model(get_recipe("began_digits"), epochs=30, image_size=16, width=32),
        # The recipe as it is (d 8, 92 epochs = 2,944 generator steps, about 10 minutes
        # on the 2 cores): the weights of G and D are 0.2 MB.
        get_recipe("wavegan_drums"),
    )
}


# === Evaluation ===

#: The audio protocol of docs/architecture_families.md: generated clips against as many
#: clips of a drums set the model never saw (seed 100; training uses seed 0).
AUDIO_NUM_SAMPLES = 500
AUDIO_HELD_OUT_SEED = 100


def evaluate_model(
    model: zoo.GAN,
    dataset: str,
    *,
    dataset_b: str | None = None,
    seed: int = 0,
    num_samples: int | None = None,
) -> tuple[dict[str, float], dict[str, Any], Any]:
    """`(metrics, evaluation, samples)`: the scores of `model` on its dataset (and
    domain b, `dataset_b`, for a two-domain family), how they were measured, and the
    samples they were computed on (`model.sample(n, seed)`; for a translator, a dict
    of the held-out images and their translations)."""
    kind = model.data_kind
    if getattr(model, "batch_kind", None) == "two_domains":
        if dataset_b is None:
            raise ValueError(f"The {model.family!r} family learns two domains: give dataset_b (domain b).")
        if model.generator_inputs.noise is None:
            metrics, protocol, samples = _evaluate_translator(model, dataset, dataset_b)
            num_samples = len(samples["image_a"])
        else:
            num_samples = num_samples or DIGITS_NUM_SAMPLES
            metrics, protocol, samples = _evaluate_pairs(model, dataset, dataset_b, num_samples, seed)
    elif kind == "images" and dataset == "digits":
        num_samples = num_samples or DIGITS_NUM_SAMPLES
        metrics, protocol, samples = _evaluate_digits(model, num_samples, seed)
    elif kind == "audio" and dataset == "drums":
        num_samples = num_samples or AUDIO_NUM_SAMPLES
        metrics, protocol, samples = _evaluate_drums(model, num_samples, seed)
    elif kind == "vectors" and dataset in MIXTURES:
        from zoo.metrics import mode_coverage_for

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
            f"No offline evaluation for a {kind} {model.family!r} model on {dataset!r}: presets are evaluated on "
            f"digits (images, and the digit domains {', '.join(DIGITS_DOMAINS[1:])} for two-domain families), "
            f"drums (audio) or the 2-D mixtures {', '.join(MIXTURES)} (vectors)."
        )
    evaluation = {
        "protocol": protocol,
        "num_samples": num_samples,
        "seed": seed,
        "command": f"python -m recipes.publish --evaluate PRESET --seed {seed} --num-samples {num_samples}",
    }
    return {key: float(value) for key, value in metrics.items()}, evaluation, samples


def evaluate_preset(model: zoo.GAN, metadata: dict[str, Any], num_samples: int | None = None, seed: int | None = None):
    """`evaluate_model` of a loaded preset as its metadata says it was evaluated."""
    evaluation = metadata.get("evaluation", {})
    return evaluate_model(
        model,
        metadata["dataset"],
        dataset_b=metadata.get("dataset_b"),
        seed=evaluation.get("seed", 0) if seed is None else seed,
        num_samples=num_samples or evaluation.get("num_samples"),
    )


def _digits_scores(samples: np.ndarray, real: np.ndarray, metrics, seed: int, suffix: str = "") -> dict[str, float]:
    """digits-FID / KID / IS / precision-recall, named `digits_fid{suffix}`, ..."""
    from zoo.metrics import evaluate

    scores = evaluate.evaluate_images(samples, real, metrics, "digits", seed=seed)
    return {
        ("digits_" + key if key in ("fid", "kid", "kid_std", "is", "is_std") else key) + suffix: value
        for key, value in scores.items()
    }


def _evaluate_digits(model: zoo.GAN, num_samples: int, seed: int):
    from zoo.metrics import conditional, extractors

    real, labels = digits_arrays(model.data_shape[0], "test", model.data_shape[-1])
    samples = model.sample(num_samples, seed=seed)
    metrics = _digits_scores(samples, real, DIGITS_METRICS, seed)
    protocol = (
        f"{num_samples} samples (`model.sample({num_samples}, seed={seed})`) against the {len(real)} held-out "
        "digits (split `test`), in the features of the shipped digits classifier (docs/evaluation.md)."
    )
    inputs = model.generator_inputs
    if "label" in inputs:
        classifier = extractors.digits_classifier()
        metrics["label_accuracy"] = conditional.label_accuracy(model, classifier, seed=seed)["accuracy"]
        protocol += (
            f" label_accuracy: {conditional.PER_LABEL} samples of each label (inputs drawn with seed {seed}), the "
            "share the digits classifier gives the requested label (chance 10%; docs/conditional.md)."
        )
    if "category" in inputs and model.data_shape[-1] == 1:
        classifier = extractors.digits_classifier()
        structure = conditional.code_structure(
            model, classifier, extractors.digits_feature_extractor(classifier), real, labels, seed
        )
        metrics.update({f"code_{key}": value for key, value in structure.items()})
        protocol += (
            f" code_*: {conditional.PER_LABEL} samples of each category (seed {seed}); each category is mapped to "
            "the digit the classifier calls most of its samples and every held-out digit labelled by the category "
            "of its nearest generation (code_nearest_error); code_mutual_information between category and "
            "classifier label in bits (at most 3.32; docs/conditional.md)."
        )
    if hasattr(model, "encode"):
        train, train_labels = digits_arrays(model.data_shape[0], "train", model.data_shape[-1])
        metrics["probe_accuracy"] = conditional.probe_accuracy(model, train, train_labels, real, labels)
        protocol += (
            " probe_accuracy: a logistic-regression probe trained on E(x) of the training digits, accuracy on "
            "the held-out digits (docs/conditional.md)."
        )
    return metrics, protocol, samples


def _evaluate_pairs(model: zoo.GAN, dataset: str, dataset_b: str, num_samples: int, seed: int):
    """A coupled generator (CoGAN): each domain's digits-FID / IS, and whether the two
    images of one z show one digit."""
    from zoo.metrics import extractors, two_domain

    real, _ = digits_arrays(model.data_shape[0], "test", 1)
    samples = model.sample(num_samples, seed=seed)
    as_digits = {
        "a": two_domain.as_digits(samples["image_a"], dataset),
        "b": two_domain.as_digits(samples["image_b"], dataset_b),
    }
    metrics = {}
    for domain, images in as_digits.items():
        metrics.update(_digits_scores(images, real, ("fid", "is"), seed, suffix=f"_{domain}"))
    metrics.update(two_domain.pair_agreement(extractors.digits_classifier(), as_digits["a"], as_digits["b"], seed))
    protocol = (
        f"{num_samples} pairs (`model.sample({num_samples}, seed={seed})`), each domain seen as white digits on "
        f"black (`zoo.metrics.two_domain.as_digits`: {dataset_b} of domain b turned back), scored against the "
        f"{len(real)} held-out digits in the features of the shipped digits classifier (suffix _a, _b). "
        "same_label: the share of pairs whose two images the classifier gives one label; same_label_shuffled: "
        "the same with the pairs shuffled (chance; docs/two_domain.md)."
    )
    return metrics, protocol, samples


def _evaluate_translator(model: zoo.GAN, dataset: str, dataset_b: str):
    """A translator (CycleGAN) on the held-out images of both domains: labels kept,
    cycle errors, and digits-FID of each direction's translations."""
    from zoo.data import domain_arrays
    from zoo.metrics import extractors, two_domain

    shape_a, shape_b = model.domain_shapes
    images_a, truth = domain_arrays(dataset, shape_a[0], "test")
    images_b, truth_b = domain_arrays(dataset_b, shape_b[0], "test")
    if not np.array_equal(truth, truth_b):
        raise ValueError(f"{dataset} and {dataset_b} must be derived from the same held-out digits.")
    # A gray domain is tiled to the model's RGB, as the recipe's loader does.
    images_a = np.repeat(images_a, shape_a[-1], axis=-1) if images_a.shape[-1] != shape_a[-1] else images_a
    images_b = np.repeat(images_b, shape_b[-1], axis=-1) if images_b.shape[-1] != shape_b[-1] else images_b
    classifier = extractors.digits_classifier()
    samples = {
        "image_a": images_a,
        "translated_a2b": model.translate(images_a, "a2b"),
        "image_b": images_b,
        "translated_b2a": model.translate(images_b, "b2a"),
    }
    translated = (samples["translated_a2b"], samples["translated_b2a"])
    metrics = two_domain.translation_scores(model, classifier, images_a, images_b, truth, translated)
    real_a = two_domain.as_digits(images_a, dataset)
    real_b = two_domain.as_digits(images_b, dataset_b)
    fid_a2b = _digits_scores(two_domain.as_digits(samples["translated_a2b"], dataset_b), real_b, ("fid",), 0)
    fid_b2a = _digits_scores(two_domain.as_digits(samples["translated_b2a"], dataset), real_a, ("fid",), 0)
    metrics["digits_fid_a2b"] = fid_a2b["digits_fid"]
    metrics["digits_fid_b2a"] = fid_b2a["digits_fid"]
    protocol = (
        f"The {len(images_a)} held-out digits of both domains ({dataset}, {dataset_b}, split `test`), translated. "
        "a2b_keeps_label / b2a_keeps_label: the share of translations the shipped digits classifier still gives "
        "the true digit (each image seen as a white digit on black: `zoo.metrics.two_domain.as_digits`); "
        "cycle_error_a / _b: mean |F(G(a)) - a| and |G(F(b)) - b| on [-1, 1]; digits_fid_a2b / _b2a: digits-FID "
        "of the translations against the real held-out images of the target domain, both seen as digits "
        "(docs/two_domain.md)."
    )
    return metrics, protocol, samples


def _evaluate_drums(model: zoo.GAN, num_samples: int, seed: int):
    from zoo.data.audio import drums_arrays
    from zoo.metrics import evaluate_audio

    real, _ = drums_arrays(num_samples, model.data_shape[0], seed=AUDIO_HELD_OUT_SEED)
    samples = model.sample(num_samples, seed=seed)
    scores = evaluate_audio(samples, real, ("fid", "is"), seed=seed)
    metrics = {f"audio_{key}": value for key, value in scores.items()}
    protocol = (
        f"{num_samples} clips (`model.sample({num_samples}, seed={seed})`) against {num_samples} clips of a drums "
        f"set never trained on (seed {AUDIO_HELD_OUT_SEED}), in the features of the shipped drums classifier "
        "(`zoo.metrics.audio`; docs/architecture_families.md)."
    )
    return metrics, protocol, samples


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

    dataset_b = recipe.get("data_b")
    metrics, evaluation, samples = evaluate_model(
        model, dataset, dataset_b=dataset_b, seed=seed, num_samples=num_samples
    )
    evaluation["command"] = evaluation["command"].replace("PRESET", name)
    info = zoo.family_info(model.family)
    reference = (
        samples[:REFERENCE_SAMPLES]
        if isinstance(samples, np.ndarray)
        else {key: value[:REFERENCE_SAMPLES] for key, value in samples.items()}
    )
    metadata = {
        "name": name,
        "description": description or recipe.get("description") or f"{model.family} trained on {dataset}.",
        "family": model.family,
        "paper": info.paper,
        "citation": info.paper,
        "dataset": dataset,
        **({"dataset_b": dataset_b, "data_shape_b": list(model.domain_shapes[1])} if dataset_b else {}),
        "data_shape": list(model.data_shape),
        "value_range": [-1.0, 1.0] if model.output_activation == "tanh" else "unbounded",
        "generator_inputs": model.generator_inputs.get_config(),
        "sampler": SAMPLER,
        "exported_networks": [exported.name for exported in model.exports()],
        "reference_samples": _reference_description(model, reference, seed),
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
        reference_file = scratch / metadata["reference_samples"]["file"]
        if isinstance(reference, np.ndarray):
            np.save(reference_file, reference.astype("float32"), allow_pickle=False)
        else:
            np.savez(reference_file, **{key: value.astype("float32") for key, value in reference.items()})
        extra[reference_file.name] = reference_file
        _save_picture(model, samples, scratch / GRID_FILE, export.read_metadata(written[0]), dataset, name)
        extra[GRID_FILE] = scratch / GRID_FILE
        # Written and measured aside first: a preset over the limit never replaces one.
        built = zoo.pretrained.write_preset(model, scratch / "preset", metadata, extra)
        size = sum(path.stat().st_size for path in built.iterdir() if path.is_file())
        if max_bytes is not None and size > max_bytes:
            raise ValueError(f"Preset {name} is {size} bytes, over the limit of {max_bytes}; nothing was written.")
        with atomic_path(preset_dir, directory=True) as staging:
            shutil.copytree(built, staging)
    return preset_dir


def _reference_description(model: zoo.GAN, reference: Any, seed: int) -> dict[str, Any]:
    """The `reference_samples` entry of a preset's metadata: which file holds the
    first rows of the evaluation samples, and the call that reproduces them."""
    if isinstance(reference, np.ndarray):
        return {
            "file": REFERENCE_FILE,
            "call": f"model.sample({REFERENCE_SAMPLES}, seed={seed})",
            "n": REFERENCE_SAMPLES,
            "seed": seed,
        }
    if "translated_a2b" in reference:
        call = "model.translate(image_a, 'a2b') and model.translate(image_b, 'b2a'), the first held-out images"
    else:
        call = f"model.sample({REFERENCE_SAMPLES}, seed={seed})"
    return {"file": REFERENCE_ARCHIVE, "arrays": list(reference), "call": call, "n": REFERENCE_SAMPLES, "seed": seed}


def _save_picture(
    model: zoo.GAN, samples: Any, path: pathlib.Path, onnx_metadata: dict, dataset: str, name: str
) -> None:
    """The preset's picture: a grid of images (pairs side by side; a translator's
    input, translation, reconstruction), a waveform and spectrogram, or a scatter."""
    if isinstance(samples, dict) and "translated_a2b" in samples:
        from zoo.callbacks import save_translation_grid

        save_translation_grid(model.translate, samples["image_a"][:8], samples["image_b"][:8], path)
    elif isinstance(samples, dict):
        save_samples({key: value[:32] for key, value in samples.items()}, path, onnx_metadata, columns=16)
    elif model.data_kind == "images":
        save_samples(samples[:64], path, onnx_metadata)
    elif model.data_kind == "audio":
        from zoo.samples import save_audio_preview

        save_audio_preview(samples, path, title=f"{name}: 4 of {len(samples)} samples")
    else:
        from zoo.metrics import scatter_plot

        scatter_plot(samples, MIXTURES[dataset](), path, title=f"{name}: {len(samples)} samples")


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
    train: bool = True,
) -> dict[str, dict[str, Any]]:
    """Train and publish each preset of `names` (default: all of PRESET_RECIPES) into
    `out`, then rewrite the registry of `out`; returns {name: metrics and timing}.

    `overrides` change every recipe (e.g. tiny networks for a test). Each run starts
    from scratch in `runs/NAME`, so a re-run reproduces the metrics; `train=False`
    publishes the finished runs there as they are (after a change to the evaluation).
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
        start = time.perf_counter()
        if train:
            shutil.rmtree(run, ignore_errors=True)  # no resume: a re-run must reproduce the preset
            print(f"[publish] {name}: training {recipe.family} on {recipe.data} for {recipe.epochs} epochs", flush=True)
            result = run_recipe(recipe, run, export_onnx=False, verbose=verbose, seed=seed)
            write_text(run / "timing.json", json.dumps({"train_seconds": round(result.seconds, 1)}))
        elif not (run / "model.keras").is_file():
            raise FileNotFoundError(f"No finished run of {name} in {run} to publish: train it (drop --no-train).")
        preset = publish_run(run, out / name, seed=seed, max_bytes=max_bytes, description=recipe.description)
        metadata = zoo.pretrained.read_metadata(preset)
        size = sum(path.stat().st_size for path in preset.iterdir() if path.is_file())
        results[name] = {**metadata["metrics"], "bytes": size, **metadata.get("training", {})}
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
        (
            "| preset | family | data | MB | epochs | train s | digits-FID | digits-IS | precision | recall | modes "
            "| the family's own metrics |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
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
            f"| {cell('precision', 2)} | {cell('recall', 2)} | {modes} | {_other_metrics(metrics)} |"
        )
    lines.append(f"| real digits, train split (the floor) | | digits | | | | {_real_digits_row()} | | |")
    lines.append(TABLE_END)
    return "\n".join(lines)


#: Metrics with a column of their own in `presets_table` (or left out: spreads, KID, counts).
_TABLE_COLUMNS = ("digits_fid", "digits_is", "precision", "recall", "modes", "num_modes", "high_quality")


def _other_metrics(metrics: dict[str, float]) -> str:
    """A preset's metrics without a column (label accuracy, probe, pairs, audio ...)."""
    return ", ".join(
        f"{key} {value:.3g}"
        for key, value in metrics.items()
        if key not in _TABLE_COLUMNS and "_std" not in key and "kid" not in key
    )


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
    parser.add_argument("--no-train", action="store_true", help="publish the finished runs in --runs as they are")
    parser.add_argument("--num-samples", type=int, help="evaluation samples (with --evaluate)")
    parser.add_argument("--evaluate", metavar="PRESET", help="only re-measure the metrics of a preset and print them")
    parser.add_argument("--table", action="store_true", help="only print the presets of the registry as a table")
    args = parser.parse_args(argv)
    if args.table:
        print(presets_table(args.registry))
        return 0
    if args.evaluate:
        model = zoo.pretrained.load(args.evaluate)
        metadata = zoo.pretrained.read_metadata(zoo.pretrained.resolve(args.evaluate))
        metrics, evaluation, _ = evaluate_preset(model, metadata, num_samples=args.num_samples, seed=args.seed)
        print(json.dumps({"preset": args.evaluate, "metrics": metrics, "evaluation": evaluation}, indent=2))
        return 0
    results = publish_all(
        args.names or None,
        out=args.out,
        registry_file=args.registry,
        runs=args.runs,
        epochs=args.epochs,
        seed=args.seed,
        train=not args.no_train,
    )
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
