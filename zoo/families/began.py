"""BEGAN — Berthelot, Schumm & Metz 2017, "BEGAN: Boundary Equilibrium Generative
Adversarial Networks".

The discriminator is an autoencoder, and its reconstruction loss L(v) = |v - D(v)|
(eq. 1, the mean absolute error) is the score: D learns to reconstruct real samples
and to reconstruct fakes badly, G to make fakes D reconstructs well (eq. 4):

    L_D = L(x) - k_t · L(G(z)),   L_G = L(G(z)),
    k_{t+1} = clip(k_t + λ_k (γ · L(x) - L(G(z))), 0, 1).

k_t is a proportional controller keeping the equilibrium E[L(G(z))] = γ E[L(x)]: the
diversity ratio γ trades diversity (high) for quality (low). k_t is model state (a
non-trainable variable, saved with the model, starting at 0) updated after every
train step from that step's losses; it is logged as `k_t`, together with the
convergence measure M = L(x) + |γ L(x) - L(G(z))| (section 3.4.1, logged as
`convergence`), which falls as training converges. D's autoencoder is the DCGAN
discriminator as encoder (to an `embedding_dim` code) and the DCGAN generator as
decoder, without batch norm; MLPs for vectors. Adam lr 1e-4 (section 4.1; beta_1 0.5).
"""

from __future__ import annotations

import keras
from keras import ops

from zoo import losses, networks, spec
from zoo.gan import GAN
from zoo.registry import register_family


@register_family(
    "began",
    paper="Berthelot et al. 2017, BEGAN: Boundary Equilibrium Generative Adversarial Networks, arXiv:1703.10717",
    summary="Autoencoder discriminator, L1 reconstruction losses balanced by the k_t controller (gamma, lambda_k).",
)
class BEGAN(GAN):
    """Boundary equilibrium GAN.

    Args:
        gamma: γ, the diversity ratio E[L(G(z))] / E[L(x)] the controller aims at.
        lambda_k: λ_k, the controller's gain (the learning rate of k_t).
        embedding_dim: size of the autoencoder's bottleneck code h.
        **kwargs: see `zoo.gan.GAN`.
    """

    default_d_normalization = None
    default_optimizer = ("adam", 1e-4, {"beta_1": 0.5})
    loss_names = ("d_loss", "g_loss", "k_t", "convergence", "real_reconstruction", "fake_reconstruction")
    pack_refusal = "its discriminator is an autoencoder that reconstructs one sample, L(v) = |v - D(v)|"

    def __init__(self, gamma: float = 0.5, lambda_k: float = 0.001, embedding_dim: int = 64, **kwargs) -> None:
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"gamma must be in (0, 1], got {gamma}.")
        if not lambda_k >= 0.0:
            raise ValueError(f"lambda_k must be non-negative, got {lambda_k}.")
        if isinstance(embedding_dim, bool) or int(embedding_dim) != embedding_dim or embedding_dim < 1:
            raise ValueError(f"embedding_dim must be a positive integer, got {embedding_dim}.")
        self.gamma = float(gamma)
        self.lambda_k = float(lambda_k)
        self.embedding_dim = int(embedding_dim)
        super().__init__(**kwargs)
        # State of the controller, saved with the model's own variables.
        self.k = self.add_weight(name="k_t", shape=(), initializer="zeros", trainable=False)

    def build_discriminator(self) -> keras.Model:
        """The autoencoder D: sample -> code h -> reconstruction."""
        code = spec.InputSpec([spec.noise(self.embedding_dim, name="h")])
        if self.architecture == "mlp":
            encoder = networks.mlp_discriminator(
                self.data_shape, self.width, self.hidden_layers, outputs=self.embedding_dim, name="encoder"
            )
            decoder = networks.mlp_generator(
                code, self.data_shape, self.width, self.hidden_layers, self.output_activation, name="decoder"
            )
        else:
            encoder = networks.dcgan_discriminator(
                self.data_shape, self.width, self.d_normalization, outputs=self.embedding_dim, name="encoder"
            )
            # With `content_size` the decoder draws small images and upscales them like
            # the generator does, so both live in the same set of upscaled images.
            decoder = networks.dcgan_generator(
                code,
                self.data_shape,
                self.width,
                self.output_activation,
                self.content_size,
                name="decoder",
                normalization=None,
            )
        sample = keras.Input(self.data_shape, name="sample")
        return keras.Model(sample, decoder(encoder(sample)), name="discriminator")

    def reconstruction_loss(self, samples, inputs, training: bool = True):
        """L(v) = |v - D(v)|, the mean over the batch."""
        return losses.autoencoder_loss(samples, self.discriminate(samples, inputs, training))

    def discriminator_loss(self, real, condition=None):
        fakes = self.generate_fakes(real, condition)
        real_loss = self.reconstruction_loss(real, self.condition_inputs(condition))
        fake_loss = self.reconstruction_loss(fakes.samples, fakes.inputs)
        loss = losses.began_discriminator_loss(real_loss, fake_loss, ops.cast(self.k, real_loss.dtype))
        return loss, {"real_reconstruction": real_loss}

    def generator_loss(self, real, condition=None):
        fakes = self.generate_fakes(real, condition)
        fake_loss = self.reconstruction_loss(fakes.samples, fakes.inputs)
        return losses.began_generator_loss(fake_loss), {"fake_reconstruction": fake_loss}

    def after_train_step(self, logs):
        # The paper's update: L(x) of the D step, L(G(z)) of the G step.
        real_loss = ops.cast(logs["real_reconstruction"], "float32")
        fake_loss = ops.cast(logs["fake_reconstruction"], "float32")
        self.k.assign(losses.began_k_update(self.k, real_loss, fake_loss, self.gamma, self.lambda_k))
        return {"k_t": self.k.value, "convergence": losses.began_convergence(real_loss, fake_loss, self.gamma)}

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "gamma": self.gamma,
            "lambda_k": self.lambda_k,
            "embedding_dim": self.embedding_dim,
        }
