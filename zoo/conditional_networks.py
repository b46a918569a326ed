"""Discriminators that see more than a sample: a class label (cGAN, concatenated or
projected), heads besides the score (ACGAN's classifier, InfoGAN's features for Q),
or a (sample, z) pair (BiGAN).

All of them are built on the trunk of the shared MLP / DCGAN discriminators
(`zoo.networks`), so the conditional families differ from the others only in what
goes in and what comes out — the StudioGAN idea of one discriminator with switches
and a dict of heads, rather than a copy per family.
"""

from __future__ import annotations

import math

import keras
from keras import layers

from zoo import networks

CONDITIONINGS = ("concat", "projection")


def discriminator_options(model) -> dict:
    """The shared discriminator's hyperparameters, read off a `zoo.GAN`, as the
    keyword arguments every builder of this module takes."""
    return {
        "data_shape": model.data_shape,
        "architecture": model.architecture,
        "width": model.width,
        "hidden_layers": model.hidden_layers,
        "normalization": model.d_normalization,
        "spectral_norm": model.spectral_norm,
        "resolution": model.d_resolution,
    }


def discriminator_trunk(
    data_shape: tuple[int, ...],
    architecture: str,
    width: int,
    hidden_layers: int,
    normalization: str | None,
    spectral_norm: bool,
    name: str = "trunk",
    resolution: int | None = None,
) -> keras.Model:
    """The shared discriminator without its score layer: sample -> feature vector.
    `resolution` is the DCGAN discriminator's (`d_resolution`): larger images are
    area-downscaled to that side first."""
    if architecture == "mlp":
        full = networks.mlp_discriminator(data_shape, width, hidden_layers, normalization, spectral_norm)
    else:
        full = networks.dcgan_discriminator(data_shape, width, normalization, spectral_norm, resolution=resolution)
    return keras.Model(full.inputs, full.layers[-1].input, name=name)


def label_discriminator(
    data_shape: tuple[int, ...],
    num_classes: int,
    architecture: str,
    width: int,
    hidden_layers: int,
    normalization: str | None,
    spectral_norm: bool,
    conditioning: str = "concat",
    name: str = "discriminator",
    resolution: int | None = None,
) -> keras.Model:
    """D(sample, label) -> score.

    `"concat"` (Mirza & Osindero 2014): a learned embedding of the label joins the
    input — one extra image channel for convolutions, extra features for an MLP.
    `"projection"` (Miyato & Koyama 2018, eq. 3): D(x, y) = ψ(φ(x)) + embed(y)ᵀ φ(x),
    the inner product of a class embedding with the trunk's features.
    """
    if conditioning not in CONDITIONINGS:
        raise ValueError(f"conditioning must be one of {CONDITIONINGS}, got {conditioning!r}.")
    sample = keras.Input(tuple(data_shape), name="sample")
    label = keras.Input((), dtype="int32", name="label")
    if conditioning == "projection":
        trunk = discriminator_trunk(
            data_shape, architecture, width, hidden_layers, normalization, spectral_norm, f"{name}_trunk", resolution
        )
        features = trunk(sample)
        score = layers.Dense(1, name="score")(features)
        embedded = layers.Embedding(num_classes, features.shape[-1], name="label_projection")(label)
        score = layers.Add(name="projected_score")([score, layers.Dot(axes=1, name="projection")([embedded, features])])
    elif architecture == "dcgan":
        height, width_px, channels = data_shape
        plane = layers.Embedding(num_classes, height * width_px, name="label_embedding")(label)
        plane = layers.Reshape((height, width_px, 1), name="label_plane")(plane)
        joined = layers.Concatenate(name="with_label")([sample, plane])
        trunk = discriminator_trunk(
            (height, width_px, channels + 1),
            architecture,
            width,
            hidden_layers,
            normalization,
            spectral_norm,
            f"{name}_trunk",
            resolution,
        )
        score = layers.Dense(1, name="score")(trunk(joined))
    else:
        embedded = layers.Embedding(num_classes, networks.EMBEDDING_DIM, name="label_embedding")(label)
        joined = layers.Concatenate(name="with_label")([layers.Flatten(name="flat")(sample), embedded])
        size = math.prod(data_shape) + networks.EMBEDDING_DIM
        trunk = discriminator_trunk(
            (size,), architecture, width, hidden_layers, normalization, spectral_norm, f"{name}_trunk"
        )
        score = layers.Dense(1, name="score")(trunk(joined))
    return keras.Model({"sample": sample, "label": label}, score, name=name)


def headed_discriminator(
    data_shape: tuple[int, ...],
    architecture: str,
    width: int,
    hidden_layers: int,
    normalization: str | None,
    spectral_norm: bool,
    heads: dict[str, int | None],
    name: str = "discriminator",
    resolution: int | None = None,
) -> keras.Model:
    """D(sample) -> {"score": ..., head: ...}: linear heads of the given sizes on the
    shared trunk's features; a head of size None is the features themselves (for a
    network of another role, such as InfoGAN's Q, to build on)."""
    sample = keras.Input(tuple(data_shape), name="sample")
    trunk = discriminator_trunk(
        data_shape, architecture, width, hidden_layers, normalization, spectral_norm, f"{name}_trunk", resolution
    )
    features = trunk(sample)
    outputs = {"score": layers.Dense(1, name="score")(features)}
    for head, size in heads.items():
        outputs[head] = features if size is None else layers.Dense(size, name=head)(features)
    return keras.Model(sample, outputs, name=name)


def joint_discriminator(
    data_shape: tuple[int, ...],
    latent_dim: int,
    architecture: str,
    width: int,
    hidden_layers: int,
    normalization: str | None,
    spectral_norm: bool,
    name: str = "discriminator",
    resolution: int | None = None,
) -> keras.Model:
    """BiGAN's D(x, z) (Donahue et al. 2017, sec. 3): the trunk's features of x and a
    dense embedding of z, concatenated, then a hidden layer and the score."""
    sample = keras.Input(tuple(data_shape), name="sample")
    z = keras.Input((latent_dim,), name="z")
    trunk = discriminator_trunk(
        data_shape, architecture, width, hidden_layers, normalization, spectral_norm, f"{name}_trunk", resolution
    )
    z_features = layers.LeakyReLU(0.2, name="z_leaky_relu")(layers.Dense(width, name="z_dense")(z))
    x = layers.Concatenate(name="joint")([trunk(sample), z_features])
    x = layers.LeakyReLU(0.2, name="joint_leaky_relu")(layers.Dense(width, name="joint_dense")(x))
    return keras.Model({"sample": sample, "z": z}, layers.Dense(1, name="score")(x), name=name)


def encoder(
    data_shape: tuple[int, ...],
    latent_dim: int,
    architecture: str,
    width: int,
    hidden_layers: int,
    normalization: str | None,
    input_name: str = "image",
    name: str = "encoder",
) -> keras.Model:
    """BiGAN's E: x -> z, the discriminator's trunk with a linear z on top; its input
    is named as the generator's output (`image`, or `sample` for vectors)."""
    sample = keras.Input(tuple(data_shape), name=input_name)
    trunk = discriminator_trunk(data_shape, architecture, width, hidden_layers, normalization, False, f"{name}_trunk")
    return keras.Model(sample, layers.Dense(latent_dim, name="z")(trunk(sample)), name=name)
