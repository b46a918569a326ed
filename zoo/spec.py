"""The generator contract: what a generator takes, declared once.

A family declares its generator's named inputs as an `InputSpec`: noise (`z`),
categorical inputs (class labels, InfoGAN's categorical code), continuous codes,
and conditioning samples (the image a translator translates). That one declaration
is the source for everything that feeds a generator: training-time sampling (inside
`tf.function`, from the model's `SeedGenerator`), `GAN.sample(n, seed, **fixed)`,
the sample grids, the metrics, the export's example inputs, the ONNX / SavedModel
metadata and `export.OnnxGenerator` — and for the one check of user input that all
of them share (`InputSpec.check`).

Seeded sampling outside training uses one portable generator, `zoo-hash32-v1`: a
counter-based hash (the MurmurHash3 finalizer) turned into uniforms with 53 bits and
into normals by Box-Muller. numpy's own generators (PCG64, ziggurat) have no port in
other languages; this one is a dozen lines in JavaScript or C, so a browser, a
server in another language and Python draw the same inputs for the same seed. Every
element is a function of (seed, input index, element index) only, so
`sample(8, s)[:4] == sample(4, s)` and fixing one input leaves the others unchanged.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

#: The name of the seeded sampler, recorded in exported metadata.
SAMPLER = "zoo-hash32-v1"
KINDS = ("noise", "categorical", "continuous", "sample")
PRIORS = ("normal", "uniform")
_MASK = np.uint64(0xFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B9)


# === The portable sampler ===


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer on uint64 arrays holding 32-bit values."""
    h = h ^ (h >> np.uint64(16))
    h = (h * np.uint64(0x85EBCA6B)) & _MASK
    h = h ^ (h >> np.uint64(13))
    h = (h * np.uint64(0xC2B2AE35)) & _MASK
    return h ^ (h >> np.uint64(16))


def _key(seed: int, stream: int) -> np.uint64:
    mixed = _fmix32(np.array([(stream + 1) * int(_GOLDEN) & 0xFFFFFFFF], dtype=np.uint64))
    return _fmix32(np.uint64(seed) ^ mixed)[0]


def _words(seed: int, stream: int, start: int, count: int) -> np.ndarray:
    """32-bit words `start .. start + count` of a stream: fmix32(fmix32(j ^ key) + key)."""
    key = _key(seed, stream)
    counters = np.arange(start, start + count, dtype=np.uint64) & _MASK
    return _fmix32((_fmix32(counters ^ key) + key) & _MASK)


def uniform(seed: int, stream: int, count: int, start: int = 0) -> np.ndarray:
    """`count` float64 uniforms in (0, 1): element i uses words 2i and 2i + 1."""
    words = _words(seed, stream, 2 * start, 2 * count).reshape(count, 2).astype(np.float64)
    high, low = np.floor(words[:, 0] / 32.0), np.floor(words[:, 1] / 64.0)  # 27 + 26 bits
    return (high * 67108864.0 + low + 0.5) / 9007199254740992.0


def normal(seed: int, stream: int, count: int) -> np.ndarray:
    """`count` float64 standard normals: Box-Muller, cosine branch, on uniforms 2i, 2i + 1."""
    pairs = uniform(seed, stream, 2 * count).reshape(count, 2)
    return np.sqrt(-2.0 * np.log(pairs[:, 0])) * np.cos(2.0 * math.pi * pairs[:, 1])


def check_seed(seed: Any) -> int:
    """A seed as an int in [0, 2**32); `None` draws a fresh one from the OS."""
    if seed is None:
        return int(np.random.SeedSequence().entropy % 2**32)
    whole = isinstance(seed, numbers.Integral) and not isinstance(seed, bool)
    if not whole or not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32) or None, got {seed!r}.")
    return int(seed)


def check_count(n: Any, what: str = "n") -> int:
    """`n` as an int, or a ValueError unless it is a positive whole number."""
    whole = isinstance(n, numbers.Real) and not isinstance(n, bool) and math.isfinite(n) and n == int(n)
    if not whole or n < 1:
        raise ValueError(f"{what} must be a positive integer (the number of samples), got {n!r}.")
    return int(n)


# === Inputs ===


@dataclasses.dataclass(frozen=True)
class GeneratorInput:
    """One named input of a generator.

    Attributes:
        name: the Keras input name, and the ONNX / SavedModel input name.
        kind: `"noise"` (latent vector from `prior`), `"categorical"` (integer ids in
            [0, num_classes), e.g. class labels), `"continuous"` (a code drawn
            uniformly from [low, high)), or `"sample"` (a conditioning sample of
            `shape`, e.g. the image a translator translates; never drawn).
        shape: the shape of one row: `(size,)`, `()` for categorical ids, the
            sample's shape for `"sample"`.
        prior: `"normal"` or `"uniform"` (on [-1, 1]) for noise; `None` when unknown
            (a generator exported without its model).
        num_classes: the number of categories.
        low, high: the range of a continuous code.
    """

    name: str
    kind: str
    shape: tuple[int, ...] = ()
    prior: str | None = None
    num_classes: int | None = None
    low: float = -1.0
    high: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "shape", tuple(int(size) for size in self.shape))
        if not self.name or not str(self.name).isidentifier():
            raise ValueError(f"An input name must be an identifier, got {self.name!r}.")
        if self.kind not in KINDS:
            raise ValueError(f"Input {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}.")
        if self.kind == "categorical":
            if self.num_classes is None or int(self.num_classes) != self.num_classes or self.num_classes < 2:
                raise ValueError(f"Input {self.name!r}: num_classes must be an integer of at least 2.")
            object.__setattr__(self, "shape", ())
        elif not self.shape or any(size < 1 for size in self.shape):
            raise ValueError(f"Input {self.name!r}: shape must be a non-empty shape of positive sizes.")
        if self.kind == "noise" and self.prior not in (*PRIORS, None):
            raise ValueError(f"Input {self.name!r}: prior must be one of {PRIORS}, got {self.prior!r}.")
        if self.kind == "continuous" and not self.low < self.high:
            raise ValueError(f"Input {self.name!r}: low must be below high, got [{self.low}, {self.high}).")

    @property
    def dtype(self) -> str:
        return "int32" if self.kind == "categorical" else "float32"

    @property
    def drawable(self) -> bool:
        """Whether the input can be drawn from a seed (a conditioning sample cannot)."""
        return self.kind != "sample"

    def describe(self) -> str:
        """One line for listings and errors: `z: noise, normal, (64,)`."""
        if self.kind == "categorical":
            return f"{self.name}: categorical, {self.num_classes} classes (integer ids)"
        if self.kind == "noise":
            return f"{self.name}: noise, {self.prior or 'unknown prior'}, {self.shape}"
        if self.kind == "continuous":
            return f"{self.name}: continuous, U[{self.low:g}, {self.high:g}), {self.shape}"
        return f"{self.name}: sample, {self.shape}"

    def expected(self) -> str:
        dims = ", ".join(["batch", *(str(size) for size in self.shape)])
        return f"shape ({dims}) and dtype {self.dtype}"

    def draw(self, n: int, seed: int, stream: int) -> np.ndarray:
        """n rows from `seed` with the portable sampler."""
        count = n * math.prod(self.shape)
        if self.kind == "noise":
            if self.prior == "uniform":
                values = 2.0 * uniform(seed, stream, count) - 1.0
            else:
                values = normal(seed, stream, count)
        elif self.kind == "continuous":
            values = self.low + (self.high - self.low) * uniform(seed, stream, count)
        elif self.kind == "categorical":
            ids = np.floor(uniform(seed, stream, n) * self.num_classes).astype("int64")
            return np.minimum(ids, self.num_classes - 1).astype("int32")
        else:
            raise ValueError(f"Input {self.name!r} is a conditioning sample: pass {self.name}=... (it is not drawn).")
        return values.reshape(n, *self.shape).astype("float32")

    def check(self, values: Any, n: int | None = None) -> np.ndarray:
        """`values` as this input's array for a batch (of `n` rows, if given), or a
        ValueError naming the input and what it expects."""
        try:
            array = np.asarray(values)
        except ValueError as error:  # ragged lists
            raise ValueError(f"{self.name} must be an array of {self.expected()}: {error}") from None
        if self.kind == "categorical":
            if array.dtype.kind not in "iu":
                raise ValueError(
                    f"{self.name} must hold integer class ids in [0, {self.num_classes}), got dtype {array.dtype}."
                )
            if array.ndim == 0 and n is not None:
                array = np.full((n,), array)
            if array.ndim != 1 or len(array) < 1:
                raise ValueError(
                    f"{self.name} must be integer class ids in [0, {self.num_classes}), one per sample "
                    f"(shape (batch,)), got shape {array.shape}."
                )
            if array.min() < 0 or array.max() >= self.num_classes:
                raise ValueError(
                    f"{self.name} must be class ids in [0, {self.num_classes}), got values from "
                    f"{array.min()} to {array.max()}."
                )
            array = array.astype("int32")
        else:
            if array.dtype.kind != "f":
                raise ValueError(f"{self.name} must be an array of {self.expected()}, got dtype {array.dtype}.")
            if self.kind == "continuous" and array.shape == self.shape and n is not None:
                array = np.broadcast_to(array, (n, *self.shape))  # one code for every sample
            if array.ndim != len(self.shape) + 1 or array.shape[1:] != self.shape or len(array) < 1:
                raise ValueError(f"{self.name} must be an array of {self.expected()}, got shape {array.shape}.")
            if not np.all(np.isfinite(array)):
                raise ValueError(f"{self.name} holds NaN or infinite values.")
            array = array.astype("float32", copy=False)
        if n is not None and len(array) != n:
            raise ValueError(f"{self.name} holds {len(array)} rows, but {n} samples were asked for.")
        return array

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind == "categorical":
            config["num_classes"] = int(self.num_classes)
        else:
            config["shape"] = list(self.shape)
        if self.kind == "noise":
            config["prior"] = self.prior
        if self.kind == "continuous":
            config.update(low=self.low, high=self.high)
        return config

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> GeneratorInput:
        return cls(**{**config, "shape": tuple(config.get("shape", ()))})


def noise(size: int, prior: str | None = "normal", name: str = "z") -> GeneratorInput:
    return GeneratorInput(name, "noise", (size,), prior=prior)


def categorical(num_classes: int, name: str = "label") -> GeneratorInput:
    return GeneratorInput(name, "categorical", num_classes=num_classes)


def continuous(size: int, low: float = -1.0, high: float = 1.0, name: str = "code") -> GeneratorInput:
    return GeneratorInput(name, "continuous", (size,), low=low, high=high)


def conditioning_sample(shape: tuple[int, ...], name: str = "image") -> GeneratorInput:
    return GeneratorInput(name, "sample", tuple(shape))


class InputSpec:
    """The ordered, named inputs of a generator (or of any exported network)."""

    def __init__(self, inputs: list[GeneratorInput] | tuple[GeneratorInput, ...]):
        self.inputs = tuple(inputs)
        names = [item.name for item in self.inputs]
        if len(set(names)) != len(names):
            raise ValueError(f"Input names repeat: {names}.")

    def __iter__(self):
        return iter(self.inputs)

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, name: str) -> GeneratorInput:
        for item in self.inputs:
            if item.name == name:
                return item
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(item.name == name for item in self.inputs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InputSpec) and self.inputs == other.inputs

    def __repr__(self) -> str:
        return f"InputSpec({'; '.join(item.describe() for item in self.inputs)})"

    @property
    def names(self) -> list[str]:
        return [item.name for item in self.inputs]

    def of_kind(self, *kinds: str) -> list[GeneratorInput]:
        return [item for item in self.inputs if item.kind in kinds]

    @property
    def noise(self) -> GeneratorInput | None:
        """The (first) noise input, if any."""
        found = self.of_kind("noise")
        return found[0] if found else None

    @property
    def drawable(self) -> bool:
        return all(item.drawable for item in self.inputs)

    def describe(self) -> str:
        return "; ".join(item.describe() for item in self.inputs)

    # === Seeded sampling (numpy; the same in Keras, onnxruntime and the browser) ===
    def sample(self, n: int, seed: int | None = 0, **fixed: Any) -> dict[str, np.ndarray]:
        """`n` rows of every input drawn from `seed`, with the `fixed` ones given
        instead (an int label or a single code row is repeated for every sample).
        Conditioning samples cannot be drawn: they must be among `fixed`."""
        n = check_count(n)
        seed = check_seed(seed)
        self._check_names(fixed)
        values = {}
        for stream, item in enumerate(self.inputs):
            if item.name in fixed:
                values[item.name] = item.check(fixed[item.name], n)
            else:
                values[item.name] = item.draw(n, seed, stream)
        return values

    def check(self, inputs: Mapping[str, Any], n: int | None = None) -> dict[str, np.ndarray]:
        """Every input present, of the right dtype and shape, one batch size; a
        ValueError naming the first input that is not."""
        self._check_names(inputs)
        missing = [item for item in self.inputs if item.name not in inputs]
        if missing:
            raise ValueError(
                f"Missing input {missing[0].name!r} ({missing[0].describe()}); this generator takes "
                f"{', '.join(self.names)}."
            )
        checked = {}
        for item in self.inputs:
            checked[item.name] = item.check(inputs[item.name], n)
            n = len(checked[item.name]) if n is None else n
        return checked

    def _check_names(self, inputs: Mapping[str, Any]) -> None:
        extra = sorted(set(inputs) - set(self.names))
        if extra:
            raise ValueError(
                f"This generator has no input {extra[0]!r}; its inputs are {', '.join(self.names) or 'none'}."
            )

    def example(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """Inputs for checks and benchmarks: like `sample`, and conditioning samples
        drawn uniformly from [-1, 1] instead of being required."""
        n, seed = check_count(n), check_seed(seed)
        values = {}
        for stream, item in enumerate(self.inputs):
            if item.drawable:
                values[item.name] = item.draw(n, seed, stream)
            else:
                shape = (n, *item.shape)
                values[item.name] = (2.0 * uniform(seed, stream, math.prod(shape)) - 1.0).reshape(shape)
                values[item.name] = values[item.name].astype("float32")
        return values

    # === Training-time sampling (tensors, inside tf.function) ===
    def sample_tensors(self, batch_size, seed_generator, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One batch of every input as tensors, drawn with a `keras.random.SeedGenerator`,
        except those `given` (labels or conditioning samples from the data)."""
        import keras

        given = dict(given or {})
        values = {}
        for item in self.inputs:
            if item.name in given:
                values[item.name] = given[item.name]
                continue
            shape = (batch_size, *item.shape)
            if item.kind == "noise" and item.prior == "uniform":
                values[item.name] = keras.random.uniform(shape, -1.0, 1.0, seed=seed_generator)
            elif item.kind == "noise":
                values[item.name] = keras.random.normal(shape, seed=seed_generator)
            elif item.kind == "continuous":
                values[item.name] = keras.random.uniform(shape, item.low, item.high, seed=seed_generator)
            elif item.kind == "categorical":
                values[item.name] = keras.random.randint(shape, 0, item.num_classes, seed=seed_generator, dtype="int32")
            else:
                raise ValueError(
                    f"The generator's input {item.name!r} ({item.describe()}) must come from the data: "
                    "fit on (samples, conditions) batches."
                )
        return values

    # === Config ===
    def get_config(self) -> list[dict[str, Any]]:
        return [item.get_config() for item in self.inputs]

    @classmethod
    def from_config(cls, config: list[Mapping[str, Any]]) -> InputSpec:
        return cls([GeneratorInput.from_config(item) for item in config])


# === Exported networks ===


@dataclasses.dataclass(frozen=True)
class Exported:
    """A network a model exports: its artifact name (the file stem), the Keras
    network, its input spec and the names of its outputs, in order."""

    name: str
    network: Any
    inputs: InputSpec
    outputs: tuple[str, ...]

    def run(self, inputs: Mapping[str, Any], batch_size: int = 256) -> np.ndarray | dict[str, np.ndarray]:
        """The network on checked named inputs, in inference mode, `batch_size` rows
        at a time; one output as an array, several as a dict by output name."""
        import keras

        from zoo.networks import call_with_named_inputs

        checked = self.inputs.check(inputs)
        batch_size = check_count(batch_size, "batch_size")
        total = len(next(iter(checked.values()))) if checked else 0
        parts: list[list[np.ndarray]] = [[] for _ in self.outputs]
        for start in range(0, total, batch_size):
            chunk = {name: values[start : start + batch_size] for name, values in checked.items()}
            outputs = call_with_named_inputs(self.network, chunk, training=False)
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            if len(outputs) != len(self.outputs):
                raise ValueError(f"{self.name} returns {len(outputs)} outputs, declared {list(self.outputs)}.")
            for part, output in zip(parts, outputs):
                part.append(keras.ops.convert_to_numpy(output).astype("float32", copy=False))
        results = {name: np.concatenate(part) for name, part in zip(self.outputs, parts)}
        return results[self.outputs[0]] if len(self.outputs) == 1 else results


# === Kinds of data ===

DATA_KINDS = ("images", "audio", "vectors")


def data_kind(shape: tuple[int | None, ...]) -> str:
    """`"images"` for (height, width, channels), `"audio"` for (length, channels),
    `"vectors"` for (features,)."""
    kinds = {3: "images", 2: "audio", 1: "vectors"}
    if len(shape) not in kinds:
        raise ValueError(
            f"A sample must be an image (height, width, channels), audio (length, channels) or a vector "
            f"(features,), got shape {tuple(shape)}."
        )
    return kinds[len(shape)]


#: The output name of a generator of each kind of data.
OUTPUT_NAMES = {"images": "image", "audio": "audio", "vectors": "sample"}
