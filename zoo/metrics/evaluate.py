"""`evaluate_generator`: score a generator against real images with the metrics of
`zoo.metrics.scores`, whatever form the generator takes.

A generator is a `zoo.GAN`, an `export.OnnxGenerator`, a bare Keras generator
network, the path of a `.keras` model or of a run folder holding `model.keras`, or
any callable `n -> images`. Samples are drawn in batches from inputs fixed by `seed`
(`zoo.spec`), then fed through one feature space:

- `"digits"`: the shipped digits classifier (`digits_feature_extractor` for FID, KID,
  precision / recall and density / coverage; its class probabilities for the IS).
- `"inception"`: InceptionV3 pool features and ImageNet probabilities (Heusel et al.
  2017; Salimans et al. 2016). Needs the Keras ImageNet weights in the cache.
- any `keras.Model`: its outputs are the features; pass `classifier=` for the IS.

    scores = evaluate_generator("runs/dcgan_digits", real_images, metrics=("fid", "is"))
    scores["fid"], scores["is"], scores["is_std"]
"""

from __future__ import annotations

import dataclasses
import math
import os
import pathlib
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike

from zoo.metrics import extractors, scores

#: Metric name -> the keys it adds to the result.
METRICS: dict[str, tuple[str, ...]] = {
    "fid": ("fid",),
    "kid": ("kid", "kid_std"),
    "is": ("is", "is_std"),
    "pr": ("precision", "recall"),
    "dc": ("density", "coverage"),
}
DEFAULT_METRICS = ("fid", "kid", "is", "pr")
EXTRACTORS = ("digits", "inception")
#: The KID subset size of Bińkowski et al. 2018; smaller sets use half their size so
#: the subsets differ and the std means something.
KID_SUBSET_SIZE = 1000


def check_metrics(metrics: str | Sequence[str]) -> tuple[str, ...]:
    """Metric names as a tuple (a comma-separated string works too); ValueError on an
    unknown or repeated name, listing the known ones."""
    if isinstance(metrics, str):
        metrics = [name.strip() for name in metrics.split(",") if name.strip()]
    metrics = tuple(str(name).lower() for name in metrics)
    if not metrics:
        raise ValueError(f"No metric given; known metrics: {', '.join(METRICS)}.")
    unknown = [name for name in metrics if name not in METRICS]
    if unknown:
        raise ValueError(
            f"Unknown metric {', '.join(map(repr, unknown))}; known metrics: {', '.join(METRICS)} "
            "(fid, kid, inception score, precision/recall, density/coverage)."
        )
    if len(set(metrics)) != len(metrics):
        raise ValueError(f"Metric names repeat: {metrics}.")
    return metrics


# === Feature spaces ===


@dataclasses.dataclass
class FeatureSpace:
    """The networks that turn images into what the metrics read.

    `features` maps images to feature vectors (FID, KID, PR, DC); `classifier` maps
    them to class probabilities (IS), or is None when there is none. `channels` lists
    the channel counts the networks accept; 3-channel images are averaged to gray for
    a 1-channel space (`prepare`).
    """

    name: str
    features: keras.Model
    classifier: keras.Model | None
    channels: tuple[int, ...]

    def prepare(self, images: ArrayLike, what: str = "images") -> np.ndarray:
        """`images` as float32 (n, h, w, c) this space can take, or a clear ValueError."""
        images = np.asarray(images)
        if images.ndim != 4:
            raise ValueError(
                f"{what} must be a batch of images (n, height, width, channels) for the {self.name!r} "
                f"features; got shape {images.shape}. (Vector generators, e.g. on the 2-D mixtures, "
                "are scored with zoo.metrics.mode_coverage_for.)"
            )
        if images.shape[0] == 0:
            raise ValueError(f"{what} is empty.")
        channels = images.shape[-1]
        if channels not in self.channels:
            if channels == 3 and 1 in self.channels:
                images = images.mean(axis=-1, keepdims=True)
            else:
                raise ValueError(
                    f"The {self.name!r} features take images with {' or '.join(map(str, self.channels))} "
                    f"channels; {what} have {channels} (shape {images.shape})."
                )
        images = images.astype("float32", copy=False)
        if not np.all(np.isfinite(images)):
            raise ValueError(f"{what} contain NaN or infinite values (a diverged generator?).")
        return images


def feature_space(
    extractor: str | os.PathLike | keras.Model = "digits",
    classifier: str | os.PathLike | keras.Model | None = None,
) -> FeatureSpace:
    """The `FeatureSpace` named `"digits"` or `"inception"`, or the given networks.

    `extractor` may also be the path of a saved `.keras` feature model; `classifier`
    (a model or path, softmax outputs) replaces the space's classifier for the IS.
    """
    if classifier is not None and not isinstance(classifier, keras.Model):
        classifier = _load_keras_model(classifier, "classifier")
    if isinstance(extractor, str) and extractor in EXTRACTORS:
        if extractor == "digits":
            digits = extractors.digits_classifier()
            return FeatureSpace("digits", extractors.digits_feature_extractor(digits), classifier or digits, (1,))
        return FeatureSpace(
            "inception",
            extractors.inception_extractor(),
            classifier or _optional_inception_classifier(),
            (1, 3),
        )
    if isinstance(extractor, (str, os.PathLike)):
        if not str(extractor).endswith(".keras"):
            raise ValueError(
                f"Unknown extractor {str(extractor)!r}: expected {' or '.join(map(repr, EXTRACTORS))}, "
                "a keras.Model, or the path of a .keras feature model."
            )
        extractor = _load_keras_model(extractor, "extractor")
    if not isinstance(extractor, keras.Model):
        raise TypeError(
            f"extractor must be {' or '.join(map(repr, EXTRACTORS))}, a keras.Model or a .keras path; "
            f"got {type(extractor).__name__}."
        )
    channels = extractor.inputs[0].shape[-1] if extractor.inputs else None
    return FeatureSpace(extractor.name, extractor, classifier, (1, 3) if channels is None else (int(channels),))


def _optional_inception_classifier() -> keras.Model | None:
    # FID needs only the no-top weights; the IS is refused later, with this reason,
    # only when asked for.
    try:
        return extractors.inception_classifier()
    except FileNotFoundError:
        return None


def _load_keras_model(path: str | os.PathLike, what: str) -> keras.Model:
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No {what} model at {path}.")
    return keras.saving.load_model(path, compile=False)


# === Generators ===


class Sampler:
    """A uniform view of a generator for scoring: `sample(n, seed)` in batches and,
    where it declares its inputs, `sample_inputs(n, seed)` / `generate(inputs)`.

    Built by `as_sampler` around a `zoo.GAN`, an `export.OnnxGenerator` (anything
    with `generator_inputs`, `sample_inputs` and `generate(**inputs)`), a bare Keras
    network, or a callable `n -> images`.
    """

    def __init__(
        self,
        description: str,
        generator: Any = None,
        draw: Callable[[int], np.ndarray] | None = None,
        data_shape: tuple[int, ...] | None = None,
        dataset: str | None = None,
    ):
        self.description = description
        self.generator = generator
        self._draw = draw
        self.data_shape = data_shape
        self.dataset = dataset

    @property
    def generator_inputs(self):
        return None if self.generator is None else self.generator.generator_inputs

    def _declared(self) -> Any:
        if self.generator is None:
            raise ValueError(f"{self.description} is a plain callable: it declares no inputs.")
        return self.generator

    def sample_inputs(self, n: int, seed: int | None = 0, **fixed: Any) -> dict[str, np.ndarray]:
        return self._declared().sample_inputs(n, seed, **fixed)

    def generate(self, inputs: dict[str, np.ndarray], batch_size: int = 256) -> np.ndarray:
        """Samples for the given named inputs, `batch_size` rows at a time."""
        return self._declared().generate(batch_size=batch_size, **inputs)

    def sample(self, n: int, seed: int | None = 0, batch_size: int = 256) -> np.ndarray:
        """`n` samples; for generators with declared inputs the same seed gives the same ones."""
        if int(n) != n or n < 1:
            raise ValueError(f"The number of samples must be a positive integer, got {n}.")
        n = int(n)
        if self.generator is not None:
            samples = self.generate(self.sample_inputs(n, seed), batch_size)
        else:
            samples = np.asarray(self._draw(n))
        if isinstance(samples, dict):
            raise TypeError(f"{self.description} has several outputs ({list(samples)}); score them one by one.")
        if samples.shape[0] != n:
            raise ValueError(f"{self.description} returned {samples.shape[0]} samples when asked for {n}.")
        return samples


def _load_keras_generator(path: str | os.PathLike) -> Any:
    """A `.keras` file, or the `model.keras` of a run folder, loaded."""
    path = pathlib.Path(path)
    if path.is_dir():
        if not (path / "model.keras").is_file():
            raise FileNotFoundError(f"Run folder {path} holds no model.keras.")
        path = path / "model.keras"
    if not path.exists():
        raise FileNotFoundError(f"No model at {path}: expected a .keras file or a run folder.")
    if path.suffix == ".onnx":
        raise ValueError(f"{path} is an ONNX file: pass export.OnnxGenerator({str(path)!r}) instead of its path.")
    if path.suffix != ".keras":
        raise ValueError(f"{path} is not a model: expected a .keras file or a run folder.")
    import zoo  # noqa: F401  (registers the families, so their models load)

    return keras.saving.load_model(path)


def as_sampler(generator: Any) -> Sampler:
    """Wrap a `zoo.GAN`, an `export.OnnxGenerator`, a `.keras` / run-folder path, a
    bare Keras generator network or a callable `n -> images` as a `Sampler`."""
    from zoo import spec
    from zoo.gan import GAN

    if isinstance(generator, Sampler):
        return generator
    if isinstance(generator, (str, os.PathLike)):
        sampler = as_sampler(_load_keras_generator(generator))
        sampler.description = str(generator)
        return sampler
    if isinstance(generator, GAN):
        return Sampler(
            f"{generator.family} model {generator.name!r}", generator, None, generator.data_shape, generator.dataset
        )
    if isinstance(generator, keras.Model):
        if len(generator.inputs) != 1:
            raise ValueError(
                f"Generator network {generator.name!r} takes {len(generator.inputs)} inputs; only noise-only "
                "networks can be sampled here (wrap it in a zoo.GAN that declares its inputs)."
            )
        tensor = generator.inputs[0]
        exported = spec.Exported(
            generator.name, generator, spec.InputSpec([spec.noise(int(tensor.shape[-1]), name=tensor.name)]), ("x",)
        )
        view = _ExportedView(exported)
        return Sampler(f"generator network {generator.name!r}", view, None, tuple(generator.outputs[0].shape[1:]))
    if (
        hasattr(generator, "generator_inputs")
        and hasattr(generator, "sample_inputs")
        and hasattr(generator, "generate")
    ):
        shape = getattr(generator, "data_shape", None)
        description = getattr(generator, "description", None) or type(generator).__name__
        return Sampler(
            description, generator, None, tuple(shape) if shape else None, getattr(generator, "dataset", None)
        )
    if callable(generator):
        name = getattr(generator, "__name__", type(generator).__name__)
        return Sampler(f"callable {name}", draw=generator)
    raise TypeError(
        "generator must be a zoo.GAN, an export.OnnxGenerator, a keras.Model, a .keras path or run folder, or a "
        f"callable n -> images; got {type(generator).__name__}."
    )


class _ExportedView:
    """A bare network with a declared noise input, seen through the generator protocol."""

    def __init__(self, exported):
        self.exported = exported
        self.generator_inputs = exported.inputs

    def sample_inputs(self, n, seed=0, **fixed):
        return self.generator_inputs.sample(n, seed, **fixed)

    def generate(self, batch_size=256, **inputs):
        return self.exported.run(inputs, batch_size)


# === Scores ===


def score_features(
    metrics: Sequence[str],
    real_features: np.ndarray,
    fake_features: np.ndarray | None,
    fake_probabilities: np.ndarray | None = None,
    *,
    seed: int = 0,
    is_splits: int = 10,
) -> dict[str, float]:
    """The scores of `metrics` from precomputed features / probabilities."""
    results: dict[str, float] = {}
    for name in metrics:
        if name == "fid":
            results["fid"] = scores.fid(real_features, fake_features)
        elif name == "kid":
            smaller = min(len(real_features), len(fake_features))
            subset = KID_SUBSET_SIZE if smaller >= 2 * KID_SUBSET_SIZE else max(2, smaller // 2)
            results["kid"], results["kid_std"] = scores.kid(real_features, fake_features, subset_size=subset, seed=seed)
        elif name == "is":
            splits = max(1, min(is_splits, len(fake_probabilities)))
            results["is"], results["is_std"] = scores.inception_score(fake_probabilities, splits)
        elif name == "pr":
            results["precision"], results["recall"] = scores.precision_recall(real_features, fake_features)
        elif name == "dc":
            results["density"], results["coverage"] = scores.density_coverage(real_features, fake_features)
    return results


def check_is_available(space: FeatureSpace, metrics: Sequence[str]) -> None:
    """ValueError, saying why, when "is" is asked of a space without a classifier."""
    if "is" in metrics and space.classifier is None:
        reason = (
            "the InceptionV3 ImageNet classifier weights "
            f"({extractors.INCEPTION_TOP_WEIGHTS_FILE}) are not in the Keras cache"
            if space.name == "inception"
            else f"the extractor {space.name!r} has no classifier"
        )
        raise ValueError(f"The 'is' metric needs class probabilities, but {reason}; pass classifier=.")


def evaluate_images(
    fake_images: ArrayLike,
    real_images: ArrayLike,
    metrics: str | Sequence[str] = DEFAULT_METRICS,
    extractor: str | os.PathLike | keras.Model | FeatureSpace = "digits",
    *,
    classifier: str | os.PathLike | keras.Model | None = None,
    seed: int = 0,
    batch_size: int = 256,
    is_splits: int = 10,
) -> dict[str, float]:
    """`evaluate_generator` for images already drawn (or for two real sets)."""
    metrics = check_metrics(metrics)
    space = extractor if isinstance(extractor, FeatureSpace) else feature_space(extractor, classifier)
    check_is_available(space, metrics)
    fake = space.prepare(fake_images, "generated images")
    real = space.prepare(real_images, "real images")
    if fake.shape[1:] != real.shape[1:]:
        raise ValueError(
            f"Generated images are {fake.shape[1:]} but real images are {real.shape[1:]}: load the real "
            "images at the generator's size and channels."
        )
    needs_features = any(name != "is" for name in metrics)
    real_features = extractors.compute_features(space.features, real, batch_size) if needs_features else None
    fake_features = extractors.compute_features(space.features, fake, batch_size) if needs_features else None
    fake_probabilities = (
        extractors.compute_probabilities(space.classifier, fake, batch_size) if "is" in metrics else None
    )
    return score_features(metrics, real_features, fake_features, fake_probabilities, seed=seed, is_splits=is_splits)


def evaluate_generator(
    generator: Any,
    real_images: ArrayLike,
    metrics: str | Sequence[str] = DEFAULT_METRICS,
    extractor: str | os.PathLike | keras.Model | FeatureSpace = "digits",
    *,
    classifier: str | os.PathLike | keras.Model | None = None,
    num_samples: int | None = None,
    seed: int = 0,
    batch_size: int = 256,
    is_splits: int = 10,
) -> dict[str, float]:
    """Score `generator`'s samples against `real_images`.

    Args:
        generator: a `zoo.GAN`, an `export.OnnxGenerator`, a Keras generator network,
            a `.keras` path or run folder, or a callable `n -> images`.
        real_images: (n, height, width, channels) in [-1, 1], of the generator's size.
        metrics: names from `METRICS` ("fid", "kid", "is", "pr", "dc"), or "fid,kid".
        extractor: "digits", "inception", a `keras.Model` (or `.keras` path) of features.
        classifier: softmax classifier (or `.keras` path) for the IS (default: the
            extractor's own).
        num_samples: samples to draw; `None` draws as many as there are real images.
        seed: noise seed (and KID subset seed): the same seed gives the same scores.
        batch_size: generator and extractor batch size.
        is_splits: splits of the Inception Score (Salimans et al. 2016 use 10).

    Returns:
        A dict of floats with the keys `METRICS` maps the chosen names to: `fid`,
        `kid`, `kid_std`, `is`, `is_std`, `precision`, `recall`, `density`, `coverage`.
    """
    metrics = check_metrics(metrics)
    space = extractor if isinstance(extractor, FeatureSpace) else feature_space(extractor, classifier)
    check_is_available(space, metrics)
    real = np.asarray(real_images)
    if num_samples is None:
        num_samples = len(real)
    if int(num_samples) != num_samples or num_samples < 2:
        raise ValueError(f"num_samples must be an integer of at least 2, got {num_samples}.")
    fake = as_sampler(generator).sample(int(num_samples), seed=seed, batch_size=batch_size)
    return evaluate_images(fake, real, metrics, space, seed=seed, batch_size=batch_size, is_splits=is_splits)


def format_table(results: dict[str, float]) -> str:
    """The scores as an aligned two-column text table (`x ± std` where a std exists)."""
    rows = []
    for key, value in results.items():
        if key.endswith("_std"):
            continue
        std = results.get(f"{key}_std")
        text = _format_number(value) + (f" ± {_format_number(std)}" if std is not None else "")
        rows.append((key, text))
    width = max(len("metric"), *(len(key) for key, _ in rows))
    lines = [f"{'metric':<{width}}  value", f"{'-' * width}  {'-' * 5}"]
    lines += [f"{key:<{width}}  {text}" for key, text in rows]
    return "\n".join(lines)


def _format_number(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value != 0 and abs(value) < 1e-2:
        return f"{value:.3e}"
    return f"{value:.4f}"
