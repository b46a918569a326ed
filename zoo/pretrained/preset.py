"""A preset folder, in the keras-hub layout:

    config.json        the GAN's serialized config ({"class_name", "config", ...}), no optimizer
    model.weights.h5   its weights (generator and discriminator, no optimizer state)
    generator.onnx     the exported generator (and any other exported network)
    metadata.json      family, dataset, inputs, value range, versions, recipe, metrics, license
    README.md          the model card, generated from metadata.json
    manifest.json      every other file's size and sha256

`keras.saving.load_model(folder)` reads config + weights (with `safe_mode=True`: no
lambdas, no pickles), so a preset folder is also what `hf://` repositories hold.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
from collections.abc import Mapping
from typing import Any

from zoo.io import atomic_path, write_text
from zoo.pretrained.cache import sha256_of
from zoo.pretrained.registry import REGISTRY_FORMAT, PresetError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"
CARD_FILE = "README.md"
MANIFEST_FILE = "manifest.json"
ONNX_FILE = "generator.onnx"
#: Bumped when a metadata field changes meaning.
PRESET_FORMAT = 1


def _write_json(path: pathlib.Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def inference_copy(model):
    """An uncompiled copy of `model` with its weights: a preset ships no optimizer
    state (it would triple the weights file and is of no use for sampling)."""
    copy = type(model).from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def build_manifest(folder: pathlib.Path) -> dict[str, Any]:
    """Size and sha256 of every file of the preset folder but the manifest."""
    files = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name != MANIFEST_FILE:
            files[path.name] = {"size": path.stat().st_size, "sha256": sha256_of(path)}
    return {"format": PRESET_FORMAT, "files": files}


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def model_card(metadata: Mapping[str, Any], manifest: Mapping[str, Any]) -> str:
    """The README.md of a preset, from its metadata and manifest."""
    name = metadata.get("name", "preset")
    lines = [f"# {name}", "", metadata.get("description", ""), ""]
    facts = [
        ("family", metadata.get("family")),
        ("paper", metadata.get("paper")),
        ("dataset", metadata.get("dataset")),
        ("sample shape", metadata.get("data_shape")),
        ("value range", metadata.get("value_range")),
        ("generator inputs", "; ".join(_describe_input(item) for item in metadata.get("generator_inputs", []))),
        ("sampler", metadata.get("sampler")),
        ("license", metadata.get("license")),
        ("versions", ", ".join(f"{key} {value}" for key, value in (metadata.get("versions") or {}).items())),
    ]
    lines += ["| | |", "|---|---|"] + [f"| {key} | {value} |" for key, value in facts if value not in (None, "")]
    metrics = metadata.get("metrics") or {}
    if metrics:
        lines += ["", "## Metrics", ""]
        evaluation = metadata.get("evaluation") or {}
        if evaluation.get("protocol"):
            lines += [evaluation["protocol"], ""]
        lines += ["| metric | value |", "|---|---|"]
        lines += [f"| {key} | {_format_value(value)} |" for key, value in metrics.items()]
        if evaluation.get("command"):
            lines += ["", f"Measured with `{evaluation['command']}`."]
    recipe = metadata.get("recipe")
    if recipe:
        lines += ["", "## Training", "", "```json", json.dumps(recipe, indent=2, sort_keys=True), "```"]
        if metadata.get("training"):
            lines += ["", ", ".join(f"{key}: {_format_value(value)}" for key, value in metadata["training"].items())]
    lines += [
        "",
        "## Use",
        "",
        "```python",
        "import zoo.pretrained",
        f'model = zoo.pretrained.load("{name}")      # the Keras GAN',
        "images = model.sample(16, seed=0)",
        "",
        "import export",
        f'generator = export.load_pretrained_onnx("{name}")   # onnxruntime only',
        "images = generator.generate(16, seed=0)",
        "```",
        "",
        f"From the shell: `gan-zoo pull {name}` prints the cached folder; `gan-zoo sample {name} -o grid.png`.",
    ]
    if metadata.get("citation"):
        lines += ["", "## Citation", "", "```", metadata["citation"], "```"]
    lines += ["", "## Files", "", "| file | bytes | sha256 |", "|---|---|---|"]
    lines += [
        f"| {file} | {entry['size']} | `{entry['sha256']}` |" for file, entry in manifest.get("files", {}).items()
    ]
    return "\n".join(lines) + "\n"


def _describe_input(item: Mapping[str, Any]) -> str:
    details = [str(item.get("kind"))]
    for key in ("prior", "num_classes", "shape"):
        if item.get(key) is not None:
            details.append(f"{key} {item[key]}")
    return f"`{item.get('name')}` ({', '.join(details)})"


def write_preset(
    model,
    directory: str | os.PathLike,
    metadata: Mapping[str, Any],
    extra_files: Mapping[str, str | os.PathLike] | None = None,
) -> pathlib.Path:
    """Write `model` (a `zoo.GAN`) as a preset folder at `directory` and return it.

    `extra_files` (name -> path) are copied in as they are (the exported
    `generator.onnx`, sample arrays). Everything is written into a temporary folder
    beside `directory` and renamed into place at the end, so an interrupted write
    leaves the old preset or the new one.
    """
    import keras

    directory = pathlib.Path(directory)
    for name in extra_files or {}:
        if pathlib.PurePosixPath(name).name != name or name in (CONFIG_FILE, WEIGHTS_FILE, METADATA_FILE):
            raise PresetError(f"Extra preset file {name!r} must be a plain file name not used by the preset.")
    with atomic_path(directory, directory=True) as staging:
        staging.mkdir()
        copy = inference_copy(model)
        config = keras.saving.serialize_keras_object(copy)
        config.pop("compile_config", None)
        _write_json(staging / CONFIG_FILE, config)
        copy.save_weights(staging / WEIGHTS_FILE)
        for name, path in (extra_files or {}).items():
            shutil.copyfile(path, staging / name)
        metadata = {
            **metadata,
            "preset_format": PRESET_FORMAT,
            "name": metadata.get("name", directory.name),
            "keras_version": keras.__version__,
        }
        _write_json(staging / METADATA_FILE, metadata)
        # The card lists the files above; the manifest then covers the card too.
        (staging / CARD_FILE).write_text(model_card(metadata, build_manifest(staging)))
        _write_json(staging / MANIFEST_FILE, build_manifest(staging))
    return directory


def read_manifest(folder: pathlib.Path) -> dict[str, Any]:
    path = folder / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise PresetError(f"{folder} is not a preset folder: it has no {MANIFEST_FILE}.") from None
    except ValueError as error:
        raise PresetError(f"{path} is not valid JSON: {error}.") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise PresetError(f"{path} is not a preset manifest (no 'files' table).")
    return manifest


def verify_folder(folder: str | os.PathLike) -> dict[str, Any]:
    """The manifest of a preset folder, after checking that every file it lists is
    there with its size and sha256; a PresetError naming the first file that is not."""
    folder = pathlib.Path(folder)
    manifest = read_manifest(folder)
    for name, entry in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise PresetError(f"Preset folder {folder} is missing {name} (listed in its {MANIFEST_FILE}).")
        size, digest = path.stat().st_size, sha256_of(path)
        if size != entry["size"] or digest != entry["sha256"]:
            raise PresetError(
                f"{path} does not match its manifest: expected {entry['size']} bytes with sha256 "
                f"{entry['sha256']}, got {size} bytes with sha256 {digest}."
            )
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if name not in manifest["files"]:
            raise PresetError(f"Preset folder {folder} lists no {name} in its {MANIFEST_FILE}.")
    return manifest


def read_metadata(folder: str | os.PathLike) -> dict[str, Any]:
    path = pathlib.Path(folder) / METADATA_FILE
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise PresetError(f"{folder} is not a preset folder: it has no {METADATA_FILE}.") from None


def onnx_path(folder: str | os.PathLike, network: str | None = None) -> pathlib.Path:
    """The ONNX file of exported `network` in a verified preset folder; by default
    its first (`generator.onnx`, or a translator's `generator_a2b.onnx`). A
    PresetError names the networks the preset does export."""
    folder = pathlib.Path(folder)
    exported = read_metadata(folder).get("exported_networks") or [pathlib.Path(ONNX_FILE).stem]
    name = network or exported[0]
    path = folder / f"{name}.onnx"
    if name not in exported or not path.is_file():
        raise PresetError(f"Preset {folder.name} ships no {name}.onnx; its ONNX networks: {', '.join(exported)}.")
    return path


def load_folder(folder: str | os.PathLike):
    """The `zoo.GAN` of a verified preset folder: config + weights through
    `keras.saving.load_model(safe_mode=True)`."""
    import keras

    import zoo  # noqa: F401  (registers the families, so their configs deserialize)
    from zoo.gan import GAN

    folder = pathlib.Path(folder)
    verify_folder(folder)
    metadata = read_metadata(folder)
    try:
        model = keras.saving.load_model(folder, compile=False, safe_mode=True)
    except (ValueError, TypeError, KeyError, OSError) as error:
        raise PresetError(f"Preset folder {folder} does not load as a Keras model: {error}") from error
    if not isinstance(model, GAN):
        raise PresetError(f"Preset folder {folder} holds a {type(model).__name__}, not a zoo.GAN.")
    if getattr(model, "dataset", None) is None and metadata.get("dataset"):
        model.dataset = metadata["dataset"]
    return model


# === The registry of shipped presets ===


def registry_entry(folder: pathlib.Path, url_prefix: str | None = None) -> dict[str, Any]:
    """The registry entry of a preset folder, its files at `url_prefix/FILE`
    (default: the folder's name, relative to the registry's preset folder)."""
    manifest = verify_folder(folder)
    metadata = read_metadata(folder)
    prefix = (url_prefix or folder.name).rstrip("/")
    files = [{"name": MANIFEST_FILE, **_file_entry(folder / MANIFEST_FILE)}] + [
        {"name": name, **entry} for name, entry in manifest["files"].items()
    ]
    for item in files:
        item["urls"] = [f"{prefix}/{item['name']}"]
    return {
        "family": metadata["family"],
        "dataset": metadata["dataset"],
        "description": metadata.get("description", ""),
        "metrics": metadata.get("metrics", {}),
        "license": metadata.get("license", ""),
        "paper": metadata.get("paper", ""),
        "files": files,
    }


def _file_entry(path: pathlib.Path) -> dict[str, Any]:
    return {"size": path.stat().st_size, "sha256": sha256_of(path)}


def write_registry(presets_dir: str | os.PathLike, registry_file: str | os.PathLike) -> dict[str, Any]:
    """Regenerate a registry from every preset folder in `presets_dir` (relative
    URLs, so the shipped registry resolves the shipped presets offline)."""
    presets_dir = pathlib.Path(presets_dir)
    entries = {
        folder.name: registry_entry(folder)
        for folder in sorted(presets_dir.iterdir())
        if folder.is_dir() and not folder.name.startswith(".")
    }
    data: dict[str, Any] = {"format": REGISTRY_FORMAT, "presets": entries}
    registry_file = pathlib.Path(registry_file)
    if presets_dir.resolve() != registry_file.parent.resolve() / "presets":
        # Relative URLs resolve against `presets/` beside the registry; elsewhere, say where.
        data["base_url"] = presets_dir.resolve().as_uri() + "/"
    write_text(registry_file, json.dumps(data, indent=2, sort_keys=True) + "\n")
    return data
