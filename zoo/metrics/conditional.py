"""Did a conditional or representation generator learn its structure? Judged by the
shipped digits classifier (`zoo.metrics.extractors.digits_classifier`), as in
docs/conditional.md (`bench/conditional.py`) and the presets' model cards.

- `label_accuracy` (cgan, acgan): `per_label` samples of each label, classified; the
  share classified as the requested label.
- `code_structure` (infogan, no labels): each value of the categorical code is mapped
  to the digit the classifier calls most of its samples; every held-out digit is then
  labelled by the code of its nearest generation; plus I(code; classifier label).
- `probe_accuracy` (bigan): a logistic-regression probe on E(x).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zoo.metrics import extractors, scores

#: Samples of each label (or code value) generated for `label_accuracy` / `code_structure`.
PER_LABEL = 100


def label_accuracy(
    model: Any,
    classifier: Any = None,
    features: Any = None,
    real_features: np.ndarray | None = None,
    seed: int = 0,
    *,
    per_label: int = PER_LABEL,
) -> dict[str, float]:
    """`{"accuracy"}` of a generator with a `label` input: `per_label` samples of each
    of its labels (inputs drawn with `seed`), the share the classifier gives the
    requested label; plus `"fid"` of those samples against `real_features` (digits
    classifier features) when given."""
    classifier = extractors.digits_classifier() if classifier is None else classifier
    num_classes = model.generator_inputs["label"].num_classes
    labels = np.repeat(np.arange(num_classes, dtype="int32"), per_label)
    samples = model.generate(model.sample_inputs(len(labels), seed, label=labels))
    predicted = extractors.compute_probabilities(classifier, samples).argmax(1)
    result = {"accuracy": float(np.mean(predicted == labels))}
    if real_features is not None:
        features = extractors.digits_feature_extractor(classifier) if features is None else features
        result["fid"] = scores.fid(extractors.compute_features(features, samples), real_features)
    return result


def code_structure(
    model: Any,
    classifier: Any,
    features: Any,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    seed: int = 0,
    *,
    per_label: int = PER_LABEL,
) -> dict[str, float]:
    """How an InfoGAN's categorical code lines up with the digits: `nearest_error`
    (held-out digits labelled by the code of their nearest generation, in classifier
    features, through each code's majority digit), `mutual_information` between code
    and classifier label in bits (at most log2 10), and `digits_covered` by the codes."""
    from sklearn.metrics import mutual_info_score

    num_codes = model.num_categories
    codes = np.repeat(np.arange(num_codes, dtype="int32"), per_label)
    samples = model.generate(model.sample_inputs(len(codes), seed, category=codes))
    predicted = extractors.compute_probabilities(classifier, samples).argmax(1)
    digit_of_code = np.array(
        [np.bincount(predicted[codes == code], minlength=10).argmax() for code in range(num_codes)]
    )
    fake = extractors.compute_features(features, samples)
    real = extractors.compute_features(features, test_images)
    distances = ((real[:, None, :] - fake[None, :, :]) ** 2).sum(-1)
    nearest_code = codes[distances.argmin(1)]
    return {
        "nearest_error": float(np.mean(digit_of_code[nearest_code] != test_labels)),
        "mutual_information": float(mutual_info_score(codes, predicted) / np.log(2.0)),  # in bits
        "digits_covered": len(set(digit_of_code.tolist())),
    }


def probe_accuracy(
    model: Any, train_images: np.ndarray, train_labels: np.ndarray, test_images: np.ndarray, test_labels: np.ndarray
) -> float:
    """Held-out accuracy of a logistic-regression probe (scikit-learn, standardized
    inputs) trained on the encoder's codes `model.encode(train_images)`."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    probe.fit(model.encode(train_images), train_labels)
    return float(probe.score(model.encode(test_images), test_labels))
