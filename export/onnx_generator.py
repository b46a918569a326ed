"""`OnnxGenerator`: samples from an exported network with onnxruntime and numpy —
no TensorFlow graph runs, which is what a deployment wants.

It reads the declared inputs (`generator_inputs`) from the file's metadata and draws
them with the same portable sampler as `zoo.GAN.sample_inputs`, so
`OnnxGenerator(path).generate(n, seed=s)` equals `model.sample(n, seed=s)`.
"""

from __future__ import annotations

import math
import pathlib
import warnings
from typing import Any

import numpy as np

from export import metadata as metadata_lib
from export.runtime import session_options as session_options_for
from zoo import spec
from zoo.io import check_memory
from zoo.spec import check_count

#: `export.session_options` of a session when none are given (measured in bench/inference.py).
DEFAULT_SESSION_OPTIONS = {"threads": 0, "spinning": False}

#: onnxruntime's element types and the input kinds a foreign model's inputs can be.
_ONNX_FLOAT_TYPES = ("tensor(float)", "tensor(float16)", "tensor(double)")


def default_providers() -> list[str]:
    """CUDA when onnxruntime was built with it, else the CPU."""
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


class OnnxGenerator:
    """An exported network (`export.to_onnx`) run with onnxruntime.

    `generate(n, seed)` draws the declared inputs from `seed` exactly as
    `zoo.GAN.sample_inputs` does, with any of them given by name (`label=3`,
    `code=...`, `z=...`); `generate(z=...)` alone runs given noise. A translator
    (no noise, an `image` input) is run with `translate(images)`. A model exported by
    another tool (no zoo metadata) still runs: its float inputs are taken as noise
    from N(0, I), with a warning.

    Args:
        path: the `.onnx` file.
        providers: onnxruntime execution providers; `None` takes CUDA if available,
            else the CPU.
        session_options: an `onnxruntime.SessionOptions` (`export.session_options`).
            `None` takes `DEFAULT_SESSION_OPTIONS`: one intra-op thread per core
            (onnxruntime's default) that does not spin between ops, on par with
            spinning threads on a quiet machine and leaving the cores to other
            work on a busy one (docs/inference.md); `export.session_options(threads=1)`
            keeps a session to one core.
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
        options = session_options if session_options is not None else session_options_for(**DEFAULT_SESSION_OPTIONS)
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=providers)
        except Exception as error:  # onnxruntime raises its own exception types per failure
            raise ValueError(f"{self.path} is not an ONNX model onnxruntime can load: {error}") from error

        self.metadata = metadata_lib.decode_onnx_metadata(self.session.get_modelmeta().custom_metadata_map)
        self.input_names = [value.name for value in self.session.get_inputs()]
        self.output_names = [value.name for value in self.session.get_outputs()]
        self.output_name = self.output_names[0]
        self.generator_inputs = self._declared_inputs()
        if sorted(self.generator_inputs.names) != sorted(self.input_names):
            raise ValueError(
                f"{self.path} declares inputs {self.generator_inputs.names} in its metadata but its graph takes "
                f"{self.input_names}."
            )
        noise = self.generator_inputs.noise
        self.latent_dim = int(noise.shape[0]) if noise is not None else None
        self.latent_prior = noise.prior if noise is not None else None
        shape = self.metadata.get("data_shape")
        self.data_shape = tuple(shape) if shape else None
        self.data_kind = self.metadata.get("data_kind")
        self.dataset = self.metadata.get("dataset")
        self.description = f"ONNX {self.metadata.get('artifact') or 'generator'} {self.path}"

    def _declared_inputs(self) -> spec.InputSpec:
        """The inputs from the metadata; for a foreign file, its float inputs as
        N(0, I) noise (with a warning)."""
        declared = self.metadata.get("generator_inputs")
        if declared:
            inputs = spec.InputSpec.from_config(declared)
            for item in inputs.of_kind("noise"):
                if item.prior is None:
                    warnings.warn(
                        f"{self.path} does not record the latent prior of {item.name!r} (exported from a bare "
                        "generator): drawing it from N(0, I).",
                        stacklevel=3,
                    )
            return spec.InputSpec(
                [
                    spec.GeneratorInput(item.name, item.kind, item.shape, prior="normal")
                    if item.kind == "noise" and item.prior is None
                    else item
                    for item in inputs
                ]
            )
        items = []
        for value in self.session.get_inputs():
            shape = value.shape[1:]
            if value.type not in _ONNX_FLOAT_TYPES or not shape or not all(isinstance(size, int) for size in shape):
                raise ValueError(
                    f"{self.path} has no keras-gan-zoo metadata and its input {value.name!r} "
                    f"({value.type}, shape {value.shape}) is not a float vector: cannot tell what to feed it."
                )
            items.append(spec.GeneratorInput(value.name, "noise", tuple(shape), prior="normal"))
        warnings.warn(
            f"{self.path} has no keras-gan-zoo metadata (exported by another tool?): taking inputs "
            f"{self.input_names} as noise drawn from N(0, I).",
            stacklevel=3,
        )
        return spec.InputSpec(items)

    def __repr__(self) -> str:
        family = self.metadata.get("family") or "generator"
        return f"OnnxGenerator({str(self.path)!r}, {family}, inputs={self.input_names}, outputs={self.output_names})"

    def sample_inputs(self, n: int, seed: int | None = 0, **fixed: Any) -> dict[str, np.ndarray]:
        """n rows of every input drawn from `seed`, as `zoo.GAN.sample_inputs` draws them."""
        return self.generator_inputs.sample(n, seed, **fixed)

    def sample_noise(self, n: int, seed: int | None = 0) -> np.ndarray:
        """The noise rows of `sample_inputs(n, seed)`."""
        noise = self.generator_inputs.noise
        if noise is None:
            raise ValueError(f"{self.path} takes no noise.")
        return self.sample_inputs(n, seed)[noise.name]

    def generate(
        self, n: int | None = None, seed: int | None = 0, *, batch_size: int | None = None, **inputs: Any
    ) -> np.ndarray | dict[str, np.ndarray]:
        """Samples as numpy: `n` of them from inputs drawn with `seed` (those given
        by name are used instead), or, without `n`, one per row of the given inputs
        (all of them). One output as an array, several as a dict by name.

        Args:
            batch_size: rows per `session.run` call (default: all at once).
        """
        if n is None:
            if not inputs:
                raise ValueError(
                    f"Pass n (how many samples to draw) or the inputs ({', '.join(self.generator_inputs.names)})."
                )
            feeds = self.generator_inputs.check(inputs)
        else:
            n = check_count(n)
            if self.data_shape:
                check_memory(4.0 * n * math.prod(self.data_shape), f"{n} samples shaped {self.data_shape}")
            feeds = self.sample_inputs(n, seed, **inputs)
        return self.run(feeds, batch_size)

    def sample(
        self, n: int, seed: int | None = 0, *, batch_size: int | None = None, **fixed: Any
    ) -> np.ndarray | dict[str, np.ndarray]:
        """n samples from inputs drawn with `seed`, `fixed` ones given (as `zoo.GAN.sample`)."""
        return self.generate(n, seed, batch_size=batch_size, **fixed)

    def run(self, feeds: dict[str, np.ndarray], batch_size: int | None = None) -> np.ndarray | dict[str, np.ndarray]:
        """The session on checked inputs, `batch_size` rows at a time."""
        total = len(next(iter(feeds.values())))
        step = total if batch_size is None else check_count(batch_size, "batch_size")
        dtypes = {value.name: value.type for value in self.session.get_inputs()}
        parts = []
        for start in range(0, total, step):
            chunk = {}
            for name, values in feeds.items():
                values = values[start : start + step]
                chunk[name] = values.astype("float16") if dtypes[name] == "tensor(float16)" else values
            parts.append(self.session.run(self.output_names, chunk))
        outputs = {
            name: np.concatenate([part[index] for part in parts]) for index, name in enumerate(self.output_names)
        }
        return outputs[self.output_name] if len(outputs) == 1 else outputs

    def translate(self, images: Any, batch_size: int | None = None) -> np.ndarray:
        """A translator's outputs for `images` (its one conditioning-sample input)."""
        conditioning = self.generator_inputs.of_kind("sample")
        if len(conditioning) != 1 or len(self.generator_inputs) != 1:
            raise ValueError(
                f"{self.path} is not a translator (inputs: {self.generator_inputs.describe()}); use generate()."
            )
        return self.run(self.generator_inputs.check({conditioning[0].name: images}), batch_size)
