"""Image datasets as batched, shuffled, prefetched `tf.data.Dataset`s in [-1, 1].

Three sources: scikit-learn's 8x8 digits (bundled, offline), any TensorFlow
Datasets image dataset by name, and a folder of image files.
"""

from __future__ import annotations

import pathlib

import numpy as np
import tensorflow as tf

from zoo.io import check_memory

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
CHANNELS = (1, 3)
#: Digits split: a fixed permutation, the first 80% for training.
DIGITS_TRAIN_FRACTION = 0.8
#: Images in scikit-learn's digits.
DIGITS_COUNT = 1797


def check_channels(channels: int | None) -> None:
    if channels is not None and channels not in CHANNELS:
        raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels}.")


def check_image_size(image_size: int | None) -> None:
    if image_size is not None and (int(image_size) != image_size or image_size < 1):
        raise ValueError(f"image_size must be a positive integer, got {image_size}.")


def to_unit_range(images: tf.Tensor) -> tf.Tensor:
    """uint8 [0, 255] -> float32 [-1, 1], the range of a tanh generator."""
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def match_channels(images: tf.Tensor, channels: int | None) -> tf.Tensor:
    """Gray -> RGB by tiling, RGB(A) -> gray by luminance; `None` keeps them."""
    have = images.shape[-1]
    if channels is None or have == channels:
        return images
    if have == 4:
        images, have = images[..., :3], 3
    if have == 1 and channels == 3:
        return tf.image.grayscale_to_rgb(images)
    if have == 3 and channels == 1:
        return tf.image.rgb_to_grayscale(images)
    raise ValueError(f"Cannot turn images with {have} channels into {channels} channels.")


def square_resize(images: tf.Tensor, image_size: int | None) -> tf.Tensor:
    """Centre-crop to a square, then resize bilinearly to `image_size`."""
    if image_size is None:
        return images
    height, width = images.shape[-3], images.shape[-2]
    if height is not None and width is not None and height != width:
        side = min(height, width)
        images = tf.image.resize_with_crop_or_pad(images, side, side)
    return tf.image.resize(images, (image_size, image_size), method="bilinear")


def digits_indices(split: str = "all", count: int = DIGITS_COUNT) -> np.ndarray:
    """The positions in scikit-learn's digits of a split: "train" is a fixed 80%, "test" the rest."""
    order = np.random.default_rng(0).permutation(count)
    cut = int(count * DIGITS_TRAIN_FRACTION)
    splits = {"train": order[:cut], "test": order[cut:], "all": np.arange(count)}
    if split not in splits:
        raise ValueError(f"digits has the splits {sorted(splits)}, got {split!r}.")
    return splits[split]


def digits_arrays(image_size: int = 16, split: str = "all", channels: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits (1,797 images, 10 classes) as float32 in [-1, 1].

    Pixels (0..16) are scaled to [-1, 1], then resized bilinearly to `image_size`.
    `split` is "train" (a fixed 80%), "test" (the other 20%) or "all".
    """
    from sklearn.datasets import load_digits

    check_image_size(image_size)
    check_channels(channels)
    check_memory(4.0 * DIGITS_COUNT * image_size**2 * channels, f"The digits at {image_size}x{image_size}")
    indices = digits_indices(split)
    digits = load_digits()
    images = (digits.images / 16.0 * 2.0 - 1.0).astype("float32")[..., None]
    labels = digits.target.astype("int32")
    images, labels = images[indices], labels[indices]
    images = tf.image.resize(images, (image_size, image_size), method="bilinear").numpy()
    images = np.clip(images, -1.0, 1.0)
    if channels == 3:
        images = np.repeat(images, 3, axis=-1)
    return images, labels


def without_autotune(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """`dataset` with tf.data's autotuner off, for data already in memory.

    The autotuner tunes parallelism and buffer sizes for pipelines that read and
    decode; for a few megabytes of arrays it has nothing to tune, yet its
    background work cost `fit` up to a fifth of its steps on a 2-core machine
    (train steps at 5.9 instead of 7.3 per second, for the epochs after the first:
    `fit` starts a new iterator, and a new tuner, every epoch; bench/train_throughput.py).
    A fixed prefetch of 2 batches keeps the next batch ready.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(2).with_options(options)


def digits_dataset(image_size: int | None = 16, channels: int | None = 1, split: str = "all") -> tf.data.Dataset:
    """Unbatched `(image, label)` pairs of the digits."""
    images, labels = digits_arrays(image_size or 16, split, channels or 1)
    return tf.data.Dataset.from_tensor_slices((images, labels))


def tfds_dataset(
    name: str,
    image_size: int | None = None,
    channels: int | None = None,
    split: str = "train",
    data_dir: str | None = None,
    labels: bool = False,
) -> tf.data.Dataset:
    """Unbatched `(image, label)` pairs of a TensorFlow Datasets image dataset.

    The label is -1 where the dataset has none; with `labels`, a dataset without a
    `label` feature is an error. Datasets are downloaded and prepared by tfds on
    first use (or read from `data_dir`).
    """
    import tensorflow_datasets as tfds

    builder = tfds.builder(name, data_dir=data_dir)
    features = builder.info.features
    if "image" not in features:
        raise ValueError(f"TensorFlow Datasets {name!r} has no 'image' feature: it is not an image dataset.")
    has_label = "label" in features
    if labels and not has_label:
        raise ValueError(
            f"TensorFlow Datasets {name!r} has no 'label' feature (it has {', '.join(features)}): "
            "it cannot give labels to a conditional family."
        )
    if not builder.is_prepared():
        download_and_prepare(builder, name)
    dataset = builder.as_dataset(split=split, shuffle_files=True)

    def convert(example):
        image = to_unit_range(example["image"])
        image = square_resize(match_channels(image, channels), image_size)
        label = tf.cast(example["label"], tf.int32) if has_label else tf.constant(-1, tf.int32)
        return image, label

    return dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


#: Bounds on a tfds download attempt, so that no network means a clear error within
#: seconds: tfds retries each file 10 times with back-off (minutes when offline).
DOWNLOAD_RETRIES = 1
NETWORK_TIMEOUT_SECONDS = 10


def download_and_prepare(builder, name: str) -> None:
    """`builder.download_and_prepare()` with few retries and a socket timeout; a
    network failure becomes one ValueError saying where tfds looked and how to
    bring the data from a machine with network."""
    import socket

    from tensorflow_datasets.core.download import downloader

    retries, timeout = downloader.MAX_RETRIES, socket.getdefaulttimeout()
    downloader.MAX_RETRIES = DOWNLOAD_RETRIES
    socket.setdefaulttimeout(NETWORK_TIMEOUT_SECONDS)
    try:
        builder.download_and_prepare()
    except OSError as error:  # requests' and urllib's network errors are OSErrors
        reason = " ".join(str(error).split())[:160]
        raise ValueError(
            f"TensorFlow Datasets {name!r} is not in {builder.data_dir} and could not be downloaded ({reason}). "
            f'On a machine with network run: python -c "import tensorflow_datasets as tfds; '
            f"tfds.builder('{name}').download_and_prepare()\", copy its tensorflow_datasets folder here "
            "and pass --data-dir FOLDER (Python: data_dir=FOLDER)."
        ) from None
    finally:
        downloader.MAX_RETRIES, _ = retries, socket.setdefaulttimeout(timeout)


def list_image_files(folder: pathlib.Path) -> list[pathlib.Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS)


def folder_dataset(
    folder: str | pathlib.Path,
    image_size: int | None = None,
    channels: int | None = None,
    seed: int = 0,
    labels: bool = False,
) -> tf.data.Dataset:
    """Unbatched `(image, -1)` pairs from every image file below `folder`; with
    `labels`, `(image, class id)` pairs from a folder holding one sub-folder per
    class (ids in the sorted order of the sub-folder names, as Keras's
    `image_dataset_from_directory` numbers them).

    Every file is checked with Pillow first, so that a broken file is reported by
    name before training starts instead of failing mid-epoch; Pillow also decodes
    them (any mode: palette GIFs, 16-bit, CMYK, alpha), converted to gray or RGB and
    centre-cropped and resized to `image_size` (default: the smallest side of the
    first image).
    """
    from PIL import Image, UnidentifiedImageError

    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise ValueError(f"Image folder {folder} does not exist.")
    files = list_image_files(folder)
    if not files:
        raise ValueError(f"Image folder {folder} holds no images ({', '.join(IMAGE_EXTENSIONS)}).")
    first_mode, first_size = None, None
    for path in files:
        try:
            with Image.open(path) as image:
                image.verify()
                first_mode = first_mode or image.mode
                first_size = first_size or image.size
        except (UnidentifiedImageError, OSError, SyntaxError) as error:
            raise ValueError(f"Unreadable image {path}: {error}") from error
    if labels:
        loose = [path for path in files if path.parent == folder]
        classes = sorted({path.relative_to(folder).parts[0] for path in files if path.parent != folder})
        if loose or len(classes) < 2:
            found = f"{loose[0].name} lies directly in it" if loose else f"it has {len(classes)} class folder(s)"
            raise ValueError(
                f"Image folder {folder} cannot give labels: it needs one sub-folder of images per class "
                f"(at least two), but {found}."
            )
    if channels is None:
        channels = 1 if first_mode in ("1", "L", "LA", "I", "I;16", "F") else 3
    image_size = image_size or min(first_size)
    check_image_size(image_size)
    shape = (image_size, image_size, channels)

    def load(path: bytes) -> np.ndarray:
        return load_image(path.decode(), image_size, channels)

    if labels:
        # One sub-folder per class, ids in the sorted order of their names (as
        # Keras's `image_dataset_from_directory` numbers them).
        classes = sorted({path.relative_to(folder).parts[0] for path in files if path.parent != folder})
        if not classes or any(path.parent == folder for path in files):
            raise ValueError(
                f"Labels from an image folder need one sub-folder per class and no image directly in {folder}."
            )
        ids = [classes.index(path.relative_to(folder).parts[0]) for path in files]
    else:
        ids = [-1] * len(files)
    dataset = tf.data.Dataset.from_tensor_slices(([str(path) for path in files], tf.constant(ids, tf.int32)))
    dataset = dataset.shuffle(len(files), seed=seed)
    return dataset.map(
        lambda path, label: (
            tf.ensure_shape(tf.numpy_function(load, [path], tf.float32, stateful=False), shape),
            label,
        ),
        num_parallel_calls=tf.data.AUTOTUNE,
    )


def load_image(path: str | pathlib.Path, image_size: int, channels: int) -> np.ndarray:
    """One image file in [-1, 1], shaped (image_size, image_size, channels): the first
    frame, converted to gray ("L") or RGB by Pillow, centre-cropped to a square and
    resized bilinearly."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image.seek(0)
        image = image.convert("L" if channels == 1 else "RGB")
        image = ImageOps.fit(image, (image_size, image_size), Image.Resampling.BILINEAR)
        array = np.asarray(image, dtype="float32") / 127.5 - 1.0
    return array[..., None] if channels == 1 else array
