"""CoGAN's coupled networks (Liu & Tuzel 2016): two generators that share their first
(high-level) layers and two discriminators that share their last layers.

Sharing is literal: the shared layers are single layer objects used by both
functional models, so they hold one set of variables and every update of either
side moves both. The generators decode the same z into a corresponding pair, one
image per domain, differing only in the private layers that render the details.
The layers follow DCGAN (Radford et al. 2015), as `zoo.networks` builds them.
"""

from __future__ import annotations

from typing import NamedTuple

import keras
from keras import layers

from zoo.networks import _check_normalization, _normalization, upsampling_steps

DOMAINS = ("a", "b")


class CoupledNetworks(NamedTuple):
    """The `pair` model (both domains at once) and the two single-domain models `a`
    and `b` cut from its graph; all three use the same layer objects."""

    pair: keras.Model
    a: keras.Model
    b: keras.Model


def _image_shapes(image_shape, image_shape_b) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    shape_a = tuple(int(size) for size in image_shape)
    shape_b = shape_a if image_shape_b is None else tuple(int(size) for size in image_shape_b)
    upsampling_steps(shape_a)
    upsampling_steps(shape_b)
    if shape_a[:2] != shape_b[:2]:
        raise ValueError(
            f"Coupled networks need both domains at one size, got {shape_a[0]}x{shape_a[1]} (a) and "
            f"{shape_b[0]}x{shape_b[1]} (b); only the channels may differ."
        )
    return shape_a, shape_b


def _check_private_layers(private_layers: int, most: int, network: str) -> None:
    if int(private_layers) != private_layers or not 1 <= private_layers <= most:
        raise ValueError(
            f"private_layers of the {network} must be between 1 and {most} at this image size, so that each "
            f"domain has a layer of its own and some layers are shared; got {private_layers}."
        )


def coupled_generators(
    latent_dim: int,
    image_shape: tuple[int, int, int],
    image_shape_b: tuple[int, int, int] | None = None,
    width: int = 64,
    private_layers: int = 1,
    name: str = "generator",
) -> CoupledNetworks:
    """Two DCGAN generators sharing all but their last `private_layers` layers (the
    paper shares all but the last for its digit pairs).

    The layers are the projection of z to 4x4 and the stride-2 transposed
    convolutions up to the image; the first are shared (the high-level structure:
    which digit, its pose), the last `private_layers` belong to one domain each
    (how it is drawn: negative, edges, colour). `image_shape_b` may differ from
    `image_shape` in its channels only (`None`: the same shape).

    Returns `CoupledNetworks`: `pair` maps `z` to `{"image_a": ..., "image_b": ...}`;
    `a` and `b` map `z` to one image each.
    """
    shape_a, shape_b = _image_shapes(image_shape, image_shape_b)
    steps = upsampling_steps(shape_a)
    _check_private_layers(private_layers, steps, "generators")

    # === Layers ===
    def block(index: int, prefix: str, channels: dict[str, int]) -> list[layers.Layer]:
        """Layer `index` (0: the projection, `steps`: the output) of one side or the trunk."""
        filters = width * 2 ** (steps - 1 - index) if index < steps else channels[prefix]
        if index == 0:
            return [
                layers.Dense(4 * 4 * filters, use_bias=False, name=f"{prefix}project"),
                layers.BatchNormalization(name=f"{prefix}project_bn"),
                layers.ReLU(name=f"{prefix}project_relu"),
                layers.Reshape((4, 4, filters), name=f"{prefix}reshape"),
            ]
        if index < steps:
            return [
                layers.Conv2DTranspose(
                    filters, 4, strides=2, padding="same", use_bias=False, name=f"{prefix}up_{index - 1}"
                ),
                layers.BatchNormalization(name=f"{prefix}up_{index - 1}_bn"),
                layers.ReLU(name=f"{prefix}up_{index - 1}_relu"),
            ]
        domain = prefix.rstrip("_")
        return [
            layers.Conv2DTranspose(filters, 4, strides=2, padding="same", name=f"{prefix}to_image"),
            layers.Activation("tanh", name=f"image_{domain}"),
        ]

    channels = {"a_": shape_a[-1], "b_": shape_b[-1]}
    first_private = steps + 1 - private_layers
    shared = [layer for index in range(first_private) for layer in block(index, "", channels)]
    private = {
        domain: [layer for index in range(first_private, steps + 1) for layer in block(index, f"{domain}_", channels)]
        for domain in DOMAINS
    }

    # === Functional models ===
    z = keras.Input((latent_dim,), name="z")
    trunk = z
    for layer in shared:
        trunk = layer(trunk)
    images = {}
    for domain in DOMAINS:
        x = trunk
        for layer in private[domain]:
            x = layer(x)
        images[f"image_{domain}"] = x
    pair = keras.Model(z, images, name=f"{name}_pair")
    return CoupledNetworks(
        pair, keras.Model(z, images["image_a"], name=f"{name}_a"), keras.Model(z, images["image_b"], name=f"{name}_b")
    )


def coupled_discriminators(
    image_shape: tuple[int, int, int],
    image_shape_b: tuple[int, int, int] | None = None,
    width: int = 64,
    private_layers: int = 1,
    normalization: str | None = "batch",
    name: str = "discriminator",
) -> CoupledNetworks:
    """Two DCGAN discriminators sharing all but their first `private_layers` layers.

    The first stride-2 convolutions read one domain each (low-level features:
    strokes, edges, colours); the later convolutions and the score are shared, so
    both discriminators judge the same high-level features — what keeps the two
    generators' pairs corresponding (Liu & Tuzel 2016, section 3).

    Returns `CoupledNetworks`: `pair` maps `{"sample_a", "sample_b"}` to
    `{"score_a": ..., "score_b": ...}` (one logit per image); `a` and `b` map one
    domain's images to their scores.
    """
    _check_normalization(normalization)
    shape_a, shape_b = _image_shapes(image_shape, image_shape_b)
    steps = upsampling_steps(shape_a)
    _check_private_layers(private_layers, steps, "discriminators")

    # === Layers ===
    def block(index: int, prefix: str) -> list[layers.Layer]:
        """Convolution `index` (0 reads the image) of one side or of the shared head."""
        name = f"{prefix}down_{index}"
        conv = layers.Conv2D(width * 2**index, 4, strides=2, padding="same", name=name)
        norm = _normalization(normalization, name=f"{name}_norm") if index > 0 else []
        return [conv, *norm, layers.LeakyReLU(0.2, name=f"{name}_leaky_relu")]

    private = {
        domain: [layer for index in range(private_layers) for layer in block(index, f"{domain}_")] for domain in DOMAINS
    }
    shared = [layer for index in range(private_layers, steps) for layer in block(index, "")]
    shared += [layers.Flatten(name="flatten"), layers.Dense(1, name="score")]

    # === Functional models ===
    samples = {
        f"sample_{domain}": keras.Input(shape, name=f"sample_{domain}")
        for domain, shape in zip(DOMAINS, (shape_a, shape_b))
    }
    scores = {}
    for domain in DOMAINS:
        x = samples[f"sample_{domain}"]
        for layer in private[domain] + shared:
            x = layer(x)
        scores[f"score_{domain}"] = x
    pair = keras.Model(samples, scores, name=f"{name}_pair")
    return CoupledNetworks(
        pair,
        keras.Model(samples["sample_a"], scores["score_a"], name=f"{name}_a"),
        keras.Model(samples["sample_b"], scores["score_b"], name=f"{name}_b"),
    )
