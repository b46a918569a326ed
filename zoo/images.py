"""Pictures of samples: a grid PNG from a batch of generated images (Pillow)."""

from __future__ import annotations

import math
import pathlib

import numpy as np

from zoo.io import atomic_path


def to_uint8(images: np.ndarray, value_range: tuple[float, float] = (-1.0, 1.0)) -> np.ndarray:
    """Map images from `value_range` to uint8 [0, 255], clipping what falls outside."""
    low, high = value_range
    scaled = (np.asarray(images, dtype="float32") - low) / (high - low)
    return (np.clip(scaled, 0.0, 1.0) * 255.0 + 0.5).astype("uint8")


def image_grid(images: np.ndarray, columns: int | None = None, padding: int = 1) -> np.ndarray:
    """Tile (n, h, w, c) images into one (H, W, c) uint8 array, row by row."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"A grid needs images shaped (n, height, width, 1 or 3), got {images.shape}.")
    if images.dtype != np.uint8:
        images = to_uint8(images)
    count, height, width, channels = images.shape
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    grid = np.zeros(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, channels), dtype="uint8"
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = padding + row * (height + padding), padding + column * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


def save_image_grid(
    images: np.ndarray,
    path: str | pathlib.Path,
    columns: int | None = None,
    scale: int | None = None,
) -> pathlib.Path:
    """Write `images` (values in [-1, 1] or uint8) as a grid PNG, upscaled so that
    small images (8 to 32 px) stay visible, up to about 1024 px; returns the path."""
    from PIL import Image

    grid = image_grid(images, columns)
    picture = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    scale = scale or max(1, min(256 // max(1, np.asarray(images).shape[1]), 1024 // picture.width))
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    path = pathlib.Path(path)
    with atomic_path(path) as temporary:
        picture.save(temporary, format=Image.registered_extensions().get(path.suffix.lower(), "PNG"))
    return path


def save_image(
    image: np.ndarray, path: str | pathlib.Path, value_range: tuple[float, float] = (-1.0, 1.0)
) -> pathlib.Path:
    """Write one (height, width, 1 or 3) image as a PNG (or the suffix's format) at
    its own size, through a temporary file; returns the path."""
    from PIL import Image

    pixels = to_uint8(image, value_range)
    if pixels.ndim != 3 or pixels.shape[-1] not in (1, 3):
        raise ValueError(f"An image must be shaped (height, width, 1 or 3), got {pixels.shape}.")
    picture = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    path = pathlib.Path(path)
    with atomic_path(path) as temporary:
        picture.save(temporary, format=Image.registered_extensions().get(path.suffix.lower(), "PNG"))
    return path
