"""What an exported generator says about itself, so that a consumer can draw the
right noise and read the output without the zoo's Python code.

The same dict travels in both formats: ONNX `metadata_props` (one key per field)
and, in a SavedModel, the asset file `assets/zoo_metadata.json`.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import keras

import zoo
from export import serving
from zoo import spec
from zoo.gan import GAN

METADATA_FILE = "zoo_metadata.json"
#: Bumped when a field changes meaning; new fields do not bump it. 2: categorical
#: inputs are integer ids, inputs are declared in `generator_inputs`.
METADATA_VERSION = 2
#: The key whose presence marks an artifact as written by this package.
MARKER = "zoo_version"


def build_metadata(
    model: keras.Model, artifact: str | None = None, dataset: str | None = None, precision: str = "fp32"
) -> dict[str, Any]:
    """The metadata of one exported network of `model` (a `zoo.GAN`, or a bare
    generator: then the family and prior are unknown, `None`). `dataset` wins over
    the model's own `dataset` hyperparameter; `precision` is how the artifact stores
    its weights (`export.quantize.PRECISIONS`)."""
    exported = serving.exported_of(model, artifact)
    is_gan = isinstance(model, GAN)
    network = exported.network
    outputs = [
        {"name": name, "shape": [None, *tensor.shape[1:]], "dtype": "float32"}
        for name, tensor in zip(exported.outputs, network.outputs)
    ]
    noise = exported.inputs.noise
    return {
        "producer": "keras-gan-zoo",
        "zoo_version": zoo.__version__,
        "metadata_version": METADATA_VERSION,
        "family": model.family if is_gan else None,
        "artifact": exported.name,
        "generator_inputs": exported.inputs.get_config(),
        "sampler": spec.SAMPLER,
        "latent_dim": int(noise.shape[0]) if noise is not None else None,
        "latent_prior": noise.prior if noise is not None else None,
        "data_shape": list(model.data_shape) if is_gan else list(network.outputs[0].shape[1:]),
        "data_kind": model.data_kind if is_gan else spec.data_kind(tuple(network.outputs[0].shape[1:])),
        "inputs": {item.name: {"shape": [None, *item.shape], "dtype": item.dtype} for item in exported.inputs},
        "outputs": outputs,
        "output": outputs[0],
        "value_range": serving.value_range(network),
        "dataset": dataset if dataset is not None else getattr(model, "dataset", None),
        "precision": precision,
        "config": {
            "class_name": keras.saving.get_registered_name(type(model)),
            "config": model.get_config(),
        },
    }


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def encode_onnx_metadata(metadata: dict[str, Any]) -> dict[str, str]:
    """ONNX `metadata_props` are strings: plain text for strings (readable in
    Netron), JSON for everything else. A string that would parse as JSON
    ("123", "null") is JSON-quoted so that decoding gives it back unchanged."""
    props = {}
    for key, value in metadata.items():
        if value is None:
            continue
        if isinstance(value, str) and not _is_json(value):
            props[key] = value
        else:
            props[key] = json.dumps(value, default=str)
    return props


def decode_onnx_metadata(props: dict[str, str]) -> dict[str, Any]:
    """The inverse of `encode_onnx_metadata`; `{}` when the props hold no zoo
    metadata (a model from another tool). Missing fields read as `None`."""
    if MARKER not in props:
        return {}
    metadata = {}
    for key, text in props.items():
        try:
            metadata[key] = json.loads(text)
        except ValueError:
            metadata[key] = text
    for key in ("family", "latent_prior", "dataset", "latent_dim"):
        metadata.setdefault(key, None)
    return metadata


def is_savedmodel(path: pathlib.Path) -> bool:
    return path.is_dir() and any((path / name).is_file() for name in ("saved_model.pb", "saved_model.pbtxt"))


def load_onnx(path: str | pathlib.Path, load_external_data: bool = True):
    """The ONNX ModelProto at `path`, or a clear FileNotFoundError / ValueError."""
    import onnx
    from google.protobuf.message import DecodeError

    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No ONNX model at {path}.")
    if path.is_dir():
        raise ValueError(f"{path} is a folder, expected an .onnx file.")
    try:
        proto = onnx.load(str(path), load_external_data=load_external_data)
    except (DecodeError, ValueError, RuntimeError) as error:
        raise ValueError(f"{path} is not an ONNX model: {error}") from error
    # Protobuf parses many byte strings without error: a model has a graph with outputs.
    if proto.ir_version < 1 or not proto.graph.output:
        raise ValueError(f"{path} is not an ONNX model (no ONNX graph in it).")
    return proto


def read_metadata(path: str | pathlib.Path) -> dict[str, Any]:
    """The zoo metadata of an exported generator: an `.onnx` file or a SavedModel
    folder. `{}` for a model without zoo metadata (exported by another tool)."""
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No exported model at {path}: expected an .onnx file or a SavedModel folder.")
    if path.is_dir():
        if not is_savedmodel(path):
            raise ValueError(f"{path} is a folder but not a SavedModel (no saved_model.pb in it).")
        metadata_file = path / "assets" / METADATA_FILE
        if not metadata_file.is_file():
            return {}
        return json.loads(metadata_file.read_text())
    if path.suffix == ".keras":
        raise ValueError(f"{path} is a Keras model, not an export: export it first with export.export_model.")
    proto = load_onnx(path, load_external_data=False)
    return decode_onnx_metadata({prop.key: prop.value for prop in proto.metadata_props})
