"""A recipe: a family + a dataset + hyperparameters + callbacks, run with `fit`."""

from __future__ import annotations

import dataclasses
import json
import pathlib
import time
from typing import Any

import keras
import numpy as np

import zoo
from recipes import run_state
from zoo.backup import AtomicBackupAndRestore
from zoo.callbacks import (
    LinearDecay,
    LossPlot,
    ReconstructionGrid,
    SampleGrid,
    TranslationGrid,
    save_translation_grid,
)
from zoo.data import load_dataset, load_domains
from zoo.guards import FaultPoints, HistoryCSV, StopOnNonFinite, check_data
from zoo.io import atomic_path, remove_temporaries, write_text


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Everything needed to reproduce a training run.

    Attributes:
        name: recipe name (`gan-zoo train NAME`).
        family: registered GAN family.
        data: dataset name or image folder (see `zoo.data.load_dataset`); for a
            two-domain family (CoGAN, CycleGAN) domain a (`zoo.data.load_domains`).
        data_b: domain b of a two-domain family (e.g. "digits/negative"); `None`
            for one-domain families and for a `cycle_gan/<name>` pair in `data`.
        epochs: epochs of `fit`, each `passes_per_epoch` passes over the data.
        passes_per_epoch: passes over the data per epoch; more than 1 gives a small
            data set thousands of steps without a sample grid, backup and loss plot
            after every few dozen (the digits: 44 steps a pass at batch 32).
        steps_per_epoch: if set, each epoch ends after this many batches (of
            its freshly shuffled passes) instead: a quick run of any recipe, e.g.
            `gan-zoo train dcgan_digits --epochs 1 --steps-per-epoch 5` to check
            that training, sample grids and export work before a long run.
        batch_size: global batch size.
        image_size: image side; `None` keeps the dataset's.
        channels: 1 or 3; `None` keeps the dataset's; for two domains also a
            pair `(channels_a, channels_b)`.
        callbacks: extra callbacks by name: "linear_decay" (CycleGAN's schedule,
            `zoo.callbacks.LinearDecay` over `epochs`).
        decay_start: with "linear_decay", the fraction of the epochs after which
            the rates start falling linearly to 0 (CycleGAN's: 0.5, the second half).
        clip_length: audio samples per clip; `None` keeps the loader's (16,384).
        model: overrides for `zoo.create` (latent_dim, width, ...).
        compile: arguments of `GAN.compile` (learning rates, ttur, ...).
        num_samples: points drawn for the 2-D mixtures.
        data_dir: where TensorFlow Datasets keeps its data (None: tfds's default).
        description: one line for `gan-zoo list`.
    """

    name: str
    family: str
    data: str = "digits"
    data_b: str | None = None
    epochs: int = 20
    passes_per_epoch: int = 1
    steps_per_epoch: int | None = None
    batch_size: int = 64
    image_size: int | None = None
    channels: int | tuple[int, int] | None = None
    callbacks: tuple[str, ...] = ()
    decay_start: float = 0.5
    clip_length: int | None = None
    model: dict[str, Any] = dataclasses.field(default_factory=dict)
    compile: dict[str, Any] = dataclasses.field(default_factory=dict)
    num_samples: int = 50_000
    data_dir: str | None = None
    description: str = ""

    def __post_init__(self):
        for name in (
            "epochs",
            "passes_per_epoch",
            "steps_per_epoch",
            "batch_size",
            "num_samples",
            "image_size",
            "channels",
        ):
            value = getattr(self, name)
            if value is None and name in ("image_size", "channels", "steps_per_epoch"):
                continue
            if name == "channels" and isinstance(value, tuple) and len(value) == 2:
                value = min(value)  # two domains: (channels_a, channels_b)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        fraction = isinstance(self.decay_start, (int, float)) and not isinstance(self.decay_start, bool)
        if not fraction or not 0 <= self.decay_start < 1:
            raise ValueError(f"decay_start must be a fraction of the epochs in [0, 1), got {self.decay_start!r}.")
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


#: Real samples shown with their reconstructions by a model with an encoder.
RECONSTRUCTED = 20

#: Callbacks a recipe can name, built from the recipe.
RECIPE_CALLBACKS = ("linear_decay",)


def is_two_domain(recipe: Recipe) -> bool:
    return zoo.family_info(recipe.family).cls.batch_kind == "two_domains"


def build_dataset(recipe: Recipe, seed: int = 0):
    """The recipe's training data: batches of one dataset, or unpaired `(x_a, x_b)`
    batches of two domains for a two-domain family; `passes_per_epoch` passes of
    them per epoch (each pass reshuffles; the epoch stays finite, so a resumed run
    replays the iterators of the epochs done as before), cut to `steps_per_epoch`
    batches when that is set."""
    dataset = _one_pass(recipe, seed)
    if recipe.passes_per_epoch > 1:
        dataset = dataset.repeat(recipe.passes_per_epoch)
    if recipe.steps_per_epoch is not None:
        dataset = dataset.take(recipe.steps_per_epoch)
    return dataset


def _one_pass(recipe: Recipe, seed: int):
    if is_two_domain(recipe):
        return load_domains(
            recipe.data,
            recipe.data_b,
            batch_size=recipe.batch_size,
            image_size=recipe.image_size,
            channels=recipe.channels,
            seed=seed,
        )
    if recipe.data_b is not None:
        raise ValueError(
            f"The {recipe.family!r} family learns one dataset; data_b={recipe.data_b!r} is for two-domain families."
        )
    # A family fit on (samples, labels) batches gets the dataset's labels.
    labels = zoo.family_info(recipe.family).cls.condition_input == "label"
    return load_dataset(
        recipe.data,
        batch_size=recipe.batch_size,
        image_size=recipe.image_size,
        channels=recipe.channels,
        labels=labels,
        seed=seed,
        num_samples=recipe.num_samples,
        clip_length=recipe.clip_length,
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
    `samples/epoch_NNN.png` (a fixed-input grid per epoch), `history.csv`,
    `loss.png`, TensorBoard logs in `logs/`, for a model with an encoder (BiGAN)
    `reconstructions/epoch_NNN.png` (real samples of the first batch beside
    G(E(x))), the final `model.keras` and, with
    `export_onnx`, one ONNX file per exported network (`generator.onnx`, ...) plus
    `samples_onnx.png` drawn through onnxruntime. Every file is written to a
    temporary name and renamed into place.

    A run interrupted mid-way (even killed) resumes from its last finished epoch
    when started again with the same folder (`zoo.backup.AtomicBackupAndRestore`
    in `backup/`, kept until model.keras is written); one killed during its export
    only finishes the export. A finished run is never replaced silently: `resume`
    trains it on up to `recipe.epochs` epochs in all, `overwrite` starts over.
    Errors (bad recipe, data or folder) leave the folder as it was.
    """
    directory = pathlib.Path(directory)
    recorded = dataclasses.asdict(recipe)
    unknown = [name for name in recipe.callbacks if name not in RECIPE_CALLBACKS]
    if unknown:
        raise ValueError(f"Unknown recipe callbacks {unknown}; known: {', '.join(RECIPE_CALLBACKS)}.")
    state = run_state.check_rerun(directory, recorded, resume=resume, overwrite=overwrite)
    keras.utils.set_random_seed(seed)
    dataset = build_dataset(recipe, seed)
    first = next(iter(dataset))  # (every run takes it: resumed runs advance the shuffling alike)
    continuing = state is not None and state.status in ("trained", "finished")
    if continuing:
        model = run_state.load_run_model(directory)
    else:
        specs = dataset.element_spec if isinstance(dataset.element_spec, tuple) else (dataset.element_spec,)
        shapes = {"data_shape": tuple(specs[0].shape[1:])}
        dataset_name = recipe.data
        if is_two_domain(recipe):
            shapes["data_shape_b"] = tuple(specs[1].shape[1:])
            dataset_name = f"{recipe.data} <-> {recipe.data_b or recipe.data}"
        model = zoo.create(recipe.family, **shapes, dataset=dataset_name, **recipe.model)
        model.compile(**recipe.compile)
    for part in first if is_two_domain(recipe) else [first]:
        check_data(part, f"The first batch of {recipe.data}", bounded=model.output_activation == "tanh")
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
    translator = not model.generator_inputs.drawable
    if translator:
        # Real images of both domains, each with its translation and reconstruction.
        x_a, x_b = (np.asarray(batch[:8]) for batch in first)
        grid = TranslationGrid(files["samples"], x_a, x_b)
    else:
        # CoGAN's pairs side by side; a continuous code (InfoGAN) swept along each row.
        sweep = next((item.name for item in model.generator_inputs.of_kind("continuous")), None)
        grid = SampleGrid(files["samples"], sweep=sweep)
    grids = [grid]
    if not translator and callable(getattr(model, "reconstruct", None)):
        # A model with an encoder (BiGAN): real samples of the first batch beside G(E(x)).
        # (A translator's reconstructions, F(G(a)), are already in its TranslationGrid.)
        files["reconstructions"] = directory / "reconstructions"
        grids.append(ReconstructionGrid(files["reconstructions"], np.asarray(first)[:RECONSTRUCTED]))
    backup = AtomicBackupAndRestore(directory / "backup")
    history: dict[str, list[float]] = {}
    start = time.perf_counter()
    if state is None or state.status == "running" or resume:
        initial_epoch = state.epochs_done if continuing else backup.restore(model)
        run_state.clear_exports(directory)  # they would no longer match the model
        progress = run_state.RunState("running", initial_epoch, recipe.epochs, recipe.name)
        progress.write(directory)
        recipe_callbacks = []
        if "linear_decay" in recipe.callbacks:
            # The compiled rates, read now: a resumed run restores already decayed ones.
            rates = {
                float(keras.ops.convert_to_numpy(optimizer.learning_rate))
                for optimizer in (model.g_optimizer, model.d_optimizer)
            }
            base = rates.pop() if len(rates) == 1 else None
            start = int(recipe.decay_start * recipe.epochs)
            recipe_callbacks.append(LinearDecay(recipe.epochs, decay_start=start, base_learning_rate=base))
        # The caller's callbacks come first, so that what they add to the epoch logs
        # (e.g. `zoo.metrics.GANMetrics` scores) reaches history.csv and TensorBoard.
        run_callbacks = [
            *(callbacks or []),
            *recipe_callbacks,
            StopOnNonFinite(),
            HistoryCSV(files["history"]),
            backup,  # after the history: a kill between them repeats the epoch, never loses its row
            RecordProgress(directory, progress),
            LossPlot(files["loss_plot"], csv_path=files["history"]),
            *grids,
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
        if translator:
            # Both directions through onnxruntime, on the same real images as the grids.
            translators = {path.stem.removeprefix("generator_"): export.OnnxGenerator(path) for path in written}
            files["onnx_samples"] = save_translation_grid(
                lambda images, direction: translators[direction].translate(images),
                grid.images_a,
                grid.images_b,
                directory / "samples_onnx.png",
            )
        else:
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
