"""The preset registry: which pretrained generators exist and where their files live.

A registry is a JSON file shipped in the package (`registry.json` beside this module):

    {"format": 1,
     "presets": {"dcgan_digits": {"family": "dcgan", "dataset": "digits", "description": "...",
                                  "metrics": {...},
                                  "files": [{"name": "config.json", "size": 1234, "sha256": "...",
                                             "urls": ["dcgan_digits/config.json"]}, ...]}}}

A relative URL is resolved against the registry's `base_url`, else the `presets/`
folder next to the registry file, so that the shipped registry resolves the shipped
presets with no network. Modelled on keras-hub's preset metadata and timm's
`PretrainedCfg` (url, hash, license, paper beside the weights, not in the model code).
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import json
import os
import pathlib
import urllib.parse
from collections.abc import Mapping
from typing import Any

#: The registry and presets shipped in the package.
PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
REGISTRY_FILE = PACKAGE_DIR / "registry.json"
PRESETS_DIR = PACKAGE_DIR / "presets"
#: Points the zoo at another registry file (a private mirror's, a test's).
REGISTRY_ENV = "KERAS_GAN_ZOO_REGISTRY"
REGISTRY_FORMAT = 1


class PresetError(ValueError):
    """A preset cannot be resolved, fetched, verified or loaded; the message says why
    and what to do. A ValueError, so the CLI reports it as a one-line error."""


class UnknownPresetError(PresetError):
    """The name is not in the registry."""


@dataclasses.dataclass(frozen=True)
class PresetFile:
    """One file of a preset: its name in the preset folder, size, sha256 and the URLs
    it can be downloaded from, tried in order."""

    name: str
    size: int
    sha256: str
    urls: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "sha256": self.sha256, "urls": list(self.urls)}


@dataclasses.dataclass(frozen=True)
class PresetInfo:
    """A registry entry: what `zoo.pretrained.info(name)` returns."""

    name: str
    family: str
    dataset: str
    description: str
    files: tuple[PresetFile, ...]
    metrics: dict[str, Any] = dataclasses.field(default_factory=dict)
    license: str = ""
    paper: str = ""

    @property
    def size(self) -> int:
        """Bytes of all its files together."""
        return sum(item.size for item in self.files)

    def file(self, name: str) -> PresetFile:
        for item in self.files:
            if item.name == name:
                return item
        raise KeyError(f"Preset {self.name!r} has no file {name!r}; its files are {[f.name for f in self.files]}.")


@dataclasses.dataclass(frozen=True)
class Registry:
    """A parsed registry file: its presets by name, and where it came from."""

    presets: dict[str, PresetInfo]
    source: pathlib.Path

    def names(self, pattern: str = "*") -> list[str]:
        return sorted(name for name in self.presets if fnmatch.fnmatch(name, pattern))

    def get(self, name: str) -> PresetInfo:
        """The entry of `name`, or an UnknownPresetError suggesting the nearest names."""
        if not isinstance(name, str):
            raise UnknownPresetError(f"A preset name must be a string, got {type(name).__name__}.")
        try:
            return self.presets[name]
        except KeyError:
            pass
        close = difflib.get_close_matches(name, list(self.presets), n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(repr(item) for item in close)}?" if close else ""
        known = ", ".join(self.names()) or "none"
        raise UnknownPresetError(
            f"Unknown preset {name!r}.{hint} Known presets: {known} (registry {self.source})."
        ) from None


def _resolve_url(url: str, base: str) -> str:
    """`url` as an absolute URL; a relative one is taken relative to `base`."""
    if urllib.parse.urlparse(url).scheme:
        return url
    return urllib.parse.urljoin(base, url)


def _check_sha256(value: Any, where: str) -> str:
    text = str(value).lower()
    if len(text) != 64 or any(char not in "0123456789abcdef" for char in text):
        raise PresetError(f"{where}: sha256 must be 64 hex digits, got {value!r}.")
    return text


def parse_registry(data: Mapping[str, Any], source: pathlib.Path) -> Registry:
    """A `Registry` from the JSON of a registry file, or a PresetError naming the
    entry that is malformed."""
    if not isinstance(data, Mapping) or data.get("format") != REGISTRY_FORMAT:
        raise PresetError(f"{source} is not a preset registry of format {REGISTRY_FORMAT}.")
    base = data.get("base_url") or (source.parent / "presets").resolve().as_uri() + "/"
    if not base.endswith("/"):
        base += "/"
    presets = {}
    for name, entry in (data.get("presets") or {}).items():
        where = f"{source}: preset {name!r}"
        try:
            files = tuple(
                PresetFile(
                    name=str(item["name"]),
                    size=int(item["size"]),
                    sha256=_check_sha256(item["sha256"], f"{where}, file {item.get('name')!r}"),
                    urls=tuple(_resolve_url(str(url), base) for url in item["urls"]),
                )
                for item in entry["files"]
            )
            presets[name] = PresetInfo(
                name=name,
                family=str(entry["family"]),
                dataset=str(entry["dataset"]),
                description=str(entry.get("description", "")),
                files=files,
                metrics=dict(entry.get("metrics") or {}),
                license=str(entry.get("license", "")),
                paper=str(entry.get("paper", "")),
            )
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, PresetError):
                raise
            raise PresetError(f"{where} is malformed: {error!r}.") from error
        bad = [item.name for item in files if not item.urls or pathlib.PurePosixPath(item.name).name != item.name]
        if bad:
            raise PresetError(f"{where}: file {bad[0]!r} needs a plain file name and at least one URL.")
    return Registry(presets, source)


def load_registry(path: str | os.PathLike | None = None) -> Registry:
    """The registry at `path`, else at `$KERAS_GAN_ZOO_REGISTRY`, else the shipped one."""
    path = pathlib.Path(path or os.environ.get(REGISTRY_ENV) or REGISTRY_FILE)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise PresetError(f"No preset registry at {path}.") from None
    except ValueError as error:
        raise PresetError(f"{path} is not valid JSON: {error}.") from None
    return parse_registry(data, path)


def list_presets(pattern: str = "*", registry: str | os.PathLike | None = None) -> list[str]:
    """Sorted names of the presets matching a shell-style pattern."""
    return load_registry(registry).names(pattern)


def info(name: str, registry: str | os.PathLike | None = None) -> PresetInfo:
    """The registry entry of preset `name` (family, dataset, metrics, files)."""
    return load_registry(registry).get(name)
