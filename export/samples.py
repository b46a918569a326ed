"""`save_samples`: generated samples as files people can look at or listen to."""

from __future__ import annotations

import pathlib
import wave
from typing import Any

import numpy as np

from zoo import images

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
AUDIO_SUFFIXES = (".wav",)
ARRAY_SUFFIXES = (".npy",)
DEFAULT_SAMPLE_RATE = 16_000
#: What a path without a suffix (a folder) receives, by kind of sample.
_DEFAULT_NAMES = {"image": "samples.png", "audio": "sample.wav", "sample": "samples.npy"}


def _kind(outputs: np.ndarray, path: pathlib.Path, metadata: dict[str, Any]) -> str:
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in AUDIO_SUFFIXES:
        return "audio"
    if suffix in ARRAY_SUFFIXES:
        return "sample"
    if suffix:
        supported = ", ".join(IMAGE_SUFFIXES + AUDIO_SUFFIXES + ARRAY_SUFFIXES)
        raise ValueError(f"Cannot write samples as {suffix!r}; use one of {supported} (or a folder).")
    name = (metadata.get("output") or {}).get("name")
    return name if name in _DEFAULT_NAMES else {4: "image", 3: "audio"}.get(outputs.ndim, "sample")


def _value_range(outputs: np.ndarray, metadata: dict[str, Any]) -> tuple[float, float]:
    """The range that maps to black..white (or full scale): the metadata's, the
    samples' own for unbounded generators, [-1, 1] when nothing is known."""
    value_range = metadata.get("value_range")
    if isinstance(value_range, (list, tuple)) and len(value_range) == 2:
        return float(value_range[0]), float(value_range[1])
    if value_range == "unbounded":
        low, high = float(outputs.min()), float(outputs.max())
        return (low, high) if high > low else (low - 1.0, low + 1.0)
    return -1.0, 1.0


def _write_wav(samples: np.ndarray, path: pathlib.Path, sample_rate: int) -> None:
    """One (samples, channels) array in [-1, 1] as a 16-bit PCM WAV file."""
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as file:
        file.setnchannels(samples.shape[1])
        file.setsampwidth(2)
        file.setframerate(int(sample_rate))
        file.writeframes(pcm.tobytes())  # C order: the channels of a frame are interleaved


def save_samples(
    outputs: np.ndarray,
    path: str | pathlib.Path,
    metadata: dict[str, Any] | None = None,
    *,
    sample_rate: int | None = None,
    columns: int | None = None,
) -> list[pathlib.Path]:
    """Write generated samples; returns the files written.

    The suffix of `path` decides the format: `.png` / `.jpg` a grid of images
    (`zoo.images.save_image_grid`), `.wav` one 16-bit WAV per sample (`name_000.wav`,
    ... when there are several), `.npy` the raw array. A path without a suffix is a
    folder, and the metadata (`OnnxGenerator.metadata`) or the array's rank decide.

    Args:
        outputs: (n, height, width, channels) images, (n, samples, channels) audio,
            or (n, features) vectors.
        metadata: the exported model's metadata: its value range maps images to
            pixels, its `sample_rate` (if any) is the audio's.
        sample_rate: audio samples per second; default the metadata's, else 16 kHz.
        columns: images per row of the grid.
    """
    outputs = np.asarray(outputs)
    path = pathlib.Path(path)
    metadata = metadata or {}
    if outputs.ndim < 2 or outputs.shape[0] < 1:
        raise ValueError(f"outputs must be a batch of samples, shape (n, ...), got {outputs.shape}.")
    kind = _kind(outputs, path, metadata)
    if not path.suffix:
        path = path / _DEFAULT_NAMES[kind]
    path.parent.mkdir(parents=True, exist_ok=True)

    if kind == "sample":
        if path.suffix.lower() not in ARRAY_SUFFIXES:
            raise ValueError(f"Samples shaped {outputs.shape[1:]} are neither images nor audio; save them as .npy.")
        np.save(path, outputs)
        return [path]

    if kind == "image":
        if outputs.ndim == 3:
            outputs = outputs[..., None]
        if outputs.ndim != 4 or outputs.shape[-1] not in (1, 3):
            raise ValueError(
                f"An image grid needs outputs shaped (n, height, width, 1 or 3), got {outputs.shape}; "
                "save other samples as .npy or .wav."
            )
        pixels = images.to_uint8(outputs, _value_range(outputs, metadata))
        return [images.save_image_grid(pixels, path, columns=columns)]

    if outputs.ndim == 2:
        outputs = outputs[..., None]
    if outputs.ndim != 3:
        raise ValueError(f"Audio needs outputs shaped (n, samples, channels), got {outputs.shape}.")
    low, high = _value_range(outputs, metadata)
    scaled = (outputs.astype("float32") - low) / (high - low) * 2.0 - 1.0
    rate = sample_rate or metadata.get("sample_rate") or DEFAULT_SAMPLE_RATE
    if len(outputs) == 1:
        files = [path]
    else:
        files = [path.with_name(f"{path.stem}_{index:03d}{path.suffix}") for index in range(len(outputs))]
    for samples, file in zip(scaled, files):
        _write_wav(samples, file, rate)
    return files
