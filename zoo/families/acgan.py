"""ACGAN — Odena, Olah & Shlens 2017, "Conditional Image Synthesis with Auxiliary
Classifier GANs".

G(z, c) draws a sample of class c, as in a cGAN, but D does not see the class: it
has two heads on one trunk, the real/fake score and class logits (one network
returning a dict of heads, as in StudioGAN). Both players also minimize the
auxiliary classification loss (eq. 2, `zoo.losses.auxiliary_classifier_loss`): D on
real and fake samples (L_S + L_C), G on its fakes (it wants them recognisably of
their class). `fit` takes `(samples, labels)`; fakes get the batch's labels.
Logged besides the losses: `real_class_loss` (D's classifier on real samples) and
`fake_class_loss` (on fakes, in the generator step).
"""

from __future__ import annotations

from typing import ClassVar

from zoo import conditional_networks, losses, spec
from zoo.gan import GAN
from zoo.registry import register_family


@register_family(
    "acgan",
    paper="Odena et al. 2017, Conditional Image Synthesis with Auxiliary Classifier GANs, arXiv:1610.09585",
    summary="D also classifies (a dict of heads); both players minimize the class loss; fit on (samples, labels).",
)
class ACGAN(GAN):
    """Auxiliary-classifier GAN.

    Args:
        num_classes: the number of classes (ids 0 .. num_classes - 1).
        class_weight: the weight of the auxiliary classification loss (the paper: 1).
        **kwargs: see `zoo.gan.GAN`.
    """

    condition_input = "label"
    default_architecture = "dcgan"
    default_d_normalization: ClassVar[dict[str, str | None]] = {"mlp": None, "dcgan": "batch"}
    loss_names = ("d_loss", "g_loss", "real_class_loss", "fake_class_loss")

    def __init__(self, num_classes: int = 10, class_weight: float = 1.0, **kwargs):
        if not class_weight >= 0:
            raise ValueError(f"class_weight must be non-negative, got {class_weight}.")
        self.num_classes = num_classes  # checked by spec.categorical
        self.class_weight = float(class_weight)
        super().__init__(**kwargs)

    def build_generator_inputs(self) -> spec.InputSpec:
        return spec.InputSpec([*super().build_generator_inputs(), spec.categorical(self.num_classes)])

    def build_discriminator(self):
        return conditional_networks.headed_discriminator(
            **conditional_networks.discriminator_options(self), heads={"class_logits": self.num_classes}
        )

    def discriminator_loss(self, real, condition=None):
        real_heads, fake_heads, fakes = self.score_real_and_fake(real, condition)
        adversarial = losses.discriminator_loss(real_heads["score"], fake_heads["score"])
        real_class = losses.auxiliary_classifier_loss(real_heads["class_logits"], condition)
        fake_class = losses.auxiliary_classifier_loss(fake_heads["class_logits"], fakes.inputs["label"])
        return adversarial + self.class_weight * (real_class + fake_class), {"real_class_loss": real_class}

    def generator_loss(self, real, condition=None):
        fake_heads, fakes = self.score_fakes(real, condition)
        fake_class = losses.auxiliary_classifier_loss(fake_heads["class_logits"], fakes.inputs["label"])
        adversarial = losses.non_saturating_generator_loss(fake_heads["score"])
        return adversarial + self.class_weight * fake_class, {"fake_class_loss": fake_class}

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes, "class_weight": self.class_weight}
