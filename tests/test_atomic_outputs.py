"""Concurrent writers of one output never leave a mixed file; the CLI keeps
tracebacks for real bugs."""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import pytest

import cli
from zoo.samples import save_samples


def test_two_writers_of_one_output_leave_one_whole_file(tmp_path):
    path = tmp_path / "grid.png"
    first = np.full((64, 8, 8, 1), -1.0, "float32")
    second = np.linspace(-1, 1, 64 * 64, dtype="float32").reshape(64, 8, 8, 1)
    digests = {}
    for name, samples in (("first", first), ("second", second)):
        save_samples(samples, tmp_path / f"{name}.png")
        digests[name] = hashlib.sha256((tmp_path / f"{name}.png").read_bytes()).hexdigest()
    for _ in range(5):
        threads = [threading.Thread(target=save_samples, args=(samples, path)) for samples in (first, second) * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert hashlib.sha256(path.read_bytes()).hexdigest() in digests.values()
    assert [item.name for item in tmp_path.iterdir() if item.name.startswith(".")] == []


def test_a_real_bug_keeps_its_traceback(monkeypatch):
    def broken(args):
        raise RuntimeError("a bug in our code")

    monkeypatch.setattr(cli, "command_list", broken)
    with pytest.raises(RuntimeError, match="a bug in our code"):
        cli.main(["list"])
