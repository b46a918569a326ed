"""`save_samples`: generated samples as files people can look at or listen to.

Images become a grid PNG, audio clips 16-bit WAV files plus a waveform and
spectrogram PNG, 2-D points a scatter PNG, anything else a `.npy` array. Every file
is written through `zoo.io.atomic_path`.
"""

from __future__ import annotations

import pathlib
import wave
from typing import Any

import numpy as np

from zoo import images
from zoo.io import atomic_path

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
AUDIO_SUFFIXES = (".wav",)
ARRAY_SUFFIXES = (".npy",)
DEFAULT_SAMPLE_RATE = 16_000
#: What a path without a suffix (a folder) receives, by kind of sample.
_DEFAULT_NAMES = {"image": "samples.png", "audio": "sample.wav", "sample": "samples.npy"}


def _kind(outputs: np.ndarray, path: pathlib.Path, metadata: dict[str, Any]) -> str:
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "points" if outputs.ndim == 2 and outputs.shape[-1] == 2 else "image"
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
    with atomic_path(path) as temporary, wave.open(str(temporary), "wb") as file:
        file.setnchannels(samples.shape[1])
        file.setsampwidth(2)
        file.setframerate(int(sample_rate))
        file.writeframes(pcm.tobytes())  # C order: the channels of a frame are interleaved


def save_scatter(points: np.ndarray, path: str | pathlib.Path, title: str | None = None) -> pathlib.Path:
    """A scatter PNG of 2-D samples."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4, 4))
    axes.scatter(points[:, 0], points[:, 1], s=2, alpha=0.5)
    axes.set_aspect("equal")
    if title:
        axes.set_title(title)
    return save_figure(figure, path)


def save_figure(figure, path: str | pathlib.Path, dpi: int = 100) -> pathlib.Path:
    """Write a matplotlib figure as a PNG through a temporary file, then close it."""
    import matplotlib.pyplot as plt

    path = pathlib.Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=dpi, bbox_inches="tight", format="png")
    plt.close(figure)
    return path


def save_audio_preview(
    clips: np.ndarray, path: str | pathlib.Path, sample_rate: int = DEFAULT_SAMPLE_RATE, title: str | None = None
) -> pathlib.Path:
    """A PNG with the waveform and the spectrogram of up to 4 clips (n, length, channels)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    clips = np.asarray(clips)[:4, :, 0]
    figure, axes = plt.subplots(2, len(clips), figsize=(3 * len(clips), 4), squeeze=False)
    for column, clip in enumerate(clips):
        seconds = np.arange(len(clip)) / sample_rate
        axes[0, column].plot(seconds, clip, linewidth=0.5)
        axes[0, column].set_ylim(-1.05, 1.05)
        axes[0, column].set_xlabel("s")
        window = min(256, max(16, len(clip) // 8))
        axes[1, column].specgram(clip, NFFT=window, Fs=sample_rate, noverlap=window // 2)
        axes[1, column].set_xlabel("s")
    axes[0, 0].set_ylabel("amplitude")
    axes[1, 0].set_ylabel("Hz")
    if title:
        figure.suptitle(title)
    return save_figure(figure, path)


def save_samples(
    outputs: np.ndarray | dict[str, np.ndarray],
    path: str | pathlib.Path,
    metadata: dict[str, Any] | None = None,
    *,
    sample_rate: int | None = None,
    columns: int | None = None,
    preview: bool = False,
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
        preview: for audio, also a waveform and spectrogram PNG beside the WAV files.
    """
    if isinstance(outputs, dict):
        # Several outputs of one generator (CoGAN's pair): side by side, row by row.
        arrays = list(outputs.values())
        if len({array.shape for array in arrays}) != 1:
            raise ValueError(f"Outputs {list(outputs)} differ in shape; save them one by one.")
        outputs = np.stack(arrays, axis=1).reshape(-1, *arrays[0].shape[1:])
        columns = columns or len(arrays) * max(1, int(np.sqrt(len(arrays[0]) / len(arrays))))
    outputs = np.asarray(outputs)
    path = pathlib.Path(path)
    metadata = metadata or {}
    if outputs.ndim < 2 or outputs.shape[0] < 1:
        raise ValueError(f"outputs must be a batch of samples, shape (n, ...), got {outputs.shape}.")
    kind = _kind(outputs, path, metadata)
    if not path.suffix:
        path = path / _DEFAULT_NAMES[kind]
    path.parent.mkdir(parents=True, exist_ok=True)

    if kind == "points":
        return [save_scatter(outputs, path)]

    if kind == "sample":
        if path.suffix.lower() not in ARRAY_SUFFIXES:
            raise ValueError(f"Samples shaped {outputs.shape[1:]} are neither images nor audio; save them as .npy.")
        with atomic_path(path) as temporary:
            np.save(temporary, outputs)
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
    if preview:
        files.append(save_audio_preview(scaled, path.with_suffix(".png"), rate))
    return files
