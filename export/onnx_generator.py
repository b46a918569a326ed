"""`OnnxGenerator`: samples from an exported generator with onnxruntime and numpy
only — no TensorFlow graph runs, which is what a deployment wants."""

from __future__ import annotations

import math
import numbers
import pathlib
import warnings
from typing import Any

import numpy as np

from export import metadata as metadata_lib

LATENT_INPUT = "z"
LABEL_INPUT = "label"
#: onnxruntime's element types and the numpy dtypes fed to them.
_ONNX_FLOAT_TYPES = {"tensor(float)": "float32", "tensor(float16)": "float16", "tensor(double)": "float64"}


def default_providers() -> list[str]:
    """CUDA when onnxruntime was built with it, else the CPU."""
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def check_count(n: Any) -> int:
    """`n` as an int, or a ValueError unless it is a positive whole number."""
    whole = isinstance(n, numbers.Real) and not isinstance(n, bool) and math.isfinite(n) and n == int(n)
    if not whole or n < 1:
        raise ValueError(f"n must be a positive integer (the number of samples), got {n!r}.")
    return int(n)


def sample_noise(n: int, latent_dim: int, latent_prior: str = "normal", seed: int | None = 0) -> np.ndarray:
    """The noise `zoo.GAN.sample_noise` draws: same seed, same prior, same vectors."""
    n = check_count(n)
    rng = np.random.default_rng(seed)
    if latent_prior == "uniform":
        return rng.uniform(-1.0, 1.0, (n, latent_dim)).astype("float32")
    return rng.standard_normal((n, latent_dim)).astype("float32")


class OnnxGenerator:
    """An exported generator (`export.to_onnx`) run with onnxruntime.

    `generate(n, seed)` draws z from the prior named in the metadata, exactly as
    `zoo.GAN.sample_noise` does; `generate(z=...)` uses given noise. A model exported
    by another tool (no zoo metadata) still runs: its first input is taken as the
    latent vector and z is drawn from N(0, I), with a warning.

    Args:
        path: the `.onnx` file.
        providers: onnxruntime execution providers; `None` takes CUDA if available,
            else the CPU.
        session_options: an `onnxruntime.SessionOptions` (threads, spinning);
            `None` keeps onnxruntime's defaults, logging errors only.
    """

    def __init__(
        self,
        path: str | pathlib.Path,
        providers: list[str] | None = None,
        session_options: Any = None,
    ):
        import onnxruntime as ort

        self.path = pathlib.Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"No ONNX model at {self.path}.")
        if self.path.is_dir():
            raise ValueError(
                f"{self.path} is a folder, expected an .onnx file (load a SavedModel with tf.saved_model.load)."
            )
        providers = list(providers) if providers is not None else default_providers()
        # A provider is a name or a (name, options) pair.
        names = [provider if isinstance(provider, str) else provider[0] for provider in providers]
        unknown = [name for name in names if name not in ort.get_available_providers()]
        if unknown:
            raise ValueError(f"Unknown onnxruntime providers {unknown}; available: {ort.get_available_providers()}.")
        options = session_options
        if options is None:
            options = ort.SessionOptions()
            options.log_severity_level = 3  # errors only: no per-session graph-optimization chatter
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=providers)
        except Exception as error:  # onnxruntime raises its own exception types per failure
            raise ValueError(f"{self.path} is not an ONNX model onnxruntime can load: {error}") from error

        self.metadata = metadata_lib.decode_onnx_metadata(self.session.get_modelmeta().custom_metadata_map)
        self._inputs = {value.name: value for value in self.session.get_inputs()}
        self.input_names = list(self._inputs)
        self.output_name = self.session.get_outputs()[0].name
        self.latent_input = LATENT_INPUT if LATENT_INPUT in self._inputs else self.input_names[0]
        width = self._inputs[self.latent_input].shape[-1]
        if not self.metadata:
            self.latent_dim = width if isinstance(width, int) else None
            self.latent_prior = "normal"
            warnings.warn(
                f"{self.path} has no keras-gan-zoo metadata (exported by another tool?): taking input "
                f"{self.latent_input!r} as the latent vector of size {self.latent_dim}, drawn from N(0, I).",
                stacklevel=2,
            )
        else:
            self.latent_dim = int(self.metadata["latent_dim"])
            self.latent_prior = self.metadata.get("latent_prior")
            if self.latent_prior is None:
                self.latent_prior = "normal"
                warnings.warn(
                    f"{self.path} does not record its latent prior (exported from a bare generator): "
                    "drawing z from N(0, I).",
                    stacklevel=2,
                )

    def __repr__(self) -> str:
        family = self.metadata.get("family") or "generator"
        return f"OnnxGenerator({str(self.path)!r}, {family}, inputs={self.input_names}, output={self.output_name!r})"

    def _input_shape(self, name: str) -> tuple[int | None, ...]:
        shape = self.metadata.get("inputs", {}).get(name, {}).get("shape") or self._inputs[name].shape
        return tuple(size if isinstance(size, int) else None for size in shape)

    def _input_dtype(self, name: str) -> str:
        return _ONNX_FLOAT_TYPES.get(self._inputs[name].type, "float32")

    def sample_noise(self, n: int, seed: int | None = 0) -> np.ndarray:
        """n latent vectors from the prior; identical to `zoo.GAN.sample_noise`."""
        if self.latent_dim is None:
            raise ValueError(f"{self.path} does not fix its latent size; pass z=... to generate.")
        return sample_noise(n, self.latent_dim, self.latent_prior, seed)

    def _check_float(self, name: str, values: Any, batch_size: int | None) -> np.ndarray:
        """`values` as the input's float dtype, or a ValueError naming the expected shape."""
        shape = self._input_shape(name)
        dtype = self._input_dtype(name)
        expected = "(" + ", ".join(["batch", *(str(size) for size in shape[1:])]) + ")"
        try:
            array = np.asarray(values)
        except ValueError as error:  # ragged lists
            raise ValueError(f"{name} must be an array of shape {expected} and dtype {dtype}: {error}") from None
        if array.dtype.kind != "f":
            raise ValueError(f"{name} must be an array of shape {expected} and dtype {dtype}, got dtype {array.dtype}.")
        fits = array.ndim == len(shape) and all(
            size is None or size == actual for size, actual in zip(shape[1:], array.shape[1:])
        )
        if not fits or array.shape[0] < 1:
            raise ValueError(f"{name} must be an array of shape {expected} and dtype {dtype}, got shape {array.shape}.")
        if batch_size is not None and array.shape[0] != batch_size:
            raise ValueError(f"{name} holds {array.shape[0]} rows, but {batch_size} samples were asked for.")
        return array.astype(dtype, copy=False)

    def _labels(self, labels: Any, batch_size: int) -> np.ndarray:
        """Class ids (an int, or one per sample) as one-hot rows; one-hot floats as they are."""
        classes = self._input_shape(LABEL_INPUT)[-1]
        if labels is None:
            # Every class in turn: a grid of n samples then shows each class.
            labels = np.arange(batch_size) % classes
        array = np.asarray(labels)
        if array.dtype.kind in "iu" and array.ndim <= 1:
            ids = np.broadcast_to(array, (batch_size,)) if array.ndim == 0 else array
            if ids.shape != (batch_size,) or ids.min() < 0 or ids.max() >= classes:
                raise ValueError(
                    f"label must be class ids in [0, {classes}), one per sample ({batch_size}), got {array.tolist()}."
                )
            return np.eye(classes, dtype=self._input_dtype(LABEL_INPUT))[ids]
        if array.dtype.kind != "f":
            raise ValueError(
                f"label must be class ids in [0, {classes}) or one-hot rows of shape (batch, {classes}), "
                f"got dtype {array.dtype}."
            )
        return self._check_float(LABEL_INPUT, array, batch_size)

    def generate(
        self, n: int | None = None, seed: int | None = 0, label: Any = None, *, z: Any = None, **inputs: Any
    ) -> np.ndarray:
        """Samples as a numpy array: `n` of them from noise drawn with `seed`, or one
        per row of `z` (shape (batch, latent_dim), float32).

        Args:
            label: for generators that take one: class ids (an int or one per
                sample) or one-hot rows; by default the classes in turn.
            **inputs: the generator's other inputs by name (`code=`, `image=`).
        """
        if z is None:
            if n is None:
                raise ValueError("Pass n (how many samples to draw) or z (the noise, shape (batch, latent_dim)).")
            z = self.sample_noise(n, seed)
        else:
            batch = None if n is None else check_count(n)
            z = self._check_float(self.latent_input, z, batch)
        batch_size = z.shape[0]
        if label is not None:
            inputs[LABEL_INPUT] = label
        unknown = sorted(set(inputs) - set(self.input_names))
        if unknown:
            raise ValueError(f"This generator has no input {unknown}; its inputs are {self.input_names}.")
        feeds = {self.latent_input: z}
        for name in self.input_names:
            if name == self.latent_input:
                continue
            if name == LABEL_INPUT:
                feeds[name] = self._labels(inputs.get(name), batch_size)
            elif name in inputs:
                feeds[name] = self._check_float(name, inputs[name], batch_size)
            else:
                raise ValueError(
                    f"This generator also takes {name!r} of shape {self._input_shape(name)}; pass {name}=..."
                )
        return self.session.run([self.output_name], feeds)[0]
