"""cGAN — Mirza & Osindero 2014, "Conditional Generative Adversarial Nets".

The 2014 game with a class label y given to both players: G(z, y) and D(x, y). The
generator's declared inputs are z and `label` (the shared generator builders embed
the label and concatenate it to z); `fit` takes `(samples, labels)` batches and the
fakes of a batch are generated for its real labels. D sees the label too:
concatenated to its input (the paper), or, with `d_conditioning="projection"`, as
the projection discriminator of Miyato & Koyama 2018 (an inner product of a class
embedding with D's features). The losses are the base class's 2014 game.
"""

from __future__ import annotations

from typing import ClassVar

from zoo import conditional_networks, spec
from zoo.gan import GAN
from zoo.registry import register_family


@register_family(
    "cgan",
    paper="Mirza & Osindero 2014, Conditional Generative Adversarial Nets, arXiv:1411.1784",
    summary="The label goes to G and D (concatenated, or a projection discriminator); fit on (samples, labels).",
)
class CGAN(GAN):
    """Conditional GAN.

    Args:
        num_classes: the number of labels (ids 0 .. num_classes - 1).
        d_conditioning: `"concat"` (Mirza & Osindero 2014) or `"projection"`
            (Miyato & Koyama 2018).
        **kwargs: see `zoo.gan.GAN`.
    """

    condition_input = "label"
    default_architecture = "dcgan"
    default_d_normalization: ClassVar[dict[str, str | None]] = {"mlp": None, "dcgan": "batch"}

    def __init__(self, num_classes: int = 10, d_conditioning: str = "concat", **kwargs):
        if d_conditioning not in conditional_networks.CONDITIONINGS:
            raise ValueError(
                f"d_conditioning must be one of {conditional_networks.CONDITIONINGS}, got {d_conditioning!r}."
            )
        self.num_classes = num_classes  # checked by spec.categorical
        self.d_conditioning = d_conditioning
        super().__init__(**kwargs)

    def build_generator_inputs(self) -> spec.InputSpec:
        return spec.InputSpec([*super().build_generator_inputs(), spec.categorical(self.num_classes)])

    def build_discriminator(self):
        return conditional_networks.label_discriminator(
            **conditional_networks.discriminator_options(self),
            num_classes=self.num_classes,
            conditioning=self.d_conditioning,
        )

    def discriminate(self, samples, inputs, training=True):
        view = self.discriminator_view(samples)
        return self.discriminator({"sample": view, "label": inputs["label"]}, training=training)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes, "d_conditioning": self.d_conditioning}
