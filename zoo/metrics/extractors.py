"""Feature extractors and classifiers that turn images into what `zoo.metrics.scores` reads.

- `inception_extractor`: InceptionV3 2048-d pool features, the features of FID
  (Heusel et al. 2017), KID (Bińkowski et al. 2018) and the k-NN precision / recall
  (Kynkäänniemi et al. 2019) and density / coverage (Naeem et al. 2020) metrics.
  InceptionV3 is Szegedy et al. 2016, "Rethinking the Inception Architecture for
  Computer Vision", https://arxiv.org/abs/1512.00567.
- `inception_classifier`: InceptionV3 ImageNet class probabilities, for the Inception
  Score (Salimans et al. 2016).
- `digits_classifier` / `digits_feature_extractor`: a small CNN trained on
  scikit-learn's 8x8 digits (the UCI optical digits set), the domain-appropriate
  stand-in for InceptionV3 when the GAN draws digits. Its weights ship with the package
  and are rebuilt by `python -m zoo.metrics.train_digits_classifier`.

Every function here returns a plain `keras.Model`; any other `keras.Model` can be
passed to `compute_features` / `compute_probabilities` in their place.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import keras
import numpy as np
import scipy.special
from keras import ops
from numpy.typing import ArrayLike

# === InceptionV3 ===

INCEPTION_IMAGE_SIZE = 299
INCEPTION_FEATURE_DIM = 2048

# The file names, origins and md5 hashes that `keras.applications.InceptionV3` itself
# uses, so a file cached by Keras on another machine can be copied over unchanged.
_KERAS_WEIGHTS_ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
INCEPTION_NOTOP_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_TOP_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
_INCEPTION_WEIGHTS_MD5 = {
    INCEPTION_NOTOP_WEIGHTS_FILE: "bcbd6486424b2319ff4ef7d526e38f63",
    INCEPTION_TOP_WEIGHTS_FILE: "9a0d58056eeedaa3f26cb7ebd46da564",
}


@keras.saving.register_keras_serializable(package="zoo")
class InceptionPreprocessing(keras.layers.Layer):
    """Make images in [-1, 1] of any size, with 1 or 3 channels, InceptionV3 inputs.

    Grayscale is tiled to RGB and every image resized (bilinear) to
    `image_size` x `image_size`. [-1, 1] is already the range that
    `keras.applications.inception_v3.preprocess_input` produces, so values pass through.
    Doing this inside the model keeps a saved extractor self-contained.
    """

    def __init__(self, image_size: int = INCEPTION_IMAGE_SIZE, **kwargs) -> None:
        super().__init__(**kwargs)
        self.image_size = image_size

    def call(self, images):
        channels = images.shape[-1]
        if channels is not None and channels not in (1, 3):
            raise ValueError(f"InceptionV3 features need 1- or 3-channel images; got {channels} channels.")
        images = ops.cast(images, self.compute_dtype)
        shape = ops.shape(images)
        # Broadcasting the channel axis to 3 tiles grayscale and leaves RGB unchanged,
        # so one graph serves both even when the channel count is only known at run time.
        rgb = ops.broadcast_to(images, (shape[0], shape[1], shape[2], 3))
        return ops.image.resize(rgb, (self.image_size, self.image_size), interpolation="bilinear")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.image_size, self.image_size, 3)

    def get_config(self) -> dict:
        return {**super().get_config(), "image_size": self.image_size}


def _keras_models_cache_dir() -> Path:
    """Where `keras.utils.get_file` caches application weights, resolved now.

    Keras resolves its home directory once, at import; resolving it again here means
    a changed `KERAS_HOME` or `HOME` (as in tests) is honoured.
    """
    if "KERAS_HOME" in os.environ:
        keras_home = Path(os.environ["KERAS_HOME"]).expanduser()
    else:
        home = Path(os.path.expanduser("~"))
        keras_home = (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"
    # get_file itself falls back to /tmp/.keras when the home is read-only.
    if keras_home.exists() and not os.access(keras_home, os.W_OK):
        keras_home = Path("/tmp") / ".keras"
    return keras_home / "models"


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _resolve_inception_weights(weights: str | os.PathLike | None, file_name: str, allow_download: bool) -> str | None:
    """The path of the weights file to load, or None for random weights."""
    if weights is None:
        return None
    if weights != "imagenet":
        path = Path(weights).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"InceptionV3 weights file {str(path)!r} does not exist.")
        return str(path)

    cached = _keras_models_cache_dir() / file_name
    if not cached.is_file():
        if allow_download:
            return keras.utils.get_file(
                file_name,
                _KERAS_WEIGHTS_ORIGIN + file_name,
                cache_subdir="models",
                file_hash=_INCEPTION_WEIGHTS_MD5[file_name],
            )
        # Checked before any download attempt: offline, get_file would hang or fail
        # with a bare network error that does not say what to do.
        raise FileNotFoundError(
            f"InceptionV3 ImageNet weights are not in the Keras cache: {cached} does not "
            f"exist. Download {_KERAS_WEIGHTS_ORIGIN + file_name} on a machine with "
            f"internet access and copy it to {cached.parent}/ (the directory Keras "
            "caches application weights in), or pass its path as weights='/path/to/"
            f"{file_name}', or call with allow_download=True when online."
        )
    if _md5(cached) != _INCEPTION_WEIGHTS_MD5[file_name]:
        raise ValueError(
            f"{cached} does not have the md5 hash Keras publishes for {file_name}: the "
            "file is incomplete or corrupt. Delete it and copy it again."
        )
    return str(cached)


def _inception_model(
    weights: str | os.PathLike | None, include_top: bool, allow_download: bool, name: str
) -> keras.Model:
    file_name = INCEPTION_TOP_WEIGHTS_FILE if include_top else INCEPTION_NOTOP_WEIGHTS_FILE
    weights_path = _resolve_inception_weights(weights, file_name, allow_download)
    backbone = keras.applications.InceptionV3(
        include_top=include_top,
        weights=weights_path,
        input_shape=(INCEPTION_IMAGE_SIZE, INCEPTION_IMAGE_SIZE, 3),
        pooling=None if include_top else "avg",
        classifier_activation="softmax",
    )
    images = keras.Input(shape=(None, None, None), name="images")
    outputs = backbone(InceptionPreprocessing(name="inception_preprocessing")(images))
    return keras.Model(images, outputs, name=name)


def inception_extractor(weights: str | os.PathLike | None = "imagenet", allow_download: bool = False) -> keras.Model:
    """InceptionV3 2048-d average-pool features: the feature space of FID and KID.

    Heusel et al. 2017 (FID), https://arxiv.org/abs/1706.08500, on InceptionV3
    (Szegedy et al. 2016). The model maps a batch of images in [-1, 1], of any height
    and width and 1 or 3 channels, to (batch, 2048) features.

    weights: "imagenet" loads `inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`
        from the Keras cache (`$KERAS_HOME/models` or `~/.keras/models`) and raises
        FileNotFoundError saying where to put it when it is missing; a path loads that
        file; None leaves the weights random (for tests).
    allow_download: fetch missing ImageNet weights with `keras.utils.get_file` instead
        of raising. Off by default because offline that call hangs.

    These are Keras' ImageNet weights, not the 2015 TF graph of the reference FID code,
    so scores are comparable within this project, not with published tables.
    """
    return _inception_model(weights, False, allow_download, name="inception_v3_features")


def inception_classifier(weights: str | os.PathLike | None = "imagenet", allow_download: bool = False) -> keras.Model:
    """InceptionV3 ImageNet class probabilities (batch, 1000): the input of the IS.

    Salimans et al. 2016, https://arxiv.org/abs/1606.03498. Same inputs and `weights`
    handling as `inception_extractor`, with the full-network weights file
    `inception_v3_weights_tf_dim_ordering_tf_kernels.h5`. The paper's network had
    1008 classes, so scores are comparable within this project only.
    """
    return _inception_model(weights, True, allow_download, name="inception_v3_classifier")


# === Digits classifier ===

DIGITS_IMAGE_SIZE = 16
DIGITS_NUM_CLASSES = 10
DIGITS_FEATURES_LAYER = "features"
DIGITS_CLASSIFIER_WEIGHTS = Path(__file__).parent / "weights" / "digits_classifier.weights.h5"


def build_digits_classifier() -> keras.Model:
    """The untrained digits CNN: (H, W, 1) images in [-1, 1] -> softmax over 10 digits.

    Any input size is resized (bilinear) to 16x16 inside the model, the size it is
    trained at, so 16x16 and 32x32 generators are scored by the same network. The
    64-d layer named "features" is what `digits_feature_extractor` exposes.
    """
    layers = keras.layers
    images = keras.Input(shape=(None, None, 1), name="images")
    x = layers.Resizing(DIGITS_IMAGE_SIZE, DIGITS_IMAGE_SIZE, interpolation="bilinear", name="resize")(images)
    for block, filters in enumerate((32, 64)):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{block}a")(x)
        x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{block}b")(x)
        x = layers.MaxPooling2D(name=f"pool{block}")(x)
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    features = layers.Dense(64, activation="relu", name=DIGITS_FEATURES_LAYER)(x)
    x = layers.Dropout(0.3, name="dropout")(features)
    probabilities = layers.Dense(DIGITS_NUM_CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(images, probabilities, name="digits_classifier")


def digits_classifier(
    weights_path: str | os.PathLike = DIGITS_CLASSIFIER_WEIGHTS,
) -> keras.Model:
    """The trained digits classifier (≥ 97% on held-out scikit-learn digits).

    Trained by `python -m zoo.metrics.train_digits_classifier` on
    `sklearn.datasets.load_digits` (Alpaydin & Kaynak 1998, UCI optical recognition of
    handwritten digits). Inputs: (batch, H, W, 1) in [-1, 1]; outputs: (batch, 10).
    """
    path = Path(weights_path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Digits classifier weights {path} are missing; rebuild them with "
            "`python -m zoo.metrics.train_digits_classifier`."
        )
    classifier = build_digits_classifier()
    classifier.load_weights(path)
    return classifier


def digits_feature_extractor(classifier: keras.Model | None = None) -> keras.Model:
    """The digits classifier's 64-d penultimate features, for FID / KID on digits.

    Uses the shipped `digits_classifier()` unless another classifier built by
    `build_digits_classifier` is given.
    """
    classifier = digits_classifier() if classifier is None else classifier
    return keras.Model(
        classifier.inputs,
        classifier.get_layer(DIGITS_FEATURES_LAYER).output,
        name="digits_features",
    )


# === Batched inference ===


def _predict_in_batches(model: keras.Model, images: ArrayLike, batch_size: int) -> np.ndarray:
    images = np.asarray(images)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1; got {batch_size}.")
    if images.ndim == 0 or images.shape[0] == 0:
        raise ValueError(f"Need a non-empty batch of images; got shape {images.shape}.")
    outputs = [
        np.asarray(model.predict_on_batch(images[start : start + batch_size]))
        for start in range(0, images.shape[0], batch_size)
    ]
    return np.concatenate(outputs)


def compute_features(extractor: keras.Model, images: ArrayLike, batch_size: int = 256) -> np.ndarray:
    """Run `extractor` over `images` in batches; returns (num_images, feature_dim).

    Outputs with more than one feature axis are flattened, since every metric in
    `zoo.metrics.scores` compares feature vectors.
    """
    features = _predict_in_batches(extractor, images, batch_size)
    return features.reshape(features.shape[0], -1)


def compute_probabilities(
    classifier: keras.Model,
    images: ArrayLike,
    batch_size: int = 256,
    from_logits: bool = False,
) -> np.ndarray:
    """Run `classifier` over `images` in batches; returns (num_images, num_classes).

    With `from_logits=True` a softmax (in float64) is applied to the outputs. Raises
    ValueError when the result is not a probability distribution per row, which is
    what `inception_score` needs.
    """
    outputs = _predict_in_batches(classifier, images, batch_size)
    if outputs.ndim != 2:
        raise ValueError(f"A classifier must output (batch, num_classes); got shape {outputs.shape}.")
    if from_logits:
        return scipy.special.softmax(outputs.astype(np.float64), axis=1)
    if np.any(outputs < 0) or not np.allclose(outputs.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "The classifier's outputs are not probabilities (negative, or rows not "
            "summing to 1); pass from_logits=True if it outputs logits."
        )
    return outputs
