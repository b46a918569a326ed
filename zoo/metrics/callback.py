"""`GANMetrics`: sample-quality metrics computed during `fit`, logged like the losses."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence

import keras
import numpy as np
from numpy.typing import ArrayLike

from zoo.metrics import evaluate, extractors


class GANMetrics(keras.callbacks.Callback):
    """Every `every` epochs, score the model's samples against a fixed real set and add
    the scores to the epoch `logs`, as `{prefix}_{key}` (`digits_fid`, `digits_is`, ...).

    The generator inputs (`num_samples` rows drawn with `seed`) and the real features are
    fixed at the start of training, so the scores of successive epochs differ only
    because the generator changed. On epochs without an evaluation the keys hold NaN:
    every epoch then has the same keys, so `History` lists stay aligned with epochs
    (`history["digits_fid"][i]` is epoch i + 1) and `CSVLogger`, which fixes its
    columns at the first epoch, keeps the column.

    Keras calls the callbacks in list order with one shared `logs` dict (and appends
    `History` last), so put `GANMetrics` BEFORE `CSVLogger`, `TensorBoard` and any
    plotting callback for them to see the scores:

        model.fit(data, epochs=20, callbacks=[
            GANMetrics(real_images, metrics=("fid", "is"), every=5),
            keras.callbacks.CSVLogger("history.csv"),
            keras.callbacks.TensorBoard("logs"),
        ])

    Args:
        real_images: the real set, (n, height, width, channels) in [-1, 1].
        metrics: names from `zoo.metrics.evaluate.METRICS`.
        extractor: "digits", "inception", or a feature `keras.Model`.
        classifier: softmax classifier for the IS (default: the extractor's own).
        every: evaluate after epochs every, 2 * every, ... (1 = every epoch).
        num_samples: generated samples per evaluation (`None`: as many as real images).
        seed: seed of the fixed noise.
        prefix: key prefix; `None` takes the extractor's name.
        batch_size: generator and extractor batch size.
        verbose: print the scores (and seconds taken) after each evaluation.
    """

    def __init__(
        self,
        real_images: ArrayLike,
        metrics: str | Sequence[str] = ("fid",),
        extractor: str | os.PathLike | keras.Model = "digits",
        *,
        classifier: keras.Model | None = None,
        every: int = 1,
        num_samples: int | None = None,
        seed: int = 0,
        prefix: str | None = None,
        batch_size: int = 256,
        verbose: bool = False,
    ):
        super().__init__()
        self.metrics = evaluate.check_metrics(metrics)
        if int(every) != every or every < 1:
            raise ValueError(f"every must be a positive integer, got {every}.")
        self.real_images = np.asarray(real_images)
        self.num_samples = len(self.real_images) if num_samples is None else int(num_samples)
        if self.num_samples < 2:
            raise ValueError(f"num_samples must be at least 2, got {num_samples}.")
        self.every = int(every)
        self.seed = seed
        self.batch_size = batch_size
        self.verbose = verbose
        self.space = evaluate.feature_space(extractor, classifier)
        evaluate.check_is_available(self.space, self.metrics)
        self.prefix = self.space.name if prefix is None else prefix
        self.real_images = self.space.prepare(self.real_images, "real images")
        self.keys = [self._key(key) for name in self.metrics for key in evaluate.METRICS[name]]
        self._real_features = None
        self._inputs = None

    def on_train_begin(self, logs=None):
        if self._real_features is None and any(name != "is" for name in self.metrics):
            self._real_features = extractors.compute_features(self.space.features, self.real_images, self.batch_size)
        self._inputs = self.model.sample_inputs(self.num_samples, self.seed)

    def compute(self) -> dict[str, float]:
        """The scores of the model as it is now, keyed like the logs."""
        if self._inputs is None:
            self.on_train_begin()
        fake = self.space.prepare(self.model.generate(self._inputs, batch_size=self.batch_size), "generated images")
        if fake.shape[1:] != self.real_images.shape[1:]:
            raise ValueError(
                f"The model generates {fake.shape[1:]} images but the real images are {self.real_images.shape[1:]}."
            )
        fake_features = (
            extractors.compute_features(self.space.features, fake, self.batch_size)
            if self._real_features is not None
            else None
        )
        probabilities = (
            extractors.compute_probabilities(self.space.classifier, fake, self.batch_size)
            if "is" in self.metrics
            else None
        )
        results = evaluate.score_features(
            self.metrics, self._real_features, fake_features, probabilities, seed=self.seed
        )
        return {self._key(key): value for key, value in results.items()}

    def _key(self, key: str) -> str:
        return f"{self.prefix}_{key}" if self.prefix else key

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        if (epoch + 1) % self.every:
            logs.update({key: math.nan for key in self.keys})
            return
        start = time.perf_counter()
        results = self.compute()
        logs.update(results)
        if self.verbose:
            shown = ", ".join(f"{key} {value:.4g}" for key, value in results.items())
            print(f"\nEpoch {epoch + 1}: {shown} ({time.perf_counter() - start:.1f} s)")
