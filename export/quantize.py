"""Lower-precision ONNX generators: float16 weights (for GPUs) and int8 weights and
activations (onnxruntime's static quantization, Jacob et al. 2018, "Quantization and
Training of Neural Networks for Efficient Integer-Arithmetic-Only Inference").

Both keep float32 inputs and outputs, so a quantized file is fed and read exactly like
the float32 one (`OnnxGenerator`, the parity check, the browser page); only what is in
between changes. Each precision states how far from the Keras generator its export may
be (`TOLERANCES`, largest absolute difference on samples in [-1, 1]), and the export
checks it, as the float32 export checks 1e-4.
"""

from __future__ import annotations

import contextlib
import logging
import pathlib
import tempfile
from typing import Any

import numpy as np

from export.parity import TOLERANCE

PRECISIONS = ("fp32", "fp16", "int8")
#: Largest absolute difference from Keras an export of each precision may show.
#: fp16 rounds to 11 significant bits (2**-11 relative, ~5e-4 near 1) at every layer;
#: int8 rounds every weight and activation to 1 of 256 levels of its calibrated range:
#: measured on a DCGAN trained on digits (bench/inference.py), 2e-3 and 0.14.
TOLERANCES = {"fp32": TOLERANCE, "fp16": 1e-2, "int8": 0.25}
#: Calibration for int8: batches of the network's own inputs, drawn from its spec.
CALIBRATION_BATCHES = 8
CALIBRATION_BATCH_SIZE = 32


def check_precision(precision: Any) -> str:
    """`precision` if it is one of `PRECISIONS`, else a one-line ValueError."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}.")
    return precision


def tolerance_for(precision: str) -> float:
    return TOLERANCES[check_precision(precision)]


@contextlib.contextmanager
def _quiet_root_logger():
    """onnxruntime.quantization logs advice (pre-processing, links) on the root logger."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def to_float16(proto):
    """The graph with float16 weights and arithmetic; inputs and outputs stay float32
    (casts at the edges), so callers feed and read float32 as before."""
    from onnxruntime.transformers.float16 import convert_float_to_float16
    from onnxruntime.transformers.onnx_model import OnnxModel

    converted = convert_float_to_float16(proto, keep_io_types=True)
    # The converter appends the input casts at the end; ONNX wants nodes in order.
    OnnxModel.graph_topological_sort(converted.graph, is_deterministic=True)
    return converted


def to_int8(proto, calibration: list[dict[str, np.ndarray]]):
    """The graph with int8 weights (per output channel) and uint8 activations, as
    QuantizeLinear / DequantizeLinear pairs around each op (the QDQ format, which
    covers ConvTranspose); activation ranges come from running `calibration`."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter(calibration)

        def get_next(self):
            return next(self.batches, None)

    with tempfile.TemporaryDirectory() as folder, _quiet_root_logger():
        source, target = pathlib.Path(folder) / "fp32.onnx", pathlib.Path(folder) / "int8.onnx"
        onnx.save(proto, str(source))
        quantize_static(
            str(source),
            str(target),
            Reader(),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
        )
        return onnx.load(str(target))


def convert(proto, precision: str, calibration: list[dict[str, np.ndarray]] | None = None):
    """`proto` (a float32 ModelProto) at `precision`; int8 needs `calibration` batches."""
    precision = check_precision(precision)
    if precision == "fp16":
        return to_float16(proto)
    if precision == "int8":
        if not calibration:
            raise ValueError("int8 quantization needs calibration batches (the generator's inputs by name).")
        return to_int8(proto, calibration)
    return proto


def calibration_inputs(inputs, batches: int = CALIBRATION_BATCHES, seed: int = 0) -> list[dict[str, np.ndarray]]:
    """Batches of inputs for int8 calibration, drawn from the network's `InputSpec`
    (`example`: noise from its prior, labels, codes; what it sees when sampled), on
    seeds the parity check (seeds 1 and 7) does not use."""
    return [inputs.example(CALIBRATION_BATCH_SIZE, seed=seed + 1000 + index) for index in range(batches)]
