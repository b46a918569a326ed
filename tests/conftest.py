"""Shared test set-up: two logical CPU devices (for MirroredStrategy tests) and
tiny models, so the whole suite runs in minutes on two cores."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# No XLA unless a test asks for it: compiling each tiny model's train step with XLA
# takes seconds and dominated the suite; tests/test_families.py runs one XLA step
# of every family, and test_base checks that XLA is the default without this.
# Set here, so the CLI and worker subprocesses the tests start inherit it.
os.environ.setdefault("KERAS_GAN_ZOO_JIT", "0")

import numpy as np
import pytest
import tensorflow as tf

# Logical devices must be configured before TensorFlow initializes its runtime.
_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(_cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402

import zoo  # noqa: E402

#: Hyperparameters that make any family tiny.
TINY = {"latent_dim": 4, "width": 8}
IMAGE_SHAPE = (8, 8, 1)
#: 16 * 4 samples: the shortest clip WaveGAN's stride-4 networks reach.
AUDIO_SHAPE = (64, 1)
VECTOR_SHAPE = (2,)
#: The tiny sample shape of each data kind (`zoo.spec.DATA_KINDS`).
TINY_SHAPES = {"images": IMAGE_SHAPE, "audio": AUDIO_SHAPE, "vectors": VECTOR_SHAPE}


def tiny_model(name: str, data_shape: tuple[int, ...] = IMAGE_SHAPE, **overrides) -> zoo.GAN:
    """A registered family at the smallest size that still exercises its networks
    (no `latent_dim` for a family that draws no noise, e.g. a translator)."""
    width = 16 if len(data_shape) == 1 else TINY["width"]
    tiny = {**TINY, "width": width}
    if not zoo.family_info(name).cls.takes_noise:
        del tiny["latent_dim"]
    return zoo.create(name, data_shape=data_shape, **{**tiny, **overrides})


def random_data(count: int, data_shape: tuple[int, ...] = IMAGE_SHAPE, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (count, *data_shape)).astype("float32")


def random_batch(model: zoo.GAN, count: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Random training data for any family, as the arguments of `fit`, from what the
    family declares a batch to be (`batch_kind`, `condition_input`): `(samples,)`,
    `(samples, conditions)`, or two unpaired domains `(x_a, x_b)`."""
    if model.batch_kind == "two_domains":
        return tuple(random_data(count, shape, seed + index) for index, shape in enumerate(model.domain_shapes))
    samples = random_data(count, model.data_shape, seed)
    if model.condition_input is None:
        return (samples,)
    item = model.generator_inputs[model.condition_input]
    if item.kind == "categorical":
        return samples, np.random.default_rng(seed + 1).integers(0, item.num_classes, count).astype("int32")
    return samples, random_data(count, item.shape, seed + 1)


def example_inputs(model: zoo.GAN, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Generator inputs for any family: drawn from its spec, with images to
    translate drawn uniformly from [-1, 1]."""
    return model.generator_inputs.example(n, seed)


def output_arrays(outputs) -> dict[str, np.ndarray]:
    """One output (an array) or several (a dict by name) as a dict of arrays."""
    return dict(outputs) if isinstance(outputs, dict) else {"output": np.asarray(outputs)}


def max_output_difference(first, second) -> float:
    """The largest difference between two generators' outputs (arrays or dicts)."""
    first, second = output_arrays(first), output_arrays(second)
    assert sorted(first) == sorted(second)
    differences = []
    for name in first:
        a, b = np.asarray(first[name]), np.asarray(second[name])
        assert a.shape == b.shape, (name, a.shape, b.shape)
        differences.append(float(np.max(np.abs(a.astype("float64") - b))))
    return max(differences)


#: The name the conditional families' tests use.
training_data = random_batch


def families_supporting(kind: str) -> list[str]:
    """Registered families whose `data_kinds` include `kind` ("images", "audio", "vectors")."""
    return [name for name in zoo.list_models() if kind in zoo.family_info(name).cls.data_kinds]


def case_id(case: tuple[str, tuple[int, ...]]) -> str:
    """`"<family>-<data kind>"` for a `(family, shape)` test case."""
    name, shape = case
    return f"{name}-{zoo.spec.data_kind(shape)}"


def weights_of(*networks: keras.Model) -> list[np.ndarray]:
    return [variable.numpy().copy() for network in networks for variable in network.weights]


@pytest.fixture(autouse=True)
def _seeded():
    keras.utils.set_random_seed(0)
    yield


_MIRRORED = None


def mirrored_strategy() -> tf.distribute.MirroredStrategy:
    """One MirroredStrategy over the two logical CPUs for the whole session:
    several strategies in one process mix up their collective-op keys."""
    global _MIRRORED
    if _MIRRORED is None:
        _MIRRORED = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    return _MIRRORED
