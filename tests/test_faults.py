"""Fault tests: `gan-zoo train` is SIGKILLed at named points (the test-only hook
`zoo.io.fault_point`, armed by the GAN_ZOO_TEST_KILL_AT environment variable), then
run again. The rerun must resume, write each epoch once, leave only files that load,
and end with the weights of an uninterrupted run with the same seed."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

import export
from zoo.guards import read_rows
from zoo.io import FAULT_ENV

ROOT = pathlib.Path(__file__).resolve().parents[1]
EPOCHS = 3
#: The 2014 MLP GAN on 1,024 grid25 points, batch 256: 4 steps per epoch.
TRAIN = [
    "train",
    "gan",
    "--data",
    "grid25",
    "--num-samples",
    "1024",
    "--batch-size",
    "256",
    "--epochs",
    str(EPOCHS),
    "--set",
    "latent_dim=4",
    "--set",
    "width=8",
    "--set",
    "hidden_layers=1",
]
TIMEOUT = 300


def train(out: pathlib.Path, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    env.pop(FAULT_ENV, None)
    if kill_at:
        env[FAULT_ENV] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "cli", *TRAIN, "--out", str(out)],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
    )


def weights(path: pathlib.Path) -> list[np.ndarray]:
    model = keras.saving.load_model(path, compile=False)
    return [np.asarray(variable.numpy()) for variable in model.weights]


def assert_every_file_loads(out: pathlib.Path) -> None:
    """Each file of the run folder opens with the library that reads it; no
    temporary file of a killed write is left."""
    leftovers = [path.name for path in out.rglob(".*") if ".tmp" in path.name or path.name.endswith(".old")]
    assert leftovers == []
    assert not (out / "backup").exists()  # deleted once model.keras was written
    for path in out.rglob("*"):
        if path.suffix == ".png":
            with Image.open(path) as image:
                image.load()
        elif path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".csv":
            assert read_rows(path)
        elif path.suffix == ".keras":
            keras.saving.load_model(path, compile=False)
        elif path.suffix == ".onnx":
            export.OnnxGenerator(path)
    # TensorBoard event files are appended by TensorFlow's own writer; a record cut by
    # the kill is skipped by TensorBoard's reader, so they are not checked here.


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("faults") / "uninterrupted"
    result = train(out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize(
    "kill_at",
    [
        "train-batch@6",  # epoch 2, step 2
        "backup-written@2",  # epoch 2's backup complete in its temporary file, not yet renamed
        "replace:model.keras",  # the final model.keras written to its temporary file
        "replace:generator.onnx",  # the ONNX export checked, not yet renamed
    ],
)
def test_killed_run_resumes_to_the_uninterrupted_result(uninterrupted, tmp_path, kill_at):
    out = tmp_path / "run"
    killed = train(out, kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert json.loads((out / "state.json").read_text())["status"] in ("running", "trained")

    rerun = train(out)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert [int(row["epoch"]) for row in read_rows(out / "history.csv")] == list(range(EPOCHS))
    state = json.loads((out / "state.json").read_text())
    assert state["status"] == "finished" and state["epochs_done"] == EPOCHS
    assert sorted(path.name for path in (out / "samples").iterdir()) == [
        f"epoch_{epoch:03d}.png" for epoch in range(1, EPOCHS + 1)
    ]
    assert_every_file_loads(out)

    for ours, reference in zip(weights(out / "model.keras"), weights(uninterrupted / "model.keras"), strict=True):
        np.testing.assert_allclose(ours, reference, atol=1e-5, rtol=0)
    # The history of the resumed run is the uninterrupted one's, epoch by epoch.
    for ours, reference in zip(read_rows(out / "history.csv"), read_rows(uninterrupted / "history.csv"), strict=True):
        np.testing.assert_allclose(float(ours["g_loss"]), float(reference["g_loss"]), atol=1e-5)
    model = keras.saving.load_model(out / "model.keras", compile=False)
    onnx = export.OnnxGenerator(out / "generator.onnx")
    np.testing.assert_allclose(onnx.generate(16, seed=3), model.sample(16, seed=3), atol=1e-4)
