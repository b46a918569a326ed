"""`AtomicBackupAndRestore`: Keras's `BackupAndRestore` made safe against kills.

Keras's callback writes `backup/latest.weights.h5` in place (a kill mid-write leaves
a truncated file that fails every rerun with a raw h5py error), writes the weights
and the epoch number as two files (a kill between them pairs new weights with the
old epoch), and deletes the backup when `fit` ends, before the caller has saved the
final model. This subclass keeps Keras's resume semantics (`model._initial_epoch`,
weights and optimizer state from the last finished epoch) but:

- writes `epoch_NNNN.weights.h5` through a temporary file renamed into place, so the
  epoch is in the name of a complete file and a kill leaves the previous backup;
- keeps the newest `keep` backups, so a damaged newest one falls back to the one
  before; a damaged backup is reported with a warning, never a traceback, and if
  none loads, training starts over (with a warning) from the untouched weights;
- never deletes the backup itself: `delete()` it once the final model is written.
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import warnings

import keras
import numpy as np

from zoo.io import atomic_path, fault_point

_BACKUP = re.compile(r"^epoch_(\d+)\.weights\.h5$")
#: What Keras's own BackupAndRestore writes (read, so older run folders still resume).
_KERAS_WEIGHTS = "latest.weights.h5"
_KERAS_METADATA = "training_metadata.json"


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """Back up the training state after every epoch, atomically; restore the newest
    good backup when training starts again.

    Args:
        backup_dir: the folder of the backups.
        keep: how many of the newest backups to keep (at least 1; 2 lets a damaged
            newest backup fall back to the previous epoch).
    """

    def __init__(self, backup_dir: str | pathlib.Path, keep: int = 2):
        super().__init__(str(backup_dir), save_freq="epoch", delete_checkpoint=False)
        if int(keep) != keep or keep < 1:
            raise ValueError(f"keep must be a positive integer, got {keep}.")
        self.directory = pathlib.Path(backup_dir)
        self.keep = int(keep)
        #: The epoch training resumed from (0: started over), set by `restore`.
        self.restored_epoch: int | None = None
        #: One line per damaged backup that was skipped.
        self.problems: list[str] = []

    # === Restoring ===
    def candidates(self) -> list[tuple[int, pathlib.Path]]:
        """`(epochs done, weights file)` of every backup, newest first."""
        found = []
        if self.directory.is_dir():
            for path in self.directory.iterdir():
                match = _BACKUP.match(path.name)
                if match:
                    found.append((int(match.group(1)), path))
            legacy = self.directory / _KERAS_WEIGHTS
            if legacy.is_file():
                try:
                    epoch = int(json.loads((self.directory / _KERAS_METADATA).read_text())["epoch"])
                    found.append((epoch, legacy))
                except (OSError, ValueError, KeyError, TypeError):
                    self.problems.append(f"{legacy} has no readable {_KERAS_METADATA}: skipped")
        return sorted(found, key=lambda item: item[0], reverse=True)

    def restore(self, model: keras.Model | None = None) -> int:
        """Load the newest backup that loads into `model` and return its epoch count
        (0 when there is none or none loads: training starts over)."""
        model = model if model is not None else self.model
        if self.restored_epoch is not None:
            return self.restored_epoch
        candidates = self.candidates()
        snapshot = _state(model) if candidates else None
        for epoch, path in candidates:
            try:
                model.load_weights(path)
            except Exception as error:  # noqa: BLE001  (h5py and Keras raise many types for a damaged file)
                self.problems.append(f"{path} is damaged ({type(error).__name__}: {_first_line(error)}): skipped")
                warnings.warn(f"Backup {path} is damaged and was skipped: {_first_line(error)}", stacklevel=2)
                _set_state(model, snapshot)  # a partial load must not leak into the next try
                continue
            self.restored_epoch = epoch
            return epoch
        if candidates:
            warnings.warn(
                f"No backup in {self.directory} could be loaded; training starts over from epoch 1.", stacklevel=2
            )
        self.restored_epoch = 0
        return 0

    def on_train_begin(self, logs=None):
        if self.restored_epoch is None:
            self.restore()
        if self.restored_epoch:
            self.model._initial_epoch = self.restored_epoch

    # === Saving ===
    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._save_model()

    def _save_model(self):
        path = self.directory / f"epoch_{self._current_epoch:04d}.weights.h5"
        with atomic_path(path, suffix=".weights.h5") as temporary:
            self.model.save_weights(temporary)
            fault_point("backup-written")  # the complete temporary file, not yet renamed
        self.restored_epoch = self._current_epoch
        for _, old in self.candidates()[self.keep :]:
            old.unlink(missing_ok=True)
        for name in (_KERAS_WEIGHTS, _KERAS_METADATA):  # superseded by the new backup
            (self.directory / name).unlink(missing_ok=True)

    def on_train_end(self, logs=None):
        """Keep the backup: the caller deletes it once the final model is written."""

    def delete(self) -> None:
        """Remove the backup folder (after the final model is safely written)."""
        shutil.rmtree(self.directory, ignore_errors=True)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _all_variables(model: keras.Model) -> list:
    from zoo.callbacks import model_optimizers

    variables = {id(variable): variable for variable in model.variables}
    for optimizer in model_optimizers(model):
        variables.update({id(variable): variable for variable in optimizer.variables})
    return list(variables.values())


def _state(model: keras.Model) -> list[tuple]:
    return [(variable, np.array(variable.numpy())) for variable in _all_variables(model)]


def _set_state(model: keras.Model, snapshot: list[tuple]) -> None:
    for variable, value in snapshot:
        variable.assign(value)
