"""LSGAN — Mao et al. 2017, "Least Squares Generative Adversarial Networks".

The discriminator regresses its score (no sigmoid) onto a target value: `b` for
real samples and `a` for fakes, while the generator pulls the score of its fakes
towards `c` (sec. 3.2). Unlike the log loss, the squared error keeps penalising
fakes that are classified correctly but lie far from the data, so the generator
still gets a gradient when the discriminator wins. With b - c = 1 and b - a = 2
(e.g. a = -1, b = 1, c = 0) the game minimizes the Pearson chi-squared divergence;
the 0-1 coding a = 0, b = c = 1, where the generator aims at the real samples'
target, is the default here. Networks and optimizer follow DCGAN, as in the
paper's experiments (sec. 4): batch norm in the convolutional discriminator (none
in the MLP one for vectors), Adam with lr 2e-4 and beta_1 = 0.5.
`compile(ttur=True)` gives the TTUR learning rates (Heusel et al. 2017).
"""

from __future__ import annotations

from typing import ClassVar

from zoo import losses
from zoo.gan import GAN
from zoo.registry import register_family


@register_family(
    "lsgan",
    paper="Mao et al. 2017, Least Squares Generative Adversarial Networks, arXiv:1611.04076",
    summary="Least-squares losses on a linear discriminator score, with the a-b-c target coding.",
)
class LSGAN(GAN):
    """Least-squares GAN.

    Args:
        fake_target: `a`, the score the discriminator gives fakes.
        real_target: `b`, the score the discriminator gives real samples.
        generator_target: `c`, the score the generator wants for its fakes.
        **kwargs: see `zoo.gan.GAN`.
    """

    default_d_normalization: ClassVar[dict[str, str | None]] = {"mlp": None, "dcgan": "batch"}

    def __init__(
        self,
        fake_target: float = 0.0,
        real_target: float = 1.0,
        generator_target: float = 1.0,
        **kwargs,
    ):
        if fake_target == real_target:
            raise ValueError(
                f"fake_target (a) and real_target (b) must differ, got both {fake_target}: "
                "the discriminator would have nothing to tell apart."
            )
        self.fake_target = float(fake_target)
        self.real_target = float(real_target)
        self.generator_target = float(generator_target)
        # The accuracy readout calls a score nearer b than a "real" (for b > a).
        self.decision_threshold = (self.fake_target + self.real_target) / 2
        super().__init__(**kwargs)

    def discriminator_loss(self, real, condition=None):
        real_scores, fake_scores, _ = self.score_real_and_fake(real, condition)
        return losses.least_squares_discriminator_loss(
            real_scores, fake_scores, real_target=self.real_target, fake_target=self.fake_target
        )

    def generator_loss(self, real, condition=None):
        fake_scores, _ = self.score_fakes(real, condition)
        return losses.least_squares_generator_loss(fake_scores, target=self.generator_target)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "fake_target": self.fake_target,
            "real_target": self.real_target,
            "generator_target": self.generator_target,
        }
