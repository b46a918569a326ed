"""Two image domains at once, unpaired: `load_domains(a, b, ...)` for CoGAN and CycleGAN.

A domain is one of:
- a domain derived offline from the bundled digits (`list_domains()`): `digits`,
  `digits/negative` (1 - x), `digits/edges` (a morphological edge map) — the MNIST
  pairs of CoGAN (Liu & Tuzel 2016) — and `digits/colored` (RGB digits on random
  coloured backgrounds, an MNIST-M-like domain after Ganin et al. 2016);
- `cycle_gan/<name>` from TensorFlow Datasets (`horse2zebra`, `apple2orange`, ...):
  given as domain a it reads the `trainA` split, as domain b `trainB`; given once
  (`b=None`) it is its own pair;
- any other TensorFlow Datasets image dataset, or the path of an image folder.

When both domains are derived from the digits, domain a is drawn from one half of
the images and domain b from the other (a fixed split stratified by label), so the
model never sees the two versions of one digit: the pairs stay unpaired.
"""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

from zoo.data.images import (
    check_channels,
    check_image_size,
    digits_arrays,
    digits_indices,
    folder_dataset,
    match_channels,
    tfds_dataset,
)

DIGITS_DOMAINS = ("digits", "digits/negative", "digits/edges", "digits/colored")
CYCLE_GAN = "cycle_gan"
#: ITU-R 601 luma weights, the ones `tf.image.rgb_to_grayscale` uses.
LUMA = np.array([0.2989, 0.5870, 0.1140], dtype="float32")
#: `digits/colored`: how much brighter (luma, on [0, 1]) a stroke is than its background.
MIN_STROKE_CONTRAST = 0.4


def list_domains() -> list[str]:
    """The bundled domain names (cycle_gan/<name>, other tfds datasets and folders work too)."""
    return list(DIGITS_DOMAINS)


# === Derived digit domains (pure functions on images in [-1, 1]) ===


def negative(images: np.ndarray) -> np.ndarray:
    """The negative 1 - x of images in [0, 1], i.e. -x on the [-1, 1] scale."""
    return -np.asarray(images, dtype="float32")


def edges(images: np.ndarray) -> np.ndarray:
    """A morphological edge map: the strokes (pixels above mid-gray) are dilated and
    eroded over 3x3 neighbourhoods, and the edge is what the dilation adds beyond the
    erosion — an outline two pixels wide, one on each side of the stroke border.
    Binarizing first keeps the outline sharp on resized (blurred) digits. Returned on
    the [-1, 1] scale: 1 on the outline, -1 elsewhere.
    """
    strokes = tf.cast(tf.convert_to_tensor(images, tf.float32) > 0.0, tf.float32)
    dilated = tf.nn.max_pool2d(strokes, 3, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-strokes, 3, 1, "SAME")
    return ((dilated - eroded) * 2.0 - 1.0).numpy()


def stroke_and_background_colors(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`count` random (stroke, background) RGB colours on [0, 1], each pair with the
    stroke at least `MIN_STROKE_CONTRAST` brighter in luma, so that the digit stays
    visible, and white on dark once converted to gray."""
    rng = np.random.default_rng(seed)
    chosen: list[np.ndarray] = []
    while sum(len(block) for block in chosen) < count:
        candidates = rng.uniform(0.0, 1.0, (2 * count, 2, 3)).astype("float32")
        contrast = candidates[:, 0] @ LUMA - candidates[:, 1] @ LUMA
        chosen.append(candidates[contrast >= MIN_STROKE_CONTRAST])
    pairs = np.concatenate(chosen)[:count]
    return pairs[:, 0], pairs[:, 1]


def colored(images: np.ndarray, strokes: np.ndarray, backgrounds: np.ndarray) -> np.ndarray:
    """Gray digits in [-1, 1] painted as RGB: each pixel blends its image's background
    colour (intensity 0) into its stroke colour (intensity 1)."""
    unit = (np.asarray(images, dtype="float32") + 1.0) / 2.0
    strokes, backgrounds = strokes[:, None, None, :], backgrounds[:, None, None, :]
    return (backgrounds + unit * (strokes - backgrounds)) * 2.0 - 1.0


def digits_halves(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint halves of a digits split, as positions in scikit-learn's digits,
    stratified by label so both domains hold every digit about equally often."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    indices = digits_indices(split)
    labels = load_digits().target[indices]
    first, second = train_test_split(indices, test_size=0.5, stratify=labels, random_state=0)
    return np.sort(first), np.sort(second)


def domain_arrays(
    name: str, image_size: int = 16, split: str = "train", half: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`(images, labels)` of a derived digit domain, images float32 in [-1, 1].

    Args:
        name: one of `list_domains()`.
        image_size: side of the images; the digits are resized before the domain is
            derived, so edges are one pixel wide at every size.
        split: "train", "test" or "all" (the splits of `digits_arrays`).
        half: 0 or 1 for one of the two disjoint halves (`digits_halves`), `None`
            for the whole split. `load_domains` gives domain a half 0, b half 1.
    """
    if name not in DIGITS_DOMAINS:
        raise ValueError(f"Unknown digits domain {name!r}; the digits domains are {', '.join(DIGITS_DOMAINS)}.")
    if half not in (None, 0, 1):
        raise ValueError(f"half must be 0, 1 or None, got {half!r}.")
    indices = digits_indices(split) if half is None else digits_halves(split)[half]
    images, labels = digits_arrays(image_size, "all")
    images, labels = images[indices], labels[indices]
    if name == "digits/negative":
        images = negative(images)
    elif name == "digits/edges":
        images = edges(images)
    elif name == "digits/colored":
        # Colours are drawn for every digit at once and picked by position, so an
        # image has the same colours whatever the split or half.
        strokes, backgrounds = stroke_and_background_colors(len(digits_indices("all")))
        images = colored(images, strokes[indices], backgrounds[indices])
    return images.astype("float32"), labels


# === Loading ===


def _is_digits(name: str) -> bool:
    return name == "digits" or name.startswith("digits/")


def _is_cycle_gan(name: str) -> bool:
    return name.split(":")[0].startswith(f"{CYCLE_GAN}/")


def _check_cycle_gan(name: str) -> None:
    import tensorflow_datasets as tfds

    configs = [config.name for config in tfds.builder_cls(CYCLE_GAN).BUILDER_CONFIGS]
    config = name.split(":")[0].split("/", 1)[1]
    if config not in configs:
        raise ValueError(f"Unknown domain pair {name!r}; TensorFlow Datasets cycle_gan has {', '.join(configs)}.")


def _unknown(name: str) -> ValueError:
    return ValueError(
        f"Unknown domain {name!r}. A domain is one of {', '.join(DIGITS_DOMAINS)}; cycle_gan/<name> "
        "(horse2zebra, apple2orange, ...); any TensorFlow Datasets image dataset; or the path of an image folder."
    )


def _domain_images(
    name: str,
    side: str,
    half: int | None,
    image_size: int | None,
    channels: int | None,
    split: str,
    seed: int,
    data_dir: str | None,
) -> tf.data.Dataset:
    """The unbatched images of one domain; `side` is "A" or "B"."""
    if _is_digits(name):
        if name not in DIGITS_DOMAINS:
            raise _unknown(name)
        images, _ = domain_arrays(name, image_size or 16, split, half)
        return tf.data.Dataset.from_tensor_slices(match_channels(tf.constant(images), channels))
    if _is_cycle_gan(name):
        if split not in ("train", "test"):
            raise ValueError(f"A cycle_gan domain has the splits 'train' and 'test', got {split!r}.")
        _check_cycle_gan(name)
        dataset = tfds_dataset(name, image_size, channels, f"{split}{side}", data_dir)
    elif os.path.sep in name or os.path.isdir(name):
        dataset = folder_dataset(name, image_size, channels, seed)
    else:
        import tensorflow_datasets as tfds

        if name.split(":")[0] not in tfds.list_builders(with_community_datasets=False):  # offline-safe
            raise _unknown(name)
        dataset = tfds_dataset(name, image_size, channels, split, data_dir)
    return dataset.map(lambda image, label: image, num_parallel_calls=tf.data.AUTOTUNE)


def _per_domain(value, what: str) -> tuple:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{what} must be one value or a pair (a, b), got {value!r}.")
        return tuple(value)
    return value, value


def load_domains(
    a: str,
    b: str | None = None,
    *,
    batch_size: int = 64,
    image_size: int | None = None,
    channels: int | tuple[int | None, int | None] | None = None,
    split: str = "train",
    shuffle: bool = True,
    seed: int = 0,
    data_dir: str | None = None,
) -> tf.data.Dataset:
    """Unpaired `(x_a, x_b)` batches of two domains, float32 in [-1, 1] (module docstring).

    An epoch is as many batches as the larger domain fills; the smaller domain is
    reshuffled and repeated to keep up, and each domain is shuffled on its own, so
    the two images at one position of a batch are unrelated.

    Args:
        a, b: the two domains; `b=None` when `a` is a `cycle_gan/<name>` pair.
        batch_size: images per domain per batch (the last partial batch is dropped).
        image_size: side of the square images of both domains: each is centre-cropped
            and resized bilinearly to it. `None` keeps each domain's own size (16 for
            the digits), which must then be the same for both.
        channels: 1 or 3 to convert both domains (gray is tiled to RGB, RGB turns
            gray by luma); a pair `(channels_a, channels_b)` to set each, e.g.
            `(1, 3)` for digits -> colored translation; `None` keeps each domain's
            own channels, which must then agree.
        split: "train" or "test" (for the digits, the fixed 80/20 split; cycle_gan
            reads trainA/trainB or testA/testB). Image folders are read whole.
        shuffle: shuffle each domain (seeded by `seed`).
        data_dir: where TensorFlow Datasets keeps its data.

    Raises:
        ValueError: an unknown domain, or domains of different sizes or channels
            when `image_size` / `channels` do not say how to reconcile them.
    """
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
    check_image_size(image_size)
    channels_a, channels_b = _per_domain(channels, "channels")
    check_channels(channels_a)
    check_channels(channels_b)
    if b is None:
        if not _is_cycle_gan(a):
            raise ValueError(f"Domain b is missing: only a cycle_gan/<name> dataset holds both domains, got a={a!r}.")
        b = a
    halves = (0, 1) if _is_digits(a) and _is_digits(b) else (None, None)
    domains = [
        _domain_images(name, side, half, image_size, wanted, split, seed, data_dir)
        for name, side, half, wanted in ((a, "A", halves[0], channels_a), (b, "B", halves[1], channels_b))
    ]
    shape_a, shape_b = (tuple(domain.element_spec.shape) for domain in domains)
    for name, shape in ((a, shape_a), (b, shape_b)):
        if shape[0] is None or shape[1] is None:
            raise ValueError(f"Domain {name!r} has images of varying sizes; pass image_size to resize them.")
    if shape_a[:2] != shape_b[:2]:
        raise ValueError(
            f"Domains {a!r} ({shape_a[0]}x{shape_a[1]}) and {b!r} ({shape_b[0]}x{shape_b[1]}) differ in size; "
            "pass image_size to resize both."
        )
    if channels is None and shape_a[2] != shape_b[2]:
        raise ValueError(
            f"Domains {a!r} and {b!r} differ in channels ({shape_a[2]} vs {shape_b[2]}); pass channels=1 or 3 "
            f"to convert both, or channels=({shape_a[2]}, {shape_b[2]}) to keep each."
        )

    sizes = [int(domain.cardinality()) for domain in domains]
    known = all(size >= 0 for size in sizes)
    steps = max(sizes) // batch_size if known else None
    if known and min(sizes) < batch_size:
        small = (a, b)[int(np.argmin(sizes))]
        raise ValueError(f"Domain {small!r} holds {min(sizes)} images, fewer than batch_size={batch_size}.")
    batched = []
    for index, domain in enumerate(domains):
        if shuffle:
            buffer = min(sizes[index], 10_000) if known else 10_000
            domain = domain.shuffle(buffer, seed=seed + index, reshuffle_each_iteration=True)
        if known:
            domain = domain.repeat()
        batched.append(domain.batch(batch_size, drop_remainder=True))
    pairs = tf.data.Dataset.zip(tuple(batched))
    if known:
        pairs = pairs.take(steps)
    return pairs.prefetch(tf.data.AUTOTUNE)
