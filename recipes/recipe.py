"""A recipe: a family + a dataset + hyperparameters + callbacks, run with `fit`."""

from __future__ import annotations

import dataclasses
import json
import pathlib
import time
from typing import Any

import keras

import zoo
from recipes import run_state
from zoo.backup import AtomicBackupAndRestore
from zoo.callbacks import LossPlot, SampleGrid
from zoo.data import load_dataset
from zoo.guards import FaultPoints, HistoryCSV, StopOnNonFinite, check_data
from zoo.io import atomic_path, remove_temporaries, write_text


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Everything needed to reproduce a training run.

    Attributes:
        name: recipe name (`gan-zoo train NAME`).
        family: registered GAN family.
        data: dataset name or image folder (see `zoo.data.load_dataset`).
        epochs: passes over the data.
        batch_size: global batch size.
        image_size: image side; `None` keeps the dataset's.
        channels: 1 or 3; `None` keeps the dataset's.
        model: overrides for `zoo.create` (latent_dim, width, ...).
        compile: arguments of `GAN.compile` (learning rates, ttur, ...).
        num_samples: points drawn for the 2-D mixtures.
        data_dir: where TensorFlow Datasets keeps its data (None: tfds's default).
        description: one line for `gan-zoo list`.
    """

    name: str
    family: str
    data: str = "digits"
    epochs: int = 20
    batch_size: int = 64
    image_size: int | None = None
    channels: int | None = None
    model: dict[str, Any] = dataclasses.field(default_factory=dict)
    compile: dict[str, Any] = dataclasses.field(default_factory=dict)
    num_samples: int = 50_000
    data_dir: str | None = None
    description: str = ""

    def __post_init__(self):
        for name in ("epochs", "batch_size", "num_samples", "image_size", "channels"):
            value = getattr(self, name)
            if value is None and name in ("image_size", "channels"):
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if not isinstance(self.model, dict) or not isinstance(self.compile, dict):
            raise TypeError("A recipe's model and compile are dicts of keyword arguments.")

    def replace(self, **changes: Any) -> Recipe:
        """A copy with the non-None `changes` applied."""
        return dataclasses.replace(self, **{key: value for key, value in changes.items() if value is not None})


@dataclasses.dataclass
class RunResult:
    model: zoo.GAN
    directory: pathlib.Path
    history: dict[str, list[float]]
    seconds: float
    files: dict[str, pathlib.Path]


def build_dataset(recipe: Recipe, seed: int = 0):
    return load_dataset(
        recipe.data,
        batch_size=recipe.batch_size,
        image_size=recipe.image_size,
        channels=recipe.channels,
        seed=seed,
        num_samples=recipe.num_samples,
        data_dir=recipe.data_dir,
    )


def run_recipe(
    recipe: Recipe,
    directory: str | pathlib.Path,
    *,
    export_onnx: bool = True,
    verbose: int | str = "auto",
    seed: int = 0,
    callbacks: list[keras.callbacks.Callback] | None = None,
    resume: bool = False,
    overwrite: bool = False,
) -> RunResult:
    """Train `recipe` and write its run folder.

    The folder receives `recipe.json`, `state.json` (how far the run got),
    `samples/epoch_NNN.png` (a fixed-noise grid per epoch), `history.csv`,
    `loss.png`, TensorBoard logs in `logs/`, the final `model.keras` and, with
    `export_onnx`, `generator.onnx` plus `samples_onnx.png` drawn from it through
    onnxruntime. Every file is written to a temporary name and renamed into place.

    A run interrupted mid-way (even killed) resumes from its last finished epoch
    when started again with the same folder (`zoo.backup.AtomicBackupAndRestore`
    in `backup/`, kept until model.keras is written); one killed during its export
    only finishes the export. A finished run is never replaced silently: `resume`
    trains it on up to `recipe.epochs` epochs in all, `overwrite` starts over.
    Errors (bad recipe, data or folder) leave the folder as it was.
    """
    directory = pathlib.Path(directory)
    recorded = dataclasses.asdict(recipe)
    state = run_state.check_rerun(directory, recorded, resume=resume, overwrite=overwrite)
    keras.utils.set_random_seed(seed)
    dataset = build_dataset(recipe, seed)
    first = next(iter(dataset))  # (every run takes it: resumed runs advance the shuffling alike)
    continuing = state is not None and state.status in ("trained", "finished")
    if continuing:
        model = run_state.load_run_model(directory)
    else:
        samples_spec = dataset.element_spec[0] if isinstance(dataset.element_spec, tuple) else dataset.element_spec
        model = zoo.create(recipe.family, data_shape=tuple(samples_spec.shape[1:]), dataset=recipe.data, **recipe.model)
        model.compile(**recipe.compile)
    check_data(first, f"The first batch of {recipe.data}", bounded=model.output_activation == "tanh")
    check_shape(model, first)

    # Everything is known to work: from here on the folder changes.
    if overwrite:
        run_state.clear_run(directory)
    directory.mkdir(parents=True, exist_ok=True)
    remove_temporaries(directory)
    write_text(directory / "recipe.json", json.dumps(recorded, indent=2))
    files = {
        "recipe": directory / "recipe.json",
        "state": directory / run_state.STATE_FILE,
        "samples": directory / "samples",
        "history": directory / "history.csv",
        "loss_plot": directory / "loss.png",
        "model": directory / "model.keras",
    }
    backup = AtomicBackupAndRestore(directory / "backup")
    history: dict[str, list[float]] = {}
    start = time.perf_counter()
    if state is None or state.status == "running" or resume:
        initial_epoch = state.epochs_done if continuing else backup.restore(model)
        run_state.clear_exports(directory)  # they would no longer match the model
        progress = run_state.RunState("running", initial_epoch, recipe.epochs, recipe.name)
        progress.write(directory)
        # The caller's callbacks come first, so that what they add to the epoch logs
        # (e.g. `zoo.metrics.GANMetrics` scores) reaches history.csv and TensorBoard.
        run_callbacks = [
            *(callbacks or []),
            StopOnNonFinite(),
            HistoryCSV(files["history"]),
            backup,  # after the history: a kill between them repeats the epoch, never loses its row
            RecordProgress(directory, progress),
            LossPlot(files["loss_plot"], csv_path=files["history"]),
            SampleGrid(files["samples"]),
            keras.callbacks.TensorBoard(str(directory / "logs"), write_graph=False),
            FaultPoints(),
        ]
        steps = int(dataset.cardinality())
        if steps > 0:
            # `fit` makes one iterator per epoch when told the epoch length; each
            # reshuffles. Making the iterators of the epochs already done (no data is
            # read) gives a resumed run the order an uninterrupted one sees.
            for _ in range(initial_epoch):
                iter(dataset)
        fitted = model.fit(
            dataset,
            epochs=recipe.epochs,
            initial_epoch=initial_epoch,
            steps_per_epoch=steps if steps > 0 else None,
            callbacks=run_callbacks,
            verbose=verbose,
            shuffle=False,
        )
        history = fitted.history
        with atomic_path(files["model"]) as temporary:
            model.save(temporary)
        run_state.RunState("trained", recipe.epochs, recipe.epochs, recipe.name).write(directory)
        backup.delete()
    seconds = time.perf_counter() - start

    if export_onnx:
        import export

        written = export.export_model(model, directory, "onnx")
        files.update({path.stem if path.stem != "generator" else "onnx": path for path in written})
        generator = export.OnnxGenerator(files["onnx"])
        suffix = ".wav" if model.data_kind == "audio" else ".png" if model.data_kind == "images" else None
        if suffix is None:
            suffix = ".png" if model.data_shape == (2,) else ".npy"
        files["onnx_samples"] = export.save_samples(
            generator.generate(64, seed=0), directory / f"samples_onnx{suffix}", generator.metadata, preview=True
        )[0]
    run_state.RunState("finished", recipe.epochs, recipe.epochs, recipe.name).write(directory)
    return RunResult(model=model, directory=directory, history=history, seconds=seconds, files=files)


class RecordProgress(keras.callbacks.Callback):
    """Keep state.json's `epochs_done` in step with the backup."""

    def __init__(self, directory: pathlib.Path, state: run_state.RunState):
        super().__init__()
        self.directory = directory
        self.state = state

    def on_epoch_end(self, epoch, logs=None):
        self.state.epochs_done = epoch + 1
        self.state.write(self.directory)


def check_shape(model: zoo.GAN, batch) -> None:
    """A resumed model must take the data the recipe now loads."""
    samples = batch[0] if isinstance(batch, (tuple, list)) else batch
    if tuple(samples.shape[1:]) != tuple(model.data_shape):
        raise ValueError(
            f"The data has samples shaped {tuple(samples.shape[1:])} but the model in the run folder "
            f"generates {tuple(model.data_shape)}."
        )
