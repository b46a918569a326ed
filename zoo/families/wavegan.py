"""WaveGAN — Donahue, McAuley & Puckette 2019, "Adversarial Audio Synthesis".

DCGAN flattened to one dimension for raw audio (section 3.1): the 5x5 stride-2
convolutions become length-25 stride-4 ones, so five layers lead from 16 samples to
16,384 (about 1 s at 16 kHz); here the number of layers follows the clip length
(16 * 4**k samples). Transposed convolutions leave periodic artifacts the critic
could spot by their phase alone, so the critic shifts each example's feature maps by
a random -2..2 samples after every layer (phase shuffle, section 3.3, n = 2; the
identity at inference). The game is WGAN-GP's, unchanged (section 5: λ = 10, five
critic steps, Adam lr 1e-4, beta_1 0.5, beta_2 0.9); no batch norm in either network.
`upsample="nearest"` swaps G's transposed convolutions for nearest-neighbour
upsampling and a convolution (Odena et al. 2016's resize-convolution).
Samples are WAV files plus a waveform / spectrogram picture; the exported output is
named `audio`.
"""

from __future__ import annotations

import keras

from zoo import networks, stabilizers
from zoo.families.wgan_gp import WGANGP
from zoo.registry import register_family


@register_family(
    "wavegan",
    paper="Donahue et al. 2019, Adversarial Audio Synthesis, arXiv:1802.04208",
    summary="1-D transposed convolutions (kernel 25, stride 4) for raw audio, phase shuffle in the WGAN-GP critic.",
)
class WaveGAN(WGANGP):
    """WaveGAN on (clip_length, channels) audio; clip_length is 16 * 4**k.

    Args:
        phase_shuffle: n, the largest shift of the critic's phase shuffle (0: none).
        upsample: how G lengthens its signal 4x a layer: "transposed" (the
            paper's transposed convolutions) or "nearest" (nearest-neighbour
            upsampling, then a convolution; `networks.wavegan_generator`).
        **kwargs: see `zoo.families.wgan_gp.WGANGP` and `zoo.gan.GAN` (`width` is
            the paper's model size d, the channels of the critic's first layer).
    """

    data_kinds = ("audio",)
    architectures = ("wavegan",)
    default_d_normalization = None
    default_optimizer = ("adam", 1e-4, {"beta_1": 0.5, "beta_2": 0.9})

    def __init__(
        self,
        phase_shuffle: int = 2,
        upsample: str = "transposed",
        data_shape: tuple[int, ...] = (16_384, 1),
        architecture: str = "wavegan",
        **kwargs,
    ) -> None:
        if isinstance(phase_shuffle, bool) or int(phase_shuffle) != phase_shuffle or phase_shuffle < 0:
            raise ValueError(f"phase_shuffle must be a non-negative integer, got {phase_shuffle}.")
        self.phase_shuffle = int(phase_shuffle)
        self.upsample = networks.check_wavegan_upsample(upsample)
        # Checked first so that a bad clip length is the error, not the layers'.
        if len(tuple(data_shape)) == 2:
            networks.wavegan_steps(tuple(data_shape))
        super().__init__(
            data_shape=data_shape, architecture="wavegan" if architecture == "auto" else architecture, **kwargs
        )

    def build_generator(self) -> keras.Model:
        return networks.wavegan_generator(
            self.generator_inputs, self.data_shape, self.width, self.output_activation, upsample=self.upsample
        )

    def build_discriminator(self) -> keras.Model:
        # The base's `minibatch_std` stabilizer applies to the 1-D critic too.
        return networks.wavegan_discriminator(
            self.discriminator_shape,
            self.width,
            self.phase_shuffle,
            self.d_normalization,
            minibatch_std=self.minibatch_std,
        )

    def mode_seeking_features(self, samples):
        """The `mode_seeking` term compares clips by their spectral shape: raw
        waveforms differ by their phase alone, which is not a different sound."""
        return stabilizers.spectral_shape(samples)

    def get_config(self) -> dict:
        return {**super().get_config(), "phase_shuffle": self.phase_shuffle, "upsample": self.upsample}
