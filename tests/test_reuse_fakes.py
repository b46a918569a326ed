"""One generator pass per step (`reuse_fakes`, issue 15): the step PyTorch's DCGAN
example takes, on by default for DCGAN only, refused where it cannot apply."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import losses

SHAPE = (16, 16, 1)
LATENT = 4


def _batch():
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (8, *SHAPE)).astype("float32")
    z = rng.standard_normal((8, LATENT)).astype("float32")
    return real, z


def _model(z, **hyper):
    keras.utils.set_random_seed(5)
    model = zoo.create(
        "dcgan", data_shape=SHAPE, latent_dim=LATENT, width=8, latent_sampler=lambda n: tf.constant(z), **hyper
    )
    return model


def _one_pass_step(model, real, z):
    """The one-pass step written by hand on copies of `model`'s networks: G's pass
    recorded, D's update on its fakes held constant, then G's update re-scoring the
    same fakes with the updated D. Returns (d_loss, g_loss, generator, discriminator)."""
    generator = keras.models.clone_model(model.generator)
    generator.set_weights(model.generator.get_weights())
    discriminator = keras.models.clone_model(model.discriminator)
    discriminator.set_weights(model.discriminator.get_weights())
    d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_tape = tf.GradientTape()
    with g_tape:
        fake = generator(z, training=True)
    with tf.GradientTape() as d_tape:
        d_loss = losses.discriminator_loss(
            discriminator(real, training=True), discriminator(tf.stop_gradient(fake), training=True)
        )
    d_variables = discriminator.trainable_variables
    d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_variables), d_variables))
    with g_tape:
        g_loss = losses.non_saturating_generator_loss(discriminator(fake, training=True))
    g_variables = generator.trainable_variables
    g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_variables), g_variables))
    return float(d_loss), float(g_loss), generator, discriminator


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_reuse_fakes_step_is_the_one_pass_step_written_by_hand(run_eagerly):
    real, z = _batch()
    model = _model(z)
    assert model.reuse_fakes  # DCGAN's default
    model.compile(jit_compile=False, run_eagerly=run_eagerly)
    d_loss, g_loss, generator, discriminator = _one_pass_step(model, real, z)
    start = [weight.numpy() for weight in model.generator.weights]
    history = model.fit(real, batch_size=8, epochs=1, verbose=0, shuffle=False).history
    np.testing.assert_allclose(history["d_loss"][-1], d_loss, rtol=1e-4)
    np.testing.assert_allclose(history["g_loss"][-1], g_loss, rtol=1e-4)
    # atol: a convolution's bias before batch norm has a gradient of 0 up to
    # rounding, which Adam's first step turns into moves of up to ~1e-5.
    # Batch-norm statistics are held to 1e-6.
    for ours, theirs in zip(model.discriminator.weights, discriminator.weights, strict=True):
        atol = 3e-5 if ours.trainable else 1e-6
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=atol, err_msg=ours.path)
    for ours, theirs, before in zip(model.generator.weights, generator.weights, start, strict=True):
        atol = 3e-5 if ours.trainable else 1e-6
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=atol, err_msg=ours.path)
        assert not np.allclose(ours.numpy(), before), f"{ours.path} did not move"

    # Two passes (the zoo's step for other families) move G's batch-norm statistics
    # twice: the test tells the two steps apart.
    two_pass = _model(z, reuse_fakes=False)
    two_pass.compile(jit_compile=False, run_eagerly=run_eagerly)
    two_pass.fit(real, batch_size=8, epochs=1, verbose=0, shuffle=False)
    moving = [(a, b) for a, b in zip(two_pass.generator.weights, generator.weights) if "moving" in a.path]
    assert moving
    assert max(float(np.max(np.abs(a.numpy() - b.numpy()))) for a, b in moving) > 1e-4


def test_reuse_fakes_with_ema_and_mode_seeking_trains_every_weight():
    real, _ = _batch()
    keras.utils.set_random_seed(1)
    model = zoo.create(
        "dcgan", data_shape=SHAPE, latent_dim=LATENT, width=8, ema=0.9, mode_seeking=1.0, reuse_fakes=True
    )
    model.compile(jit_compile=False)
    before = {w.path: w.numpy() for w in model.generator.trainable_weights + model.discriminator.trainable_weights}
    history = model.fit(real, batch_size=8, epochs=1, verbose=0).history
    assert np.isfinite(history["mode_seeking_ratio"][-1]) and history["mode_seeking_ratio"][-1] > 0
    for weight in model.generator.trainable_weights + model.discriminator.trainable_weights:
        assert not np.allclose(weight.numpy(), before[weight.path]), f"{weight.path} did not move"


def test_reuse_fakes_in_a_conditional_family():
    real, _ = _batch()
    keras.utils.set_random_seed(2)
    model = zoo.create("cgan", data_shape=SHAPE, latent_dim=LATENT, width=8, reuse_fakes=True)
    assert not zoo.create("cgan", data_shape=SHAPE, latent_dim=LATENT, width=8).reuse_fakes
    model.compile(jit_compile=False)
    before = [w.numpy() for w in model.generator.trainable_weights]
    model.fit(real, np.arange(8) % 10, batch_size=8, epochs=1, verbose=0)
    assert all(not np.allclose(w.numpy(), b) for w, b in zip(model.generator.trainable_weights, before))


@pytest.mark.parametrize(
    ("family", "hyper", "on"),
    [
        ("dcgan", {}, True),
        ("dcgan", {"d_steps": 2}, False),  # D's later updates would need fresh fakes
        ("gan", {"data_shape": (2,)}, False),
        ("infogan", {}, False),
        ("wgan_gp", {}, False),
    ],
)
def test_reuse_fakes_is_on_by_default_for_dcgan_only(family, hyper, on):
    hyper = {"data_shape": SHAPE, "latent_dim": LATENT, "width": 8, **hyper}
    model = zoo.create(family, **hyper)
    assert model.reuse_fakes is on
    # The choice (None: the family's) survives the config.
    config = model.get_config()
    assert config["reuse_fakes"] is None
    assert type(model).from_config(config).reuse_fakes is on


@pytest.mark.parametrize(
    ("family", "hyper", "message"),
    [
        ("dcgan", {"reuse_fakes": "yes"}, "reuse_fakes must be True, False or None"),
        ("dcgan", {"reuse_fakes": True, "d_steps": 2}, "one D and one G update; d_steps is 2"),
        ("cyclegan", {"reuse_fakes": True, "data_shape": (16, 16, 3)}, "family has none"),
    ],
)
def test_reuse_fakes_bad_input(family, hyper, message):
    hyper = {"data_shape": SHAPE, "width": 8, **hyper}
    if family != "cyclegan":
        hyper["latent_dim"] = LATENT
    with pytest.raises(ValueError, match=message):
        zoo.create(family, **hyper)
