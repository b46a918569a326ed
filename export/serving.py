"""The function both artifacts serve: the generator in inference mode, with its
named Keras inputs (`z`, `label`, `code`, `image`) as named graph inputs of dynamic
batch size and one named output.

Noise is an input, never a random op inside the graph (house style rule 4), so an
exported generator is a deterministic function that can be checked against Keras.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from zoo.gan import GAN

#: Layers that only move values around: the output's range is that of their input.
_PASS_THROUGH = (keras.layers.Reshape, keras.layers.Flatten, keras.layers.Identity, keras.layers.Permute)
#: Output activations with a known range; anything else is "unbounded".
_ACTIVATION_RANGES = {"tanh": [-1.0, 1.0], "sigmoid": [0.0, 1.0]}
UNBOUNDED = "unbounded"


def generator_of(model: keras.Model) -> keras.Model:
    """The generator network of a `zoo.GAN`, or `model` itself if it is a bare
    functional generator; a TypeError for anything else."""
    generator = model.generator if isinstance(model, GAN) else model
    if not isinstance(generator, keras.Model):
        raise TypeError(f"Expected a zoo.GAN or a functional keras.Model generator, got {type(model).__name__}.")
    try:
        inputs, outputs = generator.inputs, generator.outputs
    except (AttributeError, ValueError):
        inputs = outputs = None
    if not inputs or not outputs:
        raise TypeError(
            f"Expected a functional keras.Model with named inputs (z, label, ...), got {type(generator).__name__} "
            "without symbolic inputs; build it with keras.Input(..., name='z')."
        )
    if len(outputs) != 1:
        raise ValueError(f"A generator must have exactly one output, {generator.name!r} has {len(outputs)}.")
    return generator


def input_names(generator: keras.Model) -> list[str]:
    """The generator's input names, in the order it takes them (z first)."""
    return [tensor.name for tensor in generator.inputs]


def input_specs(generator: keras.Model) -> list[tf.TensorSpec]:
    """One named TensorSpec per input, with a dynamic batch dimension."""
    return [
        tf.TensorSpec((None, *tensor.shape[1:]), tf.as_dtype(tensor.dtype), name=tensor.name)
        for tensor in generator.inputs
    ]


def data_shape_of(generator: keras.Model) -> tuple[int | None, ...]:
    """The shape of one generated sample (the output shape without the batch)."""
    return tuple(generator.outputs[0].shape[1:])


def output_name(data_shape: tuple[int | None, ...]) -> str:
    """`image` for (height, width, channels), `audio` for (samples, channels),
    `sample` for vectors and anything else."""
    return {3: "image", 2: "audio"}.get(len(data_shape), "sample")


def value_range(generator: keras.Model) -> list[float] | str:
    """`[-1, 1]` if the generator ends in tanh (`[0, 1]` for sigmoid), otherwise
    `"unbounded"`; read from the graph, walking back over reshapes."""
    tensor = generator.outputs[0]
    for _ in range(len(generator.layers) + 1):
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            break
        operation, node_index = history[0], history[1]
        activation = getattr(operation, "activation", None)
        name = getattr(activation, "__name__", None) or type(operation).__name__.lower()
        if name in _ACTIVATION_RANGES:
            return list(_ACTIVATION_RANGES[name])
        if not isinstance(operation, _PASS_THROUGH):
            break
        tensor = operation._inbound_nodes[node_index].input_tensors[0]
    return UNBOUNDED


def serving_function(generator: keras.Model) -> tuple[tf.types.experimental.GenericFunction, list[tf.TensorSpec], str]:
    """`(function, input_signature, output_name)`: a `tf.function` taking the
    generator's inputs positionally and returning `{output_name: samples}`."""
    specs = input_specs(generator)
    name = output_name(data_shape_of(generator))

    def serve(*tensors):
        inputs = tensors[0] if len(tensors) == 1 else list(tensors)
        # Inference mode: batch norm uses its moving statistics, dropout is off.
        samples = generator(inputs, training=False)
        # Mixed-precision generators compute in float16; the artifact returns float32.
        return {name: tf.cast(samples, tf.float32)}

    return tf.function(serve, input_signature=specs), specs, name


def example_inputs(
    generator: keras.Model, batch_size: int, latent_prior: str | None = "normal", seed: int = 0
) -> dict[str, np.ndarray]:
    """Inputs for a check or benchmark, by name: z from the prior, one-hot labels,
    and values in [-1, 1] for other inputs (codes, images)."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for tensor in generator.inputs:
        shape = (batch_size, *tensor.shape[1:])
        if tensor.name == "z":
            values = rng.uniform(-1.0, 1.0, shape) if latent_prior == "uniform" else rng.standard_normal(shape)
        elif tensor.name == "label" and len(shape) == 2:
            values = np.eye(shape[1])[rng.integers(0, shape[1], batch_size)]
        else:
            values = rng.uniform(-1.0, 1.0, shape)
        inputs[tensor.name] = values.astype(tensor.dtype)
    return inputs


def run_keras(generator: keras.Model, inputs: dict[str, np.ndarray]) -> np.ndarray:
    """The Keras generator on named inputs, in inference mode, as float32 numpy."""
    ordered = [inputs[name] for name in input_names(generator)]
    samples = generator(ordered[0] if len(ordered) == 1 else ordered, training=False)
    return keras.ops.convert_to_numpy(samples).astype("float32")
