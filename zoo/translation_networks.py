"""CycleGAN's networks (Zhu et al. 2017, appendix 7.2): a ResNet generator that
translates an image, and a PatchGAN discriminator that scores overlapping patches.

Instance normalization is `keras.layers.GroupNormalization(groups=-1)` (one group
per channel), with the epsilon of the authors' `InstanceNorm2d` (1e-5). Both builders
are sized down by `width` (and the number of residual blocks / downsamplings) so the
tests run on 8x8 and 16x16 images; the paper's networks are the defaults.
"""

from __future__ import annotations

import keras
from keras import layers

from zoo.layers import ReflectionPadding2D

INSTANCE_NORM_EPSILON = 1e-5


def _instance_norm(name: str) -> layers.Layer:
    return layers.GroupNormalization(groups=-1, epsilon=INSTANCE_NORM_EPSILON, name=name)


def _check_image_shape(image_shape: tuple[int, ...], multiple: int, smallest: int, network: str) -> None:
    if len(image_shape) != 3 or any(int(size) != size or size < 1 for size in image_shape):
        raise ValueError(f"{network} needs an image shape (height, width, channels), got {image_shape}.")
    height, width, _ = image_shape
    for side in (height, width):
        if side % multiple or side < smallest:
            raise ValueError(
                f"{network} needs image sides that are multiples of {multiple} and at least {smallest}, "
                f"got {height}x{width}."
            )


def resnet_generator(
    image_shape: tuple[int, int, int],
    output_channels: int | None = None,
    width: int = 64,
    residual_blocks: int = 9,
    name: str = "generator",
) -> keras.Model:
    """The CycleGAN generator (Johnson et al. 2016's architecture): c7s1-k, d2k, d4k,
    `residual_blocks` x R4k, u2k, uk, c7s1-C with tanh, where k = `width` (the
    paper: 64, and 9 blocks at 256x256, 6 at 128x128).

    A functional model from the input `image` (in [-1, 1], `image_shape`) to the
    translated image `translated` with `output_channels` channels (`None`: the
    input's), e.g. 1 -> 3 for gray digits -> coloured digits. Sides must be
    multiples of 4 (two stride-2 steps down and up) and at least 8.
    """
    _check_image_shape(image_shape, 4, 8, "The ResNet generator")
    if int(residual_blocks) != residual_blocks or residual_blocks < 0:
        raise ValueError(f"residual_blocks must be a non-negative integer, got {residual_blocks}.")
    output_channels = output_channels or image_shape[-1]

    # === Layers and functional model ===
    image = keras.Input(tuple(image_shape), name="image")
    x = ReflectionPadding2D(3, name="c7s1_pad")(image)
    # No bias before a normalization: its shift would be subtracted right away.
    x = layers.Conv2D(width, 7, use_bias=False, name="c7s1")(x)
    x = layers.ReLU(name="c7s1_relu")(_instance_norm("c7s1_norm")(x))
    for step, filters in enumerate((2 * width, 4 * width)):
        x = layers.Conv2D(filters, 3, strides=2, padding="same", use_bias=False, name=f"down_{step}")(x)
        x = layers.ReLU(name=f"down_{step}_relu")(_instance_norm(f"down_{step}_norm")(x))
    for block in range(residual_blocks):
        shortcut = x
        for half in range(2):
            prefix = f"residual_{block}_{half}"
            x = ReflectionPadding2D(1, name=f"{prefix}_pad")(x)
            x = layers.Conv2D(4 * width, 3, use_bias=False, name=prefix)(x)
            x = _instance_norm(f"{prefix}_norm")(x)
            if half == 0:
                x = layers.ReLU(name=f"{prefix}_relu")(x)
        x = layers.Add(name=f"residual_{block}")([shortcut, x])
    for step, filters in enumerate((2 * width, width)):
        x = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", use_bias=False, name=f"up_{step}")(x)
        x = layers.ReLU(name=f"up_{step}_relu")(_instance_norm(f"up_{step}_norm")(x))
    x = ReflectionPadding2D(3, name="to_image_pad")(x)
    x = layers.Conv2D(output_channels, 7, name="to_image")(x)
    translated = layers.Activation("tanh", name="translated")(x)
    return keras.Model(image, translated, name=name)


def patchgan_discriminator(
    image_shape: tuple[int, int, int],
    width: int = 64,
    downsamples: int = 3,
    name: str = "discriminator",
) -> keras.Model:
    """The PatchGAN discriminator (Isola et al. 2017; 70x70 patches in CycleGAN):
    C64-C128-C256-C512 — 4x4 convolutions, stride 2 for the first `downsamples`
    (the paper: 3), stride 1 for the last, instance norm on all but the first,
    LeakyReLU(0.2) — then a 4x4 convolution to one score per patch.

    Returns a functional model from `sample` to a score map `score` of shape
    (height / 2**downsamples, width / 2**downsamples, 1): raw scores, for the
    least-squares losses. Convolutions pad "same", so the map keeps those sides
    (the authors' padding of 1 trims it by 2); sides must be multiples of
    2**downsamples, leaving at least 2x2 patches for the instance norm.
    """
    if int(downsamples) != downsamples or downsamples < 1:
        raise ValueError(f"downsamples must be a positive integer, got {downsamples}.")
    _check_image_shape(image_shape, 2**downsamples, 2 ** (downsamples + 1), "The PatchGAN discriminator")

    # === Layers and functional model ===
    sample = keras.Input(tuple(image_shape), name="sample")
    x = sample
    for step in range(downsamples + 1):
        # Filters double up to 8 x width, as C64-C128-C256-C512.
        filters = width * 2 ** min(step, 3)
        strides = 2 if step < downsamples else 1
        x = layers.Conv2D(filters, 4, strides=strides, padding="same", use_bias=step == 0, name=f"conv_{step}")(x)
        if step > 0:
            x = _instance_norm(f"conv_{step}_norm")(x)
        x = layers.LeakyReLU(0.2, name=f"conv_{step}_leaky_relu")(x)
    score = layers.Conv2D(1, 4, padding="same", name="score")(x)
    return keras.Model(sample, score, name=name)
