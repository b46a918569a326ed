"""CycleGAN — Zhu, Park, Isola & Efros 2017, "Unpaired Image-to-Image Translation using
Cycle-Consistent Adversarial Networks".

Two translators, G: A -> B and F: B -> A (ResNet generators with instance norm), and
two PatchGAN discriminators, D_A and D_B, learn from unpaired images of the two
domains. Each translator plays a least-squares game against the discriminator of its
target domain (section 4: the authors' MSE against 1 for real, 0 for fake), and the
cycle loss ties the two together: F(G(a)) ≈ a and G(F(b)) ≈ b, weighted λ = 10
(eq. 2-3). The identity loss, 0.5 λ (section 5.2), asks a translator to leave an
image of its own target domain unchanged; it needs both domains to have the same
channels and is off otherwise (e.g. gray digits -> coloured digits). The
discriminators learn from a pool of the 50 latest fakes (`zoo.image_pool.ImagePool`),
and the paper's learning-rate schedule is `zoo.callbacks.LinearDecay` (the recipe
adds it). Both translators are trained by one Adam (lr 2e-4, beta_1 0.5), both
discriminators by another, as in the authors' code.

The generator takes no noise: its one input is the `image` to translate.
`translate(images, direction="a2b" | "b2a")`; the export writes `generator_a2b` and
`generator_b2a`, each from `image` to `translated`.
"""

from __future__ import annotations

import math
from typing import ClassVar

import keras
import numpy as np
from keras import ops

from zoo import losses, spec
from zoo.families.two_domain import TwoDomainGAN
from zoo.image_pool import ImagePool
from zoo.registry import register_family
from zoo.translation_networks import patchgan_discriminator, resnet_generator

DIRECTIONS = ("a2b", "b2a")


@register_family(
    "cyclegan",
    paper="Zhu et al. 2017, Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks, "
    "arXiv:1703.10593",
    summary="Unpaired translation A <-> B: ResNet translators, PatchGAN critics, least squares, cycle loss.",
)
class CycleGAN(TwoDomainGAN):
    """CycleGAN over domains a and b, fit on unpaired `(x_a, x_b)` batches.

    Args:
        cycle_weight: λ of the cycle loss (the paper: 10).
        identity_weight: weight of the identity loss; `None` is 0.5 λ when both
            domains have the same channels, else 0 (it cannot be computed).
        pool_size: earlier fakes the discriminators learn from (the paper: 50; 0 off).
        residual_blocks: the generators' residual blocks; `None` is the paper's
            choice by size (9 from 256 px, 6 from 64 px), and 2 for smaller images.
        discriminator_downsamples: the PatchGAN's stride-2 steps; `None` is 3 (the
            paper's 70x70 patches) or fewer for small images (at least 2x2 patches).
        latent_dim: must stay `None`: a translator draws no noise.
        **kwargs: see `TwoDomainGAN` and `zoo.gan.GAN` (`width` is k of the networks).
    """

    network_roles: ClassVar[dict[str, str | None]] = {
        "generator_a2b": "g",
        "generator_b2a": "g",
        "discriminator_a": "d",
        "discriminator_b": "d",
    }
    takes_noise: ClassVar[bool] = False
    loss_names: tuple[str, ...] = ("d_loss", "g_loss", "adversarial_loss", "cycle_loss", "identity_loss")

    def __init__(
        self,
        cycle_weight: float = 10.0,
        identity_weight: float | None = None,
        pool_size: int = 50,
        residual_blocks: int | None = None,
        discriminator_downsamples: int | None = None,
        latent_dim: int | None = None,
        **kwargs,
    ):
        if latent_dim is not None:
            raise ValueError(f"CycleGAN draws no noise: latent_dim must be None, not {latent_dim}.")
        if not cycle_weight >= 0:
            raise ValueError(f"cycle_weight must be non-negative, got {cycle_weight}.")
        if identity_weight is not None and not identity_weight >= 0:
            raise ValueError(f"identity_weight must be non-negative or None, got {identity_weight}.")
        self.cycle_weight = float(cycle_weight)
        self._identity_weight = identity_weight
        self.residual_blocks = residual_blocks
        self.discriminator_downsamples = discriminator_downsamples
        super().__init__(latent_dim=None, **kwargs)
        shape_a, shape_b = self.domain_shapes
        same_channels = shape_a == shape_b
        if identity_weight is None:
            identity_weight = 0.5 * self.cycle_weight if same_channels else 0.0
        elif identity_weight > 0 and not same_channels:
            raise ValueError(
                f"The identity loss feeds G: A -> B an image of B, so it needs both domains to have the same "
                f"channels; got {shape_a[-1]} (a) and {shape_b[-1]} (b). Pass identity_weight=None or 0."
            )
        self.identity_weight = float(identity_weight)
        # Built now, not in the traced train step, so their variables exist for loading.
        self.pool_a = ImagePool(pool_size, name="pool_a")
        self.pool_b = ImagePool(pool_size, name="pool_b")
        self.pool_a.build((None, *shape_a))
        self.pool_b.build((None, *shape_b))
        self.pool_size = int(pool_size)

    # === Generator inputs: the image to translate, no noise ===
    def build_generator_inputs(self) -> spec.InputSpec:
        return spec.InputSpec([spec.conditioning_sample(self.data_shape, "image")])

    # === Networks ===
    def _residual_blocks(self) -> int:
        if self.residual_blocks is not None:
            return self.residual_blocks
        side = min(self.data_shape[:2])
        # The paper: 9 blocks at 256 px, 6 at 128. Below 64 px (digits) the feature
        # maps are 4x4 or smaller and two 3x3 blocks already see all of them; more
        # blocks only slow training on a CPU.
        return 9 if side >= 256 else 6 if side >= 64 else 2

    def _downsamples(self) -> int:
        if self.discriminator_downsamples is not None:
            return self.discriminator_downsamples
        # Sides must be multiples of 2**d and leave at least 2x2 patches.
        return max(1, min(3, int(math.log2(min(self.data_shape[:2]))) - 1))

    def build_generator_a2b(self) -> keras.Model:
        shape_a, shape_b = self.domain_shapes
        return resnet_generator(shape_a, shape_b[-1], self.width, self._residual_blocks(), name="generator_a2b")

    def build_generator_b2a(self) -> keras.Model:
        shape_a, shape_b = self.domain_shapes
        return resnet_generator(shape_b, shape_a[-1], self.width, self._residual_blocks(), name="generator_b2a")

    def build_discriminator_a(self) -> keras.Model:
        return patchgan_discriminator(self.domain_shapes[0], self.width, self._downsamples(), name="discriminator_a")

    def build_discriminator_b(self) -> keras.Model:
        return patchgan_discriminator(self.domain_shapes[1], self.width, self._downsamples(), name="discriminator_b")

    def exports(self) -> list[spec.Exported]:
        shape_b = self.domain_shapes[1]
        return [
            spec.Exported("generator_a2b", self.generator_a2b, self.generator_inputs, ("translated",)),
            spec.Exported(
                "generator_b2a",
                self.generator_b2a,
                spec.InputSpec([spec.conditioning_sample(shape_b, "image")]),
                ("translated",),
            ),
        ]

    # === The game ===
    def discriminator_loss(self, real, condition=None):
        """D_A and D_B, least squares (the authors' 0.5 (MSE(real, 1) + MSE(fake, 0))),
        on fakes of the current translators passed through the pools."""
        x_a, x_b = real
        fake_b = self.pool_b(self.generator_a2b(x_a, training=True))
        fake_a = self.pool_a(self.generator_b2a(x_b, training=True))
        loss_a = losses.least_squares_discriminator_loss(
            self.discriminator_a(x_a, training=True), self.discriminator_a(fake_a, training=True)
        )
        loss_b = losses.least_squares_discriminator_loss(
            self.discriminator_b(x_b, training=True), self.discriminator_b(fake_b, training=True)
        )
        return loss_a + loss_b

    def generator_loss(self, real, condition=None):
        """G and F together: adversarial + cycle (λ) + identity (0.5 λ) losses."""
        x_a, x_b = real
        fake_b = self.generator_a2b(x_a, training=True)
        fake_a = self.generator_b2a(x_b, training=True)
        # The authors' MSE against 1, without LSGAN's 1/2, so that λ = 10 weighs as in the paper.
        adversarial = 2.0 * (
            losses.least_squares_generator_loss(self.discriminator_b(fake_b, training=True))
            + losses.least_squares_generator_loss(self.discriminator_a(fake_a, training=True))
        )
        cycle = losses.cycle_consistency_loss(
            x_a, self.generator_b2a(fake_b, training=True), self.cycle_weight
        ) + losses.cycle_consistency_loss(x_b, self.generator_a2b(fake_a, training=True), self.cycle_weight)
        identity = ops.zeros((), dtype=cycle.dtype)
        if self.identity_weight > 0:
            identity = losses.identity_loss(
                x_b, self.generator_a2b(x_b, training=True), self.identity_weight
            ) + losses.identity_loss(x_a, self.generator_b2a(x_a, training=True), self.identity_weight)
        total = adversarial + cycle + identity
        return total, {"adversarial_loss": adversarial, "cycle_loss": cycle, "identity_loss": identity}

    # === Inference ===
    def call(self, inputs, training=False):
        return self.generator_a2b(inputs, training=training)

    def translate(self, images, direction: str = "a2b", *, batch_size: int = 256) -> np.ndarray:
        """`images` of domain a translated to b (`direction="a2b"`), or of b to a
        (`"b2a"`), in inference mode, `batch_size` at a time."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'a2b' or 'b2a', got {direction!r}.")
        exported = {item.name: item for item in self.exports()}[f"generator_{direction}"]
        return exported.run({"image": images}, batch_size)

    def reconstruct(self, images, direction: str = "a2b", *, batch_size: int = 256) -> np.ndarray:
        """The cycle: `images` translated by `direction` and back (F(G(a)) for "a2b")."""
        back = "b2a" if direction == "a2b" else "a2b"
        return self.translate(self.translate(images, direction, batch_size=batch_size), back, batch_size=batch_size)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "cycle_weight": self.cycle_weight,
            "identity_weight": self._identity_weight,
            "pool_size": self.pool_size,
            "residual_blocks": self.residual_blocks,
            "discriminator_downsamples": self.discriminator_downsamples,
        }
