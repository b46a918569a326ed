"""Tests for the 2-D toy mixtures and the VEEGAN / PacGAN mode-coverage metric."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from PIL import Image

from zoo.data.mixtures import (
    DATASET_NAMES,
    MIXTURES,
    Mixture,
    grid25,
    mixture_dataset,
    ring8,
    swissroll,
)
from zoo.metrics.mode_coverage import (
    NUM_EVAL_POINTS,
    ModeCoverage,
    mode_coverage,
    mode_coverage_for,
    scatter_plot,
)

# In 2-D, |x - c| / std is Rayleigh distributed: P(|x - c| <= 3 std) = 1 - exp(-9/2).
TRUE_HIGH_QUALITY_FRACTION = 1.0 - math.exp(-4.5)

EXPECTED_MODES = {"ring8": 8, "grid25": 25}


# === The mixtures ===


def test_every_mixture_has_a_known_mode_count():
    # Fails when a mixture is registered without thinking about its expected coverage.
    assert set(MIXTURES) == set(EXPECTED_MODES)


def test_ring8_has_eight_distinct_centres_on_the_unit_circle():
    mixture = ring8()
    assert mixture.centres.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(mixture.centres, axis=1), 1.0, atol=1e-12)
    pairwise = np.linalg.norm(mixture.centres[:, None] - mixture.centres[None], axis=-1)
    closest_pair = pairwise[~np.eye(8, dtype=bool)].min()
    # Neighbours 2*pi/8 apart on a unit circle are a chord 2 sin(pi/8) apart; a
    # duplicated centre (linspace with its end point) would make this 0.
    assert closest_pair == pytest.approx(2 * math.sin(math.pi / 8))
    angles = np.mod(np.arctan2(mixture.centres[:, 1], mixture.centres[:, 0]), 2 * math.pi)
    np.testing.assert_allclose(np.sort(angles), 2 * math.pi * np.arange(8) / 8, atol=1e-12)
    assert mixture.std == 0.01


def test_grid25_centres_are_the_5x5_grid():
    mixture = grid25()
    expected = set(itertools.product((-4.0, -2.0, 0.0, 2.0, 4.0), repeat=2))
    assert {tuple(centre) for centre in mixture.centres} == expected
    assert len(mixture.centres) == 25
    assert mixture.std == 0.05


def test_mixture_centres_cannot_be_modified():
    mixture = grid25()
    with pytest.raises(ValueError):
        mixture.centres[0, 0] = 100.0


@pytest.mark.parametrize("name", sorted(MIXTURES))
def test_sample_is_an_equal_weight_gaussian_mixture(name):
    mixture = MIXTURES[name]()
    points = mixture.sample(20_000, seed=0)
    assert points.shape == (20_000, 2)
    assert points.dtype == np.float32

    nearest = np.argmin(np.linalg.norm(points[:, None] - mixture.centres[None], axis=-1), axis=1)
    per_mode = np.bincount(nearest, minlength=mixture.num_modes) / len(points)
    # Each mode holds 1/K of the mass; with 20,000 points the binomial std of a
    # fraction is under 0.003.
    np.testing.assert_allclose(per_mode, 1 / mixture.num_modes, atol=0.015)
    residuals = points - mixture.centres[nearest]
    np.testing.assert_allclose(residuals.std(axis=0), mixture.std, rtol=0.05)
    np.testing.assert_allclose(residuals.mean(axis=0), 0.0, atol=0.05 * mixture.std)


def test_sample_is_reproducible_with_a_seed():
    mixture = ring8()
    np.testing.assert_array_equal(mixture.sample(100, seed=7), mixture.sample(100, seed=7))
    assert not np.array_equal(mixture.sample(100, seed=7), mixture.sample(100, seed=8))


def test_density_at_a_well_separated_centre_is_one_kth_of_a_gaussian_peak():
    mixture = ring8()
    peak = 1.0 / (2 * math.pi * mixture.std**2)
    np.testing.assert_allclose(mixture.density(mixture.centres), peak / 8, rtol=1e-9)
    assert mixture.density([[10.0, 10.0]])[0] == 0.0


def test_density_integrates_to_one_and_matches_a_hand_computed_value():
    mixture = Mixture(name="two", centres=np.array([[0.0, 0.0], [1.0, 0.0]]), std=0.5)
    step = 0.02
    axis = np.arange(-5.0, 6.0, step)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    assert mixture.density(grid).sum() * step**2 == pytest.approx(1.0, abs=1e-6)

    # Halfway between the centres each Gaussian is at distance 0.5 = 1 std.
    expected = math.exp(-0.5) / (2 * math.pi * 0.25)
    assert mixture.density([[0.5, 0.0]])[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"centres": np.zeros((3, 3)), "std": 0.1},
        {"centres": np.zeros((0, 2)), "std": 0.1},
        {"centres": np.array([[0.0, np.nan]]), "std": 0.1},
        {"centres": np.zeros((1, 2)), "std": 0.0},
        {"centres": np.zeros((1, 2)), "std": -1.0},
        {"centres": np.zeros((1, 2)), "std": float("nan")},
    ],
)
def test_bad_mixture_raises(kwargs):
    with pytest.raises(ValueError):
        Mixture(name="bad", **kwargs)


def test_bad_sample_and_density_inputs_raise():
    mixture = ring8()
    with pytest.raises(ValueError, match="n must be"):
        mixture.sample(-1)
    with pytest.raises(ValueError, match="n must be"):
        mixture.sample(2.5)
    with pytest.raises(ValueError, match=r"shape \[n, 2\]"):
        mixture.density(np.zeros((4, 3)))


def test_swissroll_is_a_2d_roll_in_roughly_minus_two_to_two():
    points = swissroll(5_000, seed=0)
    assert points.shape == (5_000, 2)
    assert points.dtype == np.float32
    assert np.abs(points).max() < 2.5
    assert np.abs(points).max() > 1.5
    np.testing.assert_array_equal(points, swissroll(5_000, seed=0))

    # Without noise every point lies on the spiral r = t / 7.5, angle t, t in
    # [1.5 pi, 4.5 pi]: the radius and the unwrapped angle agree.
    clean = swissroll(1_000, noise=0.0, seed=1).astype(np.float64)
    radius = np.linalg.norm(clean, axis=1)
    t = radius * 7.5
    assert t.min() >= 1.5 * math.pi - 1e-4 and t.max() <= 4.5 * math.pi + 1e-4
    np.testing.assert_allclose(np.cos(t) * radius, clean[:, 0], atol=1e-4)
    np.testing.assert_allclose(np.sin(t) * radius, clean[:, 1], atol=1e-4)


# === The dataset ===


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_dataset_yields_float32_batches_of_the_requested_shape(name):
    dataset = mixture_dataset(name, num_samples=1_000, batch_size=64, seed=0)
    assert tuple(dataset.element_spec.shape) == (64, 2)
    batches = [batch.numpy() for batch in dataset]
    # drop_remainder: 1000 // 64 = 15 full batches, the last 40 points are dropped.
    assert len(batches) == 15
    assert all(batch.shape == (64, 2) and batch.dtype == np.float32 for batch in batches)


def test_dataset_is_deterministic_given_a_seed():
    def first_epoch(seed):
        dataset = mixture_dataset("grid25", num_samples=512, batch_size=128, seed=seed)
        return np.concatenate([batch.numpy() for batch in dataset])

    np.testing.assert_array_equal(first_epoch(3), first_epoch(3))
    assert not np.array_equal(first_epoch(3), first_epoch(4))


def test_dataset_is_shuffled_and_reshuffled_every_epoch():
    num_samples, seed = 512, 5
    dataset = mixture_dataset("ring8", num_samples=num_samples, batch_size=128, seed=seed)
    epoch_one = np.concatenate([batch.numpy() for batch in dataset])
    epoch_two = np.concatenate([batch.numpy() for batch in dataset])
    drawn = ring8().sample(num_samples, seed=seed)

    assert not np.array_equal(epoch_one, drawn)
    assert not np.array_equal(epoch_one, epoch_two)

    # Same points, new order.
    def by_rows(points):
        return points[np.lexsort(points.T[::-1])]

    np.testing.assert_array_equal(by_rows(epoch_one), by_rows(drawn))
    np.testing.assert_array_equal(by_rows(epoch_two), by_rows(drawn))


def test_unknown_dataset_name_lists_the_known_names():
    with pytest.raises(ValueError, match="ring8, grid25, swissroll"):
        mixture_dataset("ring9")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_samples": 0}, "num_samples"),
        ({"num_samples": -5}, "num_samples"),
        ({"num_samples": 100.0}, "num_samples"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"num_samples": 10, "batch_size": 64}, "larger than num_samples"),
    ],
)
def test_bad_dataset_sizes_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mixture_dataset("ring8", **kwargs)


# === Mode coverage ===


@pytest.mark.parametrize("name", sorted(MIXTURES))
def test_true_samples_capture_every_mode(name):
    points = MIXTURES[name]().sample(NUM_EVAL_POINTS, seed=0)
    coverage = mode_coverage_for(name, points)
    assert coverage.modes_captured == coverage.num_modes == EXPECTED_MODES[name]
    assert coverage.num_points == NUM_EVAL_POINTS
    assert sum(coverage.high_quality_per_mode) == round(coverage.high_quality_fraction * NUM_EVAL_POINTS)
    # ~98.9% by the Rayleigh law; the binomial std over 2,500 points is ~0.002.
    assert coverage.high_quality_fraction == pytest.approx(TRUE_HIGH_QUALITY_FRACTION, abs=0.01)


def test_point_mass_at_a_centre_captures_one_mode():
    mixture = grid25()
    points = np.tile(mixture.centres[7], (NUM_EVAL_POINTS, 1))
    coverage = mode_coverage_for("grid25", points)
    assert coverage.modes_captured == 1
    assert coverage.high_quality_fraction == 1.0
    assert coverage.high_quality_per_mode[7] == NUM_EVAL_POINTS


def test_point_mass_far_from_every_centre_captures_nothing():
    points = np.full((NUM_EVAL_POINTS, 2), 100.0)
    coverage = mode_coverage_for("grid25", points)
    assert coverage.modes_captured == 0
    assert coverage.high_quality_fraction == 0.0
    assert coverage.high_quality_per_mode == (0,) * 25


def test_hand_built_case_gives_exact_counts():
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    # std 1, num_std 3: high quality means within distance 3 of the nearest centre.
    points = np.array(
        [
            [0.0, 0.0],  # mode 0, distance 0: high quality
            [3.0, 0.0],  # mode 0, distance exactly 3: high quality (inclusive)
            [10.0, 2.0],  # mode 1, distance 2: high quality
            [4.0, 0.0],  # mode 0, distance 4: too far
            [0.0, 6.5],  # mode 2 (3.5 away, vs 6.5 from mode 0): too far
            [np.nan, 1.0],  # a diverged generator: never high quality
        ]
    )
    coverage = mode_coverage(points, centres, std=1.0, num_std=3.0)
    assert coverage == ModeCoverage(
        modes_captured=2,
        num_modes=3,
        high_quality_fraction=0.5,
        high_quality_per_mode=(2, 1, 0),
        num_points=6,
    )
    # Widening the radius to 4 std brings in the point at distance 4, nothing else.
    wider = mode_coverage(points, centres, std=1.0, num_std=4.0)
    assert wider.high_quality_per_mode == (3, 1, 1)
    assert wider.modes_captured == 3


def test_non_finite_points_count_as_misses_not_crashes():
    points = np.array([[np.nan, np.nan], [np.inf, 0.0], [-np.inf, np.inf], [1.0, 0.0]])
    coverage = mode_coverage_for("ring8", points)
    assert coverage.high_quality_fraction == 0.25
    assert coverage.modes_captured == 1
    assert coverage.high_quality_per_mode[0] == 1


@pytest.mark.parametrize(
    "points",
    [np.zeros((10, 3)), np.zeros(10), np.zeros((2,)), np.zeros((4, 2, 1)), np.zeros((0, 2))],
)
def test_bad_point_shapes_raise(points):
    with pytest.raises(ValueError):
        mode_coverage_for("grid25", points)


def test_bad_centres_std_or_name_raise():
    points = np.zeros((5, 2))
    with pytest.raises(ValueError, match="centres"):
        mode_coverage(points, np.zeros((3, 3)), std=1.0)
    with pytest.raises(ValueError, match="std"):
        mode_coverage(points, np.zeros((3, 2)), std=0.0)
    with pytest.raises(ValueError, match="num_std"):
        mode_coverage(points, np.zeros((3, 2)), std=1.0, num_std=-1.0)
    with pytest.raises(ValueError, match="ring8, grid25"):
        mode_coverage_for("swissroll", points)


# === Plotting ===


def test_scatter_plot_writes_a_png_of_a_mixture(tmp_path):
    mixture = grid25()
    path = scatter_plot(mixture.sample(500, seed=0), mixture, tmp_path / "plots" / "grid.png")
    assert path.stat().st_size > 0
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (500, 500)

    # The points are really drawn: 500 spread-out points paint far more blue than one.
    single = scatter_plot(mixture.centres[:1], mixture, tmp_path / "single.png")
    assert _blue_pixels(path) > 5 * _blue_pixels(single)


def _blue_pixels(path):
    with Image.open(path) as image:
        red, _green, blue = np.asarray(image.convert("RGB"), dtype=int).transpose(2, 0, 1)
    return int(np.count_nonzero(blue > red + 40))


def test_scatter_plot_accepts_raw_centres_and_nan_points(tmp_path):
    points = np.array([[0.0, 0.0], [np.nan, 1.0], [50.0, 50.0]])
    path = scatter_plot(points, ring8().centres, tmp_path / "ring.png", title="collapsed")
    with Image.open(path) as image:
        assert image.size == (500, 500)


def test_scatter_plot_rejects_bad_centres(tmp_path):
    with pytest.raises(ValueError, match="centres"):
        scatter_plot(np.zeros((3, 2)), np.zeros((3, 3)), tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()
