"""zoo.diagnostics: the papers' claims reproduced small — vanishing minimax gradients,
the optimal discriminator in closed form — and latent interpolation."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PIL import Image

import zoo
from cli import main
from zoo.data import digits_arrays
from zoo.data.mixtures import Mixture
from zoo.diagnostics import (
    interpolate,
    interpolation_grid,
    lerp,
    optimal_discriminator,
    optimal_discriminator_check,
    slerp,
    vanishing_gradients,
)
from zoo.diagnostics.optimal_discriminator import default_data, default_fake

SIZE = 16


@pytest.fixture(scope="module")
def tiny_dcgan():
    return zoo.create("dcgan", data_shape=(SIZE, SIZE, 1), latent_dim=8, width=8)


# === Vanishing gradients (Arjovsky & Bottou 2017) ===


def test_minimax_gradient_vanishes_as_the_discriminator_wins(tmp_path, tiny_dcgan):
    real, _ = digits_arrays(SIZE, "train")
    before = [weight.numpy().copy() for weight in tiny_dcgan.generator.weights]
    result = vanishing_gradients(
        tiny_dcgan, real, d_iterations=250, d_width=16, eval_size=128, record_every=10, out_dir=tmp_path
    )
    # With a fresh D, logits ~ 0 and the two costs have the same gradient.
    assert result.minimax_grad_norm[0] == pytest.approx(result.non_saturating_grad_norm[0], rel=0.05)
    assert result.d_accuracy[-1] > 0.95
    # Measured: the minimax norm ends 5e-4 to 2e-3 of its start (seeds 0-2, 200
    # iterations); the non-saturating one grows by 400x or more.
    assert result.minimax_ratio < 1e-2
    assert result.non_saturating_grad_norm.min() > 0.5 * result.non_saturating_grad_norm[0]
    assert result.minimax_grad_norm[-1] < 1e-4 * result.non_saturating_grad_norm[-1]
    # The generator stayed frozen.
    for old, new in zip(before, tiny_dcgan.generator.weights):
        np.testing.assert_array_equal(old, new.numpy())

    assert list(result.d_iterations) == list(range(0, 251, 10))
    with open(result.files["data"], newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == len(result.d_iterations)
    assert float(rows[-1]["minimax_grad_norm"]) == pytest.approx(result.minimax_grad_norm[-1], rel=1e-4)
    with Image.open(result.files["plot"]) as plot:
        assert plot.width > 400 and plot.height > 300


def test_vanishing_gradients_checks_the_real_shape(tiny_dcgan):
    with pytest.raises(ValueError, match=r"real_images have shape \(8, 8, 1\), the generator makes \(16, 16, 1\)"):
        vanishing_gradients(tiny_dcgan, np.zeros((10, 8, 8, 1), "float32"), d_iterations=1)


# === Optimal discriminator (Goodfellow et al. 2014, prop. 1) ===


def test_closed_form_optimal_discriminator_matches_the_densities():
    data, fake = default_data(), default_fake()
    points = np.random.default_rng(0).normal(size=(500, 2))
    expected = data.density(points) / (data.density(points) + fake.density(points))
    np.testing.assert_allclose(optimal_discriminator(points, data, fake), expected, rtol=1e-9)
    # Far from both, the densities underflow but the ratio stays defined.
    far = optimal_discriminator(np.array([[40.0, 0.0]]), data, fake)
    assert np.isfinite(far).all() and far[0] < 1e-6
    same = Mixture("same", centres=np.zeros((1, 2)), std=1.0)
    np.testing.assert_allclose(optimal_discriminator(points, same, same), 0.5)


def test_trained_discriminator_approaches_the_optimal_one(tmp_path):
    result = optimal_discriminator_check(steps=800, out_dir=tmp_path)
    # Measured 0.024-0.026 over seeds 0-2; D = 1/2 is off by 0.19.
    assert result.mean_abs_error < 0.05
    assert result.mean_abs_error < 0.25 * result.constant_mean_abs_error
    summary = json.loads(result.files["summary"].read_text())
    assert summary["mean_abs_error"] == pytest.approx(result.mean_abs_error)
    grid = np.genfromtxt(result.files["data"], delimiter=",", names=True)
    assert grid.shape == (101 * 101,)
    assert np.all((grid["d_learned"] >= 0) & (grid["d_learned"] <= 1))
    assert result.files["plot"].stat().st_size > 10_000


def test_an_untrained_discriminator_fails_the_check():
    # One step is far from D*: the check can fail.
    result = optimal_discriminator_check(steps=1, num_eval_points=1000, grid_size=11)
    assert result.mean_abs_error > 0.1


# === Interpolation ===


def test_slerp_keeps_endpoints_and_norms():
    rng = np.random.default_rng(0)
    start, end = rng.normal(size=64), rng.normal(size=64)
    end_same_norm = end / np.linalg.norm(end) * np.linalg.norm(start)
    path = interpolate(start, end_same_norm, 9, "slerp")
    np.testing.assert_array_equal(path[0], start.astype("float32"))
    np.testing.assert_array_equal(path[-1], end_same_norm.astype("float32"))
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), np.linalg.norm(start), rtol=1e-5)
    # Constant angular speed: consecutive points are equally far apart.
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    np.testing.assert_allclose(steps, steps[0], rtol=1e-4)
    # Unequal norms: the norm moves linearly between them.
    t = np.linspace(0, 1, 5)
    expected = (1 - t) * np.linalg.norm(start) + t * np.linalg.norm(end)
    np.testing.assert_allclose(np.linalg.norm(slerp(start, end, t), axis=1), expected, rtol=1e-5)
    # A straight line cuts through the low-norm interior (≈ 0.71 at the middle).
    middle = lerp(start, end_same_norm, 0.5)[0]
    assert np.linalg.norm(middle) < 0.85 * np.linalg.norm(start)


def test_slerp_of_parallel_vectors_falls_back_to_lerp_and_bad_arguments_raise():
    start = np.ones(4)
    np.testing.assert_allclose(slerp(start, 3 * start, [0.5]), lerp(start, 3 * start, [0.5]))
    with pytest.raises(ValueError, match="method must be one of"):
        interpolate(start, start, 4, "cubic")
    with pytest.raises(ValueError, match="steps must be an integer of at least 2"):
        interpolate(start, start, 1)
    with pytest.raises(ValueError, match="vectors of one size"):
        slerp(np.ones(3), np.ones(4), [0.5])


@pytest.mark.parametrize("method", ["slerp", "linear"])
def test_interpolation_grid_has_the_expected_size_and_endpoints(tmp_path, tiny_dcgan, method):
    path = tmp_path / f"{method}.png"
    images = interpolation_grid(tiny_dcgan, path, rows=3, steps=5, method=method, seed=7, scale=3)
    assert images.shape == (15, SIZE, SIZE, 1)
    # 5 columns and 3 rows of 16 px tiles with 1 px borders, upscaled 3 times.
    unscaled = (5 * (SIZE + 1) + 1, 3 * (SIZE + 1) + 1)
    with Image.open(path) as grid:
        assert grid.size == (unscaled[0] * 3, unscaled[1] * 3)
    interpolation_grid(tiny_dcgan, path, rows=3, steps=5, method=method, seed=7)
    with Image.open(path) as grid:  # the default upscaling keeps the layout
        assert grid.size[0] % unscaled[0] == 0 and grid.size[0] // unscaled[0] == grid.size[1] // unscaled[1]
    endpoints = tiny_dcgan.sample_noise(6, seed=7)
    ends = tiny_dcgan.generate(endpoints)
    np.testing.assert_allclose(images[0::5], ends[0::2], atol=1e-5)
    np.testing.assert_allclose(images[4::5], ends[1::2], atol=1e-5)
    recorded = json.loads(path.with_suffix(".json").read_text())
    assert recorded["method"] == method and len(recorded["endpoints"]) == 6


def test_cli_diagnose_interpolation(tmp_path, tiny_dcgan, capsys):
    tiny_dcgan.save(tmp_path / "model.keras")
    assert main(["diagnose", "interpolation", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(report["files"]) == ["linear", "slerp"]
    assert (tmp_path / "out" / "interpolation_slerp.png").stat().st_size > 1000
    assert main(["diagnose", "interpolation", "--out", str(tmp_path)]) == 2
    assert "interpolation needs a MODEL" in capsys.readouterr().err
