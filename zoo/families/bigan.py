"""BiGAN — Donahue, Krähenbühl & Darrell 2017, "Adversarial Feature Learning"
(the same model as ALI, Dumoulin et al. 2017, "Adversarially Learned Inference").

Besides G: z -> x, an encoder E: x -> z (trained with G, by G's optimizer), and a
discriminator that judges joint pairs: (x, E(x)) for real data against (G(z), z) for
fakes (eq. 3). At the optimum E inverts G, so E(x) is a learned representation of x
and G(E(x)) a reconstruction, though no reconstruction loss is ever used. The fakes'
z travels with them (`fakes.inputs`), and the base class's `real_inputs` hook pairs
real samples with E(x). G and E minimize the 2014 loss with the labels swapped
(the non-saturating form, sec. 3.4). `model.encode(x)`, `model.reconstruct(x)`
(G(E(x)), drawn beside x by `zoo.callbacks.ReconstructionGrid`); the export adds
`encoder.onnx` (input `image`, output `z`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from zoo import conditional_networks, losses, spec
from zoo.gan import GAN
from zoo.registry import register_family


@register_family(
    "bigan",
    paper="Donahue et al. 2017, Adversarial Feature Learning, arXiv:1605.09782 (ALI: Dumoulin et al. 2017)",
    summary="An encoder E: x -> z trained with G; D judges (x, E(x)) vs (G(z), z); exports encoder.onnx.",
)
class BiGAN(GAN):
    """Bidirectional GAN. Args: see `zoo.gan.GAN`."""

    default_architecture = "dcgan"
    default_d_normalization: ClassVar[dict[str, str | None]] = {"mlp": None, "dcgan": "batch"}
    network_roles: ClassVar[dict[str, str | None]] = {"generator": "g", "encoder": "g", "discriminator": "d"}
    pack_refusal = "D judges (x, z) pairs, and a pack of samples would leave their codes unpacked"

    def build_encoder(self):
        return conditional_networks.encoder(
            self.data_shape,
            self.latent_dim,
            self.architecture,
            self.width,
            self.hidden_layers,
            self.d_normalization,
            input_name=spec.OUTPUT_NAMES[self.data_kind],
        )

    def build_discriminator(self):
        return conditional_networks.joint_discriminator(
            **conditional_networks.discriminator_options(self), latent_dim=self.latent_dim
        )

    def real_inputs(self, real, condition=None):
        return {"z": self.encoder(real, training=True)}

    def discriminate(self, samples, inputs, training=True):
        return self.discriminator({"sample": self.discriminator_view(samples), "z": inputs["z"]}, training=training)

    def generator_loss(self, real, condition=None):
        real_scores, fake_scores, _ = self.score_real_and_fake(real, condition)
        return losses.discriminator_loss(fake_scores, real_scores)  # G and E swap the labels

    def exports(self) -> list[spec.Exported]:
        name = spec.OUTPUT_NAMES[self.data_kind]
        encoder_inputs = spec.InputSpec([spec.conditioning_sample(self.data_shape, name)])
        return [*super().exports(), spec.Exported("encoder", self.encoder, encoder_inputs, ("z",))]

    def encode(self, samples, batch_size: int = 256) -> np.ndarray:
        """E(x) for samples of the data's shape, in inference mode."""
        exported = self.exports()[1]
        return exported.run({exported.inputs.names[0]: samples}, batch_size)

    def reconstruct(self, samples, batch_size: int = 256) -> np.ndarray:
        """G(E(x)): what the generator makes of a sample's code (never trained to equal x)."""
        return self.generate(self.encode(samples, batch_size), batch_size=batch_size)
