"""The GAN families. Importing this package registers each of them."""

from zoo.families.began import BEGAN
from zoo.families.dcgan import DCGAN
from zoo.families.gan import VanillaGAN
from zoo.families.lsgan import LSGAN
from zoo.families.sagan import SAGAN
from zoo.families.sngan import SNGAN
from zoo.families.wavegan import WaveGAN
from zoo.families.wgan import WGAN
from zoo.families.wgan_gp import WGANGP

__all__ = ["BEGAN", "DCGAN", "LSGAN", "SAGAN", "SNGAN", "WGAN", "WGANGP", "VanillaGAN", "WaveGAN"]
