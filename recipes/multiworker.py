"""Run a recipe on a cluster of workers: `gan-zoo train RECIPE --workers`.

The same command runs on every host, each with its own `TF_CONFIG`; training is
`zoo.distributed.MultiWorkerRunner` (Keras 3 `fit` does not run under
`MultiWorkerMirroredStrategy` yet, see that module). The chief writes the run folder.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import pathlib
import time

import keras

import zoo
from recipes.recipe import Recipe, RunResult, build_dataset
from zoo import distributed
from zoo.callbacks import SampleGrid
from zoo.io import write_text


class EpochHistory(keras.callbacks.Callback):
    """`history.csv` with one row per finished epoch (`epoch` counts from 0, as
    `keras.callbacks.CSVLogger` writes it), rewritten whole each epoch: after a
    restart, the rows of epochs being run again are replaced, never repeated."""

    def __init__(self, path: str | os.PathLike):
        super().__init__()
        self.path = pathlib.Path(path)

    def on_epoch_end(self, epoch, logs=None):
        rows = []
        if self.path.exists():
            with open(self.path, newline="") as file:
                rows = [row for row in csv.DictReader(file) if int(row["epoch"]) < epoch]
        rows.append({"epoch": epoch, **(logs or {})})
        fields = list(dict.fromkeys(key for row in rows for key in row))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        write_text(self.path, buffer.getvalue())


def run_multi_worker(recipe: Recipe, directory: str | os.PathLike, *, seed: int = 0) -> RunResult:
    """Train `recipe` on the workers of `TF_CONFIG`; call it on every worker.

    The chief writes `recipe.json`, `checkpoints/` (one per epoch),
    `samples/epoch_NNN.png`, `history.csv` and, at the end, `model.keras`. Killed
    at any point, the run restarted on every worker resumes after its last
    finished epoch; `directory` must be on storage every worker reads.
    `RunResult.files` is empty on the other workers.
    """
    # First: collective ops must be configured before TensorFlow runs any op.
    strategy = distributed.multi_worker_strategy()
    directory = pathlib.Path(directory)
    if strategy.extended.should_checkpoint:  # the chief
        directory.mkdir(parents=True, exist_ok=True)
        write_text(directory / "recipe.json", json.dumps(dataclasses.asdict(recipe), indent=2))
    keras.utils.set_random_seed(seed)

    def make_dataset(epoch: int):
        # Shuffled with the epoch in the seed: the same order on every worker, and
        # after a restart the order the uninterrupted run would have had.
        return build_dataset(recipe, seed + epoch).unbatch()

    element = make_dataset(0).element_spec
    data_shape = tuple((element[0] if isinstance(element, tuple) else element).shape)

    def build_model() -> zoo.GAN:
        model = zoo.create(recipe.family, data_shape=data_shape, dataset=recipe.data, **recipe.model)
        model.compile(**recipe.compile)
        return model

    runner = distributed.MultiWorkerRunner(
        build_model,
        make_dataset,
        global_batch_size=recipe.batch_size,
        checkpoint_dir=directory / "checkpoints",
        strategy=strategy,
    )
    files = {
        "recipe": directory / "recipe.json",
        "checkpoints": directory / "checkpoints",
        "samples": directory / "samples",
        "history": directory / "history.csv",
        "model": directory / "model.keras",
    }
    start = time.perf_counter()
    state = runner.fit(
        recipe.epochs, callbacks=[EpochHistory(files["history"]), SampleGrid(files["samples"])], verbose=True
    )
    seconds = time.perf_counter() - start
    runner.save_model(files["model"])
    return RunResult(
        model=runner.model,
        directory=directory,
        history=state.history,
        seconds=seconds,
        files=files if runner.is_chief else {},
    )
