"""Run folders that survive damage: corrupt backups, NaN losses, resume / overwrite,
the data checks, every shipped recipe end to end, and tfds without network."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import export
import recipes
import zoo
from cli import main
from recipes import Recipe, run_recipe
from zoo.guards import NonFiniteLossError, StopOnNonFinite, check_data, read_rows

TINY = Recipe(
    name="tiny_dcgan",
    family="dcgan",
    data="digits",
    image_size=8,
    epochs=3,
    batch_size=256,
    model={"latent_dim": 4, "width": 8},
)
STEPS = 1437 // 256


def epochs_in(path) -> list[int]:
    return [int(row["epoch"]) for row in read_rows(path)]


def interrupted_run(tmp_path, epoch):
    """A run stopped by a crash at the start of epoch `epoch + 1` (0-based `epoch`
    finished and backed up)."""

    class CrashAtEpochBegin(keras.callbacks.Callback):
        def on_epoch_begin(self, begun, logs=None):
            if begun == epoch + 1:
                raise KeyboardInterrupt("simulated crash")

    with pytest.raises(KeyboardInterrupt):
        run_recipe(TINY, tmp_path, export_onnx=False, verbose=0, callbacks=[CrashAtEpochBegin()])


def test_a_damaged_newest_backup_falls_back_to_the_one_before(tmp_path):
    interrupted_run(tmp_path, 1)  # epochs 0 and 1 done
    backups = sorted((tmp_path / "backup").glob("epoch_*.weights.h5"))
    assert [path.name for path in backups] == ["epoch_0001.weights.h5", "epoch_0002.weights.h5"]
    backups[-1].write_bytes(backups[-1].read_bytes()[:96])  # what a kill mid-write left before
    with pytest.warns(UserWarning, match="epoch_0002.weights.h5 is damaged"):
        result = run_recipe(TINY, tmp_path, export_onnx=False, verbose=0)
    assert len(result.history["g_loss"]) == 2  # epochs 1 and 2 ran again
    assert epochs_in(tmp_path / "history.csv") == [0, 1, 2]
    assert int(result.model.g_optimizer.iterations) == 3 * STEPS
    assert not (tmp_path / "backup").exists()


def test_no_loadable_backup_starts_over_with_a_warning(tmp_path):
    interrupted_run(tmp_path, 0)
    (tmp_path / "backup" / "epoch_0001.weights.h5").write_bytes(b"\x89HDF\r\n")
    with pytest.warns(UserWarning, match="training starts over from epoch 1"):
        result = run_recipe(TINY, tmp_path, export_onnx=False, verbose=0)
    assert len(result.history["g_loss"]) == 3
    assert epochs_in(tmp_path / "history.csv") == [0, 1, 2]


def test_a_legacy_truncated_keras_backup_is_reported_not_a_traceback(tmp_path):
    interrupted_run(tmp_path, 0)
    for path in (tmp_path / "backup").iterdir():
        path.unlink()
    (tmp_path / "backup" / "latest.weights.h5").write_bytes(b"\x89HDF" + b"\0" * 92)
    (tmp_path / "backup" / "training_metadata.json").write_text('{"epoch": 1, "batch": 0}')
    with pytest.warns(UserWarning, match="latest.weights.h5 is damaged"):
        run_recipe(TINY, tmp_path, export_onnx=False, verbose=0)
    assert epochs_in(tmp_path / "history.csv") == [0, 1, 2]


def test_nan_stops_fit_naming_epoch_and_step():
    model = zoo.create("gan", data_shape=(2,), latent_dim=4, width=8, hidden_layers=1)
    model.compile()
    data = np.zeros((64, 2), "float32")
    data[20, 1] = np.nan  # in the second batch of 16
    with pytest.raises(NonFiniteLossError, match=r"d_loss became nan at epoch 1, step 2"):
        model.fit(data, batch_size=16, epochs=1, shuffle=False, verbose=0, callbacks=[StopOnNonFinite()])


def test_nan_in_a_run_keeps_the_last_good_backup(tmp_path):
    class PoisonEpoch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                variable = self.model.generator.trainable_variables[0]
                variable.assign(np.full(variable.shape, np.nan, "float32"))

    with pytest.raises(NonFiniteLossError, match=r"at epoch 2, step 1"):
        run_recipe(TINY, tmp_path, export_onnx=False, verbose=0, callbacks=[PoisonEpoch()])
    assert not (tmp_path / "model.keras").exists()
    assert epochs_in(tmp_path / "history.csv") == [0]
    assert json.loads((tmp_path / "state.json").read_text())["epochs_done"] == 1
    restored = zoo.create("dcgan", data_shape=(8, 8, 1), latent_dim=4, width=8)
    restored.compile()
    restored.load_weights(tmp_path / "backup" / "epoch_0001.weights.h5")
    assert all(np.isfinite(variable.numpy()).all() for variable in restored.weights)


def test_data_checks():
    with pytest.raises(ValueError, match=r"2 non-finite value\(s\).*index \(1,\)"):
        check_data(np.array([0.0, np.inf, np.nan]))
    with pytest.warns(UserWarning, match=r"\[0, 255\], outside \[-1, 1\] \(uint8 pixels"):
        check_data(np.array([0, 255], "uint8"))
    with pytest.warns(UserWarning, match=r"\[-1000, 1000\]"):
        check_data(np.array([-1000.0, 1000.0]))
    check_data(np.array([-4.0, 4.0]), bounded=False)  # the 2-D mixtures: a linear generator


@pytest.mark.parametrize("channels", [1, 3])
def test_palette_gifs_are_converted_before_training(tmp_path, channels):
    rng = np.random.default_rng(0)
    for index in range(6):
        pixels = rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)
        Image.fromarray(pixels).convert("P").save(tmp_path / f"{index}.gif")
    from zoo.data import load_dataset

    batch = next(iter(load_dataset(str(tmp_path), batch_size=4, image_size=8, channels=channels)))
    assert batch.shape == (4, 8, 8, channels)
    assert -1.0 <= float(tf.reduce_min(batch)) and float(tf.reduce_max(batch)) <= 1.0


def test_resume_trains_a_finished_run_on_and_overwrite_starts_over(tmp_path):
    run_recipe(TINY.replace(epochs=1), tmp_path, verbose=0)
    assert (tmp_path / "generator.onnx").exists()
    result = run_recipe(TINY.replace(epochs=2), tmp_path, verbose=0, export_onnx=False, resume=True)
    assert len(result.history["g_loss"]) == 1
    assert epochs_in(tmp_path / "history.csv") == [0, 1]
    assert int(result.model.g_optimizer.iterations) == 2 * STEPS
    assert not (tmp_path / "generator.onnx").exists()  # it was the 1-epoch model's
    state = json.loads((tmp_path / "state.json").read_text())
    assert state == {"status": "finished", "epochs_done": 2, "epochs": 2, "recipe": "tiny_dcgan"}

    (tmp_path / "mine.txt").write_text("the user's own file")
    run_recipe(TINY.replace(epochs=1), tmp_path, verbose=0, export_onnx=False, overwrite=True)
    assert epochs_in(tmp_path / "history.csv") == [0]
    assert sorted(path.name for path in (tmp_path / "samples").iterdir()) == ["epoch_001.png"]
    assert (tmp_path / "mine.txt").read_text() == "the user's own file"


@pytest.mark.parametrize("name", recipes.list_recipes())
def test_every_shipped_recipe_runs_end_to_end_through_the_cli(name, tmp_path):
    import tensorflow_datasets as tfds

    recipe = recipes.get_recipe(name)
    family = zoo.family_info(recipe.family).cls
    out = tmp_path / name
    # One epoch of 3 steps: every step of the run (data, fit, grids, backup, save,
    # export, ONNX samples) at a fraction of a digits pass's cost.
    argv = ["train", name, "--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "16", "--num-samples", "64"]
    argv += ["--out", str(out)]
    argv += ["--set", "width=8"] + (["--set", "latent_dim=4"] if family.takes_noise else [])
    if "attention_resolution" in recipe.model:
        argv += ["--set", "attention_resolution=4"]
    if recipe.clip_length is not None:
        argv += ["--clip-length", "64"]
    elif recipe.data not in ("grid25", "ring8", "swissroll"):
        argv += ["--image-size", "8"]
    if recipe.data in ("digits", "drums", "grid25", "ring8", "swissroll"):
        code = main(argv)
    else:
        with tfds.testing.mock_data(num_examples=32):
            code = main(argv)
    assert code == 0, name
    assert json.loads((out / "state.json").read_text())["status"] == "finished"
    model = keras.saving.load_model(out / "model.keras")
    if model.generator_inputs.drawable:
        expected = model.sample(8, seed=1)
        actual = export.OnnxGenerator(out / "generator.onnx").generate(8, seed=1)
    else:  # a translator: the same images through Keras and onnxruntime
        images = model.generator_inputs.example(8, seed=1)["image"]
        expected = model.translate(images, direction="a2b")
        actual = export.OnnxGenerator(out / "generator_a2b.onnx").translate(images)
    expected = expected if isinstance(expected, dict) else {"output": expected}
    actual = actual if isinstance(actual, dict) else {"output": actual}
    assert sorted(actual) == sorted(expected)
    for key in expected:
        np.testing.assert_allclose(actual[key], expected[key], atol=1e-4)
    samples = next(out.glob("samples_onnx.*"))
    if samples.suffix == ".png":
        with Image.open(samples) as image:
            image.load()


def test_tfds_without_network_ends_in_one_clear_line(tmp_path, monkeypatch, capsys):
    # A proxy on a closed port: every download fails at once, as with no network.
    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    data_dir = tmp_path / "tfds"
    out = tmp_path / "run"
    code = main(["train", "dcgan", "--data", "mnist", "--data-dir", str(data_dir), "--out", str(out)])
    assert code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("gan-zoo train: error: TensorFlow Datasets 'mnist' is not in")
    assert str(data_dir) in last and "download_and_prepare()" in last and "--data-dir" in last
    assert not out.exists()
