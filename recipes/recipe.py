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
from zoo.callbacks import LinearDecay, LossPlot, SampleGrid, TranslationGrid, save_translation_grid
from zoo.data import load_dataset, load_domains
from zoo.io import atomic_path, write_text


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
        epochs: passes over the data.
        batch_size: global batch size.
        image_size: image side; `None` keeps the dataset's.
        channels: 1 or 3; `None` keeps the dataset's; for two domains also a
            pair `(channels_a, channels_b)`.
        callbacks: extra callbacks by name: "linear_decay" (CycleGAN's schedule,
            `zoo.callbacks.LinearDecay` over `epochs`).
        clip_length: audio samples per clip; `None` keeps the loader's (16,384).
        model: overrides for `zoo.create` (latent_dim, width, ...).
        compile: arguments of `GAN.compile` (learning rates, ttur, ...).
        description: one line for `gan-zoo list`.
    """

    name: str
    family: str
    data: str = "digits"
    data_b: str | None = None
    epochs: int = 20
    batch_size: int = 64
    image_size: int | None = None
    channels: int | tuple[int, int] | None = None
    callbacks: tuple[str, ...] = ()
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


#: Callbacks a recipe can name, built from the recipe.
RECIPE_CALLBACKS = ("linear_decay",)


def is_two_domain(recipe: Recipe) -> bool:
    return zoo.family_info(recipe.family).cls.batch_kind == "two_domains"


def build_dataset(recipe: Recipe, seed: int = 0):
    """The recipe's training data: batches of one dataset, or unpaired `(x_a, x_b)`
    batches of two domains for a two-domain family."""
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
    unknown = [name for name in recipe.callbacks if name not in RECIPE_CALLBACKS]
    if unknown:
        raise ValueError(f"Unknown recipe callbacks {unknown}; known: {', '.join(RECIPE_CALLBACKS)}.")
    specs = dataset.element_spec if isinstance(dataset.element_spec, tuple) else (dataset.element_spec,)
    shapes = {"data_shape": tuple(specs[0].shape[1:])}
    dataset_name = recipe.data
    if is_two_domain(recipe):
        shapes["data_shape_b"] = tuple(specs[1].shape[1:])
        dataset_name = f"{recipe.data} <-> {recipe.data_b or recipe.data}"
    model = zoo.create(recipe.family, **shapes, dataset=dataset_name, **recipe.model)
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
    translator = not model.generator_inputs.drawable
    if translator:
        # Real images of both domains, each with its translation and reconstruction.
        x_a, x_b = (np.asarray(batch[:8]) for batch in next(iter(dataset)))
        grid = TranslationGrid(files["samples"], x_a, x_b)
    else:
        # CoGAN's pairs side by side; a continuous code (InfoGAN) swept along each row.
        sweep = next((item.name for item in model.generator_inputs.of_kind("continuous")), None)
        grid = SampleGrid(files["samples"], sweep=sweep)
    recipe_callbacks = [keras.callbacks.BackupAndRestore(str(directory / "backup"))]
    if "linear_decay" in recipe.callbacks:
        # The compiled rates, read now: a resumed run restores already decayed ones.
        rates = {float(keras.ops.convert_to_numpy(opt.learning_rate)) for opt in (model.g_optimizer, model.d_optimizer)}
        base = rates.pop() if len(rates) == 1 else None
        recipe_callbacks.append(LinearDecay(recipe.epochs, base_learning_rate=base))
    # The caller's callbacks come first, so that what they add to the epoch logs
    # (e.g. `zoo.metrics.GANMetrics` scores) reaches history.csv and TensorBoard.
    run_callbacks = [
        *(callbacks or []),
        *recipe_callbacks,
        keras.callbacks.CSVLogger(str(files["history"]), append=True),
        LossPlot(files["loss_plot"], csv_path=files["history"]),
        grid,
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
        if translator:
            # Both directions through onnxruntime, on the same real images as the grids.
            translators = {path.stem.removeprefix("generator_"): export.OnnxGenerator(path) for path in written}
            files["onnx_samples"] = save_translation_grid(
                lambda images, direction: translators[direction].translate(images),
                grid.images_a,
                grid.images_b,
                directory / "samples_onnx.png",
            )
            return RunResult(model=model, directory=directory, history=history.history, seconds=seconds, files=files)
        generator = export.OnnxGenerator(files["onnx"])
        suffix = ".wav" if model.data_kind == "audio" else ".png" if model.data_kind == "images" else None
        if suffix is None:
            suffix = ".png" if model.data_shape == (2,) else ".npy"
        files["onnx_samples"] = export.save_samples(
            generator.generate(64, seed=0), directory / f"samples_onnx{suffix}", generator.metadata, preview=True
        )[0]
    return RunResult(model=model, directory=directory, history=history.history, seconds=seconds, files=files)
