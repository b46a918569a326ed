"""Generators out of the zoo: SavedModel and ONNX artifacts that take their declared
inputs (noise, labels, codes, images) as named inputs, carry their metadata, and are
checked against Keras to 1e-4 before they are moved into place.

    export.export_model("runs/dcgan-mnist", format="both")
    samples = export.OnnxGenerator("generator.onnx").generate(16, seed=0)
    export.save_samples(samples, "grid.png")
"""

from export.metadata import METADATA_FILE, read_metadata
from export.model_export import FORMATS, export_model, load_generator
from export.onnx_export import to_onnx
from export.onnx_generator import OnnxGenerator
from export.parity import TOLERANCE, ExportParityError, verify
from export.pretrained import load_onnx as load_pretrained_onnx
from export.quantize import PRECISIONS
from export.runtime import session_options
from export.savedmodel_export import to_savedmodel
from export.web import build_site
from zoo.samples import save_samples

__all__ = [
    "FORMATS",
    "METADATA_FILE",
    "PRECISIONS",
    "TOLERANCE",
    "ExportParityError",
    "OnnxGenerator",
    "build_site",
    "export_model",
    "load_generator",
    "load_pretrained_onnx",
    "read_metadata",
    "save_samples",
    "session_options",
    "to_onnx",
    "to_savedmodel",
    "verify",
]
