"""Named datasets: shapes, range, and clear errors for bad input. TensorFlow
Datasets are exercised offline with `tfds.testing.mock_data`."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

from zoo.data import digits_arrays, list_datasets, load_dataset


def first_batch(dataset):
    return next(iter(dataset))


def test_digits_is_bundled_resized_and_in_range():
    batch = first_batch(load_dataset("digits", batch_size=32, image_size=32))
    assert batch.shape == (32, 32, 32, 1) and batch.dtype == tf.float32
    assert float(tf.reduce_min(batch)) >= -1.0 and float(tf.reduce_max(batch)) <= 1.0
    # Digits have a black background and white strokes: both ends of the range occur.
    assert float(tf.reduce_min(batch)) < -0.99 and float(tf.reduce_max(batch)) > 0.9


def test_digits_splits_are_disjoint_and_complete():
    train, train_labels = digits_arrays(8, "train")
    test, _ = digits_arrays(8, "test")
    everything, _ = digits_arrays(8, "all")
    assert len(train) + len(test) == len(everything) == 1797
    assert set(train_labels) == set(range(10))
    # 8 px is the native size: the values are exactly pixel / 16 scaled to [-1, 1].
    np.testing.assert_allclose(np.unique(everything), np.arange(17) / 16 * 2 - 1, atol=1e-6)


def test_in_memory_data_runs_without_the_autotuner_and_decoded_data_with_it(tmp_path):
    # The autotuner slowed `fit` on the in-memory digits (bench/train_throughput.py);
    # folders and tfds decode files, where it tunes the parallel reads.
    assert load_dataset("digits", batch_size=8).options().autotune.enabled is False
    assert load_dataset("grid25", batch_size=8, num_samples=64).options().autotune.enabled is False
    for i in range(4):
        Image.fromarray(np.full((8, 8), 40 * i, np.uint8)).save(tmp_path / f"{i}.png")
    folder = load_dataset(str(tmp_path), batch_size=2, image_size=8)
    assert folder.options().autotune.enabled is not False
    # Same batches either way: only the pipeline's tuning differs.
    batch = first_batch(load_dataset("digits", batch_size=8, shuffle=False))
    np.testing.assert_array_equal(batch.numpy(), digits_arrays(16, "train")[0][:8])


def test_digits_with_labels_and_three_channels():
    images, labels = first_batch(load_dataset("digits", batch_size=8, image_size=16, channels=3, labels=True))
    assert images.shape == (8, 16, 16, 3) and labels.shape == (8,)
    np.testing.assert_array_equal(images[..., 0], images[..., 2])


def test_last_partial_batch_is_dropped():
    batches = list(load_dataset("digits", batch_size=500, image_size=8, split="all"))
    assert [len(batch) for batch in batches] == [500, 500, 500]


@pytest.mark.parametrize("name, native_channels", [("mnist", 1), ("cifar10", 3), ("fashion_mnist", 1)])
def test_tfds_image_datasets_load_offline_with_mock_data(name, native_channels):
    with tfds.testing.mock_data(num_examples=16):
        images, labels = first_batch(load_dataset(name, batch_size=4, image_size=32, labels=True))
        assert images.shape == (4, 32, 32, native_channels)
        assert float(tf.reduce_min(images)) >= -1.0 and float(tf.reduce_max(images)) <= 1.0
        assert labels.dtype == tf.int32
        rgb = first_batch(load_dataset(name, batch_size=4, image_size=16, channels=3))
        assert rgb.shape == (4, 16, 16, 3)


def test_tfds_non_square_images_are_centre_cropped():
    with tfds.testing.mock_data(num_examples=4):
        images = first_batch(load_dataset("celeb_a", batch_size=2, image_size=16))
    assert images.shape == (2, 16, 16, 3)


def write_images(folder, count, size=(20, 20), mode="RGB"):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        shape = size[::-1] + ((3,) if mode == "RGB" else ())
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(folder / f"{index}.png")


def test_image_folder_loads_recursively(tmp_path):
    write_images(tmp_path / "cats", 5)
    write_images(tmp_path / "dogs", 3)
    batches = list(load_dataset(str(tmp_path), batch_size=4, image_size=16))
    assert sum(len(batch) for batch in batches) == 8
    assert batches[0].shape == (4, 16, 16, 3)
    assert float(tf.reduce_min(batches[0])) >= -1.0 and float(tf.reduce_max(batches[0])) <= 1.0


def test_grayscale_folder_keeps_one_channel(tmp_path):
    write_images(tmp_path, 4, mode="L")
    assert first_batch(load_dataset(str(tmp_path), batch_size=2, image_size=8)).shape == (2, 8, 8, 1)


def test_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(ValueError, match="holds no images"):
        load_dataset(str(tmp_path))


def test_unreadable_image_is_named(tmp_path):
    write_images(tmp_path, 2)
    (tmp_path / "broken.png").write_bytes(b"this is not a png")
    with pytest.raises(ValueError, match="Unreadable image .*broken.png"):
        load_dataset(str(tmp_path))


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_dataset(str(tmp_path / "nowhere"))


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Known: digits, ring8, grid25, swissroll"):
        load_dataset("imagenet-but-misspelled")
    assert "digits" in list_datasets()


def test_tfds_dataset_without_images_is_refused():
    with pytest.raises(ValueError, match="not an image dataset"):
        load_dataset("imdb_reviews")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"channels": 2}, "channels must be 1"),
        ({"channels": 4}, "channels must be 1"),
        ({"batch_size": 0}, "batch_size"),
        ({"image_size": -3}, "image_size"),
        ({"split": "validation"}, "splits"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_dataset("digits", **kwargs)


@pytest.mark.parametrize("name", ["ring8", "grid25", "swissroll"])
def test_two_dimensional_mixtures_by_name(name):
    batch = first_batch(load_dataset(name, batch_size=64, num_samples=256))
    assert batch.shape == (64, 2) and batch.dtype == tf.float32


# === Labels for conditional families ===


def test_image_folder_with_a_sub_folder_per_class_gives_labels(tmp_path):
    write_images(tmp_path / "cats", 5, mode="L")
    write_images(tmp_path / "dogs", 3, mode="L")
    batches = list(load_dataset(str(tmp_path), batch_size=8, image_size=8, labels=True, shuffle=False))
    images, labels = batches[0]
    assert images.shape == (8, 8, 8, 1) and labels.dtype == tf.int32
    # Sub-folders numbered in sorted order: five cats (0), three dogs (1).
    assert sorted(labels.numpy().tolist()) == [0] * 5 + [1] * 3


@pytest.mark.parametrize("layout, message", [("loose", "lies directly in it"), ("one", "1 class folder")])
def test_image_folder_that_cannot_give_labels_is_a_clear_error(tmp_path, layout, message):
    write_images(tmp_path / "cats", 3)
    if layout == "loose":
        write_images(tmp_path, 1)
    with pytest.raises(ValueError, match=f"cannot give labels: it needs one sub-folder of images per class.*{message}"):
        load_dataset(str(tmp_path), labels=True)


def test_tfds_dataset_without_a_label_feature_cannot_give_labels():
    with tfds.testing.mock_data(num_examples=4), pytest.raises(ValueError, match="'celeb_a' has no 'label'"):
        load_dataset("celeb_a", image_size=16, labels=True)
