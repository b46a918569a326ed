"""Named datasets for training: `load_dataset(name, ...)` and `list_datasets()`.

A name is one of the bundled datasets (`digits`, the 2-D mixtures `ring8`,
`grid25`, `swissroll`, the synthetic audio `drums`), any TensorFlow Datasets image
dataset (`mnist`, `fashion_mnist`, `cifar10`, `celeb_a`, ...), the TFDS audio sets
`speech_commands` and `nsynth`, or the path of an image folder or a WAV folder.
Image batches are float32 in [-1, 1], shaped (batch, size, size, channels); audio
batches (see `zoo.data.audio`) are float32 in [-1, 1], shaped (batch, clip_length, 1).
Two unpaired domains at once (CoGAN, CycleGAN): `load_domains(a, b, ...)`.
"""

from __future__ import annotations

import os

import tensorflow as tf

from zoo.data.domains import domain_arrays, list_domains, load_domains
from zoo.data.images import (
    check_channels,
    check_image_size,
    digits_arrays,
    digits_dataset,
    folder_dataset,
    tfds_dataset,
    without_autotune,
)
from zoo.io import check_memory

MIXTURE_NAMES = ("ring8", "grid25", "swissroll")
BUNDLED = ("digits",) + MIXTURE_NAMES + ("drums",)
TFDS_EXAMPLES = ("mnist", "fashion_mnist", "cifar10", "celeb_a")


def list_datasets() -> list[str]:
    """The bundled dataset names (any TensorFlow Datasets image name works too)."""
    return list(BUNDLED)


def _is_tfds_name(name: str) -> bool:
    import tensorflow_datasets as tfds

    # Not the community list: reading it goes to cloud storage and hangs offline.
    return name.split(":")[0] in tfds.list_builders(with_community_datasets=False)


def load_dataset(
    name: str,
    *,
    batch_size: int = 64,
    image_size: int | None = None,
    channels: int | None = None,
    split: str | None = None,
    labels: bool = False,
    shuffle: bool = True,
    seed: int = 0,
    num_samples: int = 50_000,
    data_dir: str | None = None,
    clip_length: int | None = None,
    sample_rate: int = 16_000,
) -> tf.data.Dataset:
    """A batched, shuffled, prefetched dataset by name (see the module docstring).

    Args:
        name: dataset name, or the path of an image folder or a WAV folder.
        batch_size: samples per batch; the last partial batch is dropped so every
            step sees the same shape (no XLA recompilation, even replica splits).
        image_size: side of the square images; `None` keeps the dataset's size
            (16 for digits).
        channels: 1 or 3; `None` keeps the dataset's.
        split: dataset split (`"train"` by default; digits: train/test/all).
        labels: yield `(images, labels)` (integer class ids) instead of images: for
            digits, a TensorFlow Datasets dataset with a `label` feature, or an image
            folder with one sub-folder per class; `(audio, labels)` for audio.
        num_samples: points drawn for the 2-D mixtures; clips synthesized for drums.
        data_dir: where TensorFlow Datasets keeps its data.
        clip_length: audio samples per clip (cropped / padded); `None` is 16,384.
        sample_rate: the audio's samples per second; other rates are refused.
    """
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
    check_image_size(image_size)
    check_channels(channels)
    from zoo.data.audio import DEFAULT_CLIP_LENGTH, audio_dataset, is_audio_source

    audio = is_audio_source(name)
    if image_size is not None and not audio:
        # Two batches in flight (one being read, one training), four bytes a value.
        check_memory(
            8.0 * batch_size * image_size**2 * (channels or 3),
            f"A batch of {batch_size} images of {image_size}x{image_size}",
        )
    if name in MIXTURE_NAMES:
        from zoo.data.mixtures import mixture_dataset

        return mixture_dataset(name, num_samples=num_samples, batch_size=batch_size, seed=seed)
    if audio:
        # Shuffled inside: audio sources shuffle clip indices or files, not 64 KiB clips.
        dataset = audio_dataset(
            name,
            clip_length=DEFAULT_CLIP_LENGTH if clip_length is None else clip_length,
            sample_rate=sample_rate,
            split=split,
            shuffle=shuffle,
            seed=seed,
            num_samples=num_samples,
            data_dir=data_dir,
        )
    elif name == "digits":
        dataset = digits_dataset(image_size, channels, split or "train")
    elif os.path.sep in name or os.path.isdir(name):
        dataset = folder_dataset(name, image_size, channels, seed, labels)
    elif _is_tfds_name(name):
        dataset = tfds_dataset(name, image_size, channels, split or "train", data_dir, labels)
    else:
        raise ValueError(
            f"Unknown dataset {name!r}. Known: {', '.join(BUNDLED)}; any TensorFlow Datasets image "
            f"dataset ({', '.join(TFDS_EXAMPLES)}, ...); speech_commands, nsynth; or an image or WAV folder path."
        )
    if shuffle and not audio:
        dataset = dataset.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
    if not labels:
        dataset = dataset.map(lambda image, label: image, num_parallel_calls=tf.data.AUTOTUNE)
    count = int(dataset.cardinality())
    if 0 <= count < batch_size:
        raise ValueError(
            f"{name} has {count} samples, fewer than batch_size {batch_size}: no full batch to train on "
            "(lower --batch-size or add data)."
        )
    dataset = dataset.batch(batch_size, drop_remainder=True)
    if name == "digits":
        return without_autotune(dataset)  # arrays in memory: nothing to tune
    return dataset.prefetch(tf.data.AUTOTUNE)


__all__ = ["digits_arrays", "domain_arrays", "list_datasets", "list_domains", "load_dataset", "load_domains"]
