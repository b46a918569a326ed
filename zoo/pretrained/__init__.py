"""Pretrained generators: presets by name, hash-checked cached downloads.

    import zoo.pretrained
    zoo.pretrained.list()                      # ['dcgan_digits', 'gan_digits', ...]
    zoo.pretrained.info("dcgan_digits")        # family, dataset, metrics, files
    folder = zoo.pretrained.fetch("dcgan_digits")
    model = zoo.pretrained.load("dcgan_digits")   # the Keras GAN
    images = model.sample(16, seed=0)

`load` also takes a preset folder, a `file://` / `https://` URL of one (its
`manifest.json` lists the files and their hashes), or `hf://org/name` (through
`keras.saving.load_model`'s own Hugging Face support). The ONNX generator of a preset
is `export.load_pretrained_onnx(name)` (the export layer sits above the zoo).

Where files are cached and how the network is used: see `zoo.pretrained.cache`.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import pathlib
import urllib.parse

from zoo.pretrained.cache import (
    BASE_URL_ENV,
    CACHE_ENV,
    DEFAULT_RETRIES,
    OFFLINE_ENV,
    PresetCacheError,
    PresetDownloadError,
    PresetNotCachedError,
    cache_dir,
    download,
    downloader_for,
    fetch_preset,
    is_offline,
    sha256_of,
)
from zoo.pretrained.preset import (
    CARD_FILE,
    CONFIG_FILE,
    MANIFEST_FILE,
    METADATA_FILE,
    ONNX_FILE,
    WEIGHTS_FILE,
    load_folder,
    onnx_path,
    read_manifest,
    read_metadata,
    verify_folder,
    write_preset,
    write_registry,
)
from zoo.pretrained.registry import (
    PRESETS_DIR,
    REGISTRY_ENV,
    REGISTRY_FILE,
    PresetError,
    PresetFile,
    PresetInfo,
    UnknownPresetError,
    list_presets,
    load_registry,
)

_URL_SCHEMES = ("http", "https", "file")


def list(pattern: str = "*", registry: str | os.PathLike | None = None) -> builtins.list[str]:
    """Sorted names of the presets in the registry matching a shell-style pattern."""
    return list_presets(pattern, registry)


def info(name: str, registry: str | os.PathLike | None = None) -> PresetInfo:
    """The registry entry of `name`; an UnknownPresetError suggests the nearest names."""
    return load_registry(registry).get(name)


def fetch(
    name: str,
    *,
    registry: str | os.PathLike | None = None,
    cache: str | os.PathLike | None = None,
    offline: bool | None = None,
    retries: int = DEFAULT_RETRIES,
    progressbar: bool | None = None,
) -> pathlib.Path:
    """The local folder of preset `name`, every file in it verified by sha256;
    downloaded into the cache unless already there. See `zoo.pretrained.cache`."""
    return fetch_preset(info(name, registry), cache=cache, offline=offline, retries=retries, progressbar=progressbar)


def fetch_url(
    url: str,
    *,
    cache: str | os.PathLike | None = None,
    offline: bool | None = None,
    retries: int = DEFAULT_RETRIES,
    progressbar: bool | None = None,
) -> pathlib.Path:
    """The local copy of the preset folder at `url` (`https://` or `file://`): its
    `manifest.json` first, then every file it lists, checked against it."""
    root = pathlib.Path(cache) if cache is not None else cache_dir()
    name = "url-" + hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:16]
    folder = root / name
    base = url.rstrip("/") + "/"
    manifest_path = folder / MANIFEST_FILE
    offline = is_offline() if offline is None else offline
    try:
        manifest = read_manifest(folder)
    except PresetError:
        manifest_path.unlink(missing_ok=True)
        if offline:
            raise PresetNotCachedError(
                f"Offline ({OFFLINE_ENV} is set) and the preset at {url} is not cached (no {manifest_path}). "
                f"Load it once with the network on, or copy its folder to {folder}."
            ) from None
        # The manifest has no known hash: it is what the other hashes are checked against.
        unverified = PresetFile(MANIFEST_FILE, 0, "0" * 64, (base + MANIFEST_FILE,))
        _download_unverified(unverified, folder, retries, progressbar)
        manifest = read_manifest(folder)
    manifest_file = PresetFile(
        MANIFEST_FILE, manifest_path.stat().st_size, sha256_of(manifest_path), (base + MANIFEST_FILE,)
    )
    files = [manifest_file] + [
        PresetFile(file, int(entry["size"]), str(entry["sha256"]), (base + urllib.parse.quote(file),))
        for file, entry in manifest["files"].items()
    ]
    preset = PresetInfo(name=name, family="", dataset="", description=url, files=tuple(files))
    return fetch_preset(preset, cache=root, offline=offline, retries=retries, progressbar=progressbar, use_mirror=False)


def _download_unverified(item: PresetFile, folder: pathlib.Path, retries: int, progressbar: bool | None) -> None:
    import pooch

    folder.mkdir(parents=True, exist_ok=True)
    url = item.urls[0]
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # pooch would print the hash of an unverified file
    try:
        pooch.retrieve(
            url,
            known_hash=None,
            fname=item.name,
            path=folder,
            downloader=downloader_for(url, bool(progressbar)),
        )
    except Exception as error:  # noqa: BLE001  (reported with the URL)
        raise PresetDownloadError(f"Could not download {url}: {str(error).splitlines()[0]}") from None
    finally:
        logger.setLevel(level)
    try:
        json.loads((folder / item.name).read_text())
    except ValueError:
        (folder / item.name).unlink(missing_ok=True)
        raise PresetDownloadError(f"{url} is not a preset manifest (not JSON); nothing was kept.") from None


def resolve(
    source: str | os.PathLike,
    *,
    registry: str | os.PathLike | None = None,
    cache: str | os.PathLike | None = None,
    offline: bool | None = None,
    progressbar: bool | None = None,
) -> pathlib.Path:
    """The local, verified folder of a preset name, preset folder or preset URL."""
    text = os.fspath(source)
    scheme = urllib.parse.urlparse(text).scheme
    if scheme in _URL_SCHEMES:
        return fetch_url(text, cache=cache, offline=offline, progressbar=progressbar)
    path = pathlib.Path(text)
    if path.is_dir():
        verify_folder(path)
        return path
    if path.exists() or os.sep in text or text.startswith("."):
        raise PresetError(f"{text} is not a preset folder (expected a folder holding {MANIFEST_FILE}).")
    return fetch(text, registry=registry, cache=cache, offline=offline, progressbar=progressbar)


def load(
    source: str | os.PathLike,
    *,
    registry: str | os.PathLike | None = None,
    cache: str | os.PathLike | None = None,
    offline: bool | None = None,
    progressbar: bool | None = None,
):
    """The pretrained `zoo.GAN` of a preset name, preset folder, `file://` or
    `https://` URL of a preset folder, or `hf://org/name` — config + weights loaded
    with `safe_mode=True` (no lambdas, no pickles), every file hash-checked first."""
    text = os.fspath(source)
    if text.startswith("hf://"):
        return _load_hf(text)
    return load_folder(resolve(source, registry=registry, cache=cache, offline=offline, progressbar=progressbar))


def _load_hf(url: str):
    import keras

    import zoo  # noqa: F401  (registers the families)
    from zoo.gan import GAN

    try:
        model = keras.saving.load_model(url, compile=False, safe_mode=True)
    except ImportError as error:
        raise PresetError(f"Loading {url} needs the huggingface_hub package ({error}).") from None
    if not isinstance(model, GAN):
        raise PresetError(f"{url} holds a {type(model).__name__}, not a zoo.GAN.")
    return model


__all__ = [
    "BASE_URL_ENV",
    "CACHE_ENV",
    "CARD_FILE",
    "CONFIG_FILE",
    "MANIFEST_FILE",
    "METADATA_FILE",
    "OFFLINE_ENV",
    "ONNX_FILE",
    "PRESETS_DIR",
    "REGISTRY_ENV",
    "REGISTRY_FILE",
    "WEIGHTS_FILE",
    "PresetCacheError",
    "PresetDownloadError",
    "PresetError",
    "PresetInfo",
    "PresetNotCachedError",
    "UnknownPresetError",
    "cache_dir",
    "download",
    "fetch",
    "fetch_url",
    "info",
    "list",
    "load",
    "load_registry",
    "onnx_path",
    "read_metadata",
    "resolve",
    "verify_folder",
    "write_preset",
    "write_registry",
]
