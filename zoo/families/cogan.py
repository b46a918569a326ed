"""CoGAN — Liu & Tuzel 2016, "Coupled Generative Adversarial Networks".

Two GANs, one per domain, learn the joint distribution of the two domains from
unpaired samples alone, by weight sharing: the two generators share their first
(high-level) layers, so one z decodes to the same digit and pose in both domains,
and differ only in their last layers, which render each domain's details; the two
discriminators share their last layers, so both judge the same high-level features
(section 3). Each GAN plays the 2014 game on its own domain; the losses of the two
are summed, and every shared variable gets one update per step (the two halves'
gradients add up). Networks follow DCGAN with Adam (lr 2e-4, beta_1 0.5), as in the
authors' digits experiments.

`generate(z)` returns the pair `{"image_a": ..., "image_b": ...}`; the export is one
file with those two outputs.
"""

from __future__ import annotations

import keras
from keras import ops

from zoo import losses, spec
from zoo.coupled_networks import coupled_discriminators, coupled_generators
from zoo.families.two_domain import TwoDomainGAN
from zoo.registry import register_family

OUTPUTS = ("image_a", "image_b")


@register_family(
    "cogan",
    paper="Liu & Tuzel 2016, Coupled Generative Adversarial Networks, arXiv:1606.07536",
    summary="Two generators sharing their first layers, two discriminators sharing their last: one z, a pair.",
)
class CoGAN(TwoDomainGAN):
    """Coupled GANs over domains a and b, fit on unpaired `(x_a, x_b)` batches.

    Args:
        private_layers: the generators' last layers that each domain has for itself
            (the paper: 1, all others shared).
        d_private_layers: the discriminators' first layers that each domain has for
            itself (the paper: 1).
        **kwargs: see `TwoDomainGAN` and `zoo.gan.GAN`.
    """

    def __init__(self, private_layers: int = 1, d_private_layers: int = 1, **kwargs):
        self.private_layers = private_layers
        self.d_private_layers = d_private_layers
        super().__init__(**kwargs)

    # === Networks ===
    def build_generator(self) -> keras.Model:
        """The generator pair as one network, z -> [image_a, image_b]: a list of outputs
        (the export's output order) over the coupled layers."""
        coupled = coupled_generators(
            self.latent_dim, *self.domain_shapes, width=self.width, private_layers=self.private_layers
        )
        z = coupled.pair.get_layer("z").output
        images = [coupled.pair.get_layer(name).output for name in OUTPUTS]
        return keras.Model(z, images, name="generator")

    def build_discriminator(self) -> keras.Model:
        """The discriminator pair as one network, [sample_a, sample_b] -> [score_a, score_b]."""
        coupled = coupled_discriminators(
            *self.domain_shapes,
            width=self.width,
            private_layers=self.d_private_layers,
            normalization=self.d_normalization,
        )
        samples = [coupled.pair.get_layer(name).output for name in ("sample_a", "sample_b")]
        scores = [coupled.a.outputs[0], coupled.b.outputs[0]]
        return keras.Model(samples, scores, name="discriminator")

    def exports(self) -> list[spec.Exported]:
        return [spec.Exported("generator", self.generator, self.generator_inputs, OUTPUTS)]

    # === The game: one 2014 GAN per domain, losses summed ===
    def generate_pair(self, batch_size, training: bool = True):
        """A fresh pair batch `[fake_a, fake_b]` from one batch of z."""
        inputs = self.sample_generator_inputs(batch_size)
        return self.run_generator(inputs, training=training)

    def discriminator_loss(self, real, condition=None):
        x_a, x_b = real
        fakes = self.generate_pair(ops.shape(x_a)[0])
        # Real and fake pairs in two calls, as in DCGAN, so batch norm never mixes them.
        real_a, real_b = self.discriminator([x_a, x_b], training=True)
        fake_a, fake_b = self.discriminator(fakes, training=True)
        return losses.discriminator_loss(real_a, fake_a) + losses.discriminator_loss(real_b, fake_b)

    def generator_loss(self, real, condition=None):
        x_a, _ = real
        fake_a, fake_b = self.discriminator(self.generate_pair(ops.shape(x_a)[0]), training=True)
        return losses.non_saturating_generator_loss(fake_a) + losses.non_saturating_generator_loss(fake_b)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "private_layers": self.private_layers,
            "d_private_layers": self.d_private_layers,
        }
