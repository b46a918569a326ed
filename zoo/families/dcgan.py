"""DCGAN — Radford, Metz & Chintala 2015, "Unsupervised Representation Learning with
Deep Convolutional Generative Adversarial Networks".

The 2014 game with convolutional players: a generator of stride-2 transposed
convolutions with batch norm and ReLU (tanh out), a discriminator of stride-2
convolutions with batch norm and LeakyReLU(0.2), both trained with Adam
(lr 2e-4, beta_1 0.5) — the paper's defaults, and the base class's.
"""

from __future__ import annotations

from zoo.families.gan import VanillaGAN
from zoo.registry import register_family


@register_family(
    "dcgan",
    paper="Radford et al. 2015, Unsupervised Representation Learning with DCGANs, arXiv:1511.06434",
    summary="Convolutional generator and discriminator with batch norm; 16 to 64+ px, 1 or 3 channels.",
)
class DCGAN(VanillaGAN):
    """The 2014 game (non-saturating by default) with the DCGAN networks."""

    default_architecture = "dcgan"
    default_d_normalization = "batch"
    # One generator pass a step, as in PyTorch's DCGAN example: 1.1x the steps per
    # second, digits quality measured in docs/train_throughput.md.
    default_reuse_fakes = True
    data_kinds = ("images",)

    def __init__(self, data_shape: tuple[int, ...] = (32, 32, 1), architecture: str = "dcgan", **kwargs):
        if len(tuple(data_shape)) != 3:
            raise ValueError(
                f"DCGAN generates images: data_shape must be (height, width, channels), got {tuple(data_shape)}. "
                "For vectors use the 'gan' family."
            )
        super().__init__(data_shape=data_shape, architecture=architecture, **kwargs)
