"""Guards for a training run: stop at the first non-finite loss, check the data
before training, and keep a per-epoch history that a kill never corrupts."""

from __future__ import annotations

import csv
import io
import math
import pathlib
import warnings
from typing import Any

import keras
import numpy as np

from zoo.io import fault_point, write_text

#: How far outside [-1, 1] data may go before `check_data` warns (bilinear resizing
#: and float rounding overshoot a little).
RANGE_SLACK = 0.05


class NonFiniteLossError(ValueError):
    """Training produced a NaN or infinite loss."""


class StopOnNonFinite(keras.callbacks.Callback):
    """Stop `fit` at the first step whose logged loss is NaN or infinite, raising
    `NonFiniteLossError` naming the epoch, the step and the value.

    Unlike `keras.callbacks.TerminateOnNaN` (which sets `stop_training`, so `fit`
    returns normally and the caller saves a NaN model), this raises: the epoch is
    not finished, so no callback backs up or logs it, and the last good backup stays
    the newest one.
    """

    def __init__(self):
        super().__init__()
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            value = float(np.asarray(value))
            if not math.isfinite(value):
                raise NonFiniteLossError(
                    f"Training stopped: {name} became {value} at epoch {self._epoch + 1}, step {batch + 1}. "
                    "The state from the last finished epoch is kept; lower the learning rate or check the data."
                )


class FaultPoints(keras.callbacks.Callback):
    """Test-only hook: passes `zoo.io.fault_point("train-batch")` after every step,
    so tests/test_faults.py can SIGKILL a run in the middle of an epoch."""

    def on_train_batch_end(self, batch, logs=None):
        fault_point("train-batch")


class HistoryCSV(keras.callbacks.Callback):
    """`history.csv` with one row per finished epoch (`epoch` 0-based, then the logs
    in sorted order, as `keras.callbacks.CSVLogger` writes it).

    CSVLogger appends in place: a kill mid-line leaves a broken row, and a run that
    resumes from an older backup appends epochs the file already holds. This rewrites
    the whole file atomically each epoch, and when training starts at epoch `e`,
    keeps only the rows before `e`: each epoch is in the file exactly once.
    """

    def __init__(self, path: str | pathlib.Path):
        super().__init__()
        self.path = pathlib.Path(path)
        self._rows: list[dict[str, str]] | None = None

    def on_epoch_begin(self, epoch, logs=None):
        if self._rows is None:
            self._rows = [row for row in read_rows(self.path) if int(row["epoch"]) < epoch]

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": str(epoch)}
        row.update({name: repr(float(np.asarray(value))) for name, value in sorted((logs or {}).items())})
        self._rows.append(row)
        names = ["epoch", *sorted({name for item in self._rows for name in item} - {"epoch"})]
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=names, restval="NA", lineterminator="\n")
        writer.writeheader()
        writer.writerows(self._rows)
        write_text(self.path, text.getvalue())


def read_rows(path: str | pathlib.Path) -> list[dict[str, str]]:
    """The rows of a history CSV whose epoch is a number (none if there is no file)."""
    path = pathlib.Path(path)
    if not path.is_file():
        return []
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    return [row for row in rows if (row.get("epoch") or "").isdigit()]


def check_data(batch: Any, what: str = "the data", bounded: bool = True) -> None:
    """Raise a ValueError if `batch` holds NaN or infinite values; with `bounded`
    (a tanh generator), warn if it lies outside [-1, 1], e.g. uint8 pixels or x1000.

    Call it on a batch before training (the recipes check the first batch):
    one NaN pixel would otherwise turn every weight into NaN in the first step.
    """
    values = [batch] if not isinstance(batch, (tuple, list)) else [batch[0]]
    array = np.asarray(values[0], dtype="float64") if not hasattr(values[0], "numpy") else values[0].numpy()
    array = np.asarray(array, dtype="float64")
    finite = np.isfinite(array)
    if not finite.all():
        bad = int(array.size - finite.sum())
        first = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(
            f"{what} holds {bad} non-finite value(s) (NaN or inf), the first at index {first}: "
            "clean the data before training."
        )
    if array.size == 0:
        raise ValueError(f"{what} is empty.")
    low, high = float(array.min()), float(array.max())
    if bounded and (low < -1 - RANGE_SLACK or high > 1 + RANGE_SLACK):
        hint = " (uint8 pixels? scale with x / 127.5 - 1)" if high > 2 and low >= 0 else ""
        warnings.warn(
            f"{what} ranges over [{low:g}, {high:g}], outside [-1, 1]{hint}: a tanh generator cannot reach it.",
            stacklevel=2,
        )
