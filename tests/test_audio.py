"""Audio data (synthetic drums, WAV folders, TFDS audio sets) and the shipped drums
classifier with its audio IS / FID. TensorFlow Datasets run offline on mock data."""

from __future__ import annotations

import re
import wave

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from zoo.data import list_datasets, load_dataset
from zoo.data.audio import DRUM_INSTRUMENTS, drum_clip, drums_arrays
from zoo.metrics import audio as audio_metrics
from zoo.metrics.train_drums_classifier import REQUIRED_ACCURACY, held_out

SHORT = 2_048  # samples: tests use short clips


def spectral_centroid(clips: np.ndarray, sample_rate: int = 16_000) -> np.ndarray:
    spectrum = np.abs(np.fft.rfft(clips[..., 0], axis=1))
    frequencies = np.fft.rfftfreq(clips.shape[1], 1 / sample_rate)
    return (spectrum * frequencies).sum(axis=1) / spectrum.sum(axis=1)


def write_wav(path, samples: np.ndarray, sample_rate: int = 16_000, sample_width: int = 2) -> np.ndarray:
    """Write (frames, channels) samples in [-1, 1] as PCM; returns the int16 values written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = np.asarray(samples, dtype=np.float64)
    samples = samples[:, None] if samples.ndim == 1 else samples
    pcm = np.round(samples * 32767).astype("<i2")
    with wave.open(str(path), "wb") as file:
        file.setnchannels(samples.shape[1])
        file.setsampwidth(sample_width)
        file.setframerate(sample_rate)
        file.writeframes(pcm.tobytes() if sample_width == 2 else pcm.astype("<i4").tobytes())
    return pcm


# === Synthetic drums ===


def test_drums_are_deterministic_for_a_seed_and_differ_between_seeds():
    clips, labels = drums_arrays(9, SHORT, seed=3)
    again, again_labels = drums_arrays(9, SHORT, seed=3)
    other, _ = drums_arrays(9, SHORT, seed=4)
    np.testing.assert_array_equal(clips, again)
    np.testing.assert_array_equal(labels, again_labels)
    assert not np.allclose(clips, other)
    # Clip i depends on (seed, i) only: drawn alone or in a batch it is the same.
    np.testing.assert_array_equal(drum_clip(7, seed=3, clip_length=SHORT)[0], clips[7])
    np.testing.assert_array_equal(drums_arrays(2, SHORT, seed=3, start=7)[0], clips[7:])


def test_drums_are_mono_clips_in_range_labelled_by_instrument():
    clips, labels = drums_arrays(30, SHORT, seed=0)
    assert clips.shape == (30, SHORT, 1) and clips.dtype == np.float32
    assert np.abs(clips).max() <= 1.0 and np.abs(clips).max(axis=1).min() >= 0.45  # audible, not clipped
    assert DRUM_INSTRUMENTS == ("kick", "snare", "hihat")
    np.testing.assert_array_equal(np.bincount(labels), [10, 10, 10])


def test_the_three_instruments_differ_in_spectral_centroid():
    clips, labels = drums_arrays(60, 4_096, seed=5)
    centroid = spectral_centroid(clips)
    kick, snare, hihat = (centroid[labels == label] for label in range(3))
    # Kicks are low, snares broadband, hi-hats high: the ranges do not even overlap.
    assert kick.max() < snare.min() and snare.max() < hihat.min()
    assert kick.mean() < 1_500 < snare.mean() < 5_000 < hihat.mean()


def test_load_dataset_drums_batches_match_the_arrays():
    assert "drums" in list_datasets()
    dataset = load_dataset("drums", batch_size=6, clip_length=SHORT, labels=True, shuffle=False, seed=2, num_samples=12)
    batches = list(dataset)
    assert len(batches) == 2
    audio, labels = batches[0]
    assert audio.shape == (6, SHORT, 1) and audio.dtype == tf.float32 and labels.dtype == tf.int32
    clips, expected_labels = drums_arrays(6, SHORT, seed=2)
    np.testing.assert_array_equal(audio.numpy(), clips)
    np.testing.assert_array_equal(labels.numpy(), expected_labels)
    shuffled = next(iter(load_dataset("drums", batch_size=12, clip_length=SHORT, seed=2, num_samples=12)))
    assert shuffled.shape == (12, SHORT, 1)
    # Shuffling reorders the same clips.
    all_clips, _ = drums_arrays(12, SHORT, seed=2)
    assert sorted(shuffled.numpy()[:, 100, 0].tolist()) == sorted(all_clips[:, 100, 0].tolist())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"clip_length": 0}, "clip_length must be a positive number"),
        ({"clip_length": 10.5}, "clip_length must be a positive number"),
        ({"sample_rate": -1}, "sample_rate must be a positive number"),
        ({"num_samples": 0}, "num_samples"),
    ],
)
def test_bad_audio_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_dataset("drums", **kwargs)


# === WAV folders ===


def test_wav_folder_is_mono_cropped_padded_and_labelled_by_subfolder(tmp_path):
    rng = np.random.default_rng(0)
    long = write_wav(tmp_path / "kick" / "long.wav", rng.uniform(-0.9, 0.9, 3_000))
    short = write_wav(tmp_path / "snare" / "short.wav", rng.uniform(-0.9, 0.9, 500))
    audio, labels = next(iter(load_dataset(str(tmp_path), batch_size=2, clip_length=1_000, labels=True, shuffle=False)))
    assert audio.shape == (2, 1_000, 1) and audio.dtype == tf.float32
    np.testing.assert_array_equal(labels.numpy(), [0, 1])  # sorted sub-folder names
    np.testing.assert_allclose(audio[0, :, 0], long[:1_000, 0] / 32768, atol=1e-6)  # first 1,000 samples
    np.testing.assert_allclose(audio[1, :500, 0], short[:, 0] / 32768, atol=1e-6)
    np.testing.assert_array_equal(audio[1, 500:].numpy(), 0.0)  # padded with silence


def test_wav_folder_without_subfolders_is_unlabelled(tmp_path):
    for index in range(3):
        write_wav(tmp_path / f"{index}.wav", np.full(100, 0.5))
    _, labels = next(iter(load_dataset(str(tmp_path), batch_size=3, clip_length=64, labels=True)))
    np.testing.assert_array_equal(labels.numpy(), [-1, -1, -1])


def bad_rate(path):
    write_wav(path, np.zeros(100), sample_rate=44_100)


def stereo(path):
    write_wav(path, np.zeros((100, 2)))


def empty(path):
    path.write_bytes(b"")


def corrupt(path):
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEthis is not audio at all")


def thirty_two_bit(path):
    write_wav(path, np.zeros(100), sample_width=4)


def no_samples(path):
    write_wav(path, np.zeros((0, 1)))


@pytest.mark.parametrize(
    "make_bad, message",
    [
        (bad_rate, r"sample rate of 44100 Hz, expected 16000 Hz"),
        (stereo, r"2 channels \(stereo\?\), but audio datasets are mono"),
        (empty, r"is empty \(0 bytes\)"),
        (corrupt, r"is corrupt or not 16-bit PCM"),
        (thirty_two_bit, r"is corrupt or not 16-bit PCM \(Can only read 16-bit WAV files"),
        (no_samples, r"holds no samples"),
    ],
)
def test_bad_wav_files_are_named_in_a_clear_error(tmp_path, make_bad, message):
    write_wav(tmp_path / "good.wav", np.zeros(100))
    bad = tmp_path / "zz_bad.wav"
    make_bad(bad)
    before = sorted((path.name, path.stat().st_size) for path in tmp_path.iterdir())
    with pytest.raises(ValueError, match=re.escape(f"WAV file {bad} ") + ".*" + message) as error:
        load_dataset(str(tmp_path), clip_length=64)
    assert "\n" not in str(error.value)
    assert sorted((path.name, path.stat().st_size) for path in tmp_path.iterdir()) == before


def test_a_folder_of_images_is_still_an_image_folder(tmp_path):
    from PIL import Image

    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(tmp_path / "b.png")
    assert next(iter(load_dataset(str(tmp_path), batch_size=2, image_size=8))).shape == (2, 8, 8, 1)


# === TensorFlow Datasets ===


@pytest.mark.parametrize("name, num_classes", [("speech_commands", 12), ("nsynth", 11)])
def test_tfds_audio_sets_load_offline_with_mock_data(name, num_classes):
    with tfds.testing.mock_data(num_examples=8):
        audio, labels = next(iter(load_dataset(name, batch_size=4, clip_length=256, labels=True)))
        assert audio.shape == (4, 256, 1) and audio.dtype == tf.float32
        assert float(tf.reduce_min(audio)) >= -1.0 and float(tf.reduce_max(audio)) <= 1.0
        assert float(tf.reduce_max(tf.abs(audio))) > 0.0
        assert labels.dtype == tf.int32
        assert np.all((labels.numpy() >= 0) & (labels.numpy() < num_classes))


def test_speech_commands_int16_is_scaled_by_full_scale():
    with tfds.testing.mock_data(num_examples=4):
        raw = next(iter(tfds.load("speech_commands", split="train", shuffle_files=False)))["audio"].numpy()
        audio = next(iter(load_dataset("speech_commands", batch_size=1, clip_length=4_000, shuffle=False)))
    length = min(len(raw), 4_000)
    np.testing.assert_allclose(audio[0, :length, 0].numpy(), raw[:length] / 32768, atol=1e-6)
    np.testing.assert_array_equal(audio[0, length:].numpy(), 0.0)


def test_tfds_audio_of_another_sample_rate_is_refused():
    refused = pytest.raises(ValueError, match=r"'nsynth' is sampled at 16000 Hz, expected 8000 Hz")
    with tfds.testing.mock_data(num_examples=4), refused:
        load_dataset("nsynth", sample_rate=8_000)


# === Drums classifier, audio IS and FID ===


@pytest.fixture(scope="module")
def classifier():
    return audio_metrics.drums_classifier()


@pytest.mark.parametrize("clip_length", [16_384, 4_096])
def test_shipped_drums_classifier_is_accurate_on_held_out_drums(classifier, clip_length):
    clips, labels = held_out(clip_length)
    probabilities = classifier.predict(clips, batch_size=256, verbose=0)
    assert np.mean(np.argmax(probabilities, axis=1) == labels) >= REQUIRED_ACCURACY


def test_audio_scores_rank_real_drums_above_white_noise(classifier):
    real, _ = drums_arrays(150, 4_096, seed=10)
    other_real, _ = drums_arrays(150, 4_096, seed=11)
    noise = np.random.default_rng(0).uniform(-1, 1, real.shape).astype("float32")
    kicks = real[::3]  # one instrument only: a collapsed generator
    real_scores = audio_metrics.evaluate_audio(other_real, real, ("fid", "is"), classifier=classifier, is_splits=1)
    noise_scores = audio_metrics.evaluate_audio(noise, real, ("fid", "is"), classifier=classifier, is_splits=1)
    kick_scores = audio_metrics.evaluate_audio(kicks, real, ("is",), classifier=classifier, is_splits=1)
    assert real_scores["fid"] < noise_scores["fid"] / 10
    # Three balanced, confidently classified instruments give an IS near 3; one gives 1.
    assert real_scores["is"] > 2.5 and kick_scores["is"] < 1.3


def test_audio_scores_of_a_generator_draw_its_samples(classifier):
    real, _ = drums_arrays(60, 1_024, seed=10)

    def drums_generator(n):  # a "generator" that draws real drums of another seed
        return drums_arrays(n, 1_024, seed=12)[0]

    latent = keras.Input((4,), name="z")
    untrained = keras.Model(latent, keras.layers.Reshape((1_024, 1))(keras.layers.Dense(1_024, "tanh")(latent)))
    good = audio_metrics.evaluate_audio_generator(drums_generator, real, ("fid",), classifier=classifier)
    bad = audio_metrics.evaluate_audio_generator(untrained, real, ("fid",), classifier=classifier, num_samples=30)
    same_seed = audio_metrics.evaluate_audio_generator(untrained, real, ("fid",), classifier=classifier, num_samples=30)
    assert good["fid"] < bad["fid"] / 10
    assert same_seed == bad  # the same seed draws the same noise


def test_audio_scores_refuse_bad_inputs(classifier):
    real, _ = drums_arrays(4, 512, seed=0)
    with pytest.raises(ValueError, match=r"Generated clips have 256 samples but real clips 512"):
        audio_metrics.evaluate_audio(real[:, :256], real, classifier=classifier)
    with pytest.raises(ValueError, match=r"generated audio must be mono clips shaped \(n, samples, 1\)"):
        audio_metrics.evaluate_audio(np.zeros((4, 512, 2)), real, classifier=classifier)
    with pytest.raises(ValueError, match="generated audio contains NaN"):
        audio_metrics.evaluate_audio(np.full((4, 512, 1), np.nan), real, classifier=classifier)
