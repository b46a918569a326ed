"""`to_onnx`: an exported network as an ONNX graph, with the zoo metadata in `metadata_props`.

tf2onnx's `from_keras` fails on Keras 3 models (KeyError 'keras_tensor_N'), so the
network is converted through `from_function` on the serving `tf.function`, which
traces the same inference-mode graph the SavedModel serves.
"""

from __future__ import annotations

import logging
import pathlib

import keras

from export import metadata as metadata_lib
from export import quantize, serving
from export.parity import check_parity
from zoo.io import atomic_path

DEFAULT_OPSET = 17


def to_onnx(
    model: keras.Model,
    path: str | pathlib.Path,
    opset: int = DEFAULT_OPSET,
    *,
    artifact: str | None = None,
    dataset: str | None = None,
    tolerance: float | None = None,
    precision: str = "fp32",
) -> pathlib.Path:
    """Write one exported network of `model` (a `zoo.GAN` or a bare generator;
    `artifact` names which, default the generator) to `path` as ONNX, checked
    against Keras (`verify`) before it is moved into place; returns the path.

    Inputs are the declared inputs (`z`, `label`, `code`, `image`) with a dynamic
    `batch` dimension; outputs are named (`image`, `audio`, `sample`, ...).

    Args:
        precision: `"fp32"`, `"fp16"` (float16 weights and arithmetic) or `"int8"`
            (static int8 quantization calibrated on inputs drawn from the spec);
            inputs and outputs stay as declared (`export.quantize`).
        tolerance: the largest difference from Keras allowed; default the
            precision's (`export.quantize.TOLERANCES`: 1e-4 for fp32).

    Raises:
        ExportParityError: the ONNX graph differs from Keras by more than
            `tolerance` (or gives NaN); nothing is written then.
    """
    import onnx
    import tf2onnx

    precision = quantize.check_precision(precision)
    tolerance = quantize.tolerance_for(precision) if tolerance is None else tolerance
    exported = serving.exported_of(model, artifact)
    metadata = metadata_lib.build_metadata(model, exported.name, dataset, precision)
    function, specs = serving.serving_function(exported)
    # tf2onnx logs every rewrite at INFO; warnings and errors still show.
    logging.getLogger("tf2onnx").setLevel(logging.WARNING)
    proto, _ = tf2onnx.convert.from_function(function, input_signature=specs, opset=opset)

    # tf2onnx names unknown dimensions "unk__N"; the batch is the only one.
    for value in (*proto.graph.input, *proto.graph.output):
        dimension = value.type.tensor_type.shape.dim[0]
        if not dimension.HasField("dim_value"):
            dimension.dim_param = "batch"
    if precision != "fp32":
        calibration = quantize.calibration_inputs(exported.inputs) if precision == "int8" else None
        proto = quantize.convert(proto, precision, calibration)
    for key, value in metadata_lib.encode_onnx_metadata(metadata).items():
        proto.metadata_props.add(key=key, value=value)
    signature = f"{', '.join(metadata['inputs'])} -> {', '.join(output['name'] for output in metadata['outputs'])}"
    proto.doc_string = f"keras-gan-zoo {metadata['family'] or 'generator'} {exported.name}: {signature}"
    onnx.checker.check_model(proto)

    path = pathlib.Path(path)
    with atomic_path(path) as temporary:
        onnx.save(proto, str(temporary))
        check_parity(model, temporary, tolerance, exported.name, destination=path)
    return path
