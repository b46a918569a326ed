"""The stabilizers of the base GAN (issue 13): each does what its paper says."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo import stabilizers
from zoo.layers import MinibatchStdDev


def _images(n=16, size=8, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 1)).astype("float32")


# === PacGAN ===
def test_pack_concatenates_consecutive_samples_along_the_last_axis():
    samples = np.arange(4 * 2 * 2 * 3, dtype="float32").reshape(4, 2, 2, 3)
    packed = keras.ops.convert_to_numpy(stabilizers.pack(samples, 2))
    assert packed.shape == (2, 2, 2, 6)
    np.testing.assert_array_equal(packed[1], np.concatenate([samples[2], samples[3]], axis=-1))
    vectors = np.arange(12, dtype="float32").reshape(6, 2)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(stabilizers.pack(vectors, 3))[1], vectors[3:6].ravel())


def test_packed_discriminator_judges_packs():
    model = zoo.create("gan", data_shape=(2,), latent_dim=2, width=8, pack=4)
    assert model.discriminator.input_shape == (None, 8)
    scores = model.discriminate(np.zeros((16, 2), "float32"), {})
    assert tuple(scores.shape) == (4, 1)


# === EMA ===
def test_ema_decay_warms_up_then_holds():
    assert float(stabilizers.ema_decay(0.999, 0)) == pytest.approx(0.1)
    assert float(stabilizers.ema_decay(0.999, 10**6)) == pytest.approx(0.999)


def test_update_moving_average_follows_the_formula():
    network = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.BatchNormalization()])
    average = keras.models.clone_model(network)
    before = [w.copy() for w in average.get_weights()]
    for weight in network.weights:
        weight.assign(weight + 1.0)
    stabilizers.update_moving_average(average, network, 0.9)
    for averaged, old, new, variable in zip(average.get_weights(), before, network.get_weights(), network.weights):
        expected = 0.9 * old + 0.1 * new if variable.trainable else new
        np.testing.assert_allclose(averaged, expected, rtol=1e-6)


def test_ema_generator_is_what_samples_and_it_is_saved(tmp_path):
    model = zoo.create("dcgan", data_shape=(8, 8, 1), latent_dim=4, width=8, ema=0.9)
    assert "ema_generator" in model.named_networks
    model.compile()
    model.fit(_images(), batch_size=8, epochs=2, verbose=0)
    z = model.sample_noise(4, seed=1)
    from_average = keras.ops.convert_to_numpy(model.ema_generator(z, training=False))
    from_generator = keras.ops.convert_to_numpy(model.generator(z, training=False))
    assert np.abs(from_average - from_generator).max() > 1e-4  # they differ after training
    np.testing.assert_allclose(model.generate(z), from_average, atol=1e-6)
    assert model.exports()[0].network is model.ema_generator
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.ema == 0.9
    np.testing.assert_allclose(loaded.generate(z), from_average, atol=1e-6)


def test_ema_must_be_a_decay():
    with pytest.raises(ValueError, match="ema must be a decay"):
        zoo.create("gan", data_shape=(2,), latent_dim=2, width=8, ema=1.5)


# === DiffAugment ===
def test_translation_shifts_with_zero_padding():
    image = np.zeros((1, 8, 8, 1), "float32")
    image[0, 3, 4, 0] = 1.0
    rows = stabilizers._shift_matrices(np.array([1], "int32"), 8)
    columns = stabilizers._shift_matrices(np.array([-2], "int32"), 8)
    shifted = keras.ops.convert_to_numpy(keras.ops.einsum("bij,bjkc,blk->bilc", rows, image, columns))
    assert shifted[0, 4, 2, 0] == 1.0 and shifted.sum() == 1.0
    edge = np.zeros((1, 8, 8, 1), "float32")
    edge[0, 7, 0, 0] = 1.0  # shifted out of the image: zero padding, no wrap-around
    pushed = keras.ops.einsum("bij,bjkc,blk->bilc", rows, edge, columns)
    assert float(keras.ops.sum(pushed)) == 0.0


def test_cutout_zeroes_a_quarter_and_gradients_flow():
    images = tf.constant(np.ones((32, 8, 8, 1), "float32"))
    seed = keras.random.SeedGenerator(0)
    cut = keras.ops.convert_to_numpy(stabilizers.diff_augment(images, ("cutout",), seed))
    zeroed = (cut == 0).sum(axis=(1, 2, 3))
    assert zeroed.max() == 16 and zeroed.min() >= 4  # a 4x4 square, clipped at the border
    with tf.GradientTape() as tape:
        tape.watch(images)
        total = tf.reduce_sum(stabilizers.diff_augment(images, stabilizers.AUGMENTATIONS, seed))
    gradients = tape.gradient(total, images)
    assert gradients is not None and float(tf.reduce_sum(tf.abs(gradients))) > 0


def test_augment_reaches_the_discriminator_and_checks_its_policy():
    model = zoo.create("dcgan", data_shape=(8, 8, 1), latent_dim=4, width=8, augment="translation,cutout")
    images = _images(4)
    assert np.abs(keras.ops.convert_to_numpy(model.discriminator_view(images)) - images).max() > 0
    with pytest.raises(ValueError, match="unknown \\['flip'\\]"):
        zoo.create("dcgan", data_shape=(8, 8, 1), latent_dim=4, width=8, augment="flip")
    with pytest.raises(ValueError, match="augment"):
        zoo.create("gan", data_shape=(2,), latent_dim=2, width=8, augment="color")


# === R1 ===
def test_r1_penalty_of_a_linear_discriminator_is_its_squared_weight_norm():
    weights = tf.constant([[0.5], [-2.0], [1.0]])
    real = tf.constant(np.random.default_rng(0).normal(size=(5, 3)).astype("float32"))
    penalty = stabilizers.r1_penalty(lambda x: tf.matmul(x, weights), real)
    assert float(penalty) == pytest.approx(0.25 + 4.0 + 1.0)


def test_r1_gamma_adds_the_weighted_penalty_to_the_discriminator_loss():
    model = zoo.create("gan", data_shape=(2,), latent_dim=2, width=8, r1_gamma=4.0)
    model.compile()
    real = tf.constant(np.random.default_rng(1).normal(size=(8, 2)).astype("float32"))
    keras.utils.set_random_seed(3)
    model.seed_generator = keras.random.SeedGenerator(3)
    loss, logs = model.regularized_discriminator_loss(real)
    model.seed_generator = keras.random.SeedGenerator(3)
    plain = model.discriminator_loss(real)
    assert float(loss) == pytest.approx(float(plain) + 2.0 * float(logs["r1_penalty"]), rel=1e-5)
    assert float(logs["r1_penalty"]) > 0
    history = model.fit(real, batch_size=8, epochs=1, verbose=0).history
    assert "r1_penalty" in history


# === Mode seeking (MSGAN) ===
def test_mode_seeking_ratio_is_msgans_formula():
    features = np.array([[0.0, 1.0], [2.0, 2.0], [1.0, 3.0], [2.0, -2.0]], "float32")
    noise = np.array([[0.0], [1.0], [2.0], [-1.0]], "float32")
    # Pairs (row 0, row 2) and (row 1, row 3): mean|f1 - f2| = 7/4, mean|z1 - z2| = 2.
    assert float(stabilizers.mode_seeking_ratio(features, noise)) == pytest.approx(7 / 4 / 2)


def test_mode_seeking_adds_its_term_to_the_generator_loss_and_trains():
    def build(weight):
        keras.utils.set_random_seed(3)
        return zoo.create("dcgan", data_shape=(8, 8, 1), latent_dim=4, width=8, mode_seeking=weight)

    plain, seeking = build(None), build(2.0)
    real = _images(8)
    plain_loss = float(plain.regularized_generator_loss(real))
    kept = []
    score_fakes = seeking.score_fakes
    seeking.score_fakes = lambda *args: kept.append(score_fakes(*args)) or kept[-1]
    loss, logs = seeking.regularized_generator_loss(real)
    del seeking.score_fakes
    assert seeking._health.fakes is None
    fakes = kept[0][1]
    samples, noise = np.asarray(fakes.samples), np.asarray(fakes.inputs["z"])
    ratio = np.abs(samples[:4] - samples[4:]).mean() / np.abs(noise[:4] - noise[4:]).mean()
    assert float(logs["mode_seeking_ratio"]) == pytest.approx(ratio, rel=1e-5)
    assert float(loss) - plain_loss == pytest.approx(2.0 / (ratio + 1e-5), rel=1e-4)
    before = [w.numpy().copy() for w in seeking.generator.trainable_weights]
    seeking.compile(jit_compile=False)
    history = seeking.fit(_images(16), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["mode_seeking_ratio"][0]) and history.history["mode_seeking_ratio"][0] > 0
    assert all(not np.allclose(a, b.numpy()) for a, b in zip(before, seeking.generator.trainable_weights))
    assert type(seeking).from_config(seeking.get_config()).mode_seeking == 2.0


def test_mode_seeking_warmup_ramps_the_weight_over_generator_updates():
    def build():
        keras.utils.set_random_seed(3)
        model = zoo.create(
            "dcgan", data_shape=(8, 8, 1), latent_dim=4, width=8, mode_seeking=2.0, mode_seeking_warmup=4
        )
        model.compile(jit_compile=False)
        return model

    real = _images(8)
    for done, weight in [(0, 0.0), (1, 0.5), (3, 1.5), (4, 2.0), (9, 2.0)]:
        # Two copies draw the same noise: one at the ramp's start (weight 0), one later.
        start, later = build(), build()
        later.g_optimizer.iterations.assign(done)
        plain_loss, _ = start.regularized_generator_loss(real)
        loss, logs = later.regularized_generator_loss(real)
        ratio = float(logs["mode_seeking_ratio"])
        assert float(logs["mode_seeking_weight"]) == pytest.approx(weight)
        assert float(loss) - float(plain_loss) == pytest.approx(weight / (ratio + 1e-5), rel=1e-4, abs=1e-6)
    # In `fit`, the traced step reads G's update count anew every step: six steps
    # use the weights 0, 0.5, 1, 1.5, 2 and 2, whose mean the history holds.
    model = build()
    history = model.fit(_images(48), batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert int(model.g_optimizer.iterations.numpy()) == 6
    assert history.history["mode_seeking_weight"][0] == pytest.approx(7 / 6, rel=1e-5)
    assert type(model).from_config(model.get_config()).mode_seeking_warmup == 4


def test_spectral_shape_finds_the_band_and_ignores_loudness():
    length, bins_per_band = 1024, 512 // 32
    tone = np.sin(2 * np.pi * 200 * np.arange(length) / length).astype("float32")[None, :, None]
    shape = np.asarray(stabilizers.spectral_shape(tone))
    assert shape.shape == (1, 32) and int(np.argmax(shape[0])) == (200 - 1) // bins_per_band
    assert abs(float(shape.mean())) < 1e-5
    noise = np.random.default_rng(0).normal(0, 0.3, (2, length, 1)).astype("float32")
    np.testing.assert_allclose(stabilizers.spectral_shape(noise), stabilizers.spectral_shape(0.5 * noise), atol=1e-3)
    with pytest.raises(ValueError, match=r"length / 2 \(50\) to be a multiple of bands \(32\)"):
        stabilizers.spectral_shape(np.zeros((1, 100, 1), "float32"))


def test_wavegan_mode_seeking_compares_spectral_shapes_and_trains():
    from conftest import AUDIO_SHAPE, random_data

    model = zoo.create("wavegan", data_shape=AUDIO_SHAPE, latent_dim=4, width=16, mode_seeking=1.0, d_steps=1)
    clips = random_data(4, AUDIO_SHAPE)
    np.testing.assert_allclose(model.mode_seeking_features(clips), stabilizers.spectral_shape(clips))
    model.compile(jit_compile=False)
    history = model.fit(random_data(8, AUDIO_SHAPE), batch_size=8, epochs=1, verbose=0)
    assert history.history["mode_seeking_ratio"][0] > 0


@pytest.mark.parametrize(
    ("family", "hyper", "message"),
    [
        ("dcgan", {"mode_seeking": -1.0}, "mode_seeking must be a non-negative number or None, got -1.0"),
        ("dcgan", {"mode_seeking": "strong"}, "mode_seeking must be a non-negative number or None"),
        ("cyclegan", {"mode_seeking": 1.0}, "mode_seeking compares samples from different noise; the 'cyclegan'"),
        ("dcgan", {"mode_seeking": 1.0, "mode_seeking_warmup": -1}, "mode_seeking_warmup must be an integer of at"),
        ("dcgan", {"mode_seeking": 1.0, "mode_seeking_warmup": 2.5}, "mode_seeking_warmup must be an integer of at"),
        ("dcgan", {"mode_seeking_warmup": 100}, r"mode_seeking_warmup ramps the mode_seeking weight up; set mode_s"),
    ],
)
def test_mode_seeking_bad_input(family, hyper, message):
    with pytest.raises(ValueError, match=message):
        zoo.create(family, data_shape=(8, 8, 1), width=8, **hyper)


# === Minibatch standard deviation ===
def test_minibatch_std_appends_the_mean_deviation():
    x = np.random.default_rng(0).normal(size=(6, 4, 4, 3)).astype("float32")
    out = keras.ops.convert_to_numpy(MinibatchStdDev()(x))
    assert out.shape == (6, 4, 4, 4)
    np.testing.assert_allclose(out[..., 3], np.sqrt(x.var(axis=0) + 1e-8).mean(), rtol=1e-5)
    model = zoo.create("dcgan", data_shape=(8, 8, 1), latent_dim=4, width=8, minibatch_std=True)
    assert any(isinstance(layer, MinibatchStdDev) for layer in model.discriminator.layers)


# === A generator fitted to upscaled data ===
def test_content_size_generator_upscales_like_the_data():
    model = zoo.create("dcgan", data_shape=(32, 32, 1), latent_dim=4, width=8, content_size=8)
    drawn = keras.Model(model.generator.inputs, model.generator.get_layer("image").output)
    z = model.sample_noise(3)
    small = keras.ops.convert_to_numpy(drawn(z))
    assert small.shape == (3, 8, 8, 1)
    # A hidden layer at the content's resolution, `width` filters, before the image.
    assert tuple(model.generator.get_layer("up_0").output.shape) == (None, 8, 8, 8)
    expected = tf.image.resize(small, (32, 32), method="bilinear").numpy()
    np.testing.assert_allclose(model.generate(z), expected, atol=1e-5)
    with pytest.raises(ValueError, match="content_size must be an integer in \\[8, 32\\]"):
        zoo.create("dcgan", data_shape=(32, 32, 1), latent_dim=4, width=8, content_size=64)


def test_content_layers_add_convolutions_at_the_content_size_and_train():
    model = zoo.create("dcgan", data_shape=(16, 16, 1), latent_dim=4, width=8, content_size=8, content_layers=2)
    for name in ("content_0", "content_1"):
        assert tuple(model.generator.get_layer(name).output.shape) == (None, 8, 8, 8)
    # Still drawn at 8x8 and upscaled like the data.
    drawn = keras.Model(model.generator.inputs, model.generator.get_layer("image").output)
    z = model.sample_noise(3)
    expected = tf.image.resize(keras.ops.convert_to_numpy(drawn(z)), (16, 16), method="bilinear").numpy()
    np.testing.assert_allclose(model.generate(z), expected, atol=1e-5)
    kernels = [model.generator.get_layer(name).kernel for name in ("content_0", "content_1")]
    before = [kernel.numpy().copy() for kernel in kernels]
    model.compile(jit_compile=False)
    model.fit(_images(8, 16), batch_size=8, epochs=1, verbose=0)
    assert all(np.abs(kernel.numpy() - old).max() > 0 for kernel, old in zip(kernels, before))
    clone = type(model).from_config(model.get_config())
    assert clone.content_layers == 2 and clone.generator.count_params() == model.generator.count_params()
    with pytest.raises(ValueError, match="content_layers needs content_size"):
        zoo.create("dcgan", data_shape=(16, 16, 1), latent_dim=4, width=8, content_layers=1)
    with pytest.raises(ValueError, match="content_layers must be an integer of at least 0, got -1"):
        zoo.create("dcgan", data_shape=(16, 16, 1), latent_dim=4, width=8, content_size=8, content_layers=-1)


# === Training-health readout ===
def test_discriminator_accuracy_counts_the_right_calls():
    model = zoo.create("gan", data_shape=(2,), latent_dim=2, width=8)
    accuracy = model.discriminator_accuracy(np.array([[1.0], [-1.0], [2.0], [3.0]]), np.array([[-1.0], [0.5]]))
    assert float(accuracy["d_real_accuracy"]) == pytest.approx(0.75)
    assert float(accuracy["d_fake_accuracy"]) == pytest.approx(0.5)
    critic = zoo.create("wgan_gp", data_shape=(2,), latent_dim=2, width=8)
    # No threshold: real above the fakes' mean (0), fakes below the real mean (5).
    accuracy = critic.discriminator_accuracy(np.array([[10.0], [-1.0]]), np.array([[-3.0], [3.0], [6.0]]))
    assert float(accuracy["d_real_accuracy"]) == pytest.approx(0.5)
    assert float(accuracy["d_fake_accuracy"]) == pytest.approx(2 / 3)


def test_fit_logs_the_readout_and_options_survive_the_config():
    model = zoo.create("gan", data_shape=(2,), latent_dim=2, width=8, pack=2, minibatch_std=True, ema=0.5)
    model.compile()
    history = model.fit(np.random.default_rng(0).normal(size=(32, 2)).astype("float32"), batch_size=8, verbose=0)
    for name in ("d_real_accuracy", "d_fake_accuracy"):
        assert 0.0 <= history.history[name][0] <= 1.0
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    assert (clone.pack, clone.minibatch_std, clone.ema) == (2, True, 0.5)


# === d_resolution: D judges an area-downscaled view ===
def test_d_resolution_judges_block_means_and_trains():
    model = zoo.create("dcgan", data_shape=(16, 16, 1), latent_dim=4, width=8, content_size=8, d_resolution=8)
    images = _images(4, 16)
    # Replacing every 2x2 block by its mean changes the image but not D's view of it.
    means = images.reshape(4, 8, 2, 8, 2, 1).mean(axis=(2, 4), keepdims=True)
    blocky = np.broadcast_to(means, (4, 8, 2, 8, 2, 1)).reshape(4, 16, 16, 1)
    assert np.abs(blocky - images).max() > 0.1
    np.testing.assert_allclose(model.discriminator(images), model.discriminator(blocky), atol=1e-5)
    # Its convolutions start at 8x8: one stride-2 step to 4x4.
    convolutions = [layer.name for layer in model.discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
    assert convolutions == ["down_0"]
    before = [w.numpy().copy() for w in model.discriminator.trainable_weights]
    model.compile(jit_compile=False)
    model.fit(_images(8, 16), batch_size=8, epochs=1, verbose=0)
    assert all(not np.allclose(a, b.numpy()) for a, b in zip(before, model.discriminator.trainable_weights))
    assert type(model).from_config(model.get_config()).discriminator.input_shape == (None, 16, 16, 1)
    assert model.get_config()["d_resolution"] == 8


def test_d_resolution_leaves_images_no_larger_as_they_are():
    # A recipe's d_resolution=16 still runs at --image-size 8 or 16: D judges full size.
    for side in (8, 16):
        plain = zoo.create("dcgan", data_shape=(side, side, 1), latent_dim=4, width=8)
        capped = zoo.create("dcgan", data_shape=(side, side, 1), latent_dim=4, width=8, d_resolution=16)
        shapes = [tuple(w.shape) for w in capped.discriminator.weights]
        assert shapes == [tuple(w.shape) for w in plain.discriminator.weights]


@pytest.mark.parametrize("family", ["cgan", "acgan", "infogan", "bigan"])
def test_d_resolution_reaches_the_shared_trunk_of_the_headed_families(family):
    # cGAN, ACGAN, InfoGAN and BiGAN build D on the shared DCGAN trunk: it judges the
    # downscaled view too, with every head and input it has.
    from conftest import output_arrays, random_batch, weights_of

    model = zoo.create(family, data_shape=(16, 16, 1), latent_dim=4, width=8, d_resolution=8)
    images = _images(4, 16)
    means = images.reshape(4, 8, 2, 8, 2, 1).mean(axis=(2, 4), keepdims=True)
    blocky = np.broadcast_to(means, (4, 8, 2, 8, 2, 1)).reshape(4, 16, 16, 1)
    others = {"label": np.arange(4, dtype="int32"), "z": np.ones((4, 4), "float32")}
    names = [tensor.name.split(":")[0] for tensor in model.discriminator.inputs]

    def judge(samples):
        if names == ["sample"]:
            return output_arrays(model.discriminator(samples))
        return output_arrays(model.discriminator({name: others.get(name, samples) for name in names}))

    first, second = judge(images), judge(blocky)
    for head in first:
        np.testing.assert_allclose(first[head], second[head], atol=1e-5)
    convolutions = [
        layer.name for layer in model.discriminator._flatten_layers() if isinstance(layer, keras.layers.Conv2D)
    ]
    assert convolutions == ["down_0"]
    before = weights_of(model.discriminator)
    model.compile(jit_compile=False)
    model.fit(*random_batch(model, 8), batch_size=8, epochs=1, verbose=0)
    assert not any(np.allclose(a, b) for a, b in zip(before, weights_of(model.discriminator)) if a.size > 1)


@pytest.mark.parametrize(
    ("family", "hyper", "message"),
    [
        ("dcgan", {"d_resolution": 12}, "d_resolution must divide the image side 32"),
        ("dcgan", {"d_resolution": 4}, "d_resolution must be an integer of at least 8"),
        ("dcgan", {"architecture": "mlp", "d_resolution": 16}, "d_resolution needs the DCGAN discriminator"),
        ("began", {"d_resolution": 16}, "the 'began' family builds its own"),
    ],
)
def test_d_resolution_bad_input(family, hyper, message):
    with pytest.raises(ValueError, match=message):
        zoo.create(family, data_shape=(32, 32, 1), latent_dim=4, width=8, **hyper)


# === pack and augment reach every family's discriminator, or are refused ===
@pytest.mark.parametrize("name", zoo.list_models())
def test_pack_and_augment_reach_every_discriminator_or_are_refused(name):
    from conftest import TINY_SHAPES, random_batch, tiny_model

    shape = TINY_SHAPES[zoo.family_info(name).cls.data_kinds[0]]
    for option in ({"pack": 2}, {"augment": "translation"}):
        try:
            model = tiny_model(name, shape, **option)
        except ValueError as error:  # refused at once, in one line naming the option
            assert len(str(error).splitlines()) == 1 and next(iter(option)) in str(error)
            continue
        batch = random_batch(model, 8)
        if "pack" in option:
            # D is built for two samples side by side, and a step trains on them.
            assert model.discriminator_shape[-1] == 2 * shape[-1]
            before = [w.numpy().copy() for w in model.discriminator_variables]
            model.compile(jit_compile=False)
            model.fit(*batch, batch_size=4, epochs=1, verbose=0)
            assert any(np.abs(w.numpy() - b).max() > 0 for w, b in zip(model.discriminator_variables, before))
        else:
            # D sees a randomly shifted view: two looks at one batch score differently.
            samples = keras.ops.convert_to_tensor(batch[0])
            condition = keras.ops.convert_to_tensor(batch[1]) if len(batch) > 1 else None
            inputs = model.real_inputs(samples, condition)
            first, second = (keras.tree.flatten(model.discriminate(samples, inputs, training=False)) for _ in range(2))
            assert any(np.abs(np.asarray(a) - np.asarray(b)).max() > 1e-6 for a, b in zip(first, second))
