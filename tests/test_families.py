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
    example_inputs,
    families_supporting,
    max_output_difference,
    output_arrays,
    random_batch,
    tiny_model,
    weights_of,
)

import zoo
from zoo.gan import HEALTH_NAMES

# Every family on every kind of data it generates, each at its tiny shape.
CASES = [(name, shape) for kind, shape in TINY_SHAPES.items() for name in families_supporting(kind)]


@pytest.fixture(scope="module", params=CASES, ids=[case_id(case) for case in CASES])
def trained(request):
    """A tiny model of each family after one epoch of two batches (shared by the
    tests below; the save/load test, which trains further, comes last). The data is
    what the family declares a batch to be (`conftest.random_batch`)."""
    name, shape = request.param
    model = tiny_model(name, shape)
    model.compile()
    before = {
        name: [variable.numpy().copy() for variable in network.trainable_variables]
        for name, network in model.named_networks.items()
    }
    history = model.fit(*random_batch(model, 16), batch_size=8, epochs=1, verbose=0, shuffle=False)
    return model, shape, before, history.history


def test_registry_lists_the_foundation_families():
    assert {"gan", "dcgan"} <= set(zoo.list_models())
    assert zoo.list_models("dc*") == ["dcgan"]


def test_fit_moves_every_network_and_gives_finite_losses(trained):
    model, _, before, history = trained
    for name in model.loss_names:
        assert np.isfinite(history[name]).all(), (name, history[name])
    # The losses, and the training-health readout where D's loss goes through
    # `score_real_and_fake` (not CoGAN's, CycleGAN's, BEGAN's).
    assert set(model.loss_names) <= set(history) <= {*model.loss_names, *HEALTH_NAMES}
    for name, network in model.named_networks.items():
        if model.network_roles[name] is None:
            continue
        moved = max(np.abs(old - new.numpy()).max() for old, new in zip(before[name], network.trainable_variables))
        assert moved > 0, f"{name} did not move"
    # One generator update per batch, `d_steps` discriminator updates.
    assert int(model.g_optimizer.iterations) == 2
    assert int(model.d_optimizer.iterations) == 2 * model.d_steps


@pytest.mark.parametrize("name", zoo.list_models())
def test_an_xla_train_step_moves_every_network(name):
    # XLA is the default outside the test suite (conftest turns it off elsewhere):
    # every family's train step must compile with it, on its first data kind.
    shape = next(shape for kind, shape in TINY_SHAPES.items() if name in families_supporting(kind))
    model = tiny_model(name, shape)
    model.compile(jit_compile=True)
    assert model.jit_compile is True
    trained = {key: net for key, net in model.named_networks.items() if model.network_roles[key] is not None}
    before = {key: [v.numpy().copy() for v in net.trainable_variables] for key, net in trained.items()}
    history = model.fit(*random_batch(model, 16), batch_size=8, epochs=1, verbose=0, shuffle=False).history
    assert all(np.isfinite(history[key]).all() for key in model.loss_names)
    for key, network in trained.items():
        moved = max(np.abs(old - new.numpy()).max() for old, new in zip(before[key], network.trainable_variables))
        assert moved > 0, f"{key} did not move under XLA"


def test_config_round_trip(trained):
    model, *_ = trained
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    for name, network in model.named_networks.items():
        assert [w.shape for w in getattr(clone, name).weights] == [w.shape for w in network.weights]


def test_generate_is_deterministic(trained):
    model, shape, *_ = trained
    inputs = example_inputs(model, 4, seed=0)
    first, second = model.generate(inputs), model.generate(inputs)
    assert max_output_difference(first, second) == 0.0
    for name, outputs in output_arrays(first).items():
        assert outputs.shape[0] == 4 and outputs.shape[1:-1] == shape[:-1], name
    if model.generator_inputs.drawable:
        assert max_output_difference(model.sample(4, seed=7), model.sample(4, seed=7)) == 0.0
        assert max_output_difference(model.sample(4, seed=7), model.sample(4, seed=8)) > 0.0


def test_save_load_generates_the_same_and_keeps_training(trained, tmp_path):
    model, *_ = trained
    inputs = example_inputs(model, 5, seed=3)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert type(loaded) is type(model)
    assert max_output_difference(loaded.generate(inputs), model.generate(inputs)) == 0.0
    assert int(loaded.g_optimizer.iterations) == int(model.g_optimizer.iterations)

    # Optimizer state and noise state were restored: the same next epoch gives the
    # same weights in both (Adam's moments would differ after a fresh start).
    data = random_batch(model, 16, seed=1)
    model.fit(*data, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(*data, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for original, restored in zip(
        weights_of(*model.named_networks.values()), weights_of(*loaded.named_networks.values())
    ):
        np.testing.assert_allclose(restored, original, atol=1e-5)
