"""`gan-zoo train --workers` on two local workers, uninterrupted and killed + restarted.

Runs the real command line (the recipe's own latent prior and data, not the
injected noise of tests/test_multiworker.py) three times on 127.0.0.1:

1. two workers, uninterrupted;
2. two workers; worker 1 is SIGKILLed once epoch `--kill-after` is checkpointed;
3. the same two commands again in the folder of 2.

and reports what the survivor did, where the restart resumed, the history rows,
and the largest weight difference between the final models of 1 and 3:

    python bench/multiworker_restart.py --epochs 4 --kill-after 2
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def launch(out: pathlib.Path, train_args: list[str]) -> list[subprocess.Popen]:
    addresses = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes = []
    for index in range(2):
        env = dict(
            os.environ,
            TF_CONFIG=json.dumps({"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}}),
            TF_NUM_INTRAOP_THREADS="1",
            TF_NUM_INTEROP_THREADS="1",
            PYTHONPATH=str(ROOT),
        )
        command = [sys.executable, "-m", "cli", "train", *train_args, "--out", str(out), "--workers"]
        processes.append(
            subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    return processes


def wait(processes: list[subprocess.Popen], timeout: float) -> list[tuple[int, str, str]]:
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


def latest_epoch(checkpoints: pathlib.Path) -> int:
    state = checkpoints / "checkpoint"
    if not state.exists():
        return 0
    return int(state.read_text().splitlines()[0].split("ckpt-")[1].rstrip('"'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="gan")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--kill-after", type=int, default=2)
    parser.add_argument("--extra", default="--image-size 8 --batch-size 64", help="more `train` arguments")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    train_args = [args.recipe, "--epochs", str(args.epochs), *args.extra.split()]
    work = pathlib.Path(tempfile.mkdtemp(prefix="multiworker_restart_"))

    start = time.perf_counter()
    uninterrupted = wait(launch(work / "uninterrupted", train_args), args.timeout)
    assert all(code == 0 for code, _, _ in uninterrupted), uninterrupted[0][2][-2000:]
    uninterrupted_seconds = time.perf_counter() - start

    run = work / "killed"
    processes = launch(run, train_args)
    deadline = time.monotonic() + args.timeout
    while latest_epoch(run / "checkpoints") < args.kill_after:
        if time.monotonic() > deadline or any(process.poll() is not None for process in processes):
            raise SystemExit(f"no checkpoint of epoch {args.kill_after}: {wait(processes, 1)}")
        time.sleep(0.02)
    processes[1].send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    killed_at_checkpoint = latest_epoch(run / "checkpoints")
    (survivor_code, _, survivor_err), (victim_code, _, _) = wait(processes, args.timeout)
    survivor_seconds = time.monotonic() - killed_at
    checkpoint_after_kill = latest_epoch(run / "checkpoints")

    restarted = wait(launch(run, train_args), args.timeout)
    assert all(code == 0 for code, _, _ in restarted), restarted[0][2][-2000:]
    chief_out = restarted[0][1]

    import keras
    import numpy as np
    from machine import machine_facts

    import zoo  # noqa: F401  (registers the families for loading)

    models = [keras.saving.load_model(path / "model.keras") for path in (work / "uninterrupted", run)]
    gap = max(
        float(np.abs(a - b).max())
        for a, b in zip(
            [v.numpy() for m in models[:1] for n in (m.generator, m.discriminator) for v in n.weights],
            [v.numpy() for m in models[1:] for n in (m.generator, m.discriminator) for v in n.weights],
        )
    )
    with open(run / "history.csv", newline="") as file:
        history_epochs = [int(row["epoch"]) for row in csv.DictReader(file)]
    print(
        json.dumps(
            {
                "command": f"gan-zoo train {' '.join(train_args)} --out RUN --workers (x2, TF_CONFIG per worker)",
                "uninterrupted_seconds": round(uninterrupted_seconds, 1),
                "killed_at_checkpoint": killed_at_checkpoint,
                "victim_exit": victim_code,
                "survivor_exit": survivor_code,
                "survivor_seconds_after_kill": round(survivor_seconds, 1),
                "survivor_last_line": survivor_err.strip().splitlines()[-1],
                "checkpoint_after_kill": checkpoint_after_kill,
                "restart_first_lines": chief_out.strip().splitlines()[:2],
                "history_epochs_after_restart": history_epochs,
                "max_weight_difference_vs_uninterrupted": gap,
                "machine": machine_facts(),
                "work_dir": str(work),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
