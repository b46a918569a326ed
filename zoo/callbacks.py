"""Keras callbacks for watching a GAN train: sample pictures and a loss plot."""

from __future__ import annotations

import pathlib

import keras
import numpy as np

from zoo.samples import save_figure, save_samples


class SampleGrid(keras.callbacks.Callback):
    """Every `every` epochs, write `directory/epoch_NNN.png`: samples from one fixed
    batch of generator inputs, so that successive grids show the same inputs as
    training goes on. What it writes follows the kind of data: a grid of images (for
    a family with a categorical input, one row per class and the same noise down
    each column), a scatter of 2-D points, or for audio `epoch_NNN_000.wav`, ... and
    a waveform / spectrogram PNG.

    Args:
        directory: where the files go.
        num_samples: samples per epoch (a conditional grid rounds it to full rows).
        seed: seed of the fixed inputs (`GAN.sample_inputs`).
        every: write after epochs every, 2 * every, ...
        fixed_inputs: inputs the spec cannot draw (a translator's images), or any
            input to hold fixed.
        sweep: the name of a continuous input (InfoGAN's `code`) whose dimension
            `sweep_index` goes from its low to its high value along each row, every
            other input fixed: a picture of what that code controls.
        sweep_index: which dimension of `sweep` is swept.
    """

    def __init__(
        self,
        directory: str | pathlib.Path,
        num_samples: int = 64,
        seed: int = 0,
        every: int = 1,
        fixed_inputs: dict[str, np.ndarray] | None = None,
        sweep: str | None = None,
        sweep_index: int = 0,
    ):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}.")
        self.directory = pathlib.Path(directory)
        self.num_samples = num_samples
        self.seed = seed
        self.every = every
        self.fixed_inputs = dict(fixed_inputs or {})
        self.sweep = sweep
        self.sweep_index = sweep_index
        self._inputs = None
        self._columns = None

    def on_train_begin(self, logs=None):
        self._inputs, self._columns = grid_inputs(
            self.model, self.num_samples, self.seed, sweep=self.sweep, sweep_index=self.sweep_index, **self.fixed_inputs
        )

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        outputs = self.model.generate(self._inputs)
        kind = self.model.data_kind
        if kind == "audio":
            save_samples(outputs, self.directory / f"epoch_{epoch + 1:03d}.wav", preview=True)
        elif kind == "images" or np.shape(outputs)[-1] == 2:
            save_samples(outputs, self.directory / f"epoch_{epoch + 1:03d}.png", columns=self._columns)
        else:
            save_samples(outputs, self.directory / f"epoch_{epoch + 1:03d}.npy")


def grid_inputs(
    model, num_samples: int, seed: int = 0, *, sweep: str | None = None, sweep_index: int = 0, **fixed
) -> tuple[dict[str, np.ndarray], int | None]:
    """`(inputs, columns)` for a picture of `model`'s samples: for a generator with a
    categorical input (and no fixed value for it), one row per category with the
    same other inputs down each column; otherwise `num_samples` drawn inputs.

    With `sweep` (a continuous input's name), dimension `sweep_index` of that input
    runs from its low to its high value along each row (InfoGAN, Chen et al. 2016,
    fig. 2), every other input held at one drawn value: rows are the categories (one
    row without a categorical input), `num_samples // rows` columns.
    """
    conditioning = [item.name for item in model.generator_inputs.of_kind("sample") if item.name in fixed]
    if conditioning:  # a translator: one sample per given image
        num_samples = len(fixed[conditioning[0]])
    categorical = [item for item in model.generator_inputs.of_kind("categorical") if item.name not in fixed]
    if sweep is not None:
        return _sweep_inputs(model, num_samples, seed, sweep, sweep_index, categorical[:1], fixed)
    if not categorical:
        return model.sample_inputs(num_samples, seed, **fixed), None
    rows = categorical[0]
    columns = max(1, num_samples // rows.num_classes)
    inputs = model.sample_inputs(columns, seed, **fixed)
    tiled = {name: np.concatenate([values] * rows.num_classes) for name, values in inputs.items()}
    tiled[rows.name] = np.repeat(np.arange(rows.num_classes, dtype="int32"), columns)
    return tiled, columns


class TranslationGrid(keras.callbacks.Callback):
    """Every `every` epochs, write `directory/epoch_NNN.png` for a translator
    (CycleGAN): fixed real images of each domain, each beside its translation and
    its reconstruction (translated there and back), so the grid shows what the
    cycle loss measures (`save_translation_grid`).

    Args:
        directory: where the files go.
        images_a: real images of domain a (translated a -> b -> a).
        images_b: real images of domain b (b -> a -> b), or None.
        every: write after epochs every, 2 * every, ...
    """

    def __init__(
        self, directory: str | pathlib.Path, images_a: np.ndarray, images_b: np.ndarray | None = None, every: int = 1
    ):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}.")
        self.directory = pathlib.Path(directory)
        self.images_a = np.asarray(images_a)
        self.images_b = None if images_b is None else np.asarray(images_b)
        self.every = every

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        path = self.directory / f"epoch_{epoch + 1:03d}.png"
        save_translation_grid(self.model.translate, self.images_a, self.images_b, path)


def save_translation_grid(
    translate, images_a: np.ndarray, images_b: np.ndarray | None, path: str | pathlib.Path, per_row: int = 4
) -> pathlib.Path:
    """A PNG of (input, translation, reconstruction) triplets, `per_row` triplets a
    row: domain a's images first (a -> b -> a), then domain b's (b -> a -> b).
    `translate(images, direction)` is `CycleGAN.translate` or its ONNX twin. Gray
    images are shown as RGB beside coloured ones."""
    triplets = []
    for images, direction, back in ((images_a, "a2b", "b2a"), (images_b, "b2a", "a2b")):
        if images is None:
            continue
        translated = translate(images, direction)
        reconstructed = translate(translated, back)
        triplets.append((np.asarray(images), np.asarray(translated), np.asarray(reconstructed)))
    channels = max(part.shape[-1] for triplet in triplets for part in triplet)
    tiles = []
    for triplet in triplets:
        as_rgb = [np.repeat(part, channels, axis=-1) if part.shape[-1] != channels else part for part in triplet]
        tiles.append(side_by_side(as_rgb))  # input, translation, reconstruction
    return save_samples(np.concatenate(tiles), path, columns=3 * per_row)[0]


def side_by_side(parts: list[np.ndarray]) -> np.ndarray:
    """Equally shaped batches interleaved sample by sample: part 0's first sample,
    part 1's first, ..., then the second samples; a grid with `len(parts)` times k
    columns shows each sample's parts next to each other."""
    return np.stack([np.asarray(part) for part in parts], axis=1).reshape(-1, *np.shape(parts[0])[1:])


class ReconstructionGrid(keras.callbacks.Callback):
    """Every `every` epochs, write `directory/epoch_NNN.png` for a model with an
    encoder (BiGAN): fixed real samples, each followed by its reconstruction
    G(E(x)) (`model.reconstruct`), `per_row` pairs a row, so the grid shows how far
    the encoder inverts the generator (Donahue et al. 2017, fig. 3)."""

    def __init__(self, directory: str | pathlib.Path, images: np.ndarray, every: int = 1, per_row: int = 5):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}.")
        self.directory = pathlib.Path(directory)
        self.images = np.asarray(images)
        self.every = every
        self.per_row = per_row

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        path = self.directory / f"epoch_{epoch + 1:03d}.png"
        save_reconstruction_grid(self.model.reconstruct, self.images, path, self.per_row)


def save_reconstruction_grid(
    reconstruct, images: np.ndarray, path: str | pathlib.Path, per_row: int = 5
) -> pathlib.Path:
    """A PNG of (real, reconstruction) pairs, `per_row` pairs a row: the even
    columns are `images`, each odd column `reconstruct` of its left neighbour."""
    return save_samples(side_by_side([images, reconstruct(images)]), path, columns=2 * per_row)[0]


def _sweep_inputs(model, num_samples, seed, sweep, sweep_index, categorical, fixed):
    declared = model.generator_inputs
    if sweep not in declared or declared[sweep].kind != "continuous":
        codes = [item.name for item in declared.of_kind("continuous")] or "none"
        raise ValueError(f"sweep must name a continuous input of this generator ({codes}), got {sweep!r}.")
    code = declared[sweep]
    if not 0 <= sweep_index < code.shape[0]:
        raise ValueError(f"sweep_index must be in [0, {code.shape[0]}) for {sweep!r}, got {sweep_index}.")
    rows = categorical[0].num_classes if categorical else 1
    columns = max(2, num_samples // rows)
    one = model.sample_inputs(1, seed, **{name: value for name, value in fixed.items() if name != sweep})
    inputs = {name: np.repeat(values, rows * columns, axis=0) for name, values in one.items()}
    values = np.linspace(code.low, code.high, columns, dtype="float32")
    inputs[sweep] = inputs[sweep].copy()
    inputs[sweep][:, sweep_index] = np.tile(values, rows)
    if categorical:
        inputs[categorical[0].name] = np.repeat(np.arange(rows, dtype="int32"), columns)
    return inputs, columns


def plot_history(history: dict[str, list[float]], path: str | pathlib.Path) -> pathlib.Path:
    """Plot every logged loss per epoch into one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    for name, values in history.items():
        axes.plot(range(1, len(values) + 1), values, marker="." if len(values) < 30 else None, label=name)
    axes.set_xlabel("epoch")
    axes.set_ylabel("value (epoch mean)")
    axes.grid(alpha=0.3)
    axes.legend()
    return save_figure(figure, path)


class LossPlot(keras.callbacks.Callback):
    """Redraw `path` after every epoch from the epoch logs, so a crashed run still
    leaves its plot. Values from before a resume are read back from `csv_path`."""

    def __init__(self, path: str | pathlib.Path, csv_path: str | pathlib.Path | None = None):
        super().__init__()
        self.path = pathlib.Path(path)
        self.csv_path = pathlib.Path(csv_path) if csv_path else None
        self._history: dict[str, list[float]] = {}

    def on_epoch_end(self, epoch, logs=None):
        if self.csv_path is not None and self.csv_path.exists():
            history = read_history_csv(self.csv_path)
        else:
            history = self._history
            for name, value in (logs or {}).items():
                history.setdefault(name, []).append(float(value))
        if history:
            plot_history(history, self.path)


def read_history_csv(path: str | pathlib.Path) -> dict[str, list[float]]:
    """The numeric columns of a `keras.callbacks.CSVLogger` file, without the epoch.

    CSVLogger adds `val_*` columns filled with "NA" when there is no validation
    data; those are dropped.
    """
    import csv

    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    history = {}
    for name in rows[0].keys() if rows else []:
        values = [row[name] for row in rows]
        if name != "epoch" and all(value not in ("", "NA") for value in values):
            history[name] = [float(value) for value in values]
    return history


def linear_decay_factor(epoch: int, epochs: int, decay_start: int) -> float:
    """The CycleGAN schedule (Zhu et al. 2017, section 4): 1 for epochs
    0 .. decay_start - 1, then falling linearly towards 0 at epoch `epochs`.

    factor(e) = 1 - max(0, e - decay_start + 1) / (epochs - decay_start + 1), as the
    authors' `lambda_rule` (200 epochs: 1 up to epoch 99, 100/101 at epoch 100,
    1/101 at the last); 0 past the end.
    """
    return max(0.0, 1.0 - max(0, epoch - decay_start + 1) / (epochs - decay_start + 1))


def model_optimizers(model: keras.Model) -> list[keras.optimizers.Optimizer]:
    """Every optimizer a model holds (`optimizer`, `g_optimizer`, `d_optimizer`, ...), once each."""
    found: dict[int, keras.optimizers.Optimizer] = {}
    for value in [getattr(model, "optimizer", None), *vars(model).values()]:
        if isinstance(value, keras.optimizers.Optimizer):
            found.setdefault(id(value), value)
    return list(found.values())


class LinearDecay(keras.callbacks.Callback):
    """The learning-rate schedule of CycleGAN (Zhu et al. 2017): constant for the first
    half of the epochs, then linearly down to zero (`linear_decay_factor`), applied to
    every optimizer of the model at the start of each epoch.

    Args:
        epochs: the length of training the schedule spans (the paper: 200).
        decay_start: the first epoch whose rate is lowered is `decay_start`
            (0-based); `None` is half of `epochs` (the paper: 100).
        base_learning_rate: the undecayed rate of all optimizers; `None` reads each
            optimizer's rate when training begins. Pass it when resuming from a
            checkpoint whose optimizers already hold decayed rates.
    """

    def __init__(self, epochs: int, decay_start: int | None = None, base_learning_rate: float | None = None):
        super().__init__()
        if int(epochs) != epochs or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs}.")
        decay_start = epochs // 2 if decay_start is None else decay_start
        if int(decay_start) != decay_start or not 0 <= decay_start <= epochs:
            raise ValueError(f"decay_start must be an integer in [0, {epochs}], got {decay_start}.")
        if base_learning_rate is not None and base_learning_rate <= 0:
            raise ValueError(f"base_learning_rate must be positive, got {base_learning_rate}.")
        self.epochs = int(epochs)
        self.decay_start = int(decay_start)
        self.base_learning_rate = base_learning_rate
        self._base_rates: dict[int, float] = {}

    def on_train_begin(self, logs=None):
        self._optimizers = model_optimizers(self.model)
        if not self._optimizers:
            raise ValueError("LinearDecay needs a compiled model: it found no optimizer to schedule.")
        for optimizer in self._optimizers:
            # Read once: a second `fit` with the same callback keeps the first base rates.
            if id(optimizer) not in self._base_rates:
                rate = self.base_learning_rate or float(keras.ops.convert_to_numpy(optimizer.learning_rate))
                self._base_rates[id(optimizer)] = rate

    def on_epoch_begin(self, epoch, logs=None):
        factor = linear_decay_factor(epoch, self.epochs, self.decay_start)
        for optimizer in self._optimizers:
            optimizer.learning_rate = self._base_rates[id(optimizer)] * factor
