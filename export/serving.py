"""The function both artifacts serve: one exported network in inference mode, with
its declared inputs (`zoo.spec.InputSpec`: `z`, `label`, `code`, `image`) as named
graph inputs of dynamic batch size and its named outputs.

Noise is an input, never a random op inside the graph (house style rule 4), so an
exported generator is a deterministic function that can be checked against Keras.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from zoo import spec
from zoo.gan import GAN
from zoo.networks import call_with_named_inputs

#: Layers that only move values around: the output's range is that of their input.
_PASS_THROUGH = (keras.layers.Reshape, keras.layers.Flatten, keras.layers.Identity, keras.layers.Permute)
#: Output activations with a known range; anything else is "unbounded".
_ACTIVATION_RANGES = {"tanh": [-1.0, 1.0], "sigmoid": [0.0, 1.0]}
UNBOUNDED = "unbounded"


def _check_functional(network: keras.Model) -> None:
    try:
        inputs, outputs = network.inputs, network.outputs
    except (AttributeError, ValueError):
        inputs = outputs = None
    if not inputs or not outputs:
        raise TypeError(
            f"Expected a functional keras.Model with named inputs (z, label, ...), got {type(network).__name__} "
            "without symbolic inputs; build it with keras.Input(..., name='z')."
        )


def bare_exported(network: keras.Model) -> spec.Exported:
    """A bare functional generator as an export: its float inputs are noise of an
    unknown prior; an integer input cannot be described without its model."""
    _check_functional(network)
    items = []
    for tensor in network.inputs:
        if "int" in str(tensor.dtype):
            raise TypeError(
                f"Input {tensor.name!r} of {network.name!r} is integer: export the zoo.GAN that declares "
                "its inputs rather than the bare network."
            )
        items.append(spec.GeneratorInput(tensor.name, "noise", tuple(tensor.shape[1:]), prior=None))
    kinds = [spec.data_kind(tuple(output.shape[1:])) for output in network.outputs]
    names = [spec.OUTPUT_NAMES[kind] for kind in kinds]
    if len(names) > 1:
        names = [f"{name}_{index}" for index, name in enumerate(names)]
    return spec.Exported("generator", network, spec.InputSpec(items), tuple(names))


def exports_of(model: keras.Model) -> list[spec.Exported]:
    """What `model` exports: a `zoo.GAN`'s `exports()`, or a bare functional
    generator; a TypeError for anything else."""
    if isinstance(model, GAN):
        return model.exports()
    if isinstance(model, keras.Model):
        return [bare_exported(model)]
    raise TypeError(f"Expected a zoo.GAN or a functional keras.Model generator, got {type(model).__name__}.")


def exported_of(model: keras.Model, artifact: str | None = None) -> spec.Exported:
    """One export of `model` by artifact name (default: the first, the generator)."""
    exports = exports_of(model)
    if artifact is None:
        return exports[0]
    for exported in exports:
        if exported.name == artifact:
            return exported
    raise ValueError(f"{type(model).__name__} exports {[item.name for item in exports]}, not {artifact!r}.")


def input_specs(exported: spec.Exported) -> list[tf.TensorSpec]:
    """One named TensorSpec per declared input, with a dynamic batch dimension."""
    return [tf.TensorSpec((None, *item.shape), tf.as_dtype(item.dtype), name=item.name) for item in exported.inputs]


def value_range(network: keras.Model, output_index: int = 0) -> list[float] | str:
    """`[-1, 1]` if the output ends in tanh (`[0, 1]` for sigmoid), otherwise
    `"unbounded"`; read from the graph, walking back over reshapes."""
    tensor = network.outputs[output_index]
    for _ in range(len(network.layers) + 1):
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


def serving_function(exported: spec.Exported) -> tuple[tf.types.experimental.GenericFunction, list[tf.TensorSpec]]:
    """`(function, input_signature)`: a `tf.function` taking the declared inputs
    positionally and returning `{output_name: values}` as float32."""
    specs = input_specs(exported)
    names = [item.name for item in exported.inputs]
    network = exported.network

    def serve(*tensors):
        # Inference mode: batch norm uses its moving statistics, dropout is off.
        outputs = call_with_named_inputs(network, dict(zip(names, tensors)), training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        # Mixed-precision networks compute in float16; the artifact returns float32.
        return {name: tf.cast(output, tf.float32) for name, output in zip(exported.outputs, outputs)}

    return tf.function(serve, input_signature=specs), specs
