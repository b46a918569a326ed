"""Pretrained generators as ONNX: `load_onnx(name)` runs a preset's `generator.onnx`
in onnxruntime, with no Keras model built. It lives here, not in `zoo.pretrained`,
because the zoo never imports the export layer."""

from __future__ import annotations

import os
from typing import Any

from export.onnx_generator import OnnxGenerator


def load_onnx(
    source: str | os.PathLike,
    *,
    registry: str | os.PathLike | None = None,
    cache: str | os.PathLike | None = None,
    offline: bool | None = None,
    network: str | None = None,
    providers: list[str] | None = None,
    session_options: Any = None,
) -> OnnxGenerator:
    """The `OnnxGenerator` of a preset (a name, a preset folder or a `file://` /
    `https://` URL of one), fetched and hash-checked like `zoo.pretrained.load`.

    `network` picks one of the preset's exported networks (`metadata.json`'s
    `exported_networks`: a BiGAN's `encoder`, a CycleGAN's `generator_b2a`); by
    default the first (`generator`, or a CycleGAN's `generator_a2b`)."""
    import zoo.pretrained

    folder = zoo.pretrained.resolve(source, registry=registry, cache=cache, offline=offline)
    return OnnxGenerator(
        zoo.pretrained.onnx_path(folder, network), providers=providers, session_options=session_options
    )
