"""Recipes and the `gan-zoo` command line, run the way a user runs them."""

from __future__ import annotations

import csv
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

import export
import recipes
import zoo
from cli import main
from recipes import Recipe, run_recipe
from recipes.recipe import build_dataset

TINY_RECIPE = Recipe(
    name="tiny_dcgan",
    family="dcgan",
    data="digits",
    image_size=8,
    epochs=3,
    batch_size=128,
    model={"latent_dim": 4, "width": 8},
)


def history_epochs(path) -> list[int]:
    with open(path, newline="") as file:
        return [int(row["epoch"]) for row in csv.DictReader(file)]


def test_every_recipe_names_a_registered_family_and_every_family_has_one():
    for name in recipes.list_recipes():
        assert recipes.get_recipe(name).family in zoo.list_models()
    for family in zoo.list_models():
        assert recipes.get_recipe(family).family == family
    assert recipes.DEFAULT_RECIPE in recipes.list_recipes()


def test_unknown_recipe_lists_recipes_and_families():
    with pytest.raises(ValueError, match="Recipes: .*dcgan_digits.*Families: .*gan"):
        recipes.get_recipe("dcgan_on_the_moon")


def test_run_writes_the_run_folder(tmp_path):
    result = run_recipe(TINY_RECIPE, tmp_path, export_onnx=False, verbose=0)
    assert sorted(path.name for path in (tmp_path / "samples").iterdir()) == [
        "epoch_001.png",
        "epoch_002.png",
        "epoch_003.png",
    ]
    with Image.open(tmp_path / "samples" / "epoch_003.png") as grid:
        assert grid.size[0] > 64  # an 8x8 grid of 8 px digits, upscaled to be visible
    assert history_epochs(tmp_path / "history.csv") == [0, 1, 2]
    assert (tmp_path / "loss.png").stat().st_size > 1000
    assert any((tmp_path / "logs").rglob("events.out.tfevents*"))
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    z = result.model.sample_noise(4)
    np.testing.assert_array_equal(loaded.generate(z), result.model.generate(z))
    assert not (tmp_path / "backup").exists()  # removed once the run finished


def test_passes_per_epoch_repeat_the_data_reshuffled(tmp_path):
    per_pass = 1437 // 128
    batches = [batch.numpy() for batch in build_dataset(TINY_RECIPE.replace(passes_per_epoch=2))]
    assert len(batches) == 2 * per_pass
    first, second = np.concatenate(batches[:per_pass]), np.concatenate(batches[per_pass:])
    assert not np.array_equal(first, second)  # each pass reshuffles
    # ... the same images in another order (the few a dropped last batch leaves out aside).
    shared = {row.tobytes() for row in first} & {row.tobytes() for row in second}
    assert len(shared) > 0.8 * len(first)
    result = run_recipe(TINY_RECIPE.replace(epochs=1, passes_per_epoch=2), tmp_path, export_onnx=False, verbose=0)
    assert int(result.model.g_optimizer.iterations) == 2 * per_pass
    with pytest.raises(ValueError, match="passes_per_epoch must be a positive integer"):
        TINY_RECIPE.replace(passes_per_epoch=0)


def test_decay_start_sets_where_the_recipes_linear_decay_begins(tmp_path):
    from zoo.callbacks import linear_decay_factor

    class Rates(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_epoch_end(self, epoch, logs=None):
            self.seen.append(float(self.model.d_optimizer.learning_rate.numpy()))

    recipe = TINY_RECIPE.replace(
        epochs=4, steps_per_epoch=1, callbacks=("linear_decay",), decay_start=0.25, compile={"jit_compile": False}
    )
    rates = Rates()
    run_recipe(recipe, tmp_path, export_onnx=False, verbose=0, callbacks=[rates])
    expected = [2e-4 * linear_decay_factor(epoch, 4, 1) for epoch in range(4)]
    assert rates.seen == pytest.approx(expected)
    # The default, the second half, keeps epoch 1 at the full rate.
    assert expected[1] < 2e-4 * linear_decay_factor(1, 4, 2) == pytest.approx(2e-4)
    for bad in (1.0, -0.25, True, "half"):
        with pytest.raises(ValueError, match=r"decay_start must be a fraction of the epochs in \[0, 1\)"):
            TINY_RECIPE.replace(decay_start=bad)


def test_steps_per_epoch_cuts_each_epoch_and_the_cli_takes_it(tmp_path, capsys):
    per_pass = 1437 // 128
    cut = TINY_RECIPE.replace(passes_per_epoch=2, steps_per_epoch=3)
    assert len(list(build_dataset(cut))) == 3
    first = np.concatenate([batch.numpy() for batch in build_dataset(TINY_RECIPE)][:3])
    np.testing.assert_array_equal(np.concatenate([batch.numpy() for batch in build_dataset(cut)]), first)
    argv = ["train", "dcgan", "--image-size", "8", "--batch-size", "128", "--epochs", "2", "--steps-per-epoch", "3"]
    argv += ["--set", "latent_dim=4", "--set", "width=8", "--no-export", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    assert "2 epochs of 3 steps" in capsys.readouterr().out
    model = keras.saving.load_model(tmp_path / "run" / "model.keras")
    assert int(model.g_optimizer.iterations) == 2 * 3 < per_pass
    assert history_epochs(tmp_path / "run" / "history.csv") == [0, 1]
    with pytest.raises(ValueError, match="steps_per_epoch must be a positive integer"):
        TINY_RECIPE.replace(steps_per_epoch=0)


class CrashAfterEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt("simulated crash")


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    # The crash comes at the end of the second epoch, before it is logged or backed up.
    with pytest.raises(KeyboardInterrupt):
        run_recipe(TINY_RECIPE, tmp_path, export_onnx=False, verbose=0, callbacks=[CrashAfterEpoch(1)])
    assert history_epochs(tmp_path / "history.csv") == [0]
    assert (tmp_path / "backup").exists()
    result = run_recipe(TINY_RECIPE, tmp_path, export_onnx=False, verbose=0)
    # Only the missing epochs ran; the history holds every epoch once.
    assert history_epochs(tmp_path / "history.csv") == [0, 1, 2]
    assert len(result.history["g_loss"]) == 2
    assert int(result.model.g_optimizer.iterations) == 3 * (1437 // 128)


def test_metrics_callback_scores_reach_history_csv(tmp_path):
    from zoo.data import digits_arrays
    from zoo.metrics import GANMetrics

    real, _ = digits_arrays(8, "test")
    recipe = TINY_RECIPE.replace(epochs=2)
    run_recipe(
        recipe,
        tmp_path,
        export_onnx=False,
        verbose=0,
        callbacks=[GANMetrics(real, metrics=("fid",), every=2, num_samples=64)],
    )
    with open(tmp_path / "history.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    fid = [row["digits_fid"] for row in rows]
    assert len(fid) == 2 and fid[0] in ("nan", "NA", "") and float(fid[1]) > 0


def test_cli_train_sample_and_errors(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        ["train", "dcgan", "--data", "digits", "--epochs", "1", "--image-size", "8", "--out", str(out), "--no-export"]
    )
    assert code == 0
    assert (out / "samples" / "epoch_001.png").exists()
    assert (out / "model.keras").exists()

    assert main(["sample", str(out / "model.keras"), "-n", "9", "-o", str(tmp_path / "grid.png")]) == 0
    with Image.open(tmp_path / "grid.png") as grid:
        # 3x3 tiles of 8 px with 1 px gaps, upscaled 32x (256 // 8) to stay visible.
        assert grid.size == ((3 * (8 + 1) + 1) * 32,) * 2

    assert main(["train", "no_such_family"]) == 2
    assert "Unknown recipe or family 'no_such_family'" in capsys.readouterr().err
    assert main(["sample", str(tmp_path / "missing.keras")]) == 2
    assert "No model at" in capsys.readouterr().err


def test_cli_train_exports_onnx_and_export_writes_both_formats(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "gan", "--epochs", "1", "--image-size", "8", "--out", str(out)]) == 0
    with Image.open(out / "samples_onnx.png") as grid:
        assert grid.size[0] == grid.size[1] > 64
    model = keras.saving.load_model(out / "model.keras")
    onnx_generator = export.OnnxGenerator(out / "generator.onnx")
    assert onnx_generator.metadata["dataset"] == "digits"
    z = model.sample_noise(7, seed=1)
    np.testing.assert_allclose(onnx_generator.generate(z=z), model.generate(z), atol=1e-4)

    assert main(["sample", str(out / "generator.onnx"), "-n", "4", "-o", str(tmp_path / "onnx.png")]) == 0
    assert (tmp_path / "onnx.png").exists()
    assert main(["export", str(out), "--format", "both", "-o", str(tmp_path / "exported")]) == 0
    assert (tmp_path / "exported" / "generator.onnx").exists()
    assert export.read_metadata(tmp_path / "exported" / "generator_savedmodel")["family"] == "gan"


def test_cli_list_shows_every_family():
    result = subprocess.run([sys.executable, "-m", "cli", "list"], capture_output=True, text=True, check=True)
    for family in zoo.list_models():
        assert family in result.stdout
    assert "dcgan_digits" in result.stdout


@pytest.mark.parametrize("command", [[], ["train"], ["sample"], ["export"]])
def test_cli_help(command):
    result = subprocess.run(
        [sys.executable, "-m", "cli", *command, "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "usage: gan-zoo" in result.stdout
