"""`to_onnx`: a generator as an ONNX graph, with the zoo metadata in `metadata_props`.

tf2onnx's `from_keras` fails on Keras 3 models (KeyError 'keras_tensor_N'), so the
generator is converted through `from_function` on the serving `tf.function`, which
traces the same inference-mode graph the SavedModel serves.
"""

from __future__ import annotations

import logging
import pathlib

import keras

from export import metadata as metadata_lib
from export import serving
from export.parity import TOLERANCE, check_parity

DEFAULT_OPSET = 17


def to_onnx(
    model: keras.Model,
    path: str | pathlib.Path,
    opset: int = DEFAULT_OPSET,
    *,
    dataset: str | None = None,
    tolerance: float = TOLERANCE,
) -> pathlib.Path:
    """Write the generator of `model` (a `zoo.GAN` or a bare generator) to `path`
    as ONNX, then check it against Keras (`verify`); returns the path.

    Inputs are the generator's named inputs (`z`, `label`, ...) with a dynamic
    `batch` dimension; the output is `image`, `audio` or `sample`.

    Raises:
        ExportParityError: the ONNX graph differs from Keras by more than `tolerance`.
    """
    import onnx
    import tf2onnx

    generator = serving.generator_of(model)
    metadata = metadata_lib.build_metadata(model, dataset)
    function, specs, _ = serving.serving_function(generator)
    # tf2onnx logs every rewrite at INFO; warnings and errors still show.
    logging.getLogger("tf2onnx").setLevel(logging.WARNING)
    proto, _ = tf2onnx.convert.from_function(function, input_signature=specs, opset=opset)

    # tf2onnx names unknown dimensions "unk__N"; the batch is the only one.
    for value in (*proto.graph.input, *proto.graph.output):
        dimension = value.type.tensor_type.shape.dim[0]
        if not dimension.HasField("dim_value"):
            dimension.dim_param = "batch"
    for key, value in metadata_lib.encode_onnx_metadata(metadata).items():
        proto.metadata_props.add(key=key, value=value)
    signature = f"{', '.join(metadata['inputs'])} -> {metadata['output']['name']}"
    proto.doc_string = f"keras-gan-zoo {metadata['family'] or 'generator'}: {signature}"
    onnx.checker.check_model(proto)

    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, str(path))
    check_parity(model, path, tolerance)
    return path
