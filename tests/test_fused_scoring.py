"""One discriminator call on real + fake (`fused_scoring`, issue 15): the same math as
two calls where D scores every sample alone, and off by default where it would not be."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import zoo


def _trained_copy(family: str, fused: bool, **hyper):
    """A model of `family` with fixed weights and seed, after one `fit` step."""
    keras.utils.set_random_seed(3)
    model = zoo.create(family, data_shape=(8, 8, 1), latent_dim=4, width=8, fused_scoring=fused, **hyper)
    model.compile(jit_compile=False)
    real = np.random.default_rng(0).uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
    data = real if model.condition_input is None else (real, np.arange(8) % model.num_classes)
    history = model.fit(*(data if isinstance(data, tuple) else (data,)), batch_size=8, epochs=1, verbose=0)
    return model, history.history


@pytest.mark.parametrize(
    ("family", "hyper"),
    [("wgan_gp", {}), ("cgan", {"d_normalization": None}), ("lsgan", {"architecture": "mlp"})],
)
def test_one_call_on_real_and_fake_is_the_same_step_as_two(family, hyper):
    fused, fused_logs = _trained_copy(family, True, **hyper)
    split, split_logs = _trained_copy(family, False, **hyper)
    assert fused.scores_samples_alone()
    assert fused_logs.keys() == split_logs.keys()
    for name in fused_logs:
        np.testing.assert_allclose(fused_logs[name], split_logs[name], rtol=1e-4, atol=1e-5, err_msg=name)
    start = zoo.create(family, data_shape=(8, 8, 1), latent_dim=4, width=8, **hyper)
    moved = 0
    for a, b, c in zip(fused.discriminator.weights, split.discriminator.weights, start.discriminator.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)
        moved += not np.allclose(a.numpy(), c.numpy())
    assert moved  # the step did something to compare
    for a, b in zip(fused.generator.weights, split.generator.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("family", "hyper", "fused"),
    [
        ("wgan_gp", {}, True),  # LayerNorm critic: per sample
        ("dcgan", {"data_shape": (16, 16, 1)}, False),  # batch norm mixes real and fake
        ("sngan", {}, False),  # spectral norm steps its power iteration per call
        ("wgan_gp", {"minibatch_std": True}, False),
        ("wgan_gp", {"augment": "translation"}, False),
        ("gan", {"data_shape": (2,), "pack": 2}, False),
    ],
)
def test_fused_scoring_is_on_by_default_only_where_exact(family, hyper, fused):
    hyper = {"data_shape": (8, 8, 1), "latent_dim": 4, "width": 8, **hyper}
    model = zoo.create(family, **hyper)
    assert model.fused_scoring is fused
    assert zoo.create(family, fused_scoring=not fused, **hyper).fused_scoring is (not fused)
    # The choice (None: decide from D) survives the config.
    assert type(model).from_config(model.get_config()).fused_scoring is fused


def test_fused_scoring_must_be_a_bool_or_none():
    with pytest.raises(ValueError, match="fused_scoring must be True, False or None"):
        zoo.create("wgan_gp", data_shape=(8, 8, 1), latent_dim=4, width=8, fused_scoring="yes")
