"""Every registered family: train step, config, save/load, determinism.

Parametrized over `zoo.list_models()`, so a family added later is covered
without a new test.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from conftest import (
    TINY_SHAPES,
    case_id,
    families_supporting,
    random_data,
    tiny_model,
    weights_of,
)

import zoo

# Every family on every kind of data it generates, each at its tiny shape.
CASES = [(name, shape) for kind, shape in TINY_SHAPES.items() for name in families_supporting(kind)]


@pytest.fixture(scope="module", params=CASES, ids=[case_id(case) for case in CASES])
def trained(request):
    """A tiny model of each family after one epoch of two batches (shared by the
    tests below; the save/load test, which trains further, comes last)."""
    name, shape = request.param
    model = tiny_model(name, shape)
    model.compile()
    before = tuple(
        [variable.numpy().copy() for variable in network.trainable_variables]
        for network in (model.generator, model.discriminator)
    )
    history = model.fit(random_data(16, shape), batch_size=8, epochs=1, verbose=0, shuffle=False)
    return model, shape, before, history.history


def test_registry_lists_the_foundation_families():
    assert {"gan", "dcgan"} <= set(zoo.list_models())
    assert zoo.list_models("dc*") == ["dcgan"]


def test_fit_moves_both_networks_and_gives_finite_losses(trained):
    model, _, (generator_before, discriminator_before), history = trained
    for name in ("d_loss", "g_loss"):
        assert np.isfinite(history[name]).all(), (name, history[name])
    assert set(history) == set(model.loss_names)
    moved = lambda before, network: max(  # noqa: E731
        np.abs(old - new.numpy()).max() for old, new in zip(before, network.trainable_variables)
    )
    assert moved(generator_before, model.generator) > 0
    assert moved(discriminator_before, model.discriminator) > 0
    # One generator update per batch, `d_steps` discriminator updates.
    assert int(model.g_optimizer.iterations) == 2
    assert int(model.d_optimizer.iterations) == 2 * model.d_steps


def test_config_round_trip(trained):
    model, *_ = trained
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    assert [w.shape for w in clone.generator.weights] == [w.shape for w in model.generator.weights]
    assert [w.shape for w in clone.discriminator.weights] == [w.shape for w in model.discriminator.weights]


def test_generate_is_deterministic(trained):
    model, shape, *_ = trained
    z = model.sample_noise(4, seed=0)
    first, second = model.generate(z), model.generate(z)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (4, *shape)
    np.testing.assert_array_equal(model.sample(4, seed=7), model.sample(4, seed=7))
    assert not np.allclose(model.sample(4, seed=7), model.sample(4, seed=8))


def test_save_load_generates_the_same_and_keeps_training(trained, tmp_path):
    model, shape, *_ = trained
    z = model.sample_noise(5, seed=3)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.generate(z), model.generate(z))
    assert int(loaded.g_optimizer.iterations) == int(model.g_optimizer.iterations)

    # Optimizer state and noise state were restored: the same next epoch gives the
    # same weights in both (Adam's moments would differ after a fresh start).
    data = random_data(16, shape, seed=1)
    model.fit(data, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(data, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for original, restored in zip(
        weights_of(model.generator, model.discriminator), weights_of(loaded.generator, loaded.discriminator)
    ):
        np.testing.assert_allclose(restored, original, atol=1e-5)
