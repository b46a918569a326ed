"""Parity of an exported network with the Keras one it came from."""

from __future__ import annotations

import math
import pathlib

import keras
import numpy as np

from export import metadata as metadata_lib
from export import serving

#: Largest absolute difference an export may show against Keras.
TOLERANCE = 1e-4
#: 1 catches broadcasting mistakes, 7 (odd, not a power of two) a fixed batch size.
BATCH_SIZES = (1, 7)


class ExportParityError(RuntimeError):
    """An exported network does not compute what the Keras network computes."""


def _artifact_runner(path: pathlib.Path):
    """`(run, input_names)` for an .onnx file or a SavedModel folder: `run` maps named
    inputs to `{output_name: values}`."""
    if not path.exists():
        raise FileNotFoundError(f"No exported model at {path}: expected an .onnx file or a SavedModel folder.")
    if path.is_dir():
        import tensorflow as tf

        if not metadata_lib.is_savedmodel(path):
            raise ValueError(f"{path} is a folder but not a SavedModel (no saved_model.pb in it).")
        signature = tf.saved_model.load(str(path)).signatures["serving_default"]

        def run(inputs):
            outputs = signature(**{key: tf.constant(value) for key, value in inputs.items()})
            return {name: value.numpy() for name, value in outputs.items()}

        return run, list(signature.structured_input_signature[1])

    import onnxruntime as ort

    proto = metadata_lib.load_onnx(path)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]

    def run(inputs):
        return dict(zip(names, session.run(names, inputs)))

    return run, [tensor.name for tensor in session.get_inputs()]


def verify(
    model: keras.Model,
    path: str | pathlib.Path,
    batch_sizes: tuple[int, ...] = BATCH_SIZES,
    seed: int = 0,
    artifact: str | None = None,
) -> float:
    """The largest absolute difference between the Keras network of `model` (its
    export `artifact`, default the generator) and the exported file at `path` (ONNX
    run by onnxruntime, SavedModel by `tf.saved_model.load`), on the same inputs at
    each batch size, over every output. NaN or infinite outputs give `inf`."""
    exported = serving.exported_of(model, artifact)
    run, artifact_inputs = _artifact_runner(pathlib.Path(path))
    expected_inputs = exported.inputs.names
    if sorted(artifact_inputs) != sorted(expected_inputs):
        raise ValueError(f"{path} takes inputs {artifact_inputs}, the network takes {expected_inputs}.")
    difference = 0.0
    for batch_size in batch_sizes:
        inputs = exported.inputs.example(batch_size, seed=seed + batch_size)
        expected = exported.run(inputs)
        expected = expected if isinstance(expected, dict) else {exported.outputs[0]: expected}
        actual = run(inputs)
        if sorted(actual) != sorted(expected):
            raise ValueError(f"{path} has outputs {sorted(actual)}, the network {sorted(expected)}.")
        for name, values in expected.items():
            got = np.asarray(actual[name])
            if got.shape != values.shape:
                raise ValueError(
                    f"{path} returns {name} of shape {got.shape} for batch {batch_size}, the network {values.shape}."
                )
            gap = np.abs(got.astype("float64") - values)
            # max() of a NaN would pass for 0: a diverged network must fail the check.
            if not np.all(np.isfinite(gap)):
                return math.inf
            difference = max(difference, float(gap.max()))
    return difference


def check_parity(
    model: keras.Model,
    path: pathlib.Path,
    tolerance: float = TOLERANCE,
    artifact: str | None = None,
    destination: pathlib.Path | None = None,
) -> float:
    """`verify`, raising ExportParityError above `tolerance`. `destination` is where
    the file at `path` (a temporary one) was to go, for the message."""
    difference = verify(model, path, artifact=artifact)
    if not difference <= tolerance:
        network = serving.exported_of(model, artifact).network
        compute_dtype = getattr(network.dtype_policy, "compute_dtype", "float32")
        hint = (
            f" The network computes in {compute_dtype}, whose rounding differs between runtimes: "
            "pass a larger tolerance= if that is expected."
            if compute_dtype in ("float16", "bfloat16")
            else ""
        )
        what = "NaN or infinite values" if math.isinf(difference) else f"{difference:.3g}"
        raise ExportParityError(
            f"The export to {destination or path} differs from the Keras network by {what} (tolerance {tolerance:g}); "
            f"nothing was written.{hint}"
        )
    return difference
