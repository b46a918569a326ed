"""The loss families: LSGAN, WGAN, WGAN-GP, SNGAN.

What each family promises beyond the generic tests of `test_families.py`: its
paper's defaults, its hyperparameters reaching the losses, weight clipping,
the critic's normalization, and that it learns the 25-Gaussian grid.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from conftest import IMAGE_SHAPE, VECTOR_SHAPE, random_data, tiny_model

import zoo
from zoo import losses
from zoo.data import load_dataset
from zoo.gan import HEALTH_NAMES, TTUR_LEARNING_RATES
from zoo.metrics.mode_coverage import NUM_EVAL_POINTS, mode_coverage_for

FAMILIES = ("lsgan", "wgan", "wgan_gp", "sngan")
SHAPES = pytest.mark.parametrize("shape", [VECTOR_SHAPE, IMAGE_SHAPE], ids=["vectors", "images"])


def optimizer_settings(optimizer) -> dict:
    config = optimizer.get_config()
    keys = ("learning_rate", "beta_1", "beta_2", "rho", "epsilon")
    return {"class": type(optimizer).__name__, **{key: config[key] for key in keys if key in config}}


# === Paper defaults ===
PAPER_DEFAULTS = {
    # Mao et al. 2017: DCGAN's Adam(2e-4, beta_1 0.5); batch norm in the convolutional D.
    "lsgan": ({"class": "Adam", "learning_rate": 2e-4, "beta_1": 0.5}, 1, {"mlp": None, "dcgan": "batch"}),
    # Arjovsky et al. 2017, Algorithm 1: RMSProp 5e-5, n_critic 5 (PyTorch's rho and eps).
    "wgan": (
        {"class": "RMSprop", "learning_rate": 5e-5, "rho": 0.99, "epsilon": 1e-16},
        5,
        {"mlp": None, "dcgan": "batch"},
    ),
    # Gulrajani et al. 2017, Algorithm 1: Adam(1e-4, 0, 0.9), n_critic 5; layer norm.
    "wgan_gp": (
        {"class": "Adam", "learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9},
        5,
        {"mlp": "layer", "dcgan": "layer"},
    ),
    # Miyato et al. 2018, Table 1 setting C: Adam(2e-4, 0.5, 0.999), n_dis 1; no batch norm.
    "sngan": (
        {"class": "Adam", "learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.999},
        1,
        {"mlp": None, "dcgan": None},
    ),
}


@pytest.mark.parametrize("name", FAMILIES)
def test_compile_defaults_are_the_papers(name):
    optimizer, d_steps, normalization = PAPER_DEFAULTS[name]
    for shape, architecture in ((VECTOR_SHAPE, "mlp"), (IMAGE_SHAPE, "dcgan")):
        model = tiny_model(name, shape)
        model.compile()
        assert model.architecture == architecture
        assert model.d_steps == d_steps
        assert model.d_normalization == normalization[architecture]
        for role_optimizer in (model.g_optimizer, model.d_optimizer):
            settings = optimizer_settings(role_optimizer)
            assert {key: settings[key] for key in optimizer} == pytest.approx(optimizer)


def test_ttur_sets_the_two_learning_rates_and_keeps_the_rest():
    """Heusel et al. 2017: `compile(ttur=True)` gives G 1e-4 and D 4e-4."""
    model = tiny_model("wgan_gp", VECTOR_SHAPE)
    model.compile(ttur=True)
    assert TTUR_LEARNING_RATES == (1e-4, 4e-4)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(4e-4)
    # The family's other optimizer settings survive (Gulrajani's betas).
    assert optimizer_settings(model.d_optimizer)["beta_1"] == 0.0
    assert optimizer_settings(model.d_optimizer)["beta_2"] == pytest.approx(0.9)
    # An explicit rate wins over the TTUR default.
    model.compile(ttur=True, d_learning_rate=3e-4)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(3e-4)


# === WGAN: weight clipping ===
@pytest.mark.parametrize(
    "shape, clip_value",
    [(VECTOR_SHAPE, 0.01), (IMAGE_SHAPE, 0.01), (VECTOR_SHAPE, 0.05)],
    ids=["vectors", "images", "vectors-clip-0.05"],
)
def test_wgan_clips_every_critic_weight_after_fit(shape, clip_value):
    model = tiny_model("wgan", shape, clip_value=clip_value)
    model.compile()
    rng = np.random.default_rng(0)
    for variable in model.discriminator.trainable_variables:
        variable.assign(rng.uniform(-1.0, 1.0, variable.shape).astype("float32"))
    assert max(np.abs(v.numpy()).max() for v in model.discriminator.trainable_variables) > 10 * clip_value

    model.fit(random_data(8, shape), batch_size=8, epochs=1, verbose=0)

    critic = [v.numpy() for v in model.discriminator.trainable_variables]
    # float32 rounding of clip_value itself is the only slack.
    assert all(np.abs(weights).max() <= np.float32(clip_value) for weights in critic)
    # Weights that started outside are now at the bound, not merely shrunk.
    assert max(np.abs(weights).max() for weights in critic) == pytest.approx(clip_value)
    # The generator is not clipped.
    assert max(np.abs(v.numpy()).max() for v in model.generator.trainable_variables) > clip_value


def test_wgan_logs_the_wasserstein_estimate():
    model = tiny_model("wgan", VECTOR_SHAPE)
    model.compile(jit_compile=False)  # XLA is covered by the clipping test; this is about logs
    history = model.fit(random_data(16, VECTOR_SHAPE), batch_size=8, epochs=1, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "wasserstein_distance", *HEALTH_NAMES}
    np.testing.assert_allclose(history["wasserstein_distance"], -np.asarray(history["d_loss"]), rtol=1e-6)


# === WGAN-GP: the penalty and the critic ===
@pytest.mark.parametrize("shape", [VECTOR_SHAPE, (16, 16, 1)], ids=["vectors", "images"])
def test_wgan_gp_critic_has_layer_norm_and_no_batch_norm(shape):
    # 16x16, not 8x8: the DCGAN critic normalizes every convolution but the first.
    critic = tiny_model("wgan_gp", shape).discriminator
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in critic.layers)
    assert any(isinstance(layer, keras.layers.LayerNormalization) for layer in critic.layers)


def test_wgan_gp_critic_loss_adds_the_weighted_penalty():
    model = tiny_model("wgan_gp", VECTOR_SHAPE, gp_weight=3.0)
    loss, logs = model.discriminator_loss(keras.ops.convert_to_tensor(random_data(16, VECTOR_SHAPE)))
    assert set(logs) == {"wasserstein_distance", "gradient_penalty"}
    assert float(logs["gradient_penalty"]) > 0
    assert float(loss) == pytest.approx(
        -float(logs["wasserstein_distance"]) + 3.0 * float(logs["gradient_penalty"]), rel=1e-5
    )


def test_wgan_gp_fit_logs_finite_penalty_and_distance():
    model = tiny_model("wgan_gp", IMAGE_SHAPE)
    model.compile(jit_compile=False)  # XLA is covered by the grid25 test; this is about logs
    history = model.fit(random_data(16), batch_size=8, epochs=1, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "wasserstein_distance", "gradient_penalty", *HEALTH_NAMES}
    assert all(np.isfinite(values).all() for values in history.values())


# === SNGAN: spectral normalization ===
def largest_singular_values(critic: keras.Model) -> list[float]:
    """σ(W) of every wrapped kernel, reshaped to (fan_in, units) as Miyato et al. do."""
    values = []
    for layer in critic.layers:
        if isinstance(layer, keras.layers.SpectralNormalization):
            kernel = layer.layer.kernel.numpy()
            values.append(float(np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]))
    return values


@SHAPES
def test_sngan_critic_is_spectrally_normalized(shape):
    model = tiny_model("sngan", shape)
    critic = model.discriminator
    for layer in critic.layers:
        assert not isinstance(layer, (keras.layers.Dense, keras.layers.Conv2D)), f"{layer.name} is not wrapped"
        assert not isinstance(layer, keras.layers.BatchNormalization)
    wrapped = [layer for layer in critic.layers if isinstance(layer, keras.layers.SpectralNormalization)]
    assert len(wrapped) == (model.hidden_layers + 1 if len(shape) == 1 else 2)

    # Glorot-initialized kernels start with σ != 1; power iteration brings every one to 1.
    assert max(abs(sigma - 1) for sigma in largest_singular_values(critic)) > 0.1
    model.compile()
    model.fit(random_data(64, shape), batch_size=16, epochs=3, verbose=0)
    np.testing.assert_allclose(largest_singular_values(critic), 1.0, atol=0.02)


# === LSGAN: the a-b-c coding reaches the losses ===
def test_lsgan_losses_use_the_targets():
    data = keras.ops.convert_to_tensor(random_data(8, VECTOR_SHAPE))
    z = keras.ops.convert_to_tensor(np.random.default_rng(1).normal(size=(8, 4)).astype("float32"))
    model = tiny_model(
        "lsgan", VECTOR_SHAPE, fake_target=-1.0, real_target=1.0, generator_target=0.0, latent_sampler=lambda n: z
    )
    real_scores = model.discriminator(data, training=True)
    fake_scores = model.discriminator(model.generator(z, training=True), training=True)

    expected_d = losses.least_squares_discriminator_loss(real_scores, fake_scores, real_target=1.0, fake_target=-1.0)
    expected_g = losses.least_squares_generator_loss(fake_scores, target=0.0)
    assert float(model.discriminator_loss(data)) == pytest.approx(float(expected_d), rel=1e-6)
    assert float(model.generator_loss(data)) == pytest.approx(float(expected_g), rel=1e-6)
    # And the default coding gives something else on the same scores.
    assert float(losses.least_squares_discriminator_loss(real_scores, fake_scores)) != pytest.approx(float(expected_d))


# === Hyperparameters: config and checks ===
HYPERPARAMETERS = [
    ("lsgan", {"fake_target": -1.0, "real_target": 1.0, "generator_target": 0.0}),
    ("wgan", {"clip_value": 0.05}),
    ("wgan_gp", {"gp_weight": 5.0}),
]


@pytest.mark.parametrize("name, hyperparameters", HYPERPARAMETERS, ids=[name for name, _ in HYPERPARAMETERS])
def test_hyperparameters_survive_config_and_save(name, hyperparameters, tmp_path):
    model = tiny_model(name, VECTOR_SHAPE, **hyperparameters)
    config = model.get_config()
    assert {key: config[key] for key in hyperparameters} == hyperparameters
    clone = type(model).from_config(config)
    assert clone.get_config() == config

    model.compile()
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert type(loaded) is type(model)
    assert {key: getattr(loaded, key) for key in hyperparameters} == hyperparameters


@pytest.mark.parametrize(
    "name, hyperparameters, message",
    [
        ("wgan", {"clip_value": 0.0}, "clip_value"),
        ("wgan_gp", {"gp_weight": -1.0}, "gp_weight"),
        ("lsgan", {"fake_target": 1.0, "real_target": 1.0}, "must differ"),
    ],
)
def test_bad_hyperparameters_raise(name, hyperparameters, message):
    with pytest.raises((TypeError, ValueError), match=message):
        zoo.create(name, data_shape=VECTOR_SHAPE, **hyperparameters)


# === Learning the 25-Gaussian grid ===
TRAIN_STEPS = 600  # enough for WGAN at its small paper learning rate, ~1 min for all four on 2 cores


@pytest.mark.slow
@pytest.mark.parametrize("name", FAMILIES)
def test_learns_more_modes_of_grid25_than_at_initialisation(name):
    """Paper defaults, small MLPs: the generator starts as a blob on the centre mode
    (1 of 25) and spreads over most of the grid within a few hundred steps."""
    model = zoo.create(name, data_shape=VECTOR_SHAPE, latent_dim=2, width=128, hidden_layers=2)
    model.compile(steps_per_execution=50)
    z = model.sample_noise(NUM_EVAL_POINTS, seed=0)
    initial = mode_coverage_for("grid25", model.generate(z))

    dataset = load_dataset("grid25", batch_size=256, num_samples=20_000, seed=0).repeat()
    history = model.fit(dataset, epochs=1, steps_per_epoch=TRAIN_STEPS, verbose=0).history
    trained = mode_coverage_for("grid25", model.generate(z))

    assert all(np.isfinite(values).all() for values in history.values())
    # Measured (seeds 0-2): 1 mode at initialisation, 11-21 after 600 steps.
    assert trained.modes_captured >= initial.modes_captured + 5, (str(initial), str(trained))
