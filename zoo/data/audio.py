"""Audio datasets as unbatched `(audio, label)` pairs: float32 (clip_length, 1) in [-1, 1].

Three sources, all mono and cropped / padded to `clip_length` samples:

- `drums`: kick, snare and hi-hat hits synthesized offline with random pitch, decay
  and noise, labelled 0 / 1 / 2 by instrument (`DRUM_INSTRUMENTS`). The WaveGAN
  paper's drums set (Donahue et al. 2019, https://arxiv.org/abs/1802.04208) is the
  model; clip `i` of seed `s` depends only on `(s, i)`, so the set is deterministic
  and can be drawn lazily, clip by clip.
- TensorFlow Datasets audio sets by name: `speech_commands` (label: the word) and
  `nsynth` (label: the instrument family).
- a folder of 16-bit PCM WAV files (`tf.audio.decode_wav`), labelled by their
  first-level sub-folder (sorted names -> 0, 1, ...; -1 for files at the top). Every
  file is checked before training: an empty or unreadable file, a sample rate other
  than `sample_rate` and a file with more than one channel are each a ValueError
  naming the file. Audio is never resampled or downmixed silently; convert it first
  (e.g. `ffmpeg -i in.wav -ac 1 -ar 16000 -c:a pcm_s16le out.wav`).

Clips longer than `clip_length` keep their first `clip_length` samples (the onset of
a hit or a word), shorter ones are padded with silence at the end.
"""

from __future__ import annotations

import os
import pathlib

import numpy as np
import tensorflow as tf

SAMPLE_RATE = 16_000
#: 16,384 samples (~1 s at 16 kHz): the clip length of WaveGAN (Donahue et al. 2019).
DEFAULT_CLIP_LENGTH = 16_384
DRUM_INSTRUMENTS = ("kick", "snare", "hihat")
#: TensorFlow Datasets audio sets and the feature holding each one's label.
TFDS_AUDIO = {"speech_commands": ("label",), "nsynth": ("instrument", "family")}
WAV_EXTENSIONS = (".wav",)
#: Clips are 64 KiB each at the default length, so a 10,000-clip buffer (the image
#: default) would hold 650 MB; sources shuffle their file or clip order instead.
SHUFFLE_BUFFER = 1_000


def check_clip_length(clip_length: int) -> int:
    if isinstance(clip_length, bool) or int(clip_length) != clip_length or clip_length < 1:
        raise ValueError(f"clip_length must be a positive number of samples, got {clip_length}.")
    return int(clip_length)


def check_sample_rate(sample_rate: int) -> int:
    if isinstance(sample_rate, bool) or int(sample_rate) != sample_rate or sample_rate < 1:
        raise ValueError(f"sample_rate must be a positive number of samples per second, got {sample_rate}.")
    return int(sample_rate)


def crop_or_pad(audio: tf.Tensor, clip_length: int) -> tf.Tensor:
    """(samples, 1) audio -> its first `clip_length` samples, zero-padded at the end."""
    audio = audio[:clip_length]
    padding = clip_length - tf.shape(audio)[0]
    audio = tf.pad(audio, [[0, padding], [0, 0]])
    return tf.ensure_shape(audio, (clip_length, 1))


def is_audio_source(name: str) -> bool:
    """Whether `load_dataset(name)` means audio: `drums`, a TFDS audio set, a WAV folder."""
    if name == "drums" or name.split(":")[0].split("/")[0] in TFDS_AUDIO:
        return True
    folder = pathlib.Path(name)
    return folder.is_dir() and bool(list_wav_files(folder))


def audio_dataset(
    name: str,
    *,
    clip_length: int = DEFAULT_CLIP_LENGTH,
    sample_rate: int = SAMPLE_RATE,
    split: str | None = None,
    shuffle: bool = True,
    seed: int = 0,
    num_samples: int = 50_000,
    data_dir: str | None = None,
) -> tf.data.Dataset:
    """Unbatched `(audio, label)` pairs of an audio source (see the module docstring),
    shuffled when `shuffle` is set."""
    clip_length = check_clip_length(clip_length)
    sample_rate = check_sample_rate(sample_rate)
    if name == "drums":
        return drums_dataset(num_samples, clip_length, seed, sample_rate, shuffle)
    if os.path.isdir(name):
        return wav_folder_dataset(name, clip_length, sample_rate, seed, shuffle)
    return tfds_audio_dataset(name, clip_length, sample_rate, split or "train", data_dir, shuffle, seed)


# === Synthetic drums ===


def _highpass(signal: np.ndarray, cutoff: float, sample_rate: int) -> np.ndarray:
    """4th-order Butterworth high-pass. In transfer-function form: at 16 kHz and these
    cutoffs it gives the same float32 clips as second-order sections, designed twice as fast."""
    from scipy.signal import butter, lfilter

    return lfilter(*butter(4, cutoff, "highpass", fs=sample_rate), signal)


def _kick(rng: np.random.Generator, time: np.ndarray, sample_rate: int) -> np.ndarray:
    # A sine whose pitch falls fast from a click-like start to a low body (the 808 kick).
    start, end = rng.uniform(120.0, 220.0), rng.uniform(40.0, 70.0)
    frequency = end + (start - end) * np.exp(-time / rng.uniform(0.01, 0.04))
    body = np.sin(2 * np.pi * np.cumsum(frequency) / sample_rate) * np.exp(-time / rng.uniform(0.1, 0.35))
    click = rng.standard_normal(time.size) * np.exp(-time / 0.003) * rng.uniform(0.05, 0.2)
    return body + click


def _snare(rng: np.random.Generator, time: np.ndarray, sample_rate: int) -> np.ndarray:
    # A short drum-head tone under a longer burst of the snares' broadband noise.
    tone = np.sin(2 * np.pi * rng.uniform(160.0, 260.0) * time) * np.exp(-time / rng.uniform(0.02, 0.06))
    rattle = _highpass(rng.standard_normal(time.size), rng.uniform(800.0, 1500.0), sample_rate)
    rattle = rattle / (np.abs(rattle).max() + 1e-9) * np.exp(-time / rng.uniform(0.06, 0.2))
    mix = rng.uniform(0.5, 0.8)
    return (1 - mix) * tone + mix * rattle


def _hihat(rng: np.random.Generator, time: np.ndarray, sample_rate: int) -> np.ndarray:
    # The 808 hi-hat: six detuned square waves plus noise, high-passed, decaying fast.
    pitch = rng.uniform(0.9, 1.2)
    partials = sum(
        np.sign(np.sin(2 * np.pi * frequency * pitch * time))
        for frequency in (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)
    )
    metal = partials / 6 + rng.uniform(0.5, 1.5) * rng.standard_normal(time.size)
    nyquist = sample_rate / 2
    sizzle = _highpass(metal, rng.uniform(0.6, 0.8) * nyquist, sample_rate)
    return sizzle / (np.abs(sizzle).max() + 1e-9) * np.exp(-time / rng.uniform(0.02, 0.12))


_SYNTHESIZERS = (_kick, _snare, _hihat)


def drum_clip(
    index: int, seed: int = 0, clip_length: int = DEFAULT_CLIP_LENGTH, sample_rate: int = SAMPLE_RATE
) -> tuple[np.ndarray, int]:
    """Clip `index` of the drums set of `seed`: ((clip_length, 1) float32 in [-1, 1], label).

    The instrument is `index % 3` (kick, snare, hi-hat), so classes are balanced; pitch,
    decay, onset (up to 1/32 of the clip late), peak level (0.5 to 0.95) and a
    background hiss are drawn from a generator seeded by `(seed, index)` alone.
    """
    label = int(index) % len(DRUM_INSTRUMENTS)
    rng = np.random.default_rng([int(seed), int(index)])
    onset = int(rng.integers(0, max(1, clip_length // 32)))
    time = np.arange(clip_length - onset) / sample_rate
    hit = _SYNTHESIZERS[label](rng, time, sample_rate)
    hit = hit / (np.abs(hit).max() + 1e-9) * rng.uniform(0.5, 0.95)
    clip = np.concatenate([np.zeros(onset), hit]) + rng.uniform(0.0, 0.005) * rng.standard_normal(clip_length)
    return np.clip(clip, -1.0, 1.0).astype(np.float32)[:, None], label


def drums_arrays(
    num_clips: int,
    clip_length: int = DEFAULT_CLIP_LENGTH,
    seed: int = 0,
    sample_rate: int = SAMPLE_RATE,
    start: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Clips `start .. start + num_clips` of the drums set of `seed`:
    ((num_clips, clip_length, 1) float32, (num_clips,) int32 labels)."""
    clip_length = check_clip_length(clip_length)
    sample_rate = check_sample_rate(sample_rate)
    if int(num_clips) != num_clips or num_clips < 1:
        raise ValueError(f"num_clips must be a positive integer, got {num_clips}.")
    clips = [drum_clip(index, seed, clip_length, sample_rate) for index in range(start, start + int(num_clips))]
    return np.stack([clip for clip, _ in clips]), np.array([label for _, label in clips], dtype=np.int32)


def drums_dataset(
    num_clips: int,
    clip_length: int = DEFAULT_CLIP_LENGTH,
    seed: int = 0,
    sample_rate: int = SAMPLE_RATE,
    shuffle: bool = True,
) -> tf.data.Dataset:
    """Unbatched `(audio, label)` pairs of the drums set, synthesized lazily per clip."""
    if int(num_clips) != num_clips or num_clips < 1:
        raise ValueError(f"num_samples (the number of drum clips) must be a positive integer, got {num_clips}.")
    indices = tf.data.Dataset.range(int(num_clips))
    if shuffle:
        # Shuffling indices costs 8 bytes a clip instead of the clip itself.
        indices = indices.shuffle(int(num_clips), seed=seed, reshuffle_each_iteration=True)

    def synthesize(index):
        clip, label = tf.numpy_function(
            lambda i: tuple(np.asarray(value) for value in drum_clip(int(i), seed, clip_length, sample_rate)),
            [index],
            (tf.float32, tf.int64),
            stateful=False,
        )
        return tf.ensure_shape(clip, (clip_length, 1)), tf.cast(tf.ensure_shape(label, ()), tf.int32)

    return indices.map(synthesize, num_parallel_calls=tf.data.AUTOTUNE)


# === WAV folders ===


def list_wav_files(folder: pathlib.Path) -> list[pathlib.Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file() and path.suffix.lower() in WAV_EXTENSIONS)


def check_wav_file(path: pathlib.Path, sample_rate: int) -> None:
    """ValueError naming `path` unless it is a non-empty, readable, mono WAV at `sample_rate`."""
    if path.stat().st_size == 0:
        raise ValueError(f"WAV file {path} is empty (0 bytes).")
    try:
        audio, rate = tf.audio.decode_wav(tf.io.read_file(str(path)))
    except tf.errors.InvalidArgumentError as error:
        reason = error.message.split("[Op:")[0].split("}}")[-1].strip()
        raise ValueError(
            f"WAV file {path} is corrupt or not 16-bit PCM ({reason}); audio folders take 16-bit PCM WAV files."
        ) from None
    if int(rate) != sample_rate:
        raise ValueError(
            f"WAV file {path} has a sample rate of {int(rate)} Hz, expected {sample_rate} Hz; resample it "
            f"(e.g. ffmpeg -ar {sample_rate}) or pass sample_rate={int(rate)}."
        )
    if audio.shape[1] != 1:
        raise ValueError(
            f"WAV file {path} has {audio.shape[1]} channels (stereo?), but audio datasets are mono; "
            "downmix it (e.g. ffmpeg -ac 1)."
        )
    if audio.shape[0] == 0:
        raise ValueError(f"WAV file {path} holds no samples.")


def wav_folder_dataset(
    folder: str | pathlib.Path,
    clip_length: int = DEFAULT_CLIP_LENGTH,
    sample_rate: int = SAMPLE_RATE,
    seed: int = 0,
    shuffle: bool = True,
) -> tf.data.Dataset:
    """Unbatched `(audio, label)` pairs of every WAV file below `folder`.

    Each file is decoded once up front, so that a bad file is reported by name before
    training starts instead of failing mid-epoch.
    """
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise ValueError(f"Audio folder {folder} does not exist.")
    files = list_wav_files(folder)
    if not files:
        raise ValueError(f"Audio folder {folder} holds no WAV files.")
    for path in files:
        check_wav_file(path, sample_rate)
    classes = sorted({path.relative_to(folder).parts[0] for path in files if len(path.relative_to(folder).parts) > 1})
    labels = [
        classes.index(path.relative_to(folder).parts[0]) if len(path.relative_to(folder).parts) > 1 else -1
        for path in files
    ]
    dataset = tf.data.Dataset.from_tensor_slices(([str(path) for path in files], np.array(labels, dtype=np.int32)))
    if shuffle:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)

    def decode(path, label):
        audio, _ = tf.audio.decode_wav(tf.io.read_file(path), desired_channels=1)
        return crop_or_pad(audio, clip_length), label

    return dataset.map(decode, num_parallel_calls=tf.data.AUTOTUNE)


# === TensorFlow Datasets ===


def tfds_audio_dataset(
    name: str,
    clip_length: int = DEFAULT_CLIP_LENGTH,
    sample_rate: int = SAMPLE_RATE,
    split: str = "train",
    data_dir: str | None = None,
    shuffle: bool = True,
    seed: int = 0,
) -> tf.data.Dataset:
    """Unbatched `(audio, label)` pairs of `speech_commands` or `nsynth` (see `TFDS_AUDIO`).

    Integer PCM is scaled to [-1, 1] by its full scale; float audio is clipped to it.
    """
    import tensorflow_datasets as tfds

    base = name.split(":")[0].split("/")[0]
    if base not in TFDS_AUDIO:
        raise ValueError(f"{name!r} is not a known TensorFlow Datasets audio set ({', '.join(TFDS_AUDIO)}).")
    builder = tfds.builder(name, data_dir=data_dir)
    feature = builder.info.features["audio"]
    if feature.sample_rate != sample_rate:
        raise ValueError(
            f"TensorFlow Datasets {name!r} is sampled at {feature.sample_rate} Hz, expected {sample_rate} Hz; "
            f"pass sample_rate={feature.sample_rate}."
        )
    if len(feature.shape) != 1:
        raise ValueError(f"TensorFlow Datasets {name!r} has {feature.shape[-1]}-channel audio; only mono is supported.")
    dtype = tf.as_dtype(feature.dtype)
    scale = 1.0 / -float(dtype.min) if dtype.is_integer else 1.0
    if not builder.is_prepared():
        from zoo.data.images import download_and_prepare

        download_and_prepare(builder, name)  # no network: one clear error, not minutes of retries
    dataset = builder.as_dataset(split=split, shuffle_files=shuffle)
    label_path = TFDS_AUDIO[base]

    def convert(example):
        audio = tf.clip_by_value(tf.cast(example["audio"], tf.float32) * scale, -1.0, 1.0)
        label = example
        for key in label_path:
            label = label[key]
        return crop_or_pad(audio[:, None], clip_length), tf.cast(label, tf.int32)

    dataset = dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)
    if shuffle:
        dataset = dataset.shuffle(SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True)
    return dataset
