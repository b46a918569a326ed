"""WGAN — Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN".

The discriminator becomes a critic f with no sigmoid: its raw scores estimate the
Earth-Mover (Wasserstein-1) distance, by the Kantorovich-Rubinstein duality
W(P_r, P_g) = max_{||f||_L <= 1} E_x[f(x)] - E_z[f(G(z))]. The critic maximizes
that difference and the generator minimizes -E_z[f(G(z))]. To keep f Lipschitz,
every critic weight is clipped to [-clip_value, clip_value] after each critic
update. The paper's Algorithm 1 sets the defaults: clip_value c = 0.01, n_critic = 5
critic steps per generator step, and RMSProp with lr 5e-5 (the paper found
momentum-based optimizers such as Adam made training unstable). Networks are
DCGAN's, batch norm in the critic included, as in the paper's image experiments.
The MLP critic has none: with statistics taken separately on the real and the fake
batch, a critic with clipped weights could hardly tell them apart (its loss stayed
at 0 on the 2-D mixtures). The critic loss is logged, negated, as
`wasserstein_distance`: it falls as the generator improves.
`compile(ttur=True)` gives the TTUR learning rates (Heusel et al. 2017).
"""

from __future__ import annotations

from typing import ClassVar

from keras import ops

from zoo import losses
from zoo.gan import GAN
from zoo.registry import register_family


@register_family(
    "wgan",
    paper="Arjovsky et al. 2017, Wasserstein GAN, arXiv:1701.07875",
    summary="Wasserstein critic (no sigmoid) kept Lipschitz by weight clipping; 5 critic steps, RMSProp.",
)
class WGAN(GAN):
    """Wasserstein GAN with weight clipping.

    Args:
        clip_value: every critic weight is clipped to [-clip_value, clip_value]
            after each critic update.
        **kwargs: see `zoo.gan.GAN`.
    """

    default_d_steps = 5
    default_d_normalization: ClassVar[dict[str, str | None]] = {"mlp": None, "dcgan": "batch"}
    # The paper's code used PyTorch's RMSprop: rho 0.99 and eps 1e-8 added to sqrt(v).
    # Keras adds epsilon inside the square root, so its default 1e-7 would act as
    # 3e-4 and swamp the critic's tiny gradients; 1e-16 inside is 1e-8 outside.
    default_optimizer = ("rmsprop", 5e-5, {"rho": 0.99, "epsilon": 1e-16})
    loss_names = ("d_loss", "g_loss", "wasserstein_distance")
    decision_threshold = None  # a critic's scores have no threshold

    def __init__(self, clip_value: float = 0.01, **kwargs):
        if not clip_value > 0:
            raise ValueError(f"clip_value must be positive, got {clip_value}.")
        self.clip_value = float(clip_value)
        super().__init__(**kwargs)

    def discriminator_loss(self, real, condition=None):
        real_scores, fake_scores, _ = self.score_real_and_fake(real, condition)
        loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
        return loss, {"wasserstein_distance": -loss}

    def generator_loss(self, real, condition=None):
        fake_scores, _ = self.score_fakes(real, condition)
        return losses.wasserstein_generator_loss(fake_scores)

    def after_discriminator_step(self) -> None:
        # All trainable critic variables, biases and batch-norm scales included, as in
        # the paper's code; batch-norm moving statistics are not parameters.
        for variable in self.discriminator_variables:
            variable.assign(ops.clip(variable, -self.clip_value, self.clip_value))

    def get_config(self) -> dict:
        return {**super().get_config(), "clip_value": self.clip_value}
