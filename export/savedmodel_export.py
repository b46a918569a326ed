"""`to_savedmodel`: a generator as a TensorFlow SavedModel with a `serving_default`
signature and the zoo metadata as the asset `assets/zoo_metadata.json`."""

from __future__ import annotations

import json
import pathlib
import tempfile

import keras
import tensorflow as tf

from export import metadata as metadata_lib
from export import serving
from export.parity import TOLERANCE, check_parity


def to_savedmodel(
    model: keras.Model,
    path: str | pathlib.Path,
    *,
    dataset: str | None = None,
    tolerance: float = TOLERANCE,
) -> pathlib.Path:
    """Write the generator of `model` (a `zoo.GAN` or a bare generator) as a
    SavedModel folder at `path`, then check it against Keras (`verify`).

    Load it with `tf.saved_model.load(path).signatures["serving_default"]`, called
    with the named inputs (`z=`, `label=`, ...); it returns `{"image": ...}` (or
    `audio` / `sample`).

    Raises:
        ExportParityError: the SavedModel differs from Keras by more than `tolerance`.
    """
    generator = serving.generator_of(model)
    metadata = metadata_lib.build_metadata(model, dataset)
    function, _, _ = serving.serving_function(generator)

    # A tf.Module rather than the Keras model: the artifact then holds only the
    # generator's variables and the serving function, not the training machinery.
    module = tf.Module()
    module.generator = generator
    module.serve = function
    path = pathlib.Path(path)
    with tempfile.TemporaryDirectory() as folder:
        metadata_file = pathlib.Path(folder) / metadata_lib.METADATA_FILE
        metadata_file.write_text(json.dumps(metadata, indent=2, default=str))
        # Saving copies a tracked asset into `assets/` under its own file name.
        module.zoo_metadata = tf.saved_model.Asset(str(metadata_file))
        tf.saved_model.save(module, str(path), signatures={"serving_default": function.get_concrete_function()})
    check_parity(model, path, tolerance)
    return path
