"""The measures of learned structure shared by the benches and the presets' cards:
`zoo.metrics.conditional` (label accuracy, probe) and `zoo.metrics.two_domain` (each
digit domain seen as digits, pair agreement), checked on real digits, where the
answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from zoo import spec
from zoo.data import digits_arrays, domain_arrays
from zoo.metrics import conditional, extractors, two_domain


@pytest.fixture(scope="module")
def classifier():
    return extractors.digits_classifier()


@pytest.mark.parametrize("domain", ["digits", "digits/negative", "digits/colored"])
def test_each_digit_domain_seen_as_digits_is_classified_like_the_digits(domain, classifier):
    images, labels = domain_arrays(domain, 16, "test")
    seen = two_domain.as_digits(images, domain)
    assert seen.shape == (len(images), 16, 16, 1) and seen.min() >= -1.0 and seen.max() <= 1.0
    assert np.mean(two_domain.labels_of(classifier, seen) == labels) > 0.99


def test_a_domain_without_a_digits_view_is_refused():
    with pytest.raises(ValueError, match=r"No digits-classifier view of domain 'digits/edges'"):
        two_domain.as_digits(np.zeros((1, 16, 16, 1), "float32"), "digits/edges")


def test_real_pairs_agree_and_shuffled_pairs_are_at_chance(classifier):
    digits, _ = domain_arrays("digits", 16, "test")
    negatives, _ = domain_arrays("digits/negative", 16, "test")
    agreement = two_domain.pair_agreement(classifier, digits, two_domain.as_digits(negatives, "digits/negative"))
    assert agreement["same_label"] == 1.0
    assert 0.02 < agreement["same_label_shuffled"] < 0.2


class RealDigitsByLabel:
    """A stand-in conditional generator that 'draws' a held-out digit of the asked
    label, and an encoder that flattens: the measures must then score them high."""

    def __init__(self):
        self.images, self.labels = digits_arrays(16, "test")
        self.generator_inputs = spec.InputSpec([spec.noise(2), spec.categorical(10, "label")])

    def sample_inputs(self, n, seed, **fixed):
        return self.generator_inputs.sample(n, seed, **fixed)

    def generate(self, inputs):
        rng = np.random.default_rng(0)
        return np.stack([self.images[rng.choice(np.flatnonzero(self.labels == label))] for label in inputs["label"]])

    def encode(self, images):
        return images.reshape(len(images), -1)


def test_label_accuracy_of_real_digits_is_the_classifiers(classifier):
    model = RealDigitsByLabel()
    result = conditional.label_accuracy(model, classifier, per_label=10)
    assert set(result) == {"accuracy"} and result["accuracy"] > 0.95
    features = extractors.digits_feature_extractor(classifier)
    real = extractors.compute_features(features, model.images)
    assert conditional.label_accuracy(model, classifier, features, real, per_label=10)["fid"] < 20


def test_a_probe_on_pixels_reads_the_digit():
    model = RealDigitsByLabel()
    train, train_labels = digits_arrays(16, "train")
    assert conditional.probe_accuracy(model, train, train_labels, model.images, model.labels) > 0.9
