"""Multi-worker training (`zoo.distributed`): two real worker processes on 127.0.0.1
take the steps one process takes on the same global batch, and a run that loses a
worker resumes from its last checkpoint when restarted.

The workers run tests/multiworker_worker.py (a tiny MLP GAN without batch norm and
with injected per-replica noise, so a run is a deterministic function of its global
batches); each has one CPU thread. Every subprocess is bounded by a timeout.
"""

from __future__ import annotations

import csv
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import keras
import multiworker_worker as worker
import numpy as np
import pytest
import tensorflow as tf
from conftest import mirrored_strategy

from cli import main
from zoo import distributed

ROOT = pathlib.Path(__file__).resolve().parents[1]
EPOCHS = 4  # one step each: the weights after 1, 2, 3 and 4 steps are compared
KILLED_AFTER = 2  # one worker is killed once this epoch is checkpointed
#: Seconds a pair of workers may take (start-up dominates: ~15 s on two idle cores).
RUN_TIMEOUT = 240


# === Helpers ===
def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def launch_workers(workdir: pathlib.Path, *args: str) -> list[subprocess.Popen]:
    """Two worker processes of one cluster, one CPU thread each."""
    workdir.mkdir(parents=True, exist_ok=True)
    addresses = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes = []
    for index in range(2):
        env = dict(
            os.environ,
            TF_CONFIG=json.dumps({"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}}),
            TF_NUM_INTRAOP_THREADS="1",
            TF_NUM_INTEROP_THREADS="1",
            TF_CPP_MIN_LOG_LEVEL="3",
            PYTHONPATH=str(ROOT),
        )
        command = [sys.executable, str(ROOT / "tests" / "multiworker_worker.py"), "--workdir", str(workdir), *args]
        processes.append(
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        )
    return processes


def finish(processes: list[subprocess.Popen], timeout: float = RUN_TIMEOUT) -> list[tuple[int, str, str]]:
    """(return code, stdout, stderr) of each process; kills all of them past `timeout`."""
    deadline = time.monotonic() + timeout
    results = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
            results.append((process.returncode, out, err))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    return results


def summaries(results: list[tuple[int, str, str]]) -> list[dict]:
    for code, out, err in results:
        assert code == 0, f"a worker failed (exit {code}):\n{err[-3000:]}"
    return [json.loads(out.strip().splitlines()[-1]) for _, out, _ in results]


def load_weights(path: pathlib.Path) -> dict[str, np.ndarray]:
    with np.load(path) as file:
        return dict(file)


def assert_same_weights(actual: dict, expected: dict, atol: float = 1e-5) -> float:
    assert actual.keys() == expected.keys()
    gap = max(float(np.abs(actual[key] - expected[key]).max()) for key in expected)
    assert gap <= atol, f"weights differ by {gap}"
    return gap


def latest_checkpoint_epoch(checkpoint_dir: pathlib.Path) -> int | None:
    state = checkpoint_dir / "checkpoint"
    if not state.exists():
        return None
    first = state.read_text().splitlines()[0]  # model_checkpoint_path: "ckpt-N"
    return int(first.split("ckpt-")[1].rstrip('"'))


# === One process: the reference ===
@pytest.fixture(scope="module")
def one_process():
    """Weights after each step of plain `fit` in one process on the same global
    batches, and its logged losses."""
    model = worker.build_model()
    weights, losses = {}, {"d_loss": [], "g_loss": []}
    for epoch in range(EPOCHS):
        batches = tf.data.Dataset.from_tensor_slices(worker.epoch_data(epoch)).batch(worker.GLOBAL_BATCH).take(1)
        history = model.fit(batches, epochs=1, verbose=0, shuffle=False)
        weights[epoch + 1] = worker.network_weights(model)
        for name in losses:
            losses[name] += history.history[name]
    return weights, losses


@pytest.fixture(scope="module")
def killed_and_restarted(tmp_path_factory):
    """Two workers run until epoch 2 is checkpointed; one is SIGKILLed; then both
    are restarted with the same command. Returns what each phase left.

    The chief pauses 1 s at the start of every epoch, so worker 1 is killed while
    it waits in the next epoch's first all-reduce, right after a checkpoint (on a
    machine so loaded that the kill comes more than 1 s late, one epoch later).
    """
    workdir = tmp_path_factory.mktemp("multiworker")
    checkpoints = workdir / "checkpoints"
    processes = launch_workers(workdir, "--epochs", str(EPOCHS), "--steps-per-epoch", "1", "--pause", "1")
    chief, victim = processes
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while (latest_checkpoint_epoch(checkpoints) or 0) < KILLED_AFTER:
            assert chief.poll() is None and victim.poll() is None, f"a worker ended early: {finish(processes)}"
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        (chief_code, chief_out, chief_err), (victim_code, _, _) = finish(processes, timeout=120)
        survivor_seconds = time.monotonic() - killed_at
    finally:
        finish(processes, timeout=1)
    killed_after = latest_checkpoint_epoch(checkpoints)
    before_restart = {
        "checkpoint": killed_after,
        "weights": {step: load_weights(workdir / f"weights_{step}.npz") for step in range(1, killed_after + 1)},
        "logs": [json.loads(line) for line in chief_out.splitlines() if line.startswith('{"epoch"')],
    }
    print(
        f"\nworker 1 SIGKILLed after epoch {killed_after}'s checkpoint; worker 0 exited {chief_code} "
        f"{survivor_seconds:.1f} s later with: {chief_err.strip().splitlines()[-1][:400]}"
    )
    restarted = summaries(finish(launch_workers(workdir, "--epochs", str(EPOCHS), "--steps-per-epoch", "1")))
    return {
        "workdir": workdir,
        "victim_code": victim_code,
        "survivor": (chief_code, chief_err),
        "before_restart": before_restart,
        "restarted": restarted,
    }


# === Two workers take one process's steps ===
def test_two_workers_end_one_and_two_steps_with_the_weights_of_one_process(killed_and_restarted, one_process):
    reference, reference_losses = one_process
    before = killed_and_restarted["before_restart"]
    gaps = [
        assert_same_weights(before["weights"][step], reference[step]) for step in range(1, before["checkpoint"] + 1)
    ]
    print(f"\ntwo workers vs one process, largest weight difference after each step: {gaps}")
    # The weights moved: the comparison is not between two untrained models.
    assert max(np.abs(reference[2][key] - reference[1][key]).max() for key in reference[1]) > 1e-3
    # Per-epoch logs are reduced across the replicas: what one process logs.
    for name, values in reference_losses.items():
        np.testing.assert_allclose([logs[name] for logs in before["logs"]], values[: before["checkpoint"]], atol=1e-5)


def test_a_killed_worker_ends_the_other_with_a_clear_error_and_keeps_the_checkpoint(killed_and_restarted):
    code, err = killed_and_restarted["survivor"]
    assert killed_and_restarted["victim_code"] == -signal.SIGKILL
    # The survivor does not hang: its next all-reduce fails and it says how to resume.
    assert code != 0
    last_line = err.strip().splitlines()[-1]
    killed_after = killed_and_restarted["before_restart"]["checkpoint"]
    assert KILLED_AFTER <= killed_after < EPOCHS  # killed mid-run
    next_epoch = killed_after + 1
    assert last_line.startswith(f"zoo.distributed.WorkerLostError: Lost a worker during epoch {next_epoch}"), err
    assert f"resumes at epoch {next_epoch}" in last_line


def test_restarted_workers_resume_and_end_with_the_weights_of_an_uninterrupted_run(killed_and_restarted, one_process):
    reference, reference_losses = one_process
    workdir, restarted = killed_and_restarted["workdir"], killed_and_restarted["restarted"]
    killed_after = killed_and_restarted["before_restart"]["checkpoint"]
    assert [summary["initial_epoch"] for summary in restarted] == [killed_after, killed_after]
    # The last steps ran after the restart; the uninterrupted run is `fit` straight through.
    for step in range(killed_after + 1, EPOCHS + 1):
        gap = assert_same_weights(load_weights(workdir / f"weights_{step}.npz"), reference[step])
    print(f"\nafter the restart, step {EPOCHS} weights differ from the uninterrupted run by {gap:.2g}")
    for summary in restarted:  # every worker logs the reduced values
        for name, values in reference_losses.items():
            np.testing.assert_allclose(summary["history"][name], values[killed_after:], atol=1e-5)


def test_the_chief_alone_keeps_checkpoints_and_the_model(killed_and_restarted):
    workdir, (chief, other) = killed_and_restarted["workdir"], killed_and_restarted["restarted"]
    assert (chief["replicas"], chief["chief"], other["chief"]) == (2, True, False)
    assert latest_checkpoint_epoch(workdir / "checkpoints") == EPOCHS
    # The other worker wrote its checkpoints and model to a temp dir and deleted it.
    assert not list((workdir / "checkpoints").glob("workertemp_*"))
    model = keras.saving.load_model(workdir / "model.keras")
    assert_same_weights(worker.network_weights(model), load_weights(workdir / f"weights_{EPOCHS}.npz"), atol=0)


# === In one process ===
def test_slices_of_all_pipelines_make_up_each_global_batch():
    data = np.arange(20, dtype="float32").reshape(10, 2)
    slices = []
    for pipeline in range(2):
        context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=pipeline, num_replicas_in_sync=2)
        dataset = distributed.slice_for_pipeline(tf.data.Dataset.from_tensor_slices(data), 4, context)
        slices.append([batch.numpy() for batch in dataset])
    # 10 samples make two global batches of 4 (the rest is dropped) on both workers.
    assert [len(batches) for batches in slices] == [2, 2]
    for step in range(2):
        np.testing.assert_array_equal(np.concatenate([slices[0][step], slices[1][step]]), data[4 * step : 4 * step + 4])


def test_bad_tf_config_and_batch_give_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG is not set"):
        distributed.read_tf_config()
    monkeypatch.setenv("TF_CONFIG", "{cluster")
    with pytest.raises(ValueError, match="TF_CONFIG is not valid JSON"):
        distributed.read_tf_config()
    monkeypatch.setenv(
        "TF_CONFIG", json.dumps({"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 1}})
    )
    with pytest.raises(ValueError, match="index must be 0..0"):
        distributed.read_tf_config()
    with pytest.raises(ValueError, match="does not split over 2 replicas"):
        distributed.MultiWorkerRunner(
            worker.build_model,
            lambda epoch: None,
            global_batch_size=5,
            checkpoint_dir=tmp_path,
            strategy=mirrored_strategy(),
        )


def test_replicas_draw_different_noise_that_together_is_one_devices_draw():
    """Every replica holds the same seed state; without care each would draw the
    same z, and N replicas would train on B / N distinct latent vectors."""
    strategy = mirrored_strategy()
    with strategy.scope():
        model = worker.build_model()
    model.latent_sampler = None
    state = model.seed_generator.state.numpy().copy()

    @tf.function(autograph=False)
    def draw():
        return strategy.run(lambda: model.sample_generator_inputs(3)["z"])

    per_replica = strategy.experimental_local_results(draw())
    one_device = worker.build_model()
    one_device.latent_sampler = None
    one_device.seed_generator.state.assign(state)
    expected = one_device.sample_generator_inputs(6)["z"].numpy()
    assert np.abs(per_replica[0].numpy() - per_replica[1].numpy()).max() > 0.1
    np.testing.assert_allclose(np.concatenate([z.numpy() for z in per_replica]), expected, atol=1e-6)


def test_workers_that_restored_different_epochs_stop_with_a_clear_error(tmp_path):
    """What happens when a worker cannot read the chief's checkpoint folder: it
    would start over while the others resume, and deadlock later."""
    runner = distributed.MultiWorkerRunner(
        worker.build_model,
        lambda epoch: tf.data.Dataset.from_tensor_slices(worker.epoch_data(epoch)),
        global_batch_size=worker.GLOBAL_BATCH,
        checkpoint_dir=tmp_path,
        strategy=mirrored_strategy(),
    )
    assert runner.restore() == 0
    runner.epoch.values[1].assign(3)  # as if replica 1 had restored epoch 3
    with pytest.raises(ValueError, match="restored different epochs .* must be on storage every worker reads"):
        runner.restore()


# === The command line ===
def test_cli_trains_a_recipe_on_a_one_worker_cluster(tmp_path):
    out = tmp_path / "run"
    (port,) = free_ports(1)
    env = dict(
        os.environ,
        TF_CONFIG=json.dumps({"cluster": {"worker": [f"127.0.0.1:{port}"]}, "task": {"type": "worker", "index": 0}}),
        TF_NUM_INTRAOP_THREADS="1",
        TF_NUM_INTEROP_THREADS="1",
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONPATH=str(ROOT),
    )
    command = [sys.executable, "-m", "cli", "train", "gan", "--epochs", "2", "--image-size", "8", "--batch-size", "256"]
    result = subprocess.run(
        [*command, "--out", str(out), "--workers"],
        check=False,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Epoch 2/2: d_loss" in result.stdout
    with open(out / "history.csv", newline="") as file:
        assert [int(row["epoch"]) for row in csv.DictReader(file)] == [0, 1]
    assert sorted(path.name for path in (out / "samples").iterdir()) == ["epoch_001.png", "epoch_002.png"]
    assert latest_checkpoint_epoch(out / "checkpoints") == 2
    model = keras.saving.load_model(out / "model.keras")
    assert (model.family, model.data_shape, model.dataset) == ("gan", (8, 8, 1), "digits")
    assert json.loads((out / "recipe.json").read_text())["epochs"] == 2
    assert not [path.name for path in out.iterdir() if path.name.startswith(".")]  # no temp file left


def test_cli_without_tf_config_gives_one_line_and_writes_nothing(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    out = tmp_path / "run"
    assert main(["train", "gan", "--epochs", "1", "--out", str(out), "--workers"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("gan-zoo train: error: TF_CONFIG is not set") and "\n" not in error
    assert not out.exists()
