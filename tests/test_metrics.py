"""Tests for zoo.metrics: scores against closed forms and hand-computed values, and the
feature extractors' shapes, offline behaviour and shipped digits weights."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import scipy.linalg

from zoo.metrics import (
    INCEPTION_NOTOP_WEIGHTS_FILE,
    INCEPTION_TOP_WEIGHTS_FILE,
    FeatureStatistics,
    InceptionPreprocessing,
    compute_features,
    compute_probabilities,
    density_coverage,
    digits_classifier,
    digits_feature_extractor,
    fid,
    frechet_distance,
    inception_classifier,
    inception_extractor,
    inception_score,
    kid,
    precision_recall,
)
from zoo.metrics.train_digits_classifier import REQUIRED_ACCURACY, digits_split


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


# === Fréchet distance / FID ===


def test_frechet_distance_of_diagonal_gaussians_matches_closed_form(rng):
    # For diagonal covariances the matrices commute and the distance reduces to
    # ||mu1 - mu2||² + Σ (std1 - std2)².
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    std1, std2 = rng.uniform(0.5, 2.0, size=6), rng.uniform(0.5, 2.0, size=6)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((std1 - std2) ** 2)
    got = frechet_distance(mu1, np.diag(std1**2), mu2, np.diag(std2**2))
    assert got == pytest.approx(expected, rel=1e-10)


def test_frechet_distance_of_full_covariances_matches_sqrtm_reference(rng):
    a, b = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    sigma1, sigma2 = a @ a.T + 0.1 * np.eye(5), b @ b.T + 0.1 * np.eye(5)
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    reference = np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2 - 2 * scipy.linalg.sqrtm(sigma1 @ sigma2).real)
    assert frechet_distance(mu1, sigma1, mu2, sigma2) == pytest.approx(reference, rel=1e-8)


def test_fid_of_large_samples_approaches_the_closed_form(rng):
    mu1, mu2 = np.array([0.0, 1.0, -1.0]), np.array([0.5, 1.0, 0.0])
    std1, std2 = np.array([1.0, 2.0, 0.5]), np.array([1.5, 1.0, 0.5])
    features_a = mu1 + std1 * rng.normal(size=(50_000, 3))
    features_b = mu2 + std2 * rng.normal(size=(50_000, 3))
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((std1 - std2) ** 2)  # 3.5
    assert fid(features_a, features_b) == pytest.approx(expected, abs=0.05)


def test_fid_is_zero_on_identical_sets_and_symmetric(rng):
    features_a = rng.normal(size=(300, 16))
    features_b = rng.normal(loc=0.3, size=(200, 16))
    assert fid(features_a, features_a) == pytest.approx(0.0, abs=1e-8)
    assert fid(features_a, features_b) > 1.0
    assert fid(features_a, features_b) == pytest.approx(fid(features_b, features_a), rel=1e-9)


def test_fid_stays_exact_with_singular_covariances(rng):
    # 20 samples in 64 dimensions: rank-deficient covariances, where sqrtm(S1 @ S2)
    # returns complex parts. The distance of a set to itself must still be 0, and to a
    # shifted copy exactly the squared shift.
    features = rng.normal(size=(20, 64))
    shift = np.full(64, 0.25)
    assert fid(features, features) == pytest.approx(0.0, abs=1e-8)
    assert fid(features, features + shift) == pytest.approx(np.sum(shift**2), rel=1e-8)


# === Streaming statistics ===


def test_feature_statistics_streamed_in_batches_match_the_one_shot_path(rng):
    features_a = rng.normal(size=(257, 12))
    features_b = rng.normal(loc=0.5, scale=1.5, size=(131, 12))
    stats_a, stats_b = FeatureStatistics(), FeatureStatistics()
    # Uneven batches, including a single row and an empty batch.
    for start, stop in ((0, 1), (1, 100), (100, 100), (100, 257)):
        stats_a.update(features_a[start:stop])
    for batch in np.array_split(features_b, 5):
        stats_b.update(batch)
    assert stats_a.count == 257
    np.testing.assert_allclose(stats_a.mean, features_a.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(stats_a.covariance, np.cov(features_a, rowvar=False), atol=1e-12)
    assert stats_a.frechet_distance(stats_b) == pytest.approx(fid(features_a, features_b), rel=1e-10)


def test_feature_statistics_covariance_survives_a_large_mean_offset(rng):
    # Σ x x^T - n mean mean^T would lose the unit variance to cancellation at 1e6.
    features = 1e6 + rng.normal(size=(1000, 4))
    stats = FeatureStatistics()
    for batch in np.array_split(features, 10):
        stats.update(batch)
    np.testing.assert_allclose(stats.covariance, np.cov(features, rowvar=False), atol=1e-6)


# === KID ===


def _kid_by_definition(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² with k(a, b) = (a·b / d + 1)³, written as explicit sums."""
    m, dim = x.shape

    def kernel(a, b):
        return (a @ b / dim + 1.0) ** 3

    within_x = sum(kernel(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    within_y = sum(kernel(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    across = sum(kernel(x[i], y[j]) for i in range(m) for j in range(m))
    return within_x / (m * (m - 1)) + within_y / (m * (m - 1)) - 2 * across / m**2


def test_kid_matches_the_unbiased_mmd_definition(rng):
    x, y = rng.normal(size=(8, 3)), rng.normal(loc=0.5, size=(8, 3))
    # One subset of the full size is a permutation of each set, and MMD² ignores order.
    mean, std = kid(x, y, num_subsets=1, subset_size=8)
    assert mean == pytest.approx(_kid_by_definition(x, y), rel=1e-10)
    assert std == 0.0


def test_kid_is_near_zero_for_one_distribution_and_positive_for_shifted(rng):
    features_a = rng.normal(size=(1000, 16))
    features_b = rng.normal(size=(1000, 16))
    same_mean, same_std = kid(features_a, features_b, num_subsets=20, subset_size=500)
    shifted_mean, _ = kid(features_a, features_b + 1.0, num_subsets=20, subset_size=500)
    assert abs(same_mean) < 0.02
    assert same_std < 0.05
    assert shifted_mean > 1.0


def test_kid_clips_the_subset_size_to_the_smaller_set(rng):
    mean, _ = kid(rng.normal(size=(30, 4)), rng.normal(loc=3.0, size=(50, 4)), num_subsets=5)
    assert np.isfinite(mean) and mean > 0.5


# === Inception Score ===


def test_inception_score_is_one_for_constant_predictions():
    probabilities = np.tile([0.7, 0.2, 0.1], (100, 1))
    mean, std = inception_score(probabilities, num_splits=10)
    assert mean == pytest.approx(1.0, abs=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_inception_score_is_the_class_count_for_confident_uniform_predictions():
    num_classes = 7
    # 10 splits of 7 rows, each split holding every class once.
    probabilities = np.tile(np.eye(num_classes), (10, 1))
    mean, std = inception_score(probabilities, num_splits=10)
    assert mean == pytest.approx(num_classes, rel=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_inception_score_matches_a_hand_computed_value():
    probabilities = np.array([[1.0, 0.0], [0.5, 0.5]])
    # p(y) = [0.75, 0.25]; KL_1 = log(1 / 0.75); KL_2 = 0.5 log(0.5 / 0.75) + 0.5 log(2).
    kl_1 = np.log(1 / 0.75)
    kl_2 = 0.5 * np.log(0.5 / 0.75) + 0.5 * np.log(0.5 / 0.25)
    mean, _ = inception_score(probabilities, num_splits=1)
    assert mean == pytest.approx(np.exp((kl_1 + kl_2) / 2), rel=1e-12)


# === Precision / recall, density / coverage ===


def test_precision_recall_match_hand_computed_values():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])  # k=1 radii: all 1
    fake = np.array([[0.5], [10.0], [4.5]])  # k=1 radii: 4, 5.5, 4
    precision, recall = precision_recall(real, fake, k=1)
    assert precision == pytest.approx(1 / 3)  # only 0.5 is within 1 of a real
    assert recall == pytest.approx(1.0)  # every real is within 4 of 0.5


def test_density_coverage_match_hand_computed_values():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])  # k=1 radii: all 1
    fake = np.array([[0.5], [10.0], [20.0]])
    density, coverage = density_coverage(real, fake, k=1)
    assert density == pytest.approx(2 / 3)  # 0.5 lies in 2 balls; 2 / (k * 3)
    assert coverage == pytest.approx(0.5)  # only the balls of 0 and 1 hold a fake


def test_manifold_metrics_on_identical_sets(rng):
    real = rng.normal(size=(500, 8))
    assert precision_recall(real, real.copy(), k=3) == (1.0, 1.0)
    density, coverage = density_coverage(real, real.copy(), k=5)
    assert coverage == 1.0
    assert density == pytest.approx(1.0, abs=0.02)


def test_manifold_metrics_separate_same_and_far_shifted_distributions(rng):
    real = rng.normal(size=(800, 8))
    same = rng.normal(size=(800, 8))
    far = rng.normal(loc=10.0, size=(800, 8))
    precision_same, recall_same = precision_recall(real, same, k=3)
    density_same, coverage_same = density_coverage(real, same, k=5)
    assert precision_same > 0.6 and recall_same > 0.6
    assert density_same == pytest.approx(1.0, abs=0.15)
    assert coverage_same > 0.9
    precision_far, recall_far = precision_recall(real, far, k=3)
    density_far, coverage_far = density_coverage(real, far, k=5)
    assert precision_far == 0.0 and recall_far == 0.0
    assert density_far == 0.0 and coverage_far == 0.0
    # Half the fakes collapsed far away: precision halves, coverage stays high.
    half_bad = np.concatenate([same[:400], far[:400]])
    precision_half, _ = precision_recall(real, half_bad, k=3)
    assert precision_half == pytest.approx(precision_same / 2, abs=0.08)


# === Input validation ===


_POINTS = np.random.default_rng(0).normal(size=(10, 4))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: fid(_POINTS, _POINTS[:, :3]), "different feature dimensions"),
        (lambda: fid(_POINTS[:1], _POINTS), "at least 2 samples"),
        (lambda: fid(_POINTS[0], _POINTS), "2-D"),
        (lambda: fid(np.full((5, 4), np.nan), _POINTS), "NaN"),
        (lambda: frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4)), "dimension"),
        (lambda: frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3)), "sigma1"),
        (lambda: kid(_POINTS, _POINTS[:, :2]), "different feature dimensions"),
        (lambda: kid(_POINTS, _POINTS, num_subsets=0), "num_subsets"),
        (lambda: inception_score(np.array([[1.5, -0.5]])), "non-negative"),
        (lambda: inception_score(np.array([[0.5, 0.4]])), "sum to 1"),
        (lambda: inception_score(np.eye(3), num_splits=4), "num_splits"),
        (lambda: precision_recall(_POINTS, _POINTS, k=10), "k=10"),
        (lambda: precision_recall(_POINTS, _POINTS[:3], k=3), "fake_features has 3"),
        (lambda: precision_recall(_POINTS, _POINTS, k=0), "positive integer"),
        (lambda: density_coverage(_POINTS[:5], _POINTS, k=5), "real_features has 5"),
        (lambda: density_coverage(_POINTS, _POINTS[:, :2]), "different feature dimensions"),
        (lambda: FeatureStatistics().update(_POINTS[:1]).covariance, "at least 2 samples"),
        (lambda: FeatureStatistics().mean, "no samples"),
        (lambda: FeatureStatistics().update(_POINTS).update(_POINTS[:, :3]), "dimension 3"),
    ],
)
def test_bad_inputs_raise_clear_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# === InceptionV3 ===


def test_inception_preprocessing_tiles_grayscale_and_resizes():
    gray = np.random.default_rng(0).uniform(-1, 1, size=(2, 16, 16, 1)).astype("float32")
    layer = InceptionPreprocessing()
    from_gray = keras.ops.convert_to_numpy(layer(gray))
    from_rgb = keras.ops.convert_to_numpy(layer(np.tile(gray, (1, 1, 1, 3))))
    assert from_gray.shape == (2, 299, 299, 3)
    np.testing.assert_array_equal(from_gray, from_rgb)
    # Bilinear resizing interpolates, so values stay inside the input range.
    assert from_gray.min() >= -1.0 and from_gray.max() <= 1.0
    with pytest.raises(ValueError, match="1- or 3-channel"):
        layer(np.zeros((1, 8, 8, 2), "float32"))


def test_inception_extractor_gives_2048_features_for_any_size_and_channels():
    # The one InceptionV3 forward test: it is slow on CPU, so two images per input.
    extractor = inception_extractor(weights=None)
    rng = np.random.default_rng(0)
    gray_16 = rng.uniform(-1, 1, size=(2, 16, 16, 1)).astype("float32")
    rgb_32 = rng.uniform(-1, 1, size=(2, 32, 32, 3)).astype("float32")
    features_gray = compute_features(extractor, gray_16)
    features_rgb = compute_features(extractor, rgb_32, batch_size=1)
    assert features_gray.shape == (2, 2048)
    assert features_rgb.shape == (2, 2048)
    assert np.all(np.isfinite(features_rgb))
    assert not np.allclose(features_rgb[0], features_rgb[1])


@pytest.fixture
def empty_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / ".keras"))
    return tmp_path / ".keras" / "models"


def test_inception_imagenet_weights_missing_offline_raise_a_clear_error(empty_keras_cache):
    with pytest.raises(FileNotFoundError) as error:
        inception_extractor(weights="imagenet")
    assert INCEPTION_NOTOP_WEIGHTS_FILE in str(error.value)
    assert str(empty_keras_cache) in str(error.value)
    with pytest.raises(FileNotFoundError, match=INCEPTION_TOP_WEIGHTS_FILE):
        inception_classifier(weights="imagenet")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        inception_extractor(weights=str(empty_keras_cache / "nowhere.h5"))


def test_inception_corrupt_cached_weights_raise_a_clear_error(empty_keras_cache):
    empty_keras_cache.mkdir(parents=True)
    (empty_keras_cache / INCEPTION_NOTOP_WEIGHTS_FILE).write_bytes(b"half a download")
    with pytest.raises(ValueError, match="incomplete or corrupt"):
        inception_extractor(weights="imagenet")


# === Digits classifier ===


@pytest.fixture(scope="module")
def shipped_digits_classifier() -> keras.Model:
    return digits_classifier()


@pytest.mark.parametrize("size", [16, 32])
def test_shipped_digits_classifier_is_accurate_on_held_out_digits(shipped_digits_classifier, size):
    _, (held_out_images, held_out_labels) = digits_split(size)
    probabilities = compute_probabilities(shipped_digits_classifier, held_out_images)
    accuracy = np.mean(np.argmax(probabilities, axis=1) == held_out_labels)
    assert accuracy >= REQUIRED_ACCURACY
    # Confident and spread over all ten digits, so the IS is close to 10.
    assert inception_score(probabilities, num_splits=1)[0] > 8.0


def test_digits_features_are_the_classifier_penultimate_layer(shipped_digits_classifier):
    _, (held_out_images, _) = digits_split(16)
    images = held_out_images[:50]
    extractor = digits_feature_extractor(shipped_digits_classifier)
    features = compute_features(extractor, images, batch_size=16)
    assert features.shape == (50, 64)
    np.testing.assert_allclose(features, compute_features(extractor, images), atol=1e-5)
    # The softmax layer applied to these features reproduces the classifier's output.
    kernel, bias = shipped_digits_classifier.get_layer("probabilities").get_weights()
    logits = features @ kernel + bias
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    probabilities = compute_probabilities(shipped_digits_classifier, images)
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)


def test_digits_fid_ranks_real_digits_above_noise(shipped_digits_classifier):
    (train_images, _), (held_out_images, _) = digits_split(16)
    extractor = digits_feature_extractor(shipped_digits_classifier)
    noise = np.random.default_rng(0).uniform(-1, 1, size=held_out_images.shape).astype("float32")
    train_features = compute_features(extractor, train_images)
    fid_real = fid(train_features, compute_features(extractor, held_out_images))
    fid_noise = fid(train_features, compute_features(extractor, noise))
    assert fid_real * 10 < fid_noise


def test_compute_probabilities_rejects_logits_unless_told():
    logits_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    inputs = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    with pytest.raises(ValueError, match="from_logits=True"):
        compute_probabilities(logits_model, inputs)
    probabilities = compute_probabilities(logits_model, inputs, from_logits=True)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-12)
