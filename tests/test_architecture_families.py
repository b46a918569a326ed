"""SAGAN, BEGAN and WaveGAN: what each family adds beyond the registry-parametrized
tests (tests/test_families.py, tests/test_export.py cover their training, config,
save/load and export on tiny images, vectors and audio)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from conftest import AUDIO_SHAPE, IMAGE_SHAPE, random_data, tiny_model
from PIL import Image

import recipes
import zoo
from recipes.recipe import build_dataset
from zoo.callbacks import SampleGrid
from zoo.families.sagan import attention_layer, generator_attention, save_attention_map
from zoo.layers import MinibatchStdDev, PhaseShuffle

# === SAGAN ===


def test_sagan_has_attention_in_both_networks_and_its_gamma_learns():
    model = tiny_model("sagan", (16, 16, 1), attention_resolution=8)
    model.compile(jit_compile=False)
    for network, variables in (
        (model.generator, model.generator_variables),
        (model.discriminator, model.discriminator_variables),
    ):
        layer = attention_layer(network)
        assert layer.input.shape[1:3] == (8, 8)
        assert layer.spectral_norm
        assert float(layer.gamma.numpy()) == 0.0
        assert any(variable is layer.gamma for variable in variables)
    # Spectral normalization in the generator too (section 4.1), not only in D.
    assert any(isinstance(layer, keras.layers.SpectralNormalization) for layer in model.generator.layers)
    assert any(isinstance(layer, keras.layers.SpectralNormalization) for layer in model.discriminator.layers)
    model.fit(random_data(32, (16, 16, 1)), batch_size=8, epochs=1, verbose=0)
    assert abs(float(attention_layer(model.generator).gamma.numpy())) > 0.0
    assert abs(float(attention_layer(model.discriminator).gamma.numpy())) > 0.0


def test_sagan_defaults_to_ttur_and_half_the_image_side():
    model = tiny_model("sagan", (16, 16, 1))
    assert model.attention_resolution == 8
    model.compile()
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(4e-4)
    assert float(model.d_optimizer.beta_1) == 0.0
    model.compile(ttur=False, g_learning_rate=2e-4)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(2e-4)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(1e-4)


def test_sagan_attention_map_rows_sum_to_one_and_are_drawn(tmp_path):
    model = tiny_model("sagan", (16, 16, 1), attention_resolution=8)
    images, attention = generator_attention(model, (2, 5), seed=0, n=3)
    assert images.shape == (3, 16, 16, 1) and attention.shape == (3, 8, 8)
    np.testing.assert_allclose(attention.sum(axis=(1, 2)), 1.0, atol=1e-5)
    path = save_attention_map(model, tmp_path / "attention.png", (2, 5), n=2)
    assert Image.open(path).size[0] > 100
    assert [p.name for p in tmp_path.iterdir()] == ["attention.png"]
    with pytest.raises(ValueError, match="query_position"):
        generator_attention(model, (8, 0))


@pytest.mark.parametrize("name", ["sagan", "began"])
def test_image_sizes_the_networks_cannot_reach_are_refused(name):
    with pytest.raises(ValueError, match=r"power of two of at least 8 .* got 12x12"):
        tiny_model(name, (12, 12, 1))


def test_sagan_refuses_an_attention_resolution_no_feature_map_has():
    with pytest.raises(ValueError, match=r"attention_resolution must be .* \[4, 8\], got 16"):
        tiny_model("sagan", (16, 16, 1), attention_resolution=16)
    with pytest.raises(ValueError, match="generates images"):
        tiny_model("sagan", (2,))


# === BEGAN ===


def _reconstruction(discriminator, samples):
    return float(np.mean(np.abs(samples - np.asarray(discriminator(samples, training=True)))))


@pytest.mark.parametrize(("k_before", "lambda_k"), [(0.3, 0.1), (0.3, 100.0), (0.0, 0.0)])
def test_began_train_step_updates_k_by_the_rule(k_before, lambda_k):
    z = keras.random.normal((8, 4), seed=1)
    model = tiny_model("began", IMAGE_SHAPE, gamma=0.5, lambda_k=lambda_k, latent_sampler=lambda n: z)
    model.compile(jit_compile=False)
    model.k.assign(k_before)
    x = random_data(8)
    # L(x) with D before the step (the D step's loss) ...
    real_loss = _reconstruction(model.discriminator, x)
    generator_before = keras.models.clone_model(model.generator)
    generator_before.set_weights(model.generator.get_weights())
    discriminator_before = keras.models.clone_model(model.discriminator)
    discriminator_before.set_weights(model.discriminator.get_weights())
    history = model.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False).history
    # ... and L(G(z)) of the G step: G before its update, D after its own.
    fake_loss = _reconstruction(model.discriminator, np.asarray(generator_before(z, training=True)))
    expected = np.clip(k_before + lambda_k * (0.5 * real_loss - fake_loss), 0.0, 1.0)
    assert 0.0 <= float(model.k.numpy()) <= 1.0
    assert float(model.k.numpy()) == pytest.approx(expected, abs=1e-5)
    assert history["k_t"] == [pytest.approx(expected, abs=1e-5)]
    assert history["real_reconstruction"] == [pytest.approx(real_loss, rel=1e-4)]
    assert history["fake_reconstruction"] == [pytest.approx(fake_loss, rel=1e-4)]
    assert history["convergence"] == [pytest.approx(real_loss + abs(0.5 * real_loss - fake_loss), rel=1e-4)]
    # L_D = L(x) - k_t L(G(z)) with the k_t before the update, G and D before the step.
    fake_loss_d = _reconstruction(discriminator_before, np.asarray(generator_before(z, training=True)))
    assert history["d_loss"] == [pytest.approx(real_loss - k_before * fake_loss_d, rel=1e-4, abs=1e-6)]


def test_began_k_is_saved_with_the_model_and_logged_to_csv(tmp_path):
    model = tiny_model("began", IMAGE_SHAPE, lambda_k=0.05)
    model.compile()
    model.k.assign(0.5)
    csv = tmp_path / "history.csv"
    history = model.fit(
        random_data(16), batch_size=8, epochs=2, verbose=0, callbacks=[keras.callbacks.CSVLogger(str(csv))]
    ).history
    header = csv.read_text().splitlines()[0].split(",")
    assert {"k_t", "convergence", "d_loss", "g_loss"} <= set(header)
    k = float(model.k.numpy())
    assert 0.0 <= k <= 1.0 and k != 0.5
    assert 0.0 <= min(history["k_t"]) and max(history["k_t"]) <= 1.0
    model.save(tmp_path / "began.keras")
    assert float(keras.saving.load_model(tmp_path / "began.keras").k.numpy()) == k


def test_began_discriminator_is_an_autoencoder():
    model = tiny_model("began", IMAGE_SHAPE, embedding_dim=5)
    x = random_data(3)
    assert model.discriminator(x).shape == (3, *IMAGE_SHAPE)
    assert model.discriminator.get_layer("encoder").output.shape == (None, 5)
    for bad in ({"gamma": 0.0}, {"gamma": 1.5}, {"lambda_k": -1.0}, {"embedding_dim": 0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            tiny_model("began", IMAGE_SHAPE, **bad)


def test_began_decoder_draws_at_the_content_size_like_the_generator():
    model = tiny_model("began", (16, 16, 1), content_size=8)
    decoder = model.discriminator.get_layer("decoder")
    for network in (model.generator, decoder):
        assert network.get_layer("upscale").input.shape[1:3] == (8, 8)
    reconstruction = np.asarray(model.discriminator(random_data(2, (16, 16, 1))))
    assert reconstruction.shape == (2, 16, 16, 1)
    # Bilinear upscaling from 8x8: the 16x16 output is smoother than its input noise.
    assert np.abs(np.diff(reconstruction, axis=1)).mean() < np.abs(np.diff(random_data(2, (16, 16, 1)), axis=1)).mean()


# === WaveGAN ===


def test_wavegan_phase_shuffle_is_active_in_training_only():
    model = tiny_model("wavegan", (256, 1))
    shuffles = [layer for layer in model.discriminator.layers if isinstance(layer, PhaseShuffle)]
    assert [layer.shift for layer in shuffles] == [2]
    audio = random_data(8, (256, 1))
    inference = np.asarray(model.discriminator(audio, training=False))
    np.testing.assert_array_equal(np.asarray(model.discriminator(audio, training=False)), inference)
    training = [np.asarray(model.discriminator(audio, training=True)) for _ in range(4)]
    assert any(np.abs(scores - inference).max() > 1e-6 for scores in training)
    without = tiny_model("wavegan", (256, 1), phase_shuffle=0)
    assert not [layer for layer in without.discriminator.layers if isinstance(layer, PhaseShuffle)]


def test_wavegan_critic_takes_the_minibatch_std_stabilizer():
    model = tiny_model("wavegan", (256, 1), minibatch_std=True, phase_shuffle=0)
    assert [layer.name for layer in model.discriminator.layers if isinstance(layer, MinibatchStdDev)] == [
        "minibatch_std"
    ]
    audio = random_data(4, (256, 1))
    # A sample's score depends on the batch it is judged in.
    alone = np.asarray(model.discriminator(audio[:2], training=False))
    mixed = np.asarray(model.discriminator(np.concatenate([audio[:1], audio[:1] * 0.1]), training=False))
    assert abs(float(alone[0, 0] - mixed[0, 0])) > 1e-6
    plain = tiny_model("wavegan", (256, 1)).discriminator
    assert not [layer for layer in plain.layers if isinstance(layer, MinibatchStdDev)]


def test_wavegan_networks_use_kernel_25_and_stride_4():
    model = tiny_model("wavegan", (1024, 1))
    convolutions = [layer for layer in model.generator.layers if isinstance(layer, keras.layers.Conv1DTranspose)]
    assert [(layer.kernel_size, layer.strides) for layer in convolutions] == [((25,), (4,))] * 3
    assert model.generator.output.shape == (None, 1024, 1)
    assert model.exports()[0].outputs == ("audio",)


def test_wavegan_nearest_upsampling_generator_trains_and_exports(tmp_path):
    from export.model_export import export_model
    from export.parity import verify

    model = tiny_model("wavegan", (1024, 1), upsample="nearest")
    generator = model.generator
    assert not [layer for layer in generator.layers if isinstance(layer, keras.layers.Conv1DTranspose)]
    convolutions = [layer for layer in generator.layers if isinstance(layer, keras.layers.Conv1D)]
    assert [(layer.kernel_size, layer.strides) for layer in convolutions] == [((25,), (1,))] * 3
    assert [layer.negative_slope for layer in generator.layers if isinstance(layer, keras.layers.LeakyReLU)] == [
        0.2
    ] * 2
    # Each of the 16 projected samples is repeated 4 times before the first convolution.
    z = np.random.default_rng(0).normal(size=(2, model.latent_dim)).astype("float32")
    probe = keras.Model(
        generator.input, [generator.get_layer("project_relu").output, generator.get_layer("up_0_nearest").output]
    )
    projected, upsampled = (np.asarray(x) for x in probe(z))
    np.testing.assert_array_equal(upsampled, np.repeat(projected, 4, axis=1))
    assert generator.output.shape == (None, 1024, 1)
    before = [w.numpy().copy() for w in generator.trainable_weights]
    model.compile(jit_compile=False)
    model.fit(random_data(8, (1024, 1)), batch_size=8, epochs=1, verbose=0)
    assert all(not np.allclose(a, w.numpy()) for a, w in zip(before, generator.trainable_weights))
    restored = type(model).from_config(model.get_config())
    assert restored.upsample == "nearest" and restored.generator.count_params() == generator.count_params()
    (path,) = export_model(model, tmp_path / "generator.onnx")
    assert verify(model, path) <= 1e-4


@pytest.mark.parametrize("upsample", ["linear", None, "Nearest"])
def test_wavegan_refuses_an_unknown_upsampling(upsample):
    with pytest.raises(ValueError, match=rf"upsample must be one of transposed, nearest, got {upsample!r}"):
        tiny_model("wavegan", (256, 1), upsample=upsample)


@pytest.mark.parametrize("length", [100, 32, 128, 8])
def test_wavegan_refuses_clip_lengths_stride_4_cannot_reach(length):
    with pytest.raises(ValueError, match=rf"clip length {length} is not reachable with stride 4 from 16"):
        tiny_model("wavegan", (length, 1))


def test_wavegan_generates_audio_only():
    with pytest.raises(ValueError, match="generates audio, not images"):
        tiny_model("wavegan", IMAGE_SHAPE)


def test_wavegan_samples_are_wav_files_and_a_picture(tmp_path):
    model = tiny_model("wavegan", AUDIO_SHAPE)
    model.compile()
    model.fit(random_data(8, AUDIO_SHAPE), batch_size=8, epochs=1, verbose=0, callbacks=[SampleGrid(tmp_path, 4)])
    names = sorted(path.name for path in tmp_path.iterdir())
    assert [name for name in names if name.endswith(".wav")] == [f"epoch_001_{i:03d}.wav" for i in range(4)]
    assert any(name.endswith(".png") for name in names)


def test_wavegan_drums_recipe_loads_its_clip_length():
    recipe = recipes.get_recipe("wavegan_drums")
    assert recipes.get_recipe("wavegan") == recipe
    (batch,) = build_dataset(recipe.replace(num_samples=4, batch_size=2), seed=0).take(1)
    assert tuple(batch.shape) == (2, recipe.clip_length, 1)
    model = zoo.create(recipe.family, data_shape=tuple(batch.shape[1:]), **recipe.model)
    assert model.generator.output.shape == (None, recipe.clip_length, 1)
