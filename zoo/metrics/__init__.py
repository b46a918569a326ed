"""Evaluation metrics: pure score functions plus the networks that produce their inputs.

`zoo.metrics.scores` holds FID, KID, IS, precision / recall and density / coverage as
numpy functions of features; `zoo.metrics.extractors` holds the feature extractors
(InceptionV3, a small digits classifier) and the batched inference that feeds them.
`zoo.metrics.evaluate` scores a whole generator (`evaluate_generator`), and
`GANMetrics` does so during `fit`. `zoo.metrics.mode_coverage` counts the modes a
generator captures on the 2-D mixtures. `zoo.metrics.audio` scores generated audio
(IS, FID, ...) with a small classifier of the synthetic drums.
"""

from zoo.metrics.audio import (
    DRUMS_CLASSIFIER_WEIGHTS,
    build_drums_classifier,
    drums_classifier,
    drums_feature_extractor,
    evaluate_audio,
    evaluate_audio_generator,
)
from zoo.metrics.callback import GANMetrics
from zoo.metrics.evaluate import (
    METRICS,
    FeatureSpace,
    evaluate_generator,
    evaluate_images,
    feature_space,
)
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
from zoo.metrics.mode_coverage import (
    ModeCoverage,
    mode_coverage,
    mode_coverage_for,
    scatter_plot,
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
    "DRUMS_CLASSIFIER_WEIGHTS",
    "INCEPTION_NOTOP_WEIGHTS_FILE",
    "INCEPTION_TOP_WEIGHTS_FILE",
    "METRICS",
    "FeatureSpace",
    "FeatureStatistics",
    "GANMetrics",
    "InceptionPreprocessing",
    "ModeCoverage",
    "build_digits_classifier",
    "build_drums_classifier",
    "compute_features",
    "compute_probabilities",
    "density_coverage",
    "digits_classifier",
    "digits_feature_extractor",
    "drums_classifier",
    "drums_feature_extractor",
    "evaluate_audio",
    "evaluate_audio_generator",
    "evaluate_generator",
    "evaluate_images",
    "feature_space",
    "fid",
    "frechet_distance",
    "inception_classifier",
    "inception_extractor",
    "inception_score",
    "kid",
    "mode_coverage",
    "mode_coverage_for",
    "precision_recall",
    "scatter_plot",
]
