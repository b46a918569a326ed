"""Do CoGAN's pairs correspond, and do CycleGAN's translations keep the digit? Judged
by the shipped digits classifier (`zoo.metrics.extractors.digits_classifier`, white
digits on black in [-1, 1]) on images of the bundled digit domains, each turned back
into what the classifier knows (`as_digits`):

- `digits/negative` images are inverted back (-x on the [-1, 1] scale);
- `digits/colored` (and any RGB) images are turned gray by luma (ITU-R 601,
  `domains.LUMA`) and stretched per image to [-1, 1]: the stroke is the brighter
  colour by construction, so the stretch gives a white digit on a black background.

Used by docs/two_domain.md (`bench/two_domain.py`) and the presets' model cards.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zoo.data.domains import LUMA
from zoo.metrics.extractors import compute_probabilities


def labels_of(classifier: Any, images: np.ndarray) -> np.ndarray:
    """The classifier's digit for each image."""
    return compute_probabilities(classifier, images).argmax(axis=1)


def uninvert(negatives: np.ndarray) -> np.ndarray:
    """A `digits/negative` image back to a white digit on black: -x on [-1, 1]."""
    return -negatives


def colored_to_gray(images: np.ndarray) -> np.ndarray:
    """RGB in [-1, 1] -> luma, stretched per image to [-1, 1] (module docstring)."""
    gray = ((images + 1.0) / 2.0) @ LUMA
    low = gray.min(axis=(1, 2), keepdims=True)
    high = gray.max(axis=(1, 2), keepdims=True)
    return ((gray - low) / np.maximum(high - low, 1e-6) * 2.0 - 1.0)[..., None].astype("float32")


def as_classifier_input(images: np.ndarray) -> np.ndarray:
    """Gray (1 channel) as it is; RGB through `colored_to_gray`."""
    return images if images.shape[-1] == 1 else colored_to_gray(images)


def as_digits(images: np.ndarray, domain: str) -> np.ndarray:
    """Images of a bundled digit domain as white digits on black, gray, in [-1, 1]."""
    if domain == "digits/negative":
        return uninvert(images)
    if domain in ("digits", "digits/colored"):
        return as_classifier_input(images)
    raise ValueError(
        f"No digits-classifier view of domain {domain!r}: expected digits, digits/negative or digits/colored."
    )


def pair_agreement(classifier: Any, pairs_a: np.ndarray, pairs_b: np.ndarray, seed: int = 0) -> dict[str, float]:
    """`same_label`: the share of pairs (already `as_digits`) whose two members get one
    label; `same_label_shuffled`: the same with the b members shuffled (chance)."""
    labels_a, labels_b = labels_of(classifier, pairs_a), labels_of(classifier, pairs_b)
    shuffled = np.random.default_rng(seed).permutation(labels_b)
    return {
        "same_label": float(np.mean(labels_a == labels_b)),
        "same_label_shuffled": float(np.mean(labels_a == shuffled)),
    }


def translation_scores(
    model: Any,
    classifier: Any,
    images_a: np.ndarray,
    images_b: np.ndarray,
    truth: np.ndarray,
    translated: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict:
    """Of a translator on held-out images of both domains with their true digits
    `truth` (the same digits in both): the share of translations A -> B and B -> A
    the classifier still calls `truth`, and the mean cycle errors |F(G(a)) - a| and
    |G(F(b)) - b| on [-1, 1]. `translated`: the translations `(a2b of images_a,
    b2a of images_b)` when the caller already has them."""
    to_b, to_a = translated or (model.translate(images_a, "a2b"), model.translate(images_b, "b2a"))
    back_to_a = model.translate(to_b, "b2a")
    back_to_b = model.translate(to_a, "a2b")
    return {
        "a2b_keeps_label": round(float(np.mean(labels_of(classifier, as_classifier_input(to_b)) == truth)), 4),
        "b2a_keeps_label": round(float(np.mean(labels_of(classifier, as_classifier_input(to_a)) == truth)), 4),
        "cycle_error_a": round(float(np.mean(np.abs(back_to_a - images_a))), 4),
        "cycle_error_b": round(float(np.mean(np.abs(back_to_b - images_b))), 4),
    }
