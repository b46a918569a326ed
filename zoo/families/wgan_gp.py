"""WGAN-GP — Gulrajani et al. 2017, "Improved Training of Wasserstein GANs".

WGAN's critic and generator losses, but the Lipschitz constraint is enforced softly
by a gradient penalty instead of weight clipping (which, sec. 3, pushes the critic
towards too simple functions or explodes its gradients): the critic also minimizes
gp_weight * E_x̂[(||∇_x̂ f(x̂)||_2 - 1)^2] on points x̂ = x + ε (G(z) - x) with
ε ~ U[0, 1] per sample (eq. 3). Since the penalty is per sample, batch norm, which
mixes the samples of a batch, has no place in the critic: layer norm replaces it,
as the paper recommends (sec. 4). Algorithm 1 sets the defaults: gp_weight λ = 10,
n_critic = 5, Adam with lr 1e-4, beta_1 = 0, beta_2 = 0.9.
Logged besides the losses: `wasserstein_distance` (the critic's estimate, without
the penalty) and `gradient_penalty` (unweighted).
`compile(ttur=True)` gives the TTUR learning rates (Heusel et al. 2017).
"""

from __future__ import annotations

import keras
from keras import ops

from zoo import losses
from zoo.gan import GAN
from zoo.registry import register_family


@register_family(
    "wgan_gp",
    paper="Gulrajani et al. 2017, Improved Training of Wasserstein GANs, arXiv:1704.00028",
    summary="Wasserstein critic with a gradient penalty, layer norm instead of batch norm; Adam(1e-4, 0, 0.9).",
)
class WGANGP(GAN):
    """Wasserstein GAN with gradient penalty.

    Args:
        gp_weight: λ, the weight of the gradient penalty in the critic loss.
        **kwargs: see `zoo.gan.GAN`.
    """

    default_d_steps = 5
    default_d_normalization = "layer"
    default_optimizer = ("adam", 1e-4, {"beta_1": 0.0, "beta_2": 0.9})
    loss_names = ("d_loss", "g_loss", "wasserstein_distance", "gradient_penalty")
    decision_threshold = None  # a critic's scores have no threshold

    def __init__(self, gp_weight: float = 10.0, **kwargs):
        if not gp_weight >= 0:
            raise ValueError(f"gp_weight must be non-negative, got {gp_weight}.")
        self.gp_weight = float(gp_weight)
        super().__init__(**kwargs)

    def discriminator_loss(self, real, condition=None):
        real_scores, fake_scores, fakes = self.score_real_and_fake(real, condition)
        wasserstein_loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
        interpolation_weights = keras.random.uniform((ops.shape(real)[0],), seed=self.seed_generator)
        penalty = losses.gradient_penalty(
            lambda points: self.discriminate(points, fakes.inputs), real, fakes.samples, interpolation_weights
        )
        loss = wasserstein_loss + self.gp_weight * penalty
        return loss, {"wasserstein_distance": -wasserstein_loss, "gradient_penalty": penalty}

    def generator_loss(self, real, condition=None):
        fake_scores, _ = self.score_fakes(real, condition)
        return losses.wasserstein_generator_loss(fake_scores)

    def get_config(self) -> dict:
        return {**super().get_config(), "gp_weight": self.gp_weight}
