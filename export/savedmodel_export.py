"""`to_savedmodel`: an exported network as a TensorFlow SavedModel with a
`serving_default` signature and the zoo metadata as the asset `assets/zoo_metadata.json`."""

from __future__ import annotations

import json
import pathlib
import tempfile

import keras
import tensorflow as tf

from export import metadata as metadata_lib
from export import serving
from export.parity import TOLERANCE, check_parity
from zoo.io import atomic_path


def to_savedmodel(
    model: keras.Model,
    path: str | pathlib.Path,
    *,
    artifact: str | None = None,
    dataset: str | None = None,
    tolerance: float = TOLERANCE,
) -> pathlib.Path:
    """Write one exported network of `model` (a `zoo.GAN` or a bare generator;
    `artifact` names which, default the generator) as a SavedModel folder at `path`,
    checked against Keras (`verify`) before it is moved into place.

    Load it with `tf.saved_model.load(path).signatures["serving_default"]`, called
    with the named inputs (`z=`, `label=`, ...); it returns `{"image": ...}` (or
    `audio` / `sample`, or several named outputs).

    Raises:
        ExportParityError: the SavedModel differs from Keras by more than `tolerance`;
            nothing is written then.
    """
    exported = serving.exported_of(model, artifact)
    metadata = metadata_lib.build_metadata(model, exported.name, dataset)
    function, _ = serving.serving_function(exported)

    # A tf.Module rather than the Keras model: the artifact then holds only the
    # network's variables and the serving function, not the training machinery.
    module = tf.Module()
    module.network = exported.network
    module.serve = function
    path = pathlib.Path(path)
    with tempfile.TemporaryDirectory() as folder, atomic_path(path, directory=True) as temporary:
        metadata_file = pathlib.Path(folder) / metadata_lib.METADATA_FILE
        metadata_file.write_text(json.dumps(metadata, indent=2, default=str))
        # Saving copies a tracked asset into `assets/` under its own file name.
        module.zoo_metadata = tf.saved_model.Asset(str(metadata_file))
        tf.saved_model.save(module, str(temporary), signatures={"serving_default": function.get_concrete_function()})
        check_parity(model, temporary, tolerance, exported.name, destination=path)
    return path
