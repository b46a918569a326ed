"""A recipe: a family + a dataset + hyperparameters + callbacks, run with `fit`."""

from __future__ import annotations

import dataclasses
import json
import pathlib
import time
from typing import Any

import keras

import zoo
from zoo.callbacks import LossPlot, SampleGrid
from zoo.data import load_dataset
from zoo.io import atomic_path, write_text


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
        clip_length: audio samples per clip; `None` keeps the loader's (16,384).
        model: overrides for `zoo.create` (latent_dim, width, ...).
        compile: arguments of `GAN.compile` (learning rates, ttur, ...).
        description: one line for `gan-zoo list`.
    """

    name: str
    family: str
    data: str = "digits"
    epochs: int = 20
    batch_size: int = 64
    image_size: int | None = None
    channels: int | None = None
    clip_length: int | None = None
    model: dict[str, Any] = dataclasses.field(default_factory=dict)
    compile: dict[str, Any] = dataclasses.field(default_factory=dict)
    num_samples: int = 50_000
    description: str = ""

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
        clip_length=recipe.clip_length,
    )


def run_recipe(
    recipe: Recipe,
    directory: str | pathlib.Path,
    *,
    export_onnx: bool = True,
    verbose: int | str = "auto",
    seed: int = 0,
    callbacks: list[keras.callbacks.Callback] | None = None,
) -> RunResult:
    """Train `recipe` and write its run folder.

    The folder receives `recipe.json`, `samples/epoch_NNN.png` (a fixed-noise grid
    per epoch), `history.csv`, `loss.png`, TensorBoard logs in `logs/`, the final
    `model.keras` and, with `export_onnx`, `generator.onnx` plus
    `samples_onnx.png` drawn from it through onnxruntime. A run interrupted
    mid-way resumes from its last finished epoch when started again with the same
    folder (`keras.callbacks.BackupAndRestore` in `backup/`).
    """
    directory = pathlib.Path(directory)
    keras.utils.set_random_seed(seed)
    dataset = build_dataset(recipe, seed)
    samples_spec = dataset.element_spec[0] if isinstance(dataset.element_spec, tuple) else dataset.element_spec
    model = zoo.create(recipe.family, data_shape=tuple(samples_spec.shape[1:]), dataset=recipe.data, **recipe.model)
    model.compile(**recipe.compile)
    # Written once the recipe is known to build: a failed start changes nothing.
    write_text(directory / "recipe.json", json.dumps(dataclasses.asdict(recipe), indent=2))

    files = {
        "recipe": directory / "recipe.json",
        "samples": directory / "samples",
        "history": directory / "history.csv",
        "loss_plot": directory / "loss.png",
        "model": directory / "model.keras",
    }
    # The caller's callbacks come first, so that what they add to the epoch logs
    # (e.g. `zoo.metrics.GANMetrics` scores) reaches history.csv and TensorBoard.
    run_callbacks = [
        *(callbacks or []),
        keras.callbacks.BackupAndRestore(str(directory / "backup")),
        keras.callbacks.CSVLogger(str(files["history"]), append=True),
        LossPlot(files["loss_plot"], csv_path=files["history"]),
        SampleGrid(files["samples"]),
        keras.callbacks.TensorBoard(str(directory / "logs"), write_graph=False),
    ]
    start = time.perf_counter()
    history = model.fit(dataset, epochs=recipe.epochs, callbacks=run_callbacks, verbose=verbose, shuffle=False)
    seconds = time.perf_counter() - start
    with atomic_path(files["model"]) as temporary:
        model.save(temporary)

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
    return RunResult(model=model, directory=directory, history=history.history, seconds=seconds, files=files)
