"""evaluate_generator, the GANMetrics callback and `gan-zoo eval`: scores that separate
real digits from noise, metrics logged into fit's history, the CLI on saved models."""

from __future__ import annotations

import csv
import json
import math

import keras
import numpy as np
import pytest

import zoo
from cli import main
from zoo.data import digits_arrays
from zoo.metrics import GANMetrics, evaluate_generator, evaluate_images
from zoo.metrics.evaluate import METRICS, as_sampler, check_metrics

ALL_METRICS = tuple(METRICS)
SIZE = 16


@pytest.fixture(scope="module")
def digits():
    train, _ = digits_arrays(SIZE, "train")
    test, _ = digits_arrays(SIZE, "test")
    return train, test


@pytest.fixture(scope="module")
def trained_files(tmp_path_factory, digits):
    """A tiny 16x16 DCGAN after one epoch, saved as .keras, as .onnx, and as a run folder."""
    import export

    keras.utils.set_random_seed(0)
    folder = tmp_path_factory.mktemp("tiny_run")
    model = zoo.create("dcgan", data_shape=(SIZE, SIZE, 1), latent_dim=8, width=8, dataset="digits")
    model.compile()
    model.fit(digits[0], epochs=1, batch_size=64, verbose=0)
    model.save(folder / "model.keras")
    onnx_path = export.to_onnx(model, folder / "generator.onnx")
    return {"model": model, "folder": folder, "keras": folder / "model.keras", "onnx": onnx_path}


# === evaluate_generator ===


def test_real_digits_score_at_the_real_floor_and_noise_far_worse(digits):
    train, test = digits
    rng = np.random.default_rng(0)
    reference, other_real = train[:700], train[700:1400]
    floor = evaluate_images(other_real[:350], reference, ALL_METRICS)

    def held_out_digits(n):
        return test[rng.permutation(len(test))[:n]]

    def noise(n):
        return rng.uniform(-1.0, 1.0, (n, SIZE, SIZE, 1)).astype("float32")

    real = evaluate_generator(held_out_digits, reference, ALL_METRICS, num_samples=350)
    fake = evaluate_generator(noise, reference, ALL_METRICS, num_samples=350)
    assert set(real) == {"fid", "kid", "kid_std", "is", "is_std", "precision", "recall", "density", "coverage"}
    # Held-out digits sit at the real-vs-real floor; noise is two orders of magnitude off.
    assert real["fid"] < 2 * floor["fid"] + 1.0
    assert fake["fid"] > 30 * real["fid"]
    assert abs(real["kid"]) < 10 * (floor["kid_std"] + abs(floor["kid"]))
    assert fake["kid"] > 10 * (abs(real["kid"]) + real["kid_std"])
    assert real["is"] == pytest.approx(floor["is"], rel=0.15)
    assert real["is"] > 7.0 and fake["is"] < 0.5 * real["is"]
    assert real["precision"] > 0.8 and real["recall"] > 0.8
    assert fake["recall"] < 0.1 and fake["coverage"] < 0.1


def test_one_seed_gives_one_score_and_every_model_form_agrees(trained_files, digits):
    import export

    _, test = digits
    model = trained_files["model"]
    by_model = evaluate_generator(model, test, ("fid", "pr"), num_samples=100, seed=3)
    assert evaluate_generator(model, test, ("fid", "pr"), num_samples=100, seed=3) == by_model
    assert evaluate_generator(model, test, ("fid",), num_samples=100, seed=4)["fid"] != by_model["fid"]
    for source in (trained_files["keras"], trained_files["folder"]):
        assert evaluate_generator(source, test, ("fid", "pr"), num_samples=100, seed=3) == pytest.approx(by_model)
    onnx_generator = export.OnnxGenerator(trained_files["onnx"])
    by_onnx = evaluate_generator(onnx_generator, test, ("fid", "pr"), num_samples=100, seed=3)
    assert by_onnx == pytest.approx(by_model, rel=1e-3, abs=1e-3)
    # A bare generator network draws z from N(0, I), the model's prior.
    by_network = evaluate_generator(model.generator, test, ("fid",), num_samples=100, seed=3)
    assert by_network["fid"] == pytest.approx(by_model["fid"], rel=1e-4)
    assert as_sampler(export.OnnxGenerator(trained_files["onnx"])).data_shape == (SIZE, SIZE, 1)


def test_unknown_metric_is_refused_with_the_known_names(digits):
    with pytest.raises(ValueError, match=r"Unknown metric 'fidd'; known metrics: fid, kid, is, pr, dc"):
        check_metrics("fid,fidd")
    with pytest.raises(ValueError, match="Unknown metric"):
        evaluate_generator(lambda n: digits[1][:n], digits[1], ("fid", "sharpness"))
    assert check_metrics(" FID, kid ") == ("fid", "kid")


@pytest.mark.parametrize(
    "make_images, message",
    [
        (lambda n: np.zeros((n, 2), "float32"), r"must be a batch of images .* shape \(\d+, 2\)"),
        (lambda n: np.zeros((n, SIZE, SIZE, 4), "float32"), "take images with 1 channels; generated images have 4"),
        (lambda n: np.zeros((n, 8, 8, 1), "float32"), r"Generated images are \(8, 8, 1\) but real images"),
        (lambda n: np.full((n, SIZE, SIZE, 1), np.nan, "float32"), "NaN or infinite"),
        (lambda n: np.zeros((n - 1, SIZE, SIZE, 1), "float32"), "returned 99 samples when asked for 100"),
    ],
)
def test_images_the_extractor_cannot_take_raise_a_clear_error(digits, make_images, message):
    with pytest.raises(ValueError, match=message):
        evaluate_generator(make_images, digits[1], ("fid",), num_samples=100)


def test_rgb_digits_are_scored_as_gray(digits):
    test = digits[1]
    gray = evaluate_images(test[:200], test[200:], ("fid",))
    rgb = evaluate_images(np.repeat(test[:200], 3, -1), np.repeat(test[200:], 3, -1), ("fid",))
    assert rgb["fid"] == pytest.approx(gray["fid"], rel=1e-5)


def test_custom_extractor_needs_a_classifier_for_the_is(digits):
    flat = keras.Sequential([keras.Input((SIZE, SIZE, 1)), keras.layers.Flatten()], name="pixels")
    test = digits[1]
    with pytest.raises(ValueError, match="'is' metric needs class probabilities.*'pixels' has no classifier"):
        evaluate_images(test[:100], test[100:], ("fid", "is"), extractor=flat)
    # Pixels as features: identical sets are at distance 0.
    assert evaluate_images(test, test, ("fid",), extractor=flat)["fid"] == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="Unknown extractor 'vgg'"):
        evaluate_images(test, test, ("fid",), extractor="vgg")


# === GANMetrics ===


def test_callback_logs_metrics_into_history_and_csv_for_the_chosen_epochs(tmp_path, digits):
    train, test = digits
    model = zoo.create("dcgan", data_shape=(SIZE, SIZE, 1), latent_dim=8, width=8)
    model.compile()
    before = GANMetrics(test, ("fid", "is"), every=2, num_samples=200, seed=5)
    after = GANMetrics(test, ("fid",), every=2, num_samples=200, seed=5, prefix="late")
    csv_path = tmp_path / "history.csv"
    history = model.fit(
        train[:256],
        epochs=4,
        batch_size=64,
        verbose=0,
        callbacks=[before, keras.callbacks.CSVLogger(str(csv_path)), after],
    )
    fids = history.history["digits_fid"]
    assert len(fids) == 4
    assert math.isnan(fids[0]) and math.isnan(fids[2])
    assert np.isfinite(fids[1]) and np.isfinite(fids[3]) and fids[1] != fids[3]
    assert np.isfinite(history.history["digits_is"][3]) and np.isfinite(history.history["digits_is_std"][3])
    # The last score is exactly what evaluate_generator reports for the trained model.
    final = evaluate_generator(model, test, ("fid",), num_samples=200, seed=5)
    assert fids[3] == pytest.approx(final["fid"], rel=1e-6)
    assert history.history["late_fid"][3] == pytest.approx(final["fid"], rel=1e-6)
    with open(csv_path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert float(rows[3]["digits_fid"]) == pytest.approx(fids[3], rel=1e-6)
    assert math.isnan(float(rows[0]["digits_fid"]))
    # A GANMetrics placed after CSVLogger is missing from the CSV: order matters.
    assert "late_fid" not in rows[0]


def test_callback_refuses_bad_arguments(digits):
    with pytest.raises(ValueError, match="every must be a positive integer"):
        GANMetrics(digits[1], every=0)
    with pytest.raises(ValueError, match="Unknown metric 'fdi'"):
        GANMetrics(digits[1], ("fdi",))


# === gan-zoo eval ===


def test_cli_eval_prints_the_metrics_of_a_keras_model(trained_files, capsys):
    code = main(["eval", str(trained_files["keras"]), "--data", "digits", "--metrics", "fid,kid,is,pr", "-n", "200"])
    output = capsys.readouterr().out
    assert code == 0
    assert "200 samples (seed 0) vs 360 real images from digits:test, digits features" in output
    for name in ("fid", "kid", "is", "precision", "recall"):
        line = next(line for line in output.splitlines() if line.split() and line.split()[0] == name)
        assert math.isfinite(float(line.split()[1]))
    assert "±" in output  # kid and is report their std


def test_cli_eval_json_matches_the_api_for_onnx_and_run_folders(trained_files, digits, capsys):
    assert main(["eval", str(trained_files["onnx"]), "--metrics", "fid,pr", "-n", "150", "--json"]) == 0
    onnx_report = json.loads(capsys.readouterr().out)
    assert onnx_report["data"] == "digits" and onnx_report["split"] == "test"  # from the ONNX metadata
    assert onnx_report["num_samples"] == 150 and onnx_report["num_real"] == 360
    expected = evaluate_generator(trained_files["model"], digits[1], ("fid", "pr"), num_samples=150, seed=0)
    assert onnx_report["metrics"] == pytest.approx(expected, rel=1e-3, abs=1e-3)

    assert main(["eval", str(trained_files["folder"]), "--metrics", "fid", "-n", "150", "--json"]) == 0
    folder_report = json.loads(capsys.readouterr().out)
    assert folder_report["data"] == "digits"  # from the model's config
    assert folder_report["metrics"]["fid"] == pytest.approx(expected["fid"], rel=1e-6)


def test_cli_eval_rejects_an_unknown_metric_with_exit_code_2(trained_files, capsys):
    code = main(["eval", str(trained_files["keras"]), "--data", "digits", "--metrics", "fid,sharpness"])
    captured = capsys.readouterr()
    assert code == 2
    assert "gan-zoo eval: error: Unknown metric 'sharpness'; known metrics: fid, kid, is, pr, dc" in captured.err
    assert captured.out == ""
    assert main(["eval", str(trained_files["folder"] / "missing.keras"), "--data", "digits"]) == 2
    assert "No model at" in capsys.readouterr().err
