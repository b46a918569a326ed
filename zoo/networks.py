"""Generator and discriminator networks shared by the families.

Each builder returns a functional `keras.Model`. Generators are built from the
family's `zoo.spec.InputSpec`: one named Keras input per declared input (`z`, and
`label` / `code` in families that condition on them), so that the export layer can
turn them into named inputs of a SavedModel or ONNX graph; they never draw noise
themselves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import keras
from keras import layers

from zoo import spec as spec_lib
from zoo.layers import MinibatchStdDev, PhaseShuffle, SelfAttention

NORMALIZATIONS = ("batch", "layer", None)


def _check_normalization(normalization: str | None) -> None:
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}.")


def _normalization(normalization: str | None, name: str) -> list[layers.Layer]:
    if normalization == "batch":
        return [layers.BatchNormalization(name=name)]
    if normalization == "layer":
        return [layers.LayerNormalization(name=name)]
    return []


def _dense(units: int, spectral_norm: bool, name: str, use_bias: bool = True) -> layers.Layer:
    layer = layers.Dense(units, use_bias=use_bias, name=name)
    return layers.SpectralNormalization(layer, name=f"{name}_sn") if spectral_norm else layer


def _conv(filters: int, spectral_norm: bool, name: str, strides: int = 2) -> layers.Layer:
    layer = layers.Conv2D(filters, 4, strides=strides, padding="same", name=name)
    return layers.SpectralNormalization(layer, name=f"{name}_sn") if spectral_norm else layer


def _spectral(layer: layers.Layer, spectral_norm: bool) -> layers.Layer:
    return layers.SpectralNormalization(layer, name=f"{layer.name}_sn") if spectral_norm else layer


def check_attention_resolution(attention_resolution: int | None, image_shape: tuple[int, ...]) -> None:
    """The attention block sits on a feature map both DCGAN networks have: 4x4 up to
    half the image side."""
    if attention_resolution is None:
        return
    side = image_shape[0]
    resolutions = [4 * 2**step for step in range(upsampling_steps(image_shape))]
    if attention_resolution not in resolutions:
        raise ValueError(
            f"attention_resolution must be the side of one of the networks' feature maps for {side}x{side} "
            f"images, {resolutions}, got {attention_resolution!r}."
        )


#: Width of the learned embedding of a categorical generator input (Mirza & Osindero 2014
#: concatenate the condition to z; an embedding is the learned form of its one-hot code).
EMBEDDING_DIM = 16


def input_layers(input_spec: spec_lib.InputSpec) -> tuple[list[keras.KerasTensor], keras.KerasTensor]:
    """One named `keras.Input` per declared input, and all of them as one flat
    vector: categorical ids through a learned embedding, samples flattened, then
    concatenated to z (the simplest conditioning, Mirza & Osindero 2014)."""
    inputs, parts = [], []
    for item in input_spec:
        if item.kind == "categorical":
            tensor = keras.Input((), dtype="int32", name=item.name)
            parts.append(layers.Embedding(item.num_classes, EMBEDDING_DIM, name=f"{item.name}_embedding")(tensor))
        else:
            tensor = keras.Input(item.shape, name=item.name)
            parts.append(layers.Flatten(name=f"{item.name}_flat")(tensor) if len(item.shape) > 1 else tensor)
        inputs.append(tensor)
    merged = layers.Concatenate(name="condition")(parts) if len(parts) > 1 else parts[0]
    return inputs, merged


def call_with_named_inputs(network: keras.Model, inputs: Mapping[str, Any], training: bool = False):
    """Call a functional network on a dict of its named inputs (a lone input as itself)."""
    names = [tensor.name for tensor in network.inputs]
    missing = [name for name in names if name not in inputs]
    if missing:
        raise ValueError(f"{network.name} takes inputs {names}; missing {missing}.")
    if len(names) == 1:
        return network(inputs[names[0]], training=training)
    return network({name: inputs[name] for name in names}, training=training)


def upsampling_steps(image_shape: tuple[int, ...]) -> int:
    """How many stride-2 steps lead from 4x4 to `image_shape`; errors on other shapes."""
    if len(image_shape) != 3:
        raise ValueError(f"A convolutional network needs an image shape (height, width, channels), got {image_shape}.")
    height, width, channels = image_shape
    steps = math.log2(height / 4) if height >= 8 else -1
    if height != width or steps < 1 or steps != int(steps):
        raise ValueError(
            f"Convolutional networks take square images whose side is a power of two of at least 8 "
            f"(8, 16, 32, 64, ...), got {height}x{width}."
        )
    if channels < 1:
        raise ValueError(f"channels must be at least 1, got {channels}.")
    return int(steps)


def mlp_generator(
    input_spec: spec_lib.InputSpec,
    data_shape: tuple[int, ...],
    width: int = 256,
    hidden_layers: int = 2,
    output_activation: str | None = "tanh",
    name: str = "generator",
) -> keras.Model:
    """Goodfellow et al. 2014: a multilayer perceptron from z (and the other
    declared inputs, concatenated) to a sample of any shape."""
    inputs, x = input_layers(input_spec)
    for index in range(hidden_layers):
        x = layers.Dense(width, activation="relu", name=f"dense_{index}")(x)
    x = layers.Dense(math.prod(data_shape), activation=output_activation, name="output")(x)
    x = layers.Reshape(tuple(data_shape), name="sample")(x)
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], x, name=name)


def mlp_discriminator(
    data_shape: tuple[int, ...],
    width: int = 256,
    hidden_layers: int = 2,
    normalization: str | None = None,
    spectral_norm: bool = False,
    outputs: int = 1,
    minibatch_std: bool = False,
    name: str = "discriminator",
) -> keras.Model:
    """Goodfellow et al. 2014: a multilayer perceptron from a sample to a score (logit).

    `minibatch_std` appends the batch's mean standard deviation as one more feature
    before the last hidden layer (Karras et al. 2018, `zoo.layers.MinibatchStdDev`).
    """
    _check_normalization(normalization)
    sample = keras.Input(tuple(data_shape), name="sample")
    x = layers.Flatten(name="flatten")(sample)
    for index in range(hidden_layers):
        if minibatch_std and index == hidden_layers - 1:
            x = MinibatchStdDev(name="minibatch_std")(x)
        x = _dense(width, spectral_norm, name=f"dense_{index}")(x)
        for layer in _normalization(normalization, name=f"norm_{index}"):
            x = layer(x)
        x = layers.LeakyReLU(0.2, name=f"leaky_relu_{index}")(x)
    score = _dense(outputs, spectral_norm, name="score")(x)
    return keras.Model(sample, score, name=name)


def dcgan_generator(
    input_spec: spec_lib.InputSpec,
    image_shape: tuple[int, int, int],
    width: int = 64,
    output_activation: str | None = "tanh",
    content_size: int | None = None,
    name: str = "generator",
    *,
    content_layers: int = 0,
    normalization: str | None = "batch",
    spectral_norm: bool = False,
    attention_resolution: int | None = None,
) -> keras.Model:
    """Radford et al. 2015: project z (and the other declared inputs, concatenated)
    to 4x4, then stride-2 transposed convolutions with batch norm and ReLU, tanh on
    the output. Filters halve at each step, ending at `width` before the output layer.

    Switches (StudioGAN's `apply_g_sn` / `apply_attn`): `spectral_norm` wraps every
    layer in spectral normalization and `attention_resolution` inserts SAGAN's
    self-attention after the feature map of that side (Zhang et al. 2019);
    `normalization` replaces batch norm (`"layer"` or None).

    `content_size` fits the generator to data that was made by upscaling: the
    network draws `content_size` x `content_size` images and resizes them bilinearly
    to `image_shape`, exactly as `zoo.data.images.digits_arrays` makes 32x32 digits
    from scikit-learn's 8x8 ones. Every generated image then lies in the set of
    upscaled images the data lives in, instead of the network having to learn the
    interpolation's smoothness (and spending its capacity on 16x the pixels).
    The transposed convolutions then reach `content_size` with `width` filters and
    a 3x3 convolution draws the image from them, so that even an 8x8 generator has
    a hidden layer at the content's resolution (a transposed convolution straight
    from 4x4 to the 8x8 image would leave it one linear map from its projection).
    `content_layers` adds that many more 3x3 convolutions (`width` filters, batch norm,
    ReLU) at the content's resolution before the image: depth where it is cheap, on
    64 pixels instead of 1,024 (the demo: digits-FID and IS better on the same steps,
    docs/digits_quality.md).
    """
    _check_normalization(normalization)
    check_attention_resolution(attention_resolution, image_shape)
    height = image_shape[0]
    if content_size is not None:
        if height < 8 or image_shape[1] != height:
            upsampling_steps(image_shape)  # the image shape's own clear error comes first
        if content_size != int(content_size) or not 8 <= content_size <= height:
            raise ValueError(f"content_size must be an integer in [8, {height}] (the image side), got {content_size}.")
        content_size = int(content_size)
        if int(content_layers) != content_layers or content_layers < 0:
            raise ValueError(f"content_layers must be a whole number >= 0, got {content_layers!r}.")
        # One step more: the last one reaches content_size with `width` filters.
        steps = upsampling_steps((content_size, content_size, image_shape[-1])) + 1
    else:
        steps = upsampling_steps(image_shape)
    inputs, x = input_layers(input_spec)
    filters = width * 2 ** (steps - 1)

    def normalize(x, prefix: str):
        for layer in _normalization(normalization, name=f"{prefix}_bn"):
            x = layer(x)
        return layers.ReLU(name=f"{prefix}_relu")(x)

    def attend(x, side: int):
        if side != attention_resolution:
            return x
        return SelfAttention(spectral_norm=spectral_norm, name="self_attention")(x)

    x = normalize(_spectral(layers.Dense(4 * 4 * filters, use_bias=False, name="project"), spectral_norm)(x), "project")
    x = attend(layers.Reshape((4, 4, filters), name="reshape")(x), 4)
    for step in range(steps - 1):
        filters //= 2
        up = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False, name=f"up_{step}")
        x = attend(normalize(_spectral(up, spectral_norm)(x), f"up_{step}"), 8 * 2**step)
    if content_size is None:
        if content_layers:
            raise ValueError("content_layers needs content_size: they are the layers at the content's resolution.")
        to_image = layers.Conv2DTranspose(image_shape[-1], 4, strides=2, padding="same", name="to_image")
    else:
        for index in range(int(content_layers)):
            conv = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"content_{index}")
            x = normalize(_spectral(conv, spectral_norm)(x), f"content_{index}")
        to_image = layers.Conv2D(image_shape[-1], 3, padding="same", name="to_image")
    x = _spectral(to_image, spectral_norm)(x)
    image = layers.Activation(output_activation or "linear", name="image")(x)
    if content_size is not None and content_size != height:
        image = layers.Resizing(height, image_shape[1], interpolation="bilinear", name="upscale")(image)
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], image, name=name)


#: The name of the DCGAN discriminator's first layer when it judges a downscaled view.
D_DOWNSCALE = "d_downscale"


def dcgan_discriminator(
    image_shape: tuple[int, int, int],
    width: int = 64,
    normalization: str | None = "batch",
    spectral_norm: bool = False,
    outputs: int = 1,
    minibatch_std: bool = False,
    name: str = "discriminator",
    *,
    attention_resolution: int | None = None,
    resolution: int | None = None,
) -> keras.Model:
    """Radford et al. 2015: stride-2 convolutions with LeakyReLU(0.2) down to 4x4,
    normalization on every layer but the first, then one linear score (or
    `outputs` of them: BEGAN's encoder gives its embedding).

    `attention_resolution` inserts SAGAN's self-attention after the feature map of
    that side (Zhang et al. 2019), spectrally normalized with the rest.
    `minibatch_std` appends the batch's mean standard deviation as one more feature
    map at 4x4, before the score (Karras et al. 2018, `zoo.layers.MinibatchStdDev`).
    `resolution` area-downscales a larger image to that side first (average
    pooling), and the convolutions start there; an image no larger is judged as it is.
    """
    _check_normalization(normalization)
    upsampling_steps(image_shape)
    side = image_shape[0]
    image = keras.Input(tuple(image_shape), name="sample")
    x = image
    if resolution is not None and resolution < side:
        if resolution < 8 or side % resolution:
            raise ValueError(f"d_resolution must divide the image side {side} and be at least 8, got {resolution}.")
        x = layers.AveragePooling2D(side // resolution, name=D_DOWNSCALE)(x)
        image_shape = (resolution, resolution, image_shape[-1])
    elif resolution is not None:
        x = layers.Identity(name=D_DOWNSCALE)(x)
    steps = upsampling_steps(image_shape)
    check_attention_resolution(attention_resolution, image_shape)
    filters = width
    for step in range(steps):
        x = _conv(filters, spectral_norm, name=f"down_{step}")(x)
        if step > 0:
            for layer in _normalization(normalization, name=f"down_{step}_norm"):
                x = layer(x)
        x = layers.LeakyReLU(0.2, name=f"down_{step}_leaky_relu")(x)
        if image_shape[0] // 2 ** (step + 1) == attention_resolution:
            x = SelfAttention(spectral_norm=spectral_norm, name="self_attention")(x)
        filters *= 2
    if minibatch_std:
        x = MinibatchStdDev(name="minibatch_std")(x)
    x = layers.Flatten(name="flatten")(x)
    score = _dense(outputs, spectral_norm, name="score")(x)
    return keras.Model(image, score, name=name)


# === WaveGAN (Donahue et al. 2019): 1-D, kernel 25, stride 4 ===

#: WaveGAN's generator starts from 16 samples and multiplies the length by 4 per layer.
WAVEGAN_BASE_LENGTH = 16
WAVEGAN_STRIDE = 4
WAVEGAN_KERNEL_SIZE = 25


def wavegan_steps(audio_shape: tuple[int, ...]) -> int:
    """How many stride-4 steps lead from 16 samples to the clip length; errors on others."""
    if len(audio_shape) != 2:
        raise ValueError(f"WaveGAN networks need an audio shape (length, channels), got {tuple(audio_shape)}.")
    length = audio_shape[0]
    steps, reached = 0, WAVEGAN_BASE_LENGTH
    while reached < length:
        steps, reached = steps + 1, reached * WAVEGAN_STRIDE
    if reached != length or steps == 0:
        reachable = ", ".join(str(WAVEGAN_BASE_LENGTH * WAVEGAN_STRIDE**k) for k in range(1, 6))
        raise ValueError(
            f"clip length {length} is not reachable with stride {WAVEGAN_STRIDE} from {WAVEGAN_BASE_LENGTH} "
            f"samples: use 16 * 4**k samples ({reachable}, ...)."
        )
    return steps


WAVEGAN_UPSAMPLING = ("transposed", "nearest")


def check_wavegan_upsample(upsample: Any) -> str:
    """`upsample` if it names one of WaveGAN's generators' upsamplings, else a ValueError."""
    if upsample not in WAVEGAN_UPSAMPLING:
        raise ValueError(f"upsample must be one of {', '.join(WAVEGAN_UPSAMPLING)}, got {upsample!r}.")
    return upsample


def wavegan_generator(
    input_spec: spec_lib.InputSpec,
    audio_shape: tuple[int, int],
    width: int = 64,
    output_activation: str | None = "tanh",
    name: str = "generator",
    *,
    upsample: str = "transposed",
) -> keras.Model:
    """Donahue et al. 2019 (table 2): project z to 16 samples of `width * 2**(k-1)`
    channels, then k transposed 1-D convolutions (kernel 25, stride 4) with ReLU,
    halving the channels, tanh on the output. No batch norm, as in the paper.

    `upsample="nearest"` replaces each transposed convolution by nearest-neighbour
    upsampling by 4 and a kernel-25 convolution (the resize-convolution of Odena et
    al. 2016, against transposed convolutions' periodic artifacts), with
    LeakyReLU(0.2) after it instead of ReLU: on the drums, ReLU units of this
    generator died and its clips fell silent (docs/architecture_families.md)."""
    check_wavegan_upsample(upsample)
    steps = wavegan_steps(audio_shape)
    inputs, x = input_layers(input_spec)
    filters = width * 2 ** (steps - 1)
    x = layers.Dense(WAVEGAN_BASE_LENGTH * filters, name="project")(x)
    x = layers.Reshape((WAVEGAN_BASE_LENGTH, filters), name="reshape")(x)
    x = layers.ReLU(name="project_relu")(x)
    for step in range(steps):
        last = step == steps - 1
        filters = audio_shape[-1] if last else filters // 2
        layer_name = "to_audio" if last else f"up_{step}"
        if upsample == "transposed":
            x = layers.Conv1DTranspose(
                filters, WAVEGAN_KERNEL_SIZE, strides=WAVEGAN_STRIDE, padding="same", name=layer_name
            )(x)
        else:
            x = layers.UpSampling1D(WAVEGAN_STRIDE, name=f"{layer_name}_nearest")(x)
            x = layers.Conv1D(filters, WAVEGAN_KERNEL_SIZE, padding="same", name=layer_name)(x)
        if not last and upsample == "transposed":
            x = layers.ReLU(name=f"up_{step}_relu")(x)
        elif not last:
            x = layers.LeakyReLU(0.2, name=f"up_{step}_leaky_relu")(x)
    audio = layers.Activation(output_activation or "linear", name="audio")(x)
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], audio, name=name)


def wavegan_discriminator(
    audio_shape: tuple[int, int],
    width: int = 64,
    phase_shuffle: int = 2,
    normalization: str | None = None,
    name: str = "discriminator",
    *,
    minibatch_std: bool = False,
) -> keras.Model:
    """Donahue et al. 2019 (table 3): k 1-D convolutions (kernel 25, stride 4) with
    LeakyReLU(0.2), doubling the channels from `width`, phase shuffle by up to
    `phase_shuffle` samples after each but the last, then one linear score.
    `minibatch_std` appends the batch's mean standard deviation as one more channel
    before the score (Karras et al. 2018, `zoo.layers.MinibatchStdDev`)."""
    _check_normalization(normalization)
    steps = wavegan_steps(audio_shape)
    audio = keras.Input(tuple(audio_shape), name="sample")
    x, filters = audio, width
    for step in range(steps):
        x = layers.Conv1D(filters, WAVEGAN_KERNEL_SIZE, strides=WAVEGAN_STRIDE, padding="same", name=f"down_{step}")(x)
        if step > 0:
            for layer in _normalization(normalization, name=f"down_{step}_norm"):
                x = layer(x)
        x = layers.LeakyReLU(0.2, name=f"down_{step}_leaky_relu")(x)
        if step < steps - 1 and phase_shuffle:
            x = PhaseShuffle(phase_shuffle, name=f"down_{step}_phase_shuffle")(x)
        filters *= 2
    if minibatch_std:
        x = MinibatchStdDev(name="minibatch_std")(x)
    x = layers.Flatten(name="flatten")(x)
    score = layers.Dense(1, name="score")(x)
    return keras.Model(audio, score, name=name)
