"""The GAN families. Importing this package registers each of them."""

from zoo.families.acgan import ACGAN
from zoo.families.began import BEGAN
from zoo.families.bigan import BiGAN
from zoo.families.cgan import CGAN
from zoo.families.cogan import CoGAN
from zoo.families.cyclegan import CycleGAN
from zoo.families.dcgan import DCGAN
from zoo.families.gan import VanillaGAN
from zoo.families.infogan import InfoGAN
from zoo.families.lsgan import LSGAN
from zoo.families.sagan import SAGAN
from zoo.families.sngan import SNGAN
from zoo.families.wavegan import WaveGAN
from zoo.families.wgan import WGAN
from zoo.families.wgan_gp import WGANGP

__all__ = [
    "ACGAN",
    "BEGAN",
    "CGAN",
    "DCGAN",
    "LSGAN",
    "SAGAN",
    "SNGAN",
    "WGAN",
    "WGANGP",
    "BiGAN",
    "CoGAN",
    "CycleGAN",
    "InfoGAN",
    "VanillaGAN",
    "WaveGAN",
]
