"""Layers the networks need that Keras does not ship.

- `ReflectionPadding2D`: CycleGAN's reflection padding (Zhu et al. 2017).
- `SelfAttention`: the self-attention block of SAGAN (Zhang et al. 2019,
  "Self-Attention Generative Adversarial Networks", https://arxiv.org/abs/1805.08318).
- `MinibatchStdDev`: the minibatch standard deviation of Karras et al. 2018.
- `PhaseShuffle`: the critic's phase shuffle of WaveGAN (Donahue et al. 2019,
  "Adversarial Audio Synthesis", https://arxiv.org/abs/1802.04208).

`SelfAttention` takes images (batch, height, width, channels) or sequences (batch,
length, channels), `PhaseShuffle` sequences. All are registered Keras serializables,
so models holding them save and load.
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops


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


@keras.saving.register_keras_serializable(package="zoo")
class SelfAttention(layers.Layer):
    """SAGAN self-attention (Zhang et al. 2019, section 3): y = γ·o + x.

    Query f(x), key g(x) and value h(x) are 1x1 convolutions; β = softmax over the key
    positions of f(x)ᵀ g(x), so each query position's attention row sums to 1; o is a
    1x1 convolution of the attended values, and γ is a learned scalar initialised to 0,
    so the block starts as the identity and lets the network lean on attention gradually.

    A 1x1 convolution is a Dense map on the channel axis; Dense layers are used so one
    layer serves images and audio alike.

    Args:
        key_reduction: query / key channels are `channels // key_reduction` (C/8 in the paper).
        value_reduction: value channels are `channels // value_reduction` (C/2 in the
            authors' code; the paper's o restores all C channels).
        spectral_norm: wrap the four convolutions in spectral normalization
            (Miyato et al. 2018), as SAGAN does in both networks.
    """

    def __init__(self, key_reduction: int = 8, value_reduction: int = 2, spectral_norm: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        for name, value in (("key_reduction", key_reduction), ("value_reduction", value_reduction)):
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}.")
        self.key_reduction = int(key_reduction)
        self.value_reduction = int(value_reduction)
        self.spectral_norm = bool(spectral_norm)

    def _projection(self, units: int, name: str) -> layers.Layer:
        dense = layers.Dense(units, use_bias=False, name=name)
        return layers.SpectralNormalization(dense, name=f"{name}_sn") if self.spectral_norm else dense

    def build(self, input_shape) -> None:
        if len(input_shape) not in (3, 4) or any(size is None for size in input_shape[1:]):
            raise ValueError(
                "SelfAttention takes (batch, height, width, channels) or (batch, length, channels) with known "
                f"sizes, got {tuple(input_shape)}."
            )
        channels = int(input_shape[-1])
        key_channels = max(1, channels // self.key_reduction)
        value_channels = max(1, channels // self.value_reduction)
        self.query = self._projection(key_channels, "query")
        self.key = self._projection(key_channels, "key")
        self.value = self._projection(value_channels, "value")
        self.attention_output = self._projection(channels, "attention_output")
        self.query.build(input_shape)
        self.key.build(input_shape)
        self.value.build(input_shape)
        self.attention_output.build((*input_shape[:-1], value_channels))
        self.gamma = self.add_weight(name="gamma", shape=(), initializer="zeros")
        self.positions = math.prod(input_shape[1:-1])

    def _attend(self, inputs):
        """(outputs, attention (batch, positions, positions): row = query, column = key)."""

        def flat(tensor):
            return ops.reshape(tensor, (-1, self.positions, tensor.shape[-1]))

        query, key, value = flat(self.query(inputs)), flat(self.key(inputs)), flat(self.value(inputs))
        # Softmax in float32: under mixed precision float16 logits overflow.
        logits = ops.cast(ops.matmul(query, ops.transpose(key, (0, 2, 1))), "float32")
        attention = ops.softmax(logits, axis=-1)
        attended = ops.matmul(ops.cast(attention, value.dtype), value)
        attended = ops.reshape(attended, (-1, *inputs.shape[1:-1], value.shape[-1]))
        outputs = ops.cast(self.gamma, inputs.dtype) * self.attention_output(attended) + inputs
        return outputs, attention

    def call(self, inputs, return_attention: bool = False):
        outputs, attention = self._attend(inputs)
        return (outputs, attention) if return_attention else outputs

    def attention_map(self, inputs, query_position: int | tuple[int, ...]):
        """Where the query at `query_position` ((row, column) of an image, or an index
        of a sequence) looks: (batch, height, width) or (batch, length) weights summing to 1."""
        spatial = tuple(int(size) for size in inputs.shape[1:-1])
        position = (query_position,) if isinstance(query_position, int) else tuple(query_position)
        if len(position) != len(spatial) or any(not 0 <= p < size for p, size in zip(position, spatial)):
            raise ValueError(f"query_position must index the {spatial} positions, got {query_position}.")
        _, attention = self(inputs, return_attention=True)
        flat_index = sum(p * math.prod(spatial[axis + 1 :]) for axis, p in enumerate(position))
        return ops.reshape(attention[:, flat_index, :], (-1, *spatial))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "key_reduction": self.key_reduction,
            "value_reduction": self.value_reduction,
            "spectral_norm": self.spectral_norm,
        }


@keras.saving.register_keras_serializable(package="zoo")
class PhaseShuffle(layers.Layer):
    """WaveGAN phase shuffle (Donahue et al. 2019, section 3.3) of (batch, length, channels).

    During training each example is shifted in time by its own random n ∈ [-shift,
    shift], the samples shifted in filled by reflection, so the critic cannot tell real
    from fake by the phase of periodic artifacts that transposed convolutions leave.
    At inference the layer is the identity.
    """

    def __init__(self, shift: int = 2, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(shift, bool) or int(shift) != shift or shift < 0:
            raise ValueError(f"shift must be a non-negative integer, got {shift}.")
        self.shift = int(shift)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape) -> None:
        if len(input_shape) != 3:
            raise ValueError(f"PhaseShuffle takes (batch, length, channels), got {tuple(input_shape)}.")
        if input_shape[1] is not None and input_shape[1] <= self.shift:
            raise ValueError(
                f"PhaseShuffle by up to {self.shift} needs more than {self.shift} samples, got {input_shape[1]}."
            )

    def call(self, inputs, training: bool | None = None):
        if not training or self.shift == 0:
            return inputs
        batch, length = ops.shape(inputs)[0], ops.shape(inputs)[1]
        shifts = keras.random.randint((batch, 1), -self.shift, self.shift + 1, seed=self.seed_generator)
        # out[t] = in[t - n], indices past either end reflected back inside (no edge repeat).
        source = ops.expand_dims(ops.arange(length), 0) - shifts
        source = ops.abs(source)
        source = (length - 1) - ops.abs((length - 1) - source)
        source = ops.broadcast_to(ops.expand_dims(source, -1), ops.shape(inputs))
        return ops.take_along_axis(inputs, ops.cast(source, "int32"), axis=1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def save_own_variables(self, store) -> None:
        # Keras does not save a layer's SeedGenerator: without its state a reloaded
        # critic would replay the shifts of its first steps.
        super().save_own_variables(store)
        store["shift_seed_state"] = ops.convert_to_numpy(self.seed_generator.state.value)

    def load_own_variables(self, store) -> None:
        keys = list(store.keys())
        if "shift_seed_state" in keys:
            self.seed_generator.state.assign(store["shift_seed_state"][...])
        super().load_own_variables({key: store[key] for key in keys if key != "shift_seed_state"})

    def get_config(self) -> dict:
        return {**super().get_config(), "shift": self.shift, "seed": self.seed}


@keras.saving.register_keras_serializable(package="zoo")
class MinibatchStdDev(layers.Layer):
    """Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of GANs",
    section 3, https://arxiv.org/abs/1710.10196): the standard deviation of every
    feature over the batch, averaged into one number and appended as one more
    channel (feature). A discriminator can then see that a batch of fakes varies
    less than a batch of real samples — a signal against mode collapse that no
    single sample carries.
    """

    def call(self, x):
        deviation = ops.sqrt(ops.var(x, axis=0) + 1e-8)
        statistic = ops.mean(deviation)
        feature = ops.ones_like(x[..., :1]) * statistic
        return ops.concatenate([x, feature], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)
