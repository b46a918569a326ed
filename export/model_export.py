"""`export_model`: the one call behind `gan-zoo export`, from a model, a `.keras`
file or a training run folder to ONNX and/or SavedModel files."""

from __future__ import annotations

import json
import pathlib
import zipfile

import keras

from export import metadata as metadata_lib
from export.onnx_export import DEFAULT_OPSET, to_onnx
from export.parity import TOLERANCE
from export.savedmodel_export import to_savedmodel

FORMATS = ("onnx", "savedmodel", "both")
RUN_MODEL_FILE = "model.keras"
#: The file of a run folder (written by `recipes.run_recipe`) naming its dataset.
RUN_RECIPE_FILE = "recipe.json"
DEFAULT_ONNX_NAME = "generator.onnx"
DEFAULT_SAVEDMODEL_NAME = "generator_savedmodel"


def _run_dataset(run_folder: pathlib.Path) -> str | None:
    try:
        recipe = json.loads((run_folder / RUN_RECIPE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return recipe.get("data") if isinstance(recipe, dict) and isinstance(recipe.get("data"), str) else None


def load_source(source: keras.Model | str | pathlib.Path) -> tuple[keras.Model, pathlib.Path | None, str | None]:
    """`(model, folder, dataset)` for a model, a `.keras` file or a run folder
    holding `model.keras`: the folder is where exports go by default, the dataset
    what the run folder says (if anything)."""
    if isinstance(source, keras.Model):
        return source, None, None
    path = pathlib.Path(source)
    if not path.exists():
        raise FileNotFoundError(
            f"No model at {path}: expected a .keras file or a run folder containing {RUN_MODEL_FILE}."
        )
    dataset = None
    if path.is_dir():
        if not (path / RUN_MODEL_FILE).is_file():
            raise FileNotFoundError(
                f"{path} is a folder without {RUN_MODEL_FILE}: expected a run folder or a .keras file."
            )
        dataset = _run_dataset(path)
        path = path / RUN_MODEL_FILE
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not a Keras model: expected a .keras file or a run folder containing {RUN_MODEL_FILE}."
        )
    try:
        # compile=False: exporting needs the weights, not the optimizers' state.
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types for a broken archive
        raise ValueError(f"Could not load {path} as a Keras model: {error}") from error
    return model, path.parent, dataset


def export_model(
    source: keras.Model | str | pathlib.Path,
    output: str | pathlib.Path | None = None,
    format: str = "onnx",
    *,
    dataset: str | None = None,
    opset: int = DEFAULT_OPSET,
    tolerance: float = TOLERANCE,
) -> list[pathlib.Path]:
    """Export the generator of `source` (a `zoo.GAN`, a `.keras` file or a run
    folder containing `model.keras`); returns the paths written, each checked
    against Keras to 1e-4.

    Args:
        output: for `"onnx"` / `"savedmodel"`, the file / folder to write, or an
            existing folder to write `generator.onnx` / `generator_savedmodel/` in;
            for `"both"`, the folder receiving both. Default: the folder of the
            `.keras` file or the run folder.
        format: `"onnx"`, `"savedmodel"` or `"both"`.
        dataset: recorded in the metadata; default `model.dataset`, or what a
            run folder's recipe.json says.
        opset: the ONNX opset.
        tolerance: the largest difference from Keras an export may show.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}.")
    model, folder, run_dataset = load_source(source)
    dataset = dataset if dataset is not None else getattr(model, "dataset", None) or run_dataset
    if output is None:
        if folder is None:
            raise ValueError("Pass output=: where to write the export of an in-memory model.")
        output = folder
    output = pathlib.Path(output)
    if output.exists() and not output.is_dir() and format == "both":
        raise ValueError(f"{output} is a file; format='both' writes into a folder.")

    paths = []
    if format in ("onnx", "both"):
        path = output / DEFAULT_ONNX_NAME if output.is_dir() or format == "both" else output
        paths.append(to_onnx(model, path, opset, dataset=dataset, tolerance=tolerance))
    if format in ("savedmodel", "both"):
        # An existing SavedModel at `output` is replaced, not nested into.
        inside = format == "both" or (output.is_dir() and not metadata_lib.is_savedmodel(output))
        path = output / DEFAULT_SAVEDMODEL_NAME if inside else output
        paths.append(to_savedmodel(model, path, dataset=dataset, tolerance=tolerance))
    return paths
