"""Evaluation metrics: pure score functions plus the networks that produce their inputs.

`zoo.metrics.scores` holds FID, KID, IS, precision / recall and density / coverage as
numpy functions of features; `zoo.metrics.extractors` holds the feature extractors
(InceptionV3, a small digits classifier) and the batched inference that feeds them.
"""

from zoo.metrics.extractors import (
    DIGITS_CLASSIFIER_WEIGHTS,
    INCEPTION_NOTOP_WEIGHTS_FILE,
    INCEPTION_TOP_WEIGHTS_FILE,
    InceptionPreprocessing,
    build_digits_classifier,
    compute_features,
    compute_probabilities,
    digits_classifier,
    digits_feature_extractor,
    inception_classifier,
    inception_extractor,
)
from zoo.metrics.scores import (
    FeatureStatistics,
    density_coverage,
    fid,
    frechet_distance,
    inception_score,
    kid,
    precision_recall,
)

__all__ = [
    "DIGITS_CLASSIFIER_WEIGHTS",
    "INCEPTION_NOTOP_WEIGHTS_FILE",
    "INCEPTION_TOP_WEIGHTS_FILE",
    "FeatureStatistics",
    "InceptionPreprocessing",
    "build_digits_classifier",
    "compute_features",
    "compute_probabilities",
    "density_coverage",
    "digits_classifier",
    "digits_feature_extractor",
    "fid",
    "frechet_distance",
    "inception_classifier",
    "inception_extractor",
    "inception_score",
    "kid",
    "precision_recall",
]
