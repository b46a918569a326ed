"""The base `GAN`: compile, distribution, errors, networks, registry."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import mirrored_strategy, random_data, tiny_model, weights_of

import zoo
import zoo.gan
import zoo.spec
from zoo import networks


# === Registry ===
def test_unknown_family_lists_the_known_ones():
    with pytest.raises(ValueError, match="Known families: .*dcgan.*gan"):
        zoo.create("stylegan9")


def test_create_passes_none_on_so_an_option_can_be_switched_off():
    default = zoo.create("wgan_gp", data_shape=(2,), width=8)
    plain = zoo.create("wgan_gp", data_shape=(2,), width=8, d_normalization=None)
    assert default.d_normalization is not None
    assert plain.d_normalization is None
    kinds = {type(layer).__name__ for layer in plain.discriminator.layers}
    assert not kinds & {"BatchNormalization", "LayerNormalization"}


def test_create_reports_a_bad_argument_with_the_family_name():
    with pytest.raises((TypeError, ValueError), match="no_such_option"):
        zoo.create("gan", no_such_option=1)


# === Bad hyperparameters ===
@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"latent_dim": 0}, "latent_dim"),
        ({"d_steps": 0}, "d_steps"),
        ({"latent_prior": "cauchy"}, "latent_prior"),
        ({"architecture": "resnet"}, "architecture"),
        ({"data_shape": (12, 12, 1)}, "power of two"),
        ({"data_shape": (16, 8, 1)}, "square"),
        ({"d_normalization": "group"}, "normalization"),
    ],
)
def test_bad_hyperparameters_raise_clear_errors(overrides, message):
    with pytest.raises(ValueError, match=message):
        zoo.create("dcgan", **{"data_shape": (8, 8, 1), "width": 8, **overrides})


def test_dcgan_refuses_vectors_and_points_to_gan():
    with pytest.raises(ValueError, match="'gan' family"):
        zoo.create("dcgan", data_shape=(2,))


# === Networks ===
@pytest.mark.parametrize("size", [16, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_networks_at_each_resolution(size, channels):
    generator = networks.dcgan_generator(zoo.spec.InputSpec([zoo.spec.noise(8)]), (size, size, channels), width=4)
    discriminator = networks.dcgan_discriminator((size, size, channels), width=4)
    images = generator(np.zeros((2, 8), "float32"))
    assert images.shape == (2, size, size, channels)
    assert discriminator(images).shape == (2, 1)
    assert generator.input.name == "z"


# === compile ===
def test_compile_uses_paper_defaults_and_ttur_pair():
    model = tiny_model("dcgan")
    model.compile()
    assert isinstance(model.g_optimizer, keras.optimizers.Adam)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(model.g_optimizer.beta_1) == pytest.approx(0.5)
    model.compile(ttur=True)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(4e-4)
    model.compile(g_learning_rate=3e-4, d_optimizer="sgd", d_learning_rate=0.1)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(3e-4)
    assert isinstance(model.d_optimizer, keras.optimizers.SGD)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(0.1)


def test_compile_builds_both_optimizers_on_their_variables():
    model = tiny_model("dcgan")
    model.compile()
    assert model.g_optimizer.built and model.d_optimizer.built
    # Adam keeps two slots per variable, plus its iteration count and learning rate.
    assert len(model.g_optimizer.variables) == 2 + 2 * len(model.generator.trainable_variables)
    assert len(model.d_optimizer.variables) == 2 + 2 * len(model.discriminator.trainable_variables)


def test_compile_rejects_a_shared_optimizer_and_a_doubled_learning_rate():
    model = tiny_model("dcgan")
    shared = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two instances"):
        model.compile(g_optimizer=shared, d_optimizer=shared)
    with pytest.raises(ValueError, match="not both"):
        model.compile(g_optimizer=keras.optimizers.Adam(), g_learning_rate=1e-3)
    with pytest.raises(ValueError, match="positive"):
        model.compile(d_learning_rate=-1.0)


def test_jit_compile_is_on_by_default_and_off_under_a_strategy_or_by_the_environment(monkeypatch):
    monkeypatch.delenv("KERAS_GAN_ZOO_JIT")  # the suite's own setting (conftest)
    model = tiny_model("dcgan")
    model.compile()
    assert model.jit_compile is True
    monkeypatch.setenv("KERAS_GAN_ZOO_JIT", "off")
    model.compile()
    assert model.jit_compile is False
    model.compile(jit_compile=True)  # an explicit choice wins
    assert model.jit_compile is True
    monkeypatch.delenv("KERAS_GAN_ZOO_JIT")
    with mirrored_strategy().scope():
        mirrored = tiny_model("dcgan")
        mirrored.compile()
    assert mirrored.jit_compile is False


def test_mixed_precision_wraps_optimizers_and_trains():
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = tiny_model("dcgan")
        model.compile()
        history = model.fit(random_data(8), batch_size=8, epochs=1, verbose=0)
    finally:
        keras.config.set_dtype_policy("float32")
    assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert np.isfinite(history.history["g_loss"]).all()


# === Distribution ===
LATENT_TABLE = np.random.default_rng(1).standard_normal((64, 4)).astype("float32")


def replica_aware_sampler(batch_size):
    """The same z per sample however the global batch is split: replica r of a
    global batch takes rows [r * n, (r + 1) * n) of one fixed table."""
    context = tf.distribute.get_replica_context()
    replica = context.replica_id_in_sync_group if context is not None else 0
    return tf.slice(tf.constant(LATENT_TABLE), [replica * batch_size, 0], [batch_size, 4])


def one_distributed_step(strategy, family: str, scale_loss=True, monkeypatch=None):
    if not scale_loss:
        monkeypatch.setattr(zoo.gan, "scale_loss_for_replicas", lambda loss: loss)
    data = random_data(16, (8,), seed=2)
    with strategy.scope():
        keras.utils.set_random_seed(0)
        # MLPs without batch norm: per-replica batch statistics differ by design.
        model = zoo.create(
            family, data_shape=(8,), latent_dim=4, width=16, d_normalization=None, latent_sampler=replica_aware_sampler
        )
        model.compile(g_optimizer=keras.optimizers.SGD(0.1), d_optimizer=keras.optimizers.SGD(0.1))
    model.fit(tf.data.Dataset.from_tensor_slices(data).batch(16), epochs=1, verbose=0)
    return weights_of(model.generator, model.discriminator)


@pytest.mark.parametrize("family", [name for name in ("gan", "lsgan") if name in zoo.list_models()])
def test_two_replicas_take_the_same_step_as_one_device(family):
    single = one_distributed_step(tf.distribute.OneDeviceStrategy("/cpu:0"), family)
    mirrored = one_distributed_step(mirrored_strategy(), family)
    for one, two in zip(single, mirrored):
        np.testing.assert_allclose(two, one, atol=1e-5)


def test_without_loss_scaling_two_replicas_would_step_twice_as_far(monkeypatch):
    """The check above can fail: removing the replica scaling breaks it."""
    single = one_distributed_step(tf.distribute.OneDeviceStrategy("/cpu:0"), "gan")
    mirrored = one_distributed_step(mirrored_strategy(), "gan", scale_loss=False, monkeypatch=monkeypatch)
    assert max(np.abs(one - two).max() for one, two in zip(single, mirrored)) > 1e-3


def test_dcgan_with_batch_norm_trains_under_mirrored_strategy_with_its_own_noise():
    with mirrored_strategy().scope():
        model = tiny_model("dcgan")
        model.compile()
    before = weights_of(model.generator)
    history = model.fit(tf.data.Dataset.from_tensor_slices(random_data(16)).batch(8), epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"]).all()
    assert max(np.abs(a - b).max() for a, b in zip(before, weights_of(model.generator))) > 0


# === Inference ===
def test_generate_and_sample_reject_bad_input():
    model = tiny_model("dcgan")
    with pytest.raises(ValueError, match=r"\(batch, 4\)"):
        model.generate(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="positive integer"):
        model.sample(0)
    with pytest.raises(ValueError, match="positive integer"):
        model.sample(2.5)


def test_uniform_prior_draws_in_the_unit_box():
    model = tiny_model("gan", latent_prior="uniform")
    z = model.sample_noise(1000, seed=0)
    assert z.min() >= -1 and z.max() <= 1 and z.std() > 0.5


def test_custom_networks_are_used_and_saved(tmp_path):
    generator = networks.mlp_generator(zoo.spec.InputSpec([zoo.spec.noise(3)]), (2,), width=5, hidden_layers=1)
    model = zoo.create("gan", data_shape=(2,), latent_dim=3, generator=generator)
    assert model.generator is generator
    model.compile()
    model.save(tmp_path / "custom.keras")
    loaded = keras.saving.load_model(tmp_path / "custom.keras")
    assert loaded.generator.get_layer("dense_0").units == 5
    z = model.sample_noise(3)
    np.testing.assert_allclose(loaded.generate(z), model.generate(z), atol=1e-6)
