"""SNGAN — Miyato et al. 2018, "Spectral Normalization for Generative Adversarial
Networks".

Every weight matrix W of the discriminator is divided by its largest singular value
σ(W), estimated by one step of power iteration per update (Algorithm 1), which
bounds the Lipschitz constant of each layer by 1 without the extra backward pass of
a gradient penalty. The base class wraps each discriminator Dense / Conv2D in
`keras.layers.SpectralNormalization`; there is no batch norm in the discriminator.
The game is the hinge loss (Lim & Ye 2017), one of the two losses the paper
trains with: L_D = E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))], L_G = -E[D(G(z))].
Optimizer: setting C of the paper's Table 1 (Adam, lr 2e-4, beta_1 = 0.5,
beta_2 = 0.999, one discriminator step per generator step). For its ResNets the
paper used lr 2e-4, beta_1 = 0, beta_2 = 0.9 and 5 steps:
`compile(g_optimizer=..., d_optimizer=...)` and `d_steps=5` give that setting.
`compile(ttur=True)` gives the TTUR learning rates (Heusel et al. 2017).
"""

from __future__ import annotations

from zoo import losses
from zoo.gan import GAN
from zoo.registry import register_family


@register_family(
    "sngan",
    paper="Miyato et al. 2018, Spectral Normalization for Generative Adversarial Networks, arXiv:1802.05957",
    summary="Spectrally normalized discriminator (no batch norm) trained with the hinge loss.",
)
class SNGAN(GAN):
    """Spectrally normalized GAN with the hinge loss. Arguments: see `zoo.gan.GAN`."""

    spectral_norm = True
    default_d_normalization = None
    default_optimizer = ("adam", 2e-4, {"beta_1": 0.5, "beta_2": 0.999})

    def discriminator_loss(self, real, condition=None):
        real_scores, fake_scores, _ = self.score_real_and_fake(real, condition)
        return losses.hinge_discriminator_loss(real_scores, fake_scores)

    def generator_loss(self, real, condition=None):
        fake_scores, _ = self.score_fakes(real, condition)
        return losses.hinge_generator_loss(fake_scores)
