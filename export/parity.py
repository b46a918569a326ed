"""Parity of an exported generator with the Keras one it came from."""

from __future__ import annotations

import pathlib

import keras
import numpy as np

from export import metadata as metadata_lib
from export import serving
from zoo.gan import GAN

#: Largest absolute difference an export may show against Keras.
TOLERANCE = 1e-4
#: 1 catches broadcasting mistakes, 7 (odd, not a power of two) a fixed batch size.
BATCH_SIZES = (1, 7)


class ExportParityError(RuntimeError):
    """An exported generator does not compute what the Keras generator computes."""


def _artifact_runner(path: pathlib.Path):
    """`(run, input_names)` for an .onnx file or a SavedModel folder: `run` maps named inputs to samples."""
    if not path.exists():
        raise FileNotFoundError(f"No exported model at {path}: expected an .onnx file or a SavedModel folder.")
    if path.is_dir():
        import tensorflow as tf

        if not metadata_lib.is_savedmodel(path):
            raise ValueError(f"{path} is a folder but not a SavedModel (no saved_model.pb in it).")
        signature = tf.saved_model.load(str(path)).signatures["serving_default"]
        (name,) = signature.structured_outputs

        def run(inputs):
            return signature(**{key: tf.constant(value) for key, value in inputs.items()})[name].numpy()

        return run, list(signature.structured_input_signature[1])

    import onnxruntime as ort

    proto = metadata_lib.load_onnx(path)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    output = session.get_outputs()[0].name

    def run(inputs):
        return session.run([output], inputs)[0]

    return run, [tensor.name for tensor in session.get_inputs()]


def verify(
    model: keras.Model, path: str | pathlib.Path, batch_sizes: tuple[int, ...] = BATCH_SIZES, seed: int = 0
) -> float:
    """The largest absolute difference between the Keras generator of `model` and
    the exported artifact at `path` (ONNX run by onnxruntime, SavedModel by
    `tf.saved_model.load`), on the same inputs at each batch size."""
    generator = serving.generator_of(model)
    run, artifact_inputs = _artifact_runner(pathlib.Path(path))
    expected_inputs = serving.input_names(generator)
    if sorted(artifact_inputs) != sorted(expected_inputs):
        raise ValueError(f"{path} takes inputs {artifact_inputs}, the generator takes {expected_inputs}.")
    prior = model.latent_prior if isinstance(model, GAN) else "normal"
    difference = 0.0
    for batch_size in batch_sizes:
        inputs = serving.example_inputs(generator, batch_size, prior, seed=seed + batch_size)
        expected = serving.run_keras(generator, inputs)
        actual = np.asarray(run(inputs))
        if actual.shape != expected.shape:
            raise ValueError(
                f"{path} returns shape {actual.shape} for batch {batch_size}, the generator {expected.shape}."
            )
        difference = max(difference, float(np.max(np.abs(actual.astype("float64") - expected))))
    return difference


def check_parity(model: keras.Model, path: pathlib.Path, tolerance: float = TOLERANCE) -> float:
    """`verify`, raising ExportParityError above `tolerance`; the file is kept for inspection."""
    difference = verify(model, path)
    if not difference <= tolerance:
        compute_dtype = getattr(serving.generator_of(model).dtype_policy, "compute_dtype", "float32")
        hint = (
            f" The generator computes in {compute_dtype}, whose rounding differs between runtimes: "
            "pass a larger tolerance= if that is expected."
            if compute_dtype in ("float16", "bfloat16")
            else ""
        )
        raise ExportParityError(
            f"The export at {path} differs from the Keras generator by {difference:.3g} "
            f"(tolerance {tolerance:g}); the artifact was left there for inspection.{hint}"
        )
    return difference
