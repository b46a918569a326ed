"""InfoGAN — Chen et al. 2016, "InfoGAN: Interpretable Representation Learning by
Information Maximizing Generative Adversarial Nets".

Beside the noise z, the generator takes latent codes: a categorical `category`
(10 values by default) and a continuous `code` (2 dimensions, U[-1, 1]), declared in
the generator's inputs like any other, so they are sampled, exported and fixed
(`model.sample(n, category=3, code=[0.5, 0])`) the same way. Unsupervised: nobody
tells the model what the codes mean; it is pushed to make them recoverable from its
samples by maximizing a lower bound of the mutual information I(c; G(z, c)) (eq. 5):
an auxiliary network Q predicts the codes from a sample, and
min_{G,Q} max_D V(D, G) - λ L_I(G, Q) (eq. 6). Q shares D's trunk (the paper, sec. 6):
D returns its features beside its score, and the network `q_head` (trained with G,
as the min over G and Q says) holds Q's own layers. The trunk also gets the -λ L_I
gradient in D's step, as in the authors' code, so that it learns features Q can use.
The codes Q must recover are the ones the fakes were generated from: they travel
with the fakes (`fakes.inputs`). L_I is a cross-entropy for the category and a
fixed-σ Gaussian log-likelihood for the continuous code (`zoo.losses`).
Logged besides the losses: `information_penalty` (-L_I without the constant H(c),
in the generator step).
"""

from __future__ import annotations

from typing import ClassVar

import keras
from keras import layers

from zoo import conditional_networks, losses, spec
from zoo.gan import GAN
from zoo.registry import register_family

#: σ of Q's Gaussian over the continuous code (the authors fix it at 1 for MNIST).
CODE_SIGMA = 1.0


@register_family(
    "infogan",
    paper="Chen et al. 2016, InfoGAN: Interpretable Representation Learning by Information Maximizing GANs, "
    "arXiv:1606.03657",
    summary="Categorical + continuous codes beside z, recovered by a Q head on D's trunk; unsupervised.",
)
class InfoGAN(GAN):
    """InfoGAN.

    Args:
        num_categories: values of the categorical code `category`.
        num_codes: dimensions of the continuous code `code`, each U[-1, 1].
        info_weight: λ, the weight of the mutual-information term (the paper: 1).
        code_weight: the continuous code's term relative to the category's (the
            paper uses a smaller λ for continuous codes; 1 weighs them alike).
        **kwargs: see `zoo.gan.GAN`.
    """

    default_architecture = "dcgan"
    default_d_normalization: ClassVar[dict[str, str | None]] = {"mlp": None, "dcgan": "batch"}
    network_roles: ClassVar[dict[str, str | None]] = {"generator": "g", "discriminator": "d", "q_head": "g"}
    loss_names = ("d_loss", "g_loss", "information_penalty")
    pack_refusal = "Q reads each fake's codes from D's features, which a pack would mix"

    def __init__(
        self,
        num_categories: int = 10,
        num_codes: int = 2,
        info_weight: float = 1.0,
        code_weight: float = 1.0,
        **kwargs,
    ):
        for name, value in (("info_weight", info_weight), ("code_weight", code_weight)):
            if not value >= 0:
                raise ValueError(f"{name} must be non-negative, got {value}.")
        self.num_categories = num_categories  # checked by the spec
        self.num_codes = num_codes
        self.info_weight = float(info_weight)
        self.code_weight = float(code_weight)
        super().__init__(**kwargs)

    def build_generator_inputs(self) -> spec.InputSpec:
        codes = [spec.categorical(self.num_categories, "category"), spec.continuous(self.num_codes, -1.0, 1.0)]
        return spec.InputSpec([*super().build_generator_inputs(), *codes])

    def build_discriminator(self):
        return conditional_networks.headed_discriminator(
            **conditional_networks.discriminator_options(self), heads={"features": None}
        )

    def build_q_head(self):
        """Q's own layers on D's features (the paper: one hidden layer, then the codes)."""
        features = keras.Input(tuple(self.discriminator.output["features"].shape[1:]), name="features")
        x = layers.LeakyReLU(0.2, name="q_leaky_relu")(layers.Dense(self.width, name="q_dense")(features))
        outputs = {
            "category_logits": layers.Dense(self.num_categories, name="category_logits")(x),
            "code_mean": layers.Dense(self.num_codes, name="code_mean")(x),
        }
        return keras.Model(features, outputs, name="q_head")

    def information_penalty(self, fake_heads, fakes):
        """-L_I(G, Q) on a batch of fakes, against the codes they were generated from."""
        predicted = self.q_head(fake_heads["features"], training=True)
        return losses.mutual_information_penalty(
            fakes.inputs["category"],
            predicted["category_logits"],
            fakes.inputs["code"],
            predicted["code_mean"],
            CODE_SIGMA,
            self.code_weight,
        )

    def discriminator_loss(self, real, condition=None):
        real_heads, fake_heads, fakes = self.score_real_and_fake(real, condition)
        adversarial = losses.discriminator_loss(real_heads["score"], fake_heads["score"])
        return adversarial + self.info_weight * self.information_penalty(fake_heads, fakes)

    def generator_loss(self, real, condition=None):
        fake_heads, fakes = self.score_fakes(real, condition)
        penalty = self.information_penalty(fake_heads, fakes)
        adversarial = losses.non_saturating_generator_loss(fake_heads["score"])
        return adversarial + self.info_weight * penalty, {"information_penalty": penalty}

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_categories": self.num_categories,
            "num_codes": self.num_codes,
            "info_weight": self.info_weight,
            "code_weight": self.code_weight,
        }
