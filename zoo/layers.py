"""Layers the networks need that Keras does not ship."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width by mirroring the image at its border (without repeating
    the border pixel), as CycleGAN's generators do (Zhu et al. 2017, appendix 7.2):
    zero padding would show the network a dark frame and leave artifacts at the edges.
    Exports to ONNX as a `Pad` in "reflect" mode.
    """

    def __init__(self, padding: int = 1, **kwargs):
        super().__init__(**kwargs)
        if int(padding) != padding or padding < 0:
            raise ValueError(f"padding must be a non-negative integer, got {padding}.")
        self.padding = int(padding)

    def call(self, images):
        pad = self.padding
        return ops.pad(images, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = 2 * self.padding
        return (batch, None if height is None else height + grow, None if width is None else width + grow, channels)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding}
