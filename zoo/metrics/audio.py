"""Scores for generated audio: a small drums classifier and its feature space.

InceptionV3 sees images; for audio the project ships the stand-in WaveGAN used
(Donahue et al. 2019, https://arxiv.org/abs/1802.04208, section 6.1: an "Inception
score" from a classifier trained on the real data): a small CNN on log-mel
spectrograms, trained on the synthetic `drums` set (kick, snare, hi-hat). Its class
probabilities give an audio Inception Score (at most 3, one per instrument) and its
penultimate layer the features of an audio FID / KID, computed by the same functions
as the image scores (`zoo.metrics.scores`, through `evaluate.score_features`).

Weights ship with the package and are rebuilt by
`python -m zoo.metrics.train_drums_classifier`. Clips of any length are cropped or
zero-padded to 16,384 samples inside the model, so generators of shorter clips are
scored by the same network.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops
from numpy.typing import ArrayLike

from zoo.metrics import evaluate, extractors

DRUMS_CLIP_LENGTH = 16_384
DRUMS_SAMPLE_RATE = 16_000
DRUMS_NUM_CLASSES = 3
DRUMS_FEATURES_LAYER = "features"
DRUMS_CLASSIFIER_WEIGHTS = Path(__file__).parent / "weights" / "drums_classifier.weights.h5"


@keras.saving.register_keras_serializable(package="zoo")
class CropOrPad(layers.Layer):
    """(batch, samples, 1) audio -> (batch, length): the first `length` samples, padded
    with silence, the way `zoo.data.audio` fits clips to a clip length."""

    def __init__(self, length: int = DRUMS_CLIP_LENGTH, **kwargs) -> None:
        super().__init__(**kwargs)
        self.length = int(length)

    def call(self, audio):
        audio = audio[:, : self.length, 0]
        padding = self.length - ops.shape(audio)[1]
        return ops.pad(audio, [[0, 0], [0, padding]])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.length)

    def get_config(self) -> dict:
        return {**super().get_config(), "length": self.length}


def build_drums_classifier() -> keras.Model:
    """The untrained drums CNN: (batch, samples, 1) audio in [-1, 1] -> softmax over
    kick, snare, hi-hat. The 32-d layer named "features" is the FID feature space."""
    audio = keras.Input(shape=(None, 1), name="audio")
    x = CropOrPad(DRUMS_CLIP_LENGTH, name="crop_or_pad")(audio)
    # 32 ms windows, 16 ms hop: 65 frames x 64 mel bands in dB.
    x = layers.MelSpectrogram(
        fft_length=512, sequence_stride=256, num_mel_bins=64, sampling_rate=DRUMS_SAMPLE_RATE, name="log_mel"
    )(x)
    x = layers.Permute((2, 1), name="time_major")(x)
    # dB values span roughly [-100, 40]; scale them towards unit range for the convolutions.
    x = layers.Rescaling(1 / 40, name="scale_db")(layers.Reshape((-1, 64, 1), name="as_image")(x))
    for block, filters in enumerate((16, 32, 64)):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{block}")(x)
        x = layers.MaxPooling2D(name=f"pool{block}")(x)
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    features = layers.Dense(32, activation="relu", name=DRUMS_FEATURES_LAYER)(x)
    x = layers.Dropout(0.3, name="dropout")(features)
    probabilities = layers.Dense(DRUMS_NUM_CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(audio, probabilities, name="drums_classifier")


def drums_classifier(weights_path: str | os.PathLike = DRUMS_CLASSIFIER_WEIGHTS) -> keras.Model:
    """The trained drums classifier (≥ 90% on held-out synthetic drums; see
    `zoo.metrics.train_drums_classifier`). (batch, samples, 1) -> (batch, 3)."""
    path = Path(weights_path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Drums classifier weights {path} are missing; rebuild them with "
            "`python -m zoo.metrics.train_drums_classifier`."
        )
    classifier = build_drums_classifier()
    classifier.load_weights(path)
    return classifier


def drums_feature_extractor(classifier: keras.Model | None = None) -> keras.Model:
    """The drums classifier's 32-d penultimate features, for audio FID / KID."""
    classifier = drums_classifier() if classifier is None else classifier
    return keras.Model(classifier.inputs, classifier.get_layer(DRUMS_FEATURES_LAYER).output, name="drums_features")


def prepare_audio(audio: ArrayLike, what: str = "audio") -> np.ndarray:
    """`audio` as float32 (n, samples, 1), or a ValueError naming `what`."""
    audio = np.asarray(audio)
    if audio.ndim == 2:
        audio = audio[..., None]
    if audio.ndim != 3 or audio.shape[-1] != 1:
        raise ValueError(f"{what} must be mono clips shaped (n, samples, 1); got shape {audio.shape}.")
    if audio.shape[0] == 0 or audio.shape[1] == 0:
        raise ValueError(f"{what} is empty (shape {audio.shape}).")
    audio = audio.astype("float32", copy=False)
    if not np.all(np.isfinite(audio)):
        raise ValueError(f"{what} contains NaN or infinite values (a diverged generator?).")
    return audio


def evaluate_audio(
    fake_audio: ArrayLike,
    real_audio: ArrayLike,
    metrics: str | Sequence[str] = ("fid", "is"),
    *,
    classifier: keras.Model | None = None,
    seed: int = 0,
    batch_size: int = 256,
    is_splits: int = 10,
) -> dict[str, float]:
    """Audio FID / KID / IS / PR / DC of `fake_audio` against `real_audio` (both
    (n, samples, 1) in [-1, 1], the same clip length) in the drums classifier's space.

    Returns the keys of `zoo.metrics.evaluate.METRICS` for the chosen names.
    """
    metrics = evaluate.check_metrics(metrics)
    fake = prepare_audio(fake_audio, "generated audio")
    real = prepare_audio(real_audio, "real audio")
    if fake.shape[1] != real.shape[1]:
        raise ValueError(
            f"Generated clips have {fake.shape[1]} samples but real clips {real.shape[1]}: load the real "
            "audio at the generator's clip length."
        )
    classifier = drums_classifier() if classifier is None else classifier
    features = drums_feature_extractor(classifier)
    needs_features = any(name != "is" for name in metrics)
    real_features = extractors.compute_features(features, real, batch_size) if needs_features else None
    fake_features = extractors.compute_features(features, fake, batch_size) if needs_features else None
    fake_probabilities = extractors.compute_probabilities(classifier, fake, batch_size) if "is" in metrics else None
    return evaluate.score_features(
        metrics, real_features, fake_features, fake_probabilities, seed=seed, is_splits=is_splits
    )


def evaluate_audio_generator(
    generator,
    real_audio: ArrayLike,
    metrics: str | Sequence[str] = ("fid", "is"),
    *,
    classifier: keras.Model | None = None,
    num_samples: int | None = None,
    seed: int = 0,
    batch_size: int = 256,
    is_splits: int = 10,
) -> dict[str, float]:
    """`evaluate_audio` of `num_samples` clips (default: as many as real ones) drawn
    with `seed` from anything `zoo.metrics.evaluate.as_sampler` takes: a `zoo.GAN`, an
    `export.OnnxGenerator`, a `.keras` / `.onnx` path or run folder, a Keras network,
    or a callable `n -> clips`."""
    real = prepare_audio(real_audio, "real audio")
    num_samples = len(real) if num_samples is None else num_samples
    if isinstance(num_samples, bool) or int(num_samples) != num_samples or num_samples < 2:
        raise ValueError(f"num_samples must be an integer of at least 2, got {num_samples}.")
    fake = evaluate.as_sampler(generator).sample(int(num_samples), seed=seed, batch_size=batch_size)
    return evaluate_audio(
        fake, real, metrics, classifier=classifier, seed=seed, batch_size=batch_size, is_splits=is_splits
    )
