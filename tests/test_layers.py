"""SAGAN self-attention and WaveGAN phase shuffle: behaviour, serialization, ONNX."""

from __future__ import annotations

import logging

import keras
import numpy as np
import onnxruntime
import pytest
import scipy.special
import tensorflow as tf
import tf2onnx

from zoo.layers import PhaseShuffle, SelfAttention

ONNX_TOLERANCE = 1e-4


def random_inputs(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def kernel(layer: keras.layers.Layer) -> np.ndarray:
    inner = layer.layer if isinstance(layer, keras.layers.SpectralNormalization) else layer
    return keras.ops.convert_to_numpy(inner.kernel)


def to_onnx_session(model: keras.Model, input_shape: tuple[int, ...]) -> onnxruntime.InferenceSession:
    """The model's inference graph through tf2onnx `from_function`, as export/onnx_export.py does."""
    function = tf.function(lambda inputs: model(inputs, training=False))
    logging.getLogger("tf2onnx").setLevel(logging.WARNING)
    spec = [tf.TensorSpec((None, *input_shape), tf.float32, name="inputs")]
    proto, _ = tf2onnx.convert.from_function(function, input_signature=spec, opset=17)
    return onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])


# === SelfAttention ===


@pytest.mark.parametrize("shape", [(2, 4, 4, 16), (2, 12, 8)])
def test_self_attention_is_the_identity_while_gamma_is_zero(shape):
    layer = SelfAttention()
    inputs = random_inputs(shape)
    outputs, attention = layer(inputs, return_attention=True)
    assert float(layer.gamma.numpy()) == 0.0
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(outputs), inputs)
    positions = int(np.prod(shape[1:-1]))
    attention = keras.ops.convert_to_numpy(attention)
    assert attention.shape == (shape[0], positions, positions)
    assert np.all(attention >= 0)
    np.testing.assert_allclose(attention.sum(axis=-1), 1.0, atol=1e-5)


def test_self_attention_matches_the_paper_formula():
    inputs = random_inputs((2, 4, 4, 16))
    layer = SelfAttention()
    layer(inputs)
    layer.gamma.assign(0.7)
    x = inputs.reshape(2, 16, 16)
    query, key, value = x @ kernel(layer.query), x @ kernel(layer.key), x @ kernel(layer.value)
    assert query.shape[-1] == 2 and value.shape[-1] == 8  # C/8 and C/2
    beta = scipy.special.softmax(query @ key.transpose(0, 2, 1), axis=-1)
    expected = 0.7 * (beta @ value) @ kernel(layer.attention_output) + x
    outputs, attention = layer(inputs, return_attention=True)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(attention), beta, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(outputs).reshape(2, 16, 16), expected, atol=1e-4)


def test_self_attention_map_of_a_query_position_is_its_attention_row():
    inputs = random_inputs((3, 4, 6, 8))
    layer = SelfAttention()
    _, attention = layer(inputs, return_attention=True)
    attention_map = keras.ops.convert_to_numpy(layer.attention_map(inputs, (2, 5)))
    assert attention_map.shape == (3, 4, 6)
    np.testing.assert_allclose(attention_map.reshape(3, 24), keras.ops.convert_to_numpy(attention)[:, 2 * 6 + 5])
    np.testing.assert_allclose(attention_map.sum(axis=(1, 2)), 1.0, atol=1e-5)
    sequence_layer = SelfAttention()
    assert sequence_layer.attention_map(random_inputs((1, 10, 8)), 3).shape == (1, 10)
    with pytest.raises(ValueError, match=r"query_position must index the \(4, 6\) positions"):
        layer.attention_map(inputs, (4, 0))


def test_self_attention_with_spectral_norm_wraps_every_projection():
    layer = SelfAttention(spectral_norm=True)
    layer(random_inputs((2, 4, 4, 16)))
    projections = (layer.query, layer.key, layer.value, layer.attention_output)
    assert all(isinstance(projection, keras.layers.SpectralNormalization) for projection in projections)


def test_self_attention_saves_and_loads(tmp_path):
    inputs = keras.Input((4, 4, 16))
    model = keras.Model(inputs, SelfAttention(key_reduction=4, spectral_norm=True, name="attention")(inputs))
    model.get_layer("attention").gamma.assign(0.5)
    model.save(tmp_path / "attention.keras")
    loaded = keras.saving.load_model(tmp_path / "attention.keras")
    layer = loaded.get_layer("attention")
    assert (layer.key_reduction, layer.value_reduction, layer.spectral_norm) == (4, 2, True)
    data = random_inputs((2, 4, 4, 16))
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), atol=1e-6)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: SelfAttention(key_reduction=0), "key_reduction must be a positive integer"),
        (lambda: SelfAttention()(random_inputs((2, 16))), "SelfAttention takes"),
        (lambda: PhaseShuffle(shift=-1), "shift must be a non-negative integer"),
        (lambda: PhaseShuffle()(random_inputs((2, 4, 4, 1))), "PhaseShuffle takes"),
        (lambda: PhaseShuffle(shift=4)(random_inputs((2, 4, 1))), "needs more than 4 samples"),
    ],
)
def test_bad_layer_arguments_are_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# === PhaseShuffle ===


def reflect_shift(sequence: np.ndarray, shift: int) -> np.ndarray:
    """out[t] = in[t - shift], reflected at both ends (numpy's own reflect padding)."""
    padded = np.pad(sequence, ((abs(shift), abs(shift)), (0, 0)), mode="reflect")
    return padded[abs(shift) - shift : abs(shift) - shift + len(sequence)]


def test_phase_shuffle_shifts_each_example_by_at_most_n_with_reflection():
    layer = PhaseShuffle(shift=2, seed=3)
    inputs = random_inputs((64, 16, 3))
    outputs = keras.ops.convert_to_numpy(layer(inputs, training=True))
    assert outputs.shape == inputs.shape
    shifts = []
    for example, shuffled in zip(inputs, outputs):
        matches = [shift for shift in range(-2, 3) if np.array_equal(reflect_shift(example, shift), shuffled)]
        assert len(matches) == 1, "every example must be its input shifted by one n in [-2, 2]"
        shifts.append(matches[0])
    # Shifts are drawn per example: with 64 draws all five values turn up.
    assert sorted(set(shifts)) == [-2, -1, 0, 1, 2]


def test_phase_shuffle_is_the_identity_at_inference():
    inputs = keras.Input((16, 3))
    model = keras.Model(inputs, PhaseShuffle(shift=2)(inputs))
    data = random_inputs((8, 16, 3))
    np.testing.assert_array_equal(model.predict(data, verbose=0), data)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model(data, training=False)), data)
    assert not np.array_equal(keras.ops.convert_to_numpy(model(data, training=True)), data)


def test_phase_shuffle_config_round_trips():
    layer = PhaseShuffle(shift=3, seed=7, name="shuffle")
    clone = PhaseShuffle.from_config(layer.get_config())
    assert (clone.shift, clone.seed, clone.name) == (3, 7, "shuffle")


# === ONNX ===


def test_self_attention_exports_to_onnx_matching_keras():
    inputs = keras.Input((4, 4, 16))
    hidden = keras.layers.Conv2D(16, 3, padding="same")(inputs)
    attention = SelfAttention(spectral_norm=True, name="attention")
    model = keras.Model(inputs, attention(hidden))
    attention.gamma.assign(0.8)  # nonzero, so the attention path is in the output
    data = random_inputs((3, 4, 4, 16))
    session = to_onnx_session(model, (4, 4, 16))
    (onnx_outputs,) = session.run(None, {"inputs": data})
    keras_outputs = keras.ops.convert_to_numpy(model(data, training=False))
    attention_free = keras.Model(inputs, hidden).predict(data, verbose=0)
    assert not np.allclose(keras_outputs, attention_free, atol=1e-3)
    np.testing.assert_allclose(onnx_outputs, keras_outputs, atol=ONNX_TOLERANCE)


def test_phase_shuffle_exports_to_onnx_as_the_identity():
    inputs = keras.Input((32, 1))
    hidden = keras.layers.Conv1D(4, 25, strides=4, padding="same")(inputs)
    hidden = PhaseShuffle(shift=2)(keras.layers.LeakyReLU(0.2)(hidden))
    model = keras.Model(inputs, keras.layers.Conv1D(2, 25, strides=4, padding="same")(hidden))
    data = random_inputs((3, 32, 1))
    session = to_onnx_session(model, (32, 1))
    (onnx_outputs,) = session.run(None, {"inputs": data})
    np.testing.assert_allclose(
        onnx_outputs, keras.ops.convert_to_numpy(model(data, training=False)), atol=ONNX_TOLERANCE
    )
