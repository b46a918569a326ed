"""GAN — Goodfellow et al. 2014, "Generative Adversarial Nets".

Multilayer perceptrons for both players, on vectors or (flattened) images. The
discriminator minimizes the cross-entropy of eq. 1. The generator minimizes either
the saturating cost of eq. 1, E[log(1 - D(G(z)))], whose gradient vanishes as soon
as D wins, or the non-saturating cost -E[log D(G(z))] that the paper recommends.
"""

from __future__ import annotations

from zoo import losses
from zoo.gan import GAN
from zoo.registry import register_family

GENERATOR_OBJECTIVES = ("non_saturating", "minimax")


@register_family(
    "gan",
    paper="Goodfellow et al. 2014, Generative Adversarial Nets, arXiv:1406.2661",
    summary="MLP generator and discriminator; minimax or non-saturating generator cost.",
)
class VanillaGAN(GAN):
    """The original GAN. `generator_objective` is `"non_saturating"` or `"minimax"`."""

    default_architecture = "mlp"
    default_d_normalization = None

    def __init__(self, generator_objective: str = "non_saturating", **kwargs):
        if generator_objective not in GENERATOR_OBJECTIVES:
            raise ValueError(f"generator_objective must be one of {GENERATOR_OBJECTIVES}, got {generator_objective!r}.")
        self.generator_objective = generator_objective
        super().__init__(**kwargs)

    def generator_loss(self, real, condition=None):
        fake_logits, _ = self.score_fakes(real, condition)
        if self.generator_objective == "minimax":
            return losses.minimax_generator_loss(fake_logits)
        return losses.non_saturating_generator_loss(fake_logits)

    def get_config(self) -> dict:
        return {**super().get_config(), "generator_objective": self.generator_objective}
