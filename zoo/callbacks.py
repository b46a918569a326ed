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
