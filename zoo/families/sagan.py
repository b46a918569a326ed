"""SAGAN — Zhang, Goodfellow, Metaxas & Odena 2019, "Self-Attention Generative
Adversarial Networks".

Convolutions only see a neighbourhood; a self-attention block (section 3) lets every
position of a feature map look at every other: y = γ·o + x, with query, key and value
1x1 convolutions, a softmax over positions and a learned γ that starts at 0, so the
networks begin as plain convolutional ones and lean on attention as γ grows. SAGAN
puts the block in both networks at one resolution (`attention_resolution`, the side
of the feature map), spectrally normalizes both networks (section 4.1: in G too, it
steadies training) and trains with the hinge loss and TTUR (section 4.2: G 1e-4, D
4e-4, Adam with beta_1 = 0, beta_2 = 0.9). The networks are the DCGAN builders with
those switches on (StudioGAN's `apply_g_sn` / `apply_attn`); G keeps batch norm.

`save_attention_map(model, path, query_position)` draws where one query position of
the generator's attention looks.
"""

from __future__ import annotations

import pathlib

import keras
import numpy as np

from zoo import networks
from zoo.families.sngan import SNGAN
from zoo.layers import SelfAttention
from zoo.registry import register_family


@register_family(
    "sagan",
    paper="Zhang et al. 2019, Self-Attention Generative Adversarial Networks, arXiv:1805.08318",
    summary="Self-attention in G and D, spectral norm in both, hinge loss, TTUR (1e-4 / 4e-4).",
)
class SAGAN(SNGAN):
    """Self-attention GAN.

    Args:
        attention_resolution: side of the feature map the attention block follows
            in both networks (4, 8, ... up to half the image side); `None` takes
            half the image side, the largest map both networks have (the paper found
            attention on larger maps helps most, table 1).
        **kwargs: see `zoo.gan.GAN`.
    """

    data_kinds = ("images",)
    architectures = ("dcgan",)
    default_optimizer = ("adam", 1e-4, {"beta_1": 0.0, "beta_2": 0.9})
    default_ttur = True

    def __init__(
        self, attention_resolution: int | None = None, data_shape: tuple[int, ...] = (32, 32, 1), **kwargs
    ) -> None:
        shape = tuple(data_shape)
        if attention_resolution is None and len(shape) == 3:
            attention_resolution = int(shape[0]) // 2
        self.attention_resolution = attention_resolution
        super().__init__(data_shape=data_shape, **kwargs)

    def build_generator(self) -> keras.Model:
        return networks.dcgan_generator(
            self.generator_inputs,
            self.data_shape,
            self.width,
            self.output_activation,
            spectral_norm=True,
            attention_resolution=self.attention_resolution,
        )

    def build_discriminator(self) -> keras.Model:
        return networks.dcgan_discriminator(
            self.discriminator_shape,
            self.width,
            self.d_normalization,
            spectral_norm=True,
            attention_resolution=self.attention_resolution,
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "attention_resolution": self.attention_resolution}


def attention_layer(network: keras.Model) -> SelfAttention:
    """The self-attention block of a SAGAN network."""
    found = [layer for layer in network.layers if isinstance(layer, SelfAttention)]
    if not found:
        raise ValueError(f"{network.name} has no self-attention layer.")
    return found[0]


def generator_attention(model: SAGAN, query_position: tuple[int, int], seed: int = 0, n: int = 1):
    """`(images, attention)`: n samples drawn with `seed` and, for each, the attention
    weights (n, side, side) of the generator's query at `query_position` (row, column
    of the attention block's feature map)."""
    layer = attention_layer(model.generator)
    inputs = model.sample_inputs(n, seed)
    # The feature map entering the block, from the same inputs as the images.
    features = keras.Model(model.generator.inputs, layer.input)
    feeds = [inputs[tensor.name] for tensor in model.generator.inputs]
    feature_map = features(feeds[0] if len(feeds) == 1 else feeds, training=False)
    attention = keras.ops.convert_to_numpy(layer.attention_map(feature_map, tuple(query_position)))
    return model.generate(inputs), attention


def save_attention_map(
    model: SAGAN, path: str | pathlib.Path, query_position: tuple[int, int] | None = None, seed: int = 0, n: int = 4
) -> pathlib.Path:
    """Write a PNG: n generated images with the query position marked, and below
    each where the generator's attention at that position looks. `query_position`
    is (row, column) on the attention block's feature map; `None` is its centre."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from zoo.samples import save_figure

    side = attention_layer(model.generator).input.shape[1]
    query_position = (side // 2, side // 2) if query_position is None else tuple(query_position)
    images, attention = generator_attention(model, query_position, seed, n)
    scale = model.data_shape[0] / side
    figure, axes = plt.subplots(2, n, figsize=(2 * n, 4), squeeze=False)
    for column in range(n):
        image = (images[column] + 1.0) / 2.0
        axes[0, column].imshow(np.clip(image[..., 0] if image.shape[-1] == 1 else image, 0, 1), cmap="gray")
        row, col = query_position
        axes[0, column].plot([(col + 0.5) * scale - 0.5], [(row + 0.5) * scale - 0.5], "r+", markersize=12)
        axes[1, column].imshow(attention[column], cmap="viridis")
        axes[1, column].plot([col], [row], "r+", markersize=12)
        for axis in axes[:, column]:
            axis.set_xticks([])
            axis.set_yticks([])
    axes[0, 0].set_ylabel("sample")
    axes[1, 0].set_ylabel(f"attention of {tuple(query_position)}")
    gamma = float(attention_layer(model.generator).gamma.numpy())
    figure.suptitle(f"SAGAN generator attention ({side}x{side} map, gamma = {gamma:.3f})")
    return save_figure(figure, path)
