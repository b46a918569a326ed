"""The GAN families. Importing this package registers each of them."""

from zoo.families.gan import VanillaGAN
from zoo.families.dcgan import DCGAN

__all__ = ["DCGAN", "VanillaGAN"]
