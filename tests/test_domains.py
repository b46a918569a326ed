"""Two-domain pieces for CoGAN and CycleGAN: the unpaired domain loader, the cycle and
identity losses, the image pool, the translation and coupled networks, and the
learning-rate decay. TensorFlow Datasets are exercised offline with `tfds.testing.mock_data`."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from conftest import mirrored_strategy
from PIL import Image

import zoo
from zoo import losses
from zoo.callbacks import LinearDecay, linear_decay_factor
from zoo.coupled_networks import coupled_discriminators, coupled_generators
from zoo.data import digits_arrays, domain_arrays, list_domains, load_domains
from zoo.data import domains as domains_lib
from zoo.image_pool import ImagePool
from zoo.layers import ReflectionPadding2D
from zoo.translation_networks import patchgan_discriminator, resnet_generator

# === Data: derived digit domains ===


def test_negative_is_minus_x_on_the_unit_scale():
    digits, digit_labels = domain_arrays("digits", 16, "train", half=1)
    negatives, labels = domain_arrays("digits/negative", 16, "train", half=1)
    np.testing.assert_array_equal(labels, digit_labels)
    # 1 - x on [0, 1] is -x on [-1, 1].
    np.testing.assert_allclose((negatives + 1) / 2, 1 - (digits + 1) / 2, atol=1e-6)
    assert negatives.min() >= -1.0 and negatives.max() <= 1.0


def test_edges_outline_a_square_and_nothing_else():
    image = -np.ones((1, 10, 10, 1), "float32")
    image[0, 3:7, 3:7] = 1.0
    outline = domains_lib.edges(image)[0, ..., 0] > 0
    expected = np.zeros((10, 10), bool)
    expected[2:8, 2:8] = True  # one pixel outside the square ...
    expected[4:6, 4:6] = False  # ... to one pixel inside: the interior stays dark
    np.testing.assert_array_equal(outline, expected)


def test_edges_of_digits_lie_on_stroke_borders():
    digits, _ = domain_arrays("digits", 16, "train", half=1)
    outlines, _ = domain_arrays("digits/edges", 16, "train", half=1)
    strokes = tf.constant((digits > 0).astype("float32"))
    grown = tf.nn.max_pool2d(strokes, 3, 1, "SAME").numpy() > 0
    shrunk = -tf.nn.max_pool2d(-strokes, 3, 1, "SAME").numpy() > 0
    border = grown & ~shrunk
    on = outlines > 0
    # Every stroke pixel that touches the background is on the outline, and the
    # outline is nowhere else (flat background and stroke interiors stay -1).
    np.testing.assert_array_equal(on, border)
    assert ((digits > 0) & border).any() and (on.reshape(len(on), -1).any(axis=1)).all()
    assert set(np.unique(outlines)) == {-1.0, 1.0}


def test_colored_digits_are_rgb_with_a_visible_digit():
    digits, _ = domain_arrays("digits", 16, "train", half=1)
    painted, _ = domain_arrays("digits/colored", 16, "train", half=1)
    assert painted.shape == (*digits.shape[:3], 3)
    assert painted.min() >= -1.0 and painted.max() <= 1.0
    unit = (painted + 1) / 2
    # Backgrounds differ from image to image (random colours, not one fixed tint).
    corners = unit[:, 0, 0, :]
    assert corners.std(axis=0).min() > 0.1
    # Converted to gray, each image is its digit again, brighter on the strokes than
    # on the background by at least the contrast bound per unit of ink.
    gray = (unit @ domains_lib.LUMA).reshape(len(unit), -1)
    ink = ((digits + 1) / 2).reshape(len(digits), -1)
    for image, digit in zip(gray, ink):
        assert np.corrcoef(image, digit)[0, 1] > 0.999
        high, low = digit.argmax(), digit.argmin()
        slope = (image[high] - image[low]) / (digit[high] - digit[low])
        assert slope >= domains_lib.MIN_STROKE_CONTRAST - 1e-5
    # An image keeps its colours whatever split it is read from.
    everything, _ = domain_arrays("digits/colored", 16, "all")
    index = domains_lib.digits_halves("train")[1][0]
    np.testing.assert_allclose(everything[index], painted[0], atol=1e-6)


def test_halves_are_disjoint_stratified_and_cover_the_split():
    first, second = domains_lib.digits_halves("train")
    assert not set(first) & set(second)
    assert sorted([*first, *second]) == sorted(domains_lib.digits_indices("train"))
    _, labels = digits_arrays(8, "all")
    counts = np.bincount(labels[first], minlength=10), np.bincount(labels[second], minlength=10)
    assert np.abs(counts[0] - counts[1]).max() <= 1


def test_no_digit_is_seen_in_both_domains():
    dataset = load_domains("digits", "digits/negative", batch_size=50, image_size=8, shuffle=True, seed=3)
    seen_a, seen_b = set(), set()
    for x_a, x_b in dataset:
        seen_a.update(row.tobytes() for row in x_a.numpy())
        # Undo the negative: the digit that B shows.
        seen_b.update(row.tobytes() for row in (-x_b.numpy()))
    assert len(seen_a) > 650 and len(seen_b) > 650
    assert not seen_a & seen_b


def test_batches_are_unpaired_in_range_and_an_epoch_covers_the_larger_domain():
    dataset = load_domains("digits", "digits/colored", batch_size=32, channels=(1, 3), seed=1)
    batches = list(dataset)
    half = len(domains_lib.digits_halves("train")[1])
    assert len(batches) == half // 32 == int(dataset.cardinality())
    x_a, x_b = batches[0]
    assert x_a.shape == (32, 16, 16, 1) and x_b.shape == (32, 16, 16, 3)
    for batch in (x_a, x_b):
        assert float(tf.reduce_min(batch)) >= -1.0 and float(tf.reduce_max(batch)) <= 1.0
    # Shuffled independently: position i of A and of B are not the same digit.
    digits_b, _ = domain_arrays("digits", 16, "train", half=1)
    painted_b, _ = domain_arrays("digits/colored", 16, "train", half=1)
    position = {row.tobytes(): index for index, row in enumerate(painted_b)}
    shown_b = np.stack([digits_b[position[row.tobytes()]] for row in x_b.numpy()])
    assert not np.allclose(shown_b, x_a.numpy())


def test_channels_and_size_conversion():
    x_a, x_b = next(iter(load_domains("digits", "digits/colored", batch_size=4, image_size=8, channels=1)))
    assert x_a.shape == x_b.shape == (4, 8, 8, 1)
    x_a, x_b = next(iter(load_domains("digits", "digits/edges", batch_size=4, channels=3)))
    assert x_a.shape == x_b.shape == (4, 16, 16, 3)
    np.testing.assert_array_equal(x_a[..., 0], x_a[..., 2])


def write_images(folder, count, size, mode):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        shape = size[::-1] + ((3,) if mode == "RGB" else ())
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(folder / f"{index}.png")


def test_two_image_folders(tmp_path):
    write_images(tmp_path / "photos", 6, (20, 20), "RGB")
    write_images(tmp_path / "sketches", 9, (12, 12), "L")
    with pytest.raises(ValueError, match="differ in size; pass image_size"):
        load_domains(str(tmp_path / "photos"), str(tmp_path / "sketches"), batch_size=2)
    dataset = load_domains(str(tmp_path / "photos"), str(tmp_path / "sketches"), batch_size=2, image_size=8, channels=3)
    batches = list(dataset)
    # The larger domain (9 sketches) sets the epoch: 4 full batches.
    assert len(batches) == 4
    assert batches[0][0].shape == batches[0][1].shape == (2, 8, 8, 3)


def test_cycle_gan_reads_train_a_and_train_b_offline(monkeypatch):
    splits = []
    original = domains_lib.tfds_dataset

    def spy(name, image_size, channels, split, data_dir):
        splits.append((name, split))
        return original(name, image_size, channels, split, data_dir)

    monkeypatch.setattr(domains_lib, "tfds_dataset", spy)
    with tfds.testing.mock_data(num_examples=6):
        x_a, x_b = next(iter(load_domains("cycle_gan/horse2zebra", batch_size=2, image_size=16)))
        assert splits == [("cycle_gan/horse2zebra", "trainA"), ("cycle_gan/horse2zebra", "trainB")]
        assert x_a.shape == x_b.shape == (2, 16, 16, 3)
        assert float(tf.reduce_min(x_a)) >= -1.0 and float(tf.reduce_max(x_b)) <= 1.0
        gray, _ = next(iter(load_domains("cycle_gan/apple2orange", batch_size=2, image_size=8, channels=1)))
        assert gray.shape == (2, 8, 8, 1)
        with pytest.raises(ValueError, match="varying sizes; pass image_size"):
            load_domains("cycle_gan/horse2zebra", batch_size=2)


@pytest.mark.parametrize(
    "a, b, kwargs, message",
    [
        ("digits/sketch", "digits", {}, "Unknown domain 'digits/sketch'"),
        ("no_such_dataset_xyz", "digits", {}, "Unknown domain 'no_such_dataset_xyz'"),
        ("cycle_gan/cats2dogs", None, {}, "Unknown domain pair 'cycle_gan/cats2dogs'.*horse2zebra"),
        ("digits", None, {}, "Domain b is missing"),
        ("digits", "digits/colored", {}, r"differ in channels \(1 vs 3\); pass channels=1 or 3"),
        ("digits", "digits", {"channels": 2}, "channels must be 1"),
        ("digits", "digits", {"channels": (1, 3, 3)}, "pair"),
        ("digits", "digits", {"batch_size": 0}, "batch_size must be a positive integer"),
        ("digits", "digits", {"batch_size": 2000}, "fewer than batch_size=2000"),
        ("digits", "digits", {"split": "validation"}, "splits"),
    ],
)
def test_bad_domains_give_clear_errors(a, b, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_domains(a, b, **kwargs)


def test_list_domains_names_the_derived_digits():
    assert list_domains() == ["digits", "digits/negative", "digits/edges", "digits/colored"]
    with pytest.raises(ValueError, match="half must be 0, 1 or None"):
        domain_arrays("digits", half=2)


# === Losses ===


def test_cycle_and_identity_losses_equal_a_hand_computation():
    real = np.array([[[[0.5], [-1.0]], [[0.0], [1.0]]]], "float32")  # one 2x2 image
    other = np.array([[[[0.0], [-0.5]], [[1.0], [1.0]]]], "float32")
    # |differences| = 0.5, 0.5, 1.0, 0.0 -> mean 0.5.
    assert float(losses.cycle_consistency_loss(real, other)) == pytest.approx(10.0 * 0.5)
    assert float(losses.cycle_consistency_loss(real, other, weight=2.0)) == pytest.approx(1.0)
    assert float(losses.identity_loss(real, other)) == pytest.approx(5.0 * 0.5)
    assert float(losses.cycle_consistency_loss(real, real)) == 0.0
    batch = np.stack([real[0], other[0]])
    shifted = batch + np.array([0.1, -0.3], "float32")[:, None, None, None]
    # Averaged over the batch too: (0.1 + 0.3) / 2.
    assert float(losses.identity_loss(batch, shifted, weight=1.0)) == pytest.approx(0.2)


# === Image pool ===


def tagged(ids, shape=(2, 2, 1)):
    """Images filled with their id, so that a returned image names itself."""
    return np.stack([np.full(shape, index, "float32") for index in ids])


def ids_of(images):
    return [round(float(image.mean())) for image in np.asarray(images)]


def test_image_pool_fills_then_returns_a_past_fake_half_the_time():
    pool = ImagePool(pool_size=50, seed=1)
    pool.build((None, 2, 2, 1))
    query = tf.function(pool.__call__, jit_compile=True)
    for start in range(0, 50, 5):
        batch = list(range(start, start + 5))
        assert ids_of(query(tagged(batch))) == batch  # filling: every fake passes through
    assert int(pool.count.numpy()) == 50
    past, total = 0, 0
    for start in range(50, 450, 4):
        batch = list(range(start, start + 4))
        before = set(ids_of(pool.images.numpy()))
        returned = ids_of(query(tagged(batch)))
        after = set(ids_of(pool.images.numpy()))
        for new, out in zip(batch, returned):
            total += 1
            if out != new:
                past += 1
                assert out < start and out in before  # an earlier fake, from the pool
                assert new in after  # ... whose slot the new fake took
        assert len(after) == len(ids_of(pool.images.numpy())) == 50
    assert 0.4 < past / total < 0.6


def test_image_pool_is_seeded_and_can_be_turned_off():
    def run(seed):
        pool = ImagePool(pool_size=4, seed=seed)
        pool.build((None, 2, 2, 1))
        return [ids_of(pool(tagged(range(start, start + 3)))) for start in range(0, 30, 3)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    off = ImagePool(pool_size=0)
    np.testing.assert_array_equal(off(tagged([3, 4])), tagged([3, 4]))
    with pytest.raises(ValueError, match="pool_size must be a non-negative integer"):
        ImagePool(pool_size=-1)


def test_image_pool_state_and_seed_survive_saving(tmp_path):
    def model_with_pool():
        image = keras.Input((2, 2, 1), name="image")
        return keras.Model(image, ImagePool(pool_size=4, seed=3, name="pool")(image))

    model = model_with_pool()
    for start in range(0, 12, 3):
        model(tagged(range(start, start + 3)))
    model.save(tmp_path / "pool.keras")
    restored = keras.saving.load_model(tmp_path / "pool.keras")
    np.testing.assert_array_equal(restored.get_layer("pool").images.numpy(), model.get_layer("pool").images.numpy())
    # The restored pool makes the same choices the original makes next.
    assert ids_of(restored(tagged([90, 91, 92]))) == ids_of(model(tagged([90, 91, 92])))


# === Learning-rate decay ===


def test_linear_decay_factor_is_the_papers_schedule():
    factors = [linear_decay_factor(epoch, 200, 100) for epoch in range(200)]
    assert factors[:100] == [1.0] * 100
    assert factors[100] == pytest.approx(100 / 101) and factors[199] == pytest.approx(1 / 101)
    steps = np.diff(factors[99:])
    np.testing.assert_allclose(steps, -1 / 101)  # linear
    assert linear_decay_factor(250, 200, 100) == 0.0


def test_linear_decay_callback_sets_every_optimizer_each_epoch():
    model = zoo.create("dcgan", data_shape=(8, 8, 1), latent_dim=4, width=8)
    model.compile(g_learning_rate=2e-4, d_learning_rate=4e-4, jit_compile=False)
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(
            (float(model.g_optimizer.learning_rate.numpy()), float(model.d_optimizer.learning_rate.numpy()))
        )
    )
    data = np.zeros((4, 8, 8, 1), "float32")
    model.fit(data, batch_size=4, epochs=4, verbose=0, callbacks=[LinearDecay(4), record])
    # 4 epochs, decay from epoch 2: factors 1, 1, 2/3, 1/3.
    np.testing.assert_allclose(seen, [[2e-4 * f, 4e-4 * f] for f in (1, 1, 2 / 3, 1 / 3)], rtol=1e-5)
    with pytest.raises(ValueError, match="decay_start must be an integer in"):
        LinearDecay(10, decay_start=11)


# === CycleGAN networks ===


def test_resnet_generator_translates_between_channel_counts():
    generator = resnet_generator((8, 8, 1), output_channels=3, width=8, residual_blocks=2)
    assert [tensor.name for tensor in generator.inputs] == ["image"]
    assert generator.output_shape == (None, 8, 8, 3)
    assert sum(isinstance(layer, keras.layers.Add) for layer in generator.layers) == 2
    images = np.random.default_rng(0).uniform(-1, 1, (3, 8, 8, 1)).astype("float32")
    translated = generator(images, training=True).numpy()
    assert np.abs(translated).max() <= 1.0
    # Instance norm: an image's translation does not depend on the rest of its
    # batch, even in training mode (batch norm's would).
    np.testing.assert_allclose(generator(images[:1], training=True).numpy(), translated[:1], atol=1e-5)
    assert resnet_generator((16, 16, 3), width=4, residual_blocks=1).output_shape == (None, 16, 16, 3)


def test_resnet_generator_exports_to_onnx_matching_keras(tmp_path):
    import logging

    import onnxruntime
    import tf2onnx

    generator = resnet_generator((8, 8, 1), output_channels=3, width=8, residual_blocks=2)
    specs = [tf.TensorSpec((None, 8, 8, 1), tf.float32, name="image")]
    # The output needs a name of its own: an ONNX graph cannot have an input and
    # an output both called "image".
    function = tf.function(lambda image: {"translated": generator(image, training=False)}, input_signature=specs)
    logging.getLogger("tf2onnx").setLevel(logging.WARNING)
    proto, _ = tf2onnx.convert.from_function(function, input_signature=specs, opset=17)
    session = onnxruntime.InferenceSession(proto.SerializeToString())
    assert [value.name for value in session.get_inputs()] == ["image"]
    images = np.random.default_rng(1).uniform(-1, 1, (5, 8, 8, 1)).astype("float32")
    (onnx_images,) = session.run(["translated"], {"image": images})
    np.testing.assert_allclose(onnx_images, generator(images, training=False).numpy(), atol=1e-4)
    # The reflection padding travels through Keras saving too.
    generator.save(tmp_path / "generator.keras")
    restored = keras.saving.load_model(tmp_path / "generator.keras")
    np.testing.assert_allclose(restored(images).numpy(), generator(images).numpy(), atol=1e-6)


def test_reflection_padding_mirrors_without_repeating_the_border():
    row = np.arange(4, dtype="float32").reshape(1, 1, 4, 1)
    padded = ReflectionPadding2D(2)(np.repeat(row, 3, axis=1)).numpy()
    np.testing.assert_array_equal(padded[0, 2, :, 0], [2, 1, 0, 1, 2, 3, 2, 1])


def test_patchgan_scores_patches():
    discriminator = patchgan_discriminator((16, 16, 3), width=8, downsamples=3)
    assert [tensor.name for tensor in discriminator.inputs] == ["sample"]
    assert discriminator.output_shape == (None, 2, 2, 1)
    assert patchgan_discriminator((8, 8, 1), width=4, downsamples=2).output_shape == (None, 2, 2, 1)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: resnet_generator((10, 10, 1), width=4), "multiples of 4 and at least 8, got 10x10"),
        (lambda: resnet_generator((8, 8), width=4), r"image shape \(height, width, channels\)"),
        (lambda: resnet_generator((8, 8, 1), residual_blocks=-1), "residual_blocks must be"),
        (lambda: patchgan_discriminator((8, 8, 1), downsamples=3), "multiples of 8 and at least 16, got 8x8"),
        (lambda: ReflectionPadding2D(-1), "padding must be a non-negative integer"),
    ],
)
def test_translation_networks_reject_bad_shapes(build, message):
    with pytest.raises(ValueError, match=message):
        build()


# === CoGAN networks ===


def variable_ids(model):
    return {id(variable) for variable in model.trainable_variables}


def test_coupled_generators_share_their_first_layers():
    networks = coupled_generators(4, (16, 16, 1), (16, 16, 3), width=8, private_layers=2)
    shared = [layer.name for layer in networks.a.layers if layer.weights and not layer.name.startswith("a_")]
    assert shared == ["project", "project_bn"]
    for name in shared:
        assert networks.a.get_layer(name) is networks.b.get_layer(name) is networks.pair.get_layer(name)
    assert networks.a.get_layer("a_up_0") is not networks.b.get_layer("b_up_0")
    common = variable_ids(networks.a) & variable_ids(networks.b)
    assert common == {id(v) for name in shared for v in networks.a.get_layer(name).trainable_variables}
    # The pair decodes one z into both images, the same as the two single models.
    z = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    pair = networks.pair(z, training=False)
    assert sorted(pair) == ["image_a", "image_b"]
    assert pair["image_a"].shape == (3, 16, 16, 1) and pair["image_b"].shape == (3, 16, 16, 3)
    np.testing.assert_allclose(pair["image_a"], networks.a(z, training=False), atol=1e-6)
    np.testing.assert_allclose(pair["image_b"], networks.b(z, training=False), atol=1e-6)


def test_one_update_of_generator_a_moves_the_shared_layers_of_b():
    networks = coupled_generators(4, (8, 8, 1), width=8)
    z = np.random.default_rng(0).standard_normal((4, 4)).astype("float32")
    private_b = [v.numpy().copy() for v in networks.b.get_layer("b_to_image").trainable_variables]
    shared_before = networks.b.get_layer("project").kernel.numpy().copy()
    image_b_before = networks.b(z, training=False).numpy()
    optimizer = keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(networks.a(z, training=True))
    variables = networks.a.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    assert not np.allclose(networks.b.get_layer("project").kernel.numpy(), shared_before)
    for before, variable in zip(private_b, networks.b.get_layer("b_to_image").trainable_variables):
        np.testing.assert_array_equal(variable.numpy(), before)
    assert not np.allclose(networks.b(z, training=False).numpy(), image_b_before)


def test_coupled_discriminators_share_their_last_layers():
    networks = coupled_discriminators((16, 16, 1), (16, 16, 3), width=8, private_layers=1)
    assert networks.a.get_layer("down_1") is networks.b.get_layer("down_1")
    assert networks.a.get_layer("score") is networks.b.get_layer("score")
    assert networks.a.get_layer("a_down_0") is not networks.b.get_layer("b_down_0")
    images_b = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    images_a = images_b[..., :1]
    scores = networks.pair({"sample_a": images_a, "sample_b": images_b}, training=False)
    np.testing.assert_allclose(scores["score_b"], networks.b(images_b, training=False), atol=1e-6)
    # One update of discriminator b moves the head that discriminator a uses.
    score_head = networks.a.get_layer("score").kernel.numpy().copy()
    private_a = networks.a.get_layer("a_down_0").kernel.numpy().copy()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(networks.b(images_b, training=True))
    variables = networks.b.trainable_variables
    keras.optimizers.SGD(0.1).apply_gradients(zip(tape.gradient(loss, variables), variables))
    assert not np.allclose(networks.a.get_layer("score").kernel.numpy(), score_head)
    np.testing.assert_array_equal(networks.a.get_layer("a_down_0").kernel.numpy(), private_a)


def test_coupled_pair_generator_saves_and_exports_both_images(tmp_path):
    import logging

    import onnxruntime
    import tf2onnx

    pair = coupled_generators(4, (8, 8, 1), (8, 8, 3), width=8).pair
    z = np.random.default_rng(2).standard_normal((5, 4)).astype("float32")
    expected = {name: images.numpy() for name, images in pair(z, training=False).items()}
    pair.save(tmp_path / "pair.keras")
    restored = keras.saving.load_model(tmp_path / "pair.keras")
    for name, images in restored(z, training=False).items():
        np.testing.assert_allclose(images.numpy(), expected[name], atol=1e-6)
    specs = [tf.TensorSpec((None, 4), tf.float32, name="z")]
    function = tf.function(lambda z: pair(z, training=False), input_signature=specs)
    logging.getLogger("tf2onnx").setLevel(logging.WARNING)
    proto, _ = tf2onnx.convert.from_function(function, input_signature=specs, opset=17)
    session = onnxruntime.InferenceSession(proto.SerializeToString())
    image_a, image_b = session.run(["image_a", "image_b"], {"z": z})
    np.testing.assert_allclose(image_a, expected["image_a"], atol=1e-4)
    np.testing.assert_allclose(image_b, expected["image_b"], atol=1e-4)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: coupled_generators(4, (8, 8, 1), width=8, private_layers=2), "between 1 and 1"),
        (lambda: coupled_generators(4, (16, 16, 1), width=8, private_layers=0), "between 1 and 2"),
        (lambda: coupled_generators(4, (8, 8, 1), (16, 16, 1)), "one size, got 8x8 .a. and 16x16 .b."),
        (lambda: coupled_discriminators((16, 16, 1), private_layers=3), "between 1 and 2"),
        (lambda: coupled_discriminators((16, 16, 1), normalization="instance"), "normalization must be one of"),
    ],
)
def test_coupled_networks_reject_bad_arguments(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_image_pool_runs_under_a_mirrored_strategy():
    strategy = mirrored_strategy()
    with strategy.scope():
        pool = ImagePool(pool_size=4, seed=1)
        pool.build((None, 2, 2, 1))
    step = tf.function(lambda images: strategy.run(pool, args=(images,)))
    data = tf.data.Dataset.from_tensor_slices(tagged(range(40))).batch(4)
    for batch in strategy.experimental_distribute_dataset(data):
        returned = [ids_of(part) for part in strategy.experimental_local_results(step(batch))]
        assert all(len(part) == 2 for part in returned)
    # One pool: full, holding fakes of the first replica (the first two of each batch of 4).
    stored = ids_of(pool.images.numpy())
    assert int(pool.count.numpy()) == 4 and len(set(stored)) == 4
    assert all(index % 4 in (0, 1) for index in stored)
