"""Keras callbacks for watching a GAN train: sample pictures and a loss plot."""

from __future__ import annotations

import pathlib

import keras
import numpy as np

from zoo.images import save_image_grid


class SampleGrid(keras.callbacks.Callback):
    """Every `every` epochs, write `directory/epoch_NNN.png`: samples from one fixed
    latent batch, so that successive grids show the same z as training goes on."""

    def __init__(self, directory: str | pathlib.Path, num_samples: int = 64, seed: int = 0, every: int = 1):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}.")
        self.directory = pathlib.Path(directory)
        self.num_samples = num_samples
        self.seed = seed
        self.every = every
        self._latent = None

    def on_train_begin(self, logs=None):
        self._latent = self.model.sample_noise(self.num_samples, self.seed)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        samples = self.model.generate(self._latent)
        path = self.directory / f"epoch_{epoch + 1:03d}.png"
        if samples.ndim == 4:
            save_image_grid(samples, path)
        elif samples.ndim == 2 and samples.shape[-1] == 2:
            save_scatter(samples, path, title=f"epoch {epoch + 1}")


def save_scatter(points: np.ndarray, path: str | pathlib.Path, title: str | None = None) -> pathlib.Path:
    """A scatter PNG of 2-D samples."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(4, 4))
    axes.scatter(points[:, 0], points[:, 1], s=2, alpha=0.5)
    axes.set_aspect("equal")
    if title:
        axes.set_title(title)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path


def plot_history(history: dict[str, list[float]], path: str | pathlib.Path) -> pathlib.Path:
    """Plot every logged loss per epoch into one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(6, 4))
    for name, values in history.items():
        axes.plot(range(1, len(values) + 1), values, marker="." if len(values) < 30 else None, label=name)
    axes.set_xlabel("epoch")
    axes.set_ylabel("value (epoch mean)")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path


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
