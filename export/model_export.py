"""`export_model`: the one call behind `gan-zoo export`, from a model, a `.keras`
file or a training run folder to ONNX and/or SavedModel files — one per network the
model exports (`GAN.exports()`), named after it: `generator.onnx`,
`generator_savedmodel/`, and for families with more, e.g. `encoder.onnx`,
`generator_a2b.onnx`."""

from __future__ import annotations

import os
import pathlib
import zipfile

import keras

from export import metadata as metadata_lib
from export import serving
from export.onnx_export import DEFAULT_OPSET, to_onnx
from export.quantize import TOLERANCES, check_precision
from export.savedmodel_export import to_savedmodel

FORMATS = ("onnx", "savedmodel", "both")
RUN_MODEL_FILE = "model.keras"
SAVEDMODEL_SUFFIX = "_savedmodel"


def onnx_name(artifact: str) -> str:
    return f"{artifact}.onnx"


def savedmodel_name(artifact: str) -> str:
    return f"{artifact}{SAVEDMODEL_SUFFIX}"


def load_source(source: keras.Model | str | pathlib.Path) -> tuple[keras.Model, pathlib.Path | None]:
    """`(model, file)` for a model, a `.keras` file or a run folder holding
    `model.keras`: the file is what was loaded (exports go beside it by default)."""
    if isinstance(source, keras.Model):
        return source, None
    path = pathlib.Path(source)
    if not path.exists():
        raise FileNotFoundError(
            f"No model at {path}: expected a .keras file or a run folder containing {RUN_MODEL_FILE}."
        )
    if path.is_dir():
        if not (path / RUN_MODEL_FILE).is_file():
            raise FileNotFoundError(
                f"{path} is a folder without {RUN_MODEL_FILE}: expected a run folder or a .keras file."
            )
        path = path / RUN_MODEL_FILE
    if path.suffix != ".keras":
        raise ValueError(
            f"{path} is not a Keras model: expected a .keras file or a run folder containing {RUN_MODEL_FILE}."
        )
    if not zipfile.is_zipfile(path):
        what = "it is empty" if path.stat().st_size == 0 else "not a zip archive: truncated or another format"
        raise ValueError(f"{path} is not a valid .keras file ({what}).")
    try:
        # compile=False: exporting needs the weights, not the optimizers' state.
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types for a broken archive
        raise ValueError(f"Could not load {path} as a Keras model: {error}") from error
    return model, path


def _targets(output: pathlib.Path, format: str, artifacts: list[str], as_folder: bool) -> list[tuple]:
    """`(kind, artifact, path)` for each file to write."""
    kinds = ["onnx", "savedmodel"] if format == "both" else [format]
    single = len(kinds) == 1 and len(artifacts) == 1 and not as_folder
    targets = []
    for kind in kinds:
        for artifact in artifacts:
            if single:
                path = output
            else:
                path = output / (onnx_name(artifact) if kind == "onnx" else savedmodel_name(artifact))
            targets.append((kind, artifact, path))
    return targets


def export_model(
    source: keras.Model | str | pathlib.Path,
    output: str | pathlib.Path | None = None,
    format: str = "onnx",
    *,
    dataset: str | None = None,
    opset: int = DEFAULT_OPSET,
    tolerance: float | None = None,
    precision: str = "fp32",
) -> list[pathlib.Path]:
    """Export every network `source` exports (a `zoo.GAN`, a `.keras` file or a run
    folder containing `model.keras`); returns the paths written, each checked against
    Keras to `tolerance` before it was moved into place.

    Args:
        output: a folder (an existing one, a path ending in `/`, or any path when
            several files are written) receiving `generator.onnx` /
            `generator_savedmodel/` (and the other networks' files); or, for one
            network in one format, the `.onnx` file / SavedModel folder itself.
            Default: the folder of the `.keras` file or the run folder.
        format: `"onnx"`, `"savedmodel"` or `"both"`.
        dataset: recorded in the metadata; default the model's `dataset`.
        opset: the ONNX opset.
        tolerance: the largest difference from Keras an export may show; default
            the precision's (1e-4 for fp32, `export.quantize.TOLERANCES`).
        precision: the ONNX files' `"fp32"`, `"fp16"` or `"int8"`; SavedModels
            are always float32.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}.")
    check_precision(precision)
    if precision != "fp32" and format != "onnx":
        raise ValueError(f"precision {precision!r} applies to ONNX only: pass format='onnx'.")
    model, source_file = load_source(source)
    if output is None:
        if source_file is None:
            raise ValueError("Pass output=: where to write the export of an in-memory model.")
        output = source_file.parent
    text = os.fspath(output)
    output = pathlib.Path(output)
    artifacts = [exported.name for exported in serving.exports_of(model)]
    as_folder = (
        text.endswith(("/", os.sep))
        or (output.is_dir() and not metadata_lib.is_savedmodel(output))
        or (format == "onnx" and output.suffix != ".onnx")
    )
    if output.exists() and not output.is_dir() and (format == "both" or len(artifacts) > 1):
        raise ValueError(f"{output} is a file; this export writes several files into a folder.")
    if format == "onnx" and not as_folder and output.is_dir():
        raise ValueError(f"{output} is a SavedModel folder; write the ONNX file elsewhere.")
    targets = _targets(output, format, artifacts, as_folder)
    if source_file is not None:
        for _, _, path in targets:
            if path.resolve() == source_file.resolve():
                raise ValueError(f"Refusing to write the export over its own input {source_file}.")

    paths = []
    for kind, artifact, path in targets:
        write = to_onnx if kind == "onnx" else to_savedmodel
        options = {"opset": opset, "precision": precision} if kind == "onnx" else {}
        limit = TOLERANCES[precision if kind == "onnx" else "fp32"] if tolerance is None else tolerance
        paths.append(write(model, path, artifact=artifact, dataset=dataset, tolerance=limit, **options))
    return paths


def load_generator(source: str | pathlib.Path) -> object:
    """What `gan-zoo sample` / `eval` / `diagnose` take: a `.keras` file or run folder
    (the `zoo.GAN`), or an `.onnx` file (an `OnnxGenerator`); a run folder without
    `model.keras` falls back to its `generator.onnx`."""
    from export.onnx_generator import OnnxGenerator

    path = pathlib.Path(source)
    if path.is_dir() and not (path / RUN_MODEL_FILE).is_file() and (path / onnx_name("generator")).is_file():
        path = path / onnx_name("generator")
    if path.suffix == ".onnx" or (path.is_file() and path.suffix not in (".keras", "")):
        if path.suffix != ".onnx":
            raise ValueError(f"{path} is not a model: expected a .keras or .onnx file, or a run folder.")
        return OnnxGenerator(path)
    return load_source(path)[0]
