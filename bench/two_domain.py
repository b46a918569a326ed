"""Do CoGAN's pairs correspond, and do CycleGAN's translations keep the digit?

Both are judged by the shipped digits classifier (`zoo.metrics.extractors.
digits_classifier`, white digits on black in [-1, 1]), applied to domain-a-like
images:
- `digits/negative` images are inverted back (-x on the [-1, 1] scale);
- `digits/colored` images are turned gray by luma (ITU-R 601, `domains.LUMA`) and
  stretched per image to [-1, 1]: the stroke is the brighter colour by construction,
  so the stretch gives a white digit on a black background.

1. CoGAN (`cogan_digits`, trained here): generate pairs from one z each; the share of
   pairs whose two members get the same label, against two baselines measured in the
   same run: shuffled pairs (chance) and real pairs (a held-out digit and its own
   negative: the classifier's ceiling).
2. CycleGAN (`cyclegan_digits`, trained here): on the held-out digits of both domains,
   the share of translations (A -> B, then gray; B -> A) that keep the true label, and
   the mean cycle reconstruction error |F(G(a)) - a|, |G(F(b)) - b| on [-1, 1]; against
   the same measures for the untrained model (same architecture, same seed) and the
   classifier on the real held-out images.

Results go into docs/two_domain.md and its grids into docs/two_domain/:

    python bench/two_domain.py --runs runs/two_domain --out docs/two_domain.md
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import keras
import numpy as np
from machine import machine_facts

import recipes
import zoo
from zoo.callbacks import save_translation_grid
from zoo.data import domain_arrays
from zoo.io import write_text
from zoo.metrics.extractors import digits_classifier
from zoo.metrics.two_domain import colored_to_gray, labels_of, translation_scores, uninvert
from zoo.samples import save_samples

NUM_PAIRS = 2000


def bench_cogan(classifier, runs: pathlib.Path, figures: pathlib.Path, epochs: int | None) -> dict:
    recipe = recipes.get_recipe("cogan_digits").replace(epochs=epochs)
    start = time.perf_counter()
    result = recipes.run_recipe(recipe, runs / recipe.name, verbose=2)
    seconds = time.perf_counter() - start
    model = result.model
    pairs = model.sample(NUM_PAIRS, seed=0)
    labels_a = labels_of(classifier, pairs["image_a"])
    labels_b = labels_of(classifier, uninvert(pairs["image_b"]))
    agreement = float(np.mean(labels_a == labels_b))
    shuffled = float(np.mean(labels_a == np.random.default_rng(0).permutation(labels_b)))
    size = model.data_shape[0]
    digits, truth = domain_arrays("digits", size, "test")
    negatives, _ = domain_arrays("digits/negative", size, "test")
    real_a, real_b = labels_of(classifier, digits), labels_of(classifier, uninvert(negatives))
    save_samples({name: values[:32] for name, values in pairs.items()}, figures / "cogan_pairs.png", columns=16)
    return {
        "recipe": recipe.name,
        "epochs": recipe.epochs,
        "train_seconds": round(seconds, 1),
        "pairs": NUM_PAIRS,
        "same_label": round(agreement, 4),
        "same_label_shuffled_pairs": round(shuffled, 4),
        "same_label_real_pairs": round(float(np.mean(real_a == real_b)), 4),
        "real_pairs_correct": round(float(np.mean((real_a == truth) & (real_b == truth))), 4),
        "labels_of_a": np.bincount(labels_a, minlength=10).tolist(),
        "grid": str(figures / "cogan_pairs.png"),
    }


def bench_cyclegan(classifier, runs: pathlib.Path, figures: pathlib.Path, epochs: int | None) -> dict:
    recipe = recipes.get_recipe("cyclegan_digits").replace(epochs=epochs)
    size = recipe.image_size
    digits, truth = domain_arrays("digits", size, "test")
    colored, colored_truth = domain_arrays("digits/colored", size, "test")
    assert np.array_equal(truth, colored_truth)  # the same held-out digits, painted
    gray_digits = digits
    if recipe.channels in (3, (3, 3)):  # the recipe tiles gray digits to RGB
        digits = np.repeat(digits, 3, axis=-1)
    # The untrained baseline: the recipe's model before its first step, same seed.
    keras.utils.set_random_seed(0)
    untrained = zoo.create(recipe.family, data_shape=digits.shape[1:], data_shape_b=colored.shape[1:], **recipe.model)
    before = translation_scores(untrained, classifier, digits, colored, truth)
    start = time.perf_counter()
    result = recipes.run_recipe(recipe, runs / recipe.name, verbose=2)
    seconds = time.perf_counter() - start
    after = translation_scores(result.model, classifier, digits, colored, truth)
    save_translation_grid(result.model.translate, digits[:8], colored[:8], figures / "cyclegan_triplets.png")
    real = {
        "digits_correct": round(float(np.mean(labels_of(classifier, gray_digits) == truth)), 4),
        "colored_gray_correct": round(float(np.mean(labels_of(classifier, colored_to_gray(colored)) == truth)), 4),
    }
    return {
        "recipe": recipe.name,
        "epochs": recipe.epochs,
        "train_seconds": round(seconds, 1),
        "test_images": len(digits),
        "channels": recipe.channels,
        "identity_weight": result.model.identity_weight,
        "trained": after,
        "untrained": before,
        "real": real,
        "grid": str(figures / "cyclegan_triplets.png"),
    }


def write_doc(path: pathlib.Path, results: dict, command: str) -> None:
    cogan, cyclegan = results.get("cogan"), results.get("cyclegan")
    lines = [
        "# Two domains: CoGAN pairs and CycleGAN translations",
        "",
        "Measured by `bench/two_domain.py` with the shipped digits classifier. Negatives are",
        "inverted back (-x on [-1, 1]); coloured digits are turned gray by luma (ITU-R 601) and",
        "stretched per image to [-1, 1] (the stroke is the brighter colour by construction), so",
        "the classifier sees white digits on black, as it was trained.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in results["machine"].items()],
        "",
        f"Command: `{command}`",
        "",
    ]
    if cogan:
        lines += [
            "## CoGAN (`cogan_digits`: digits <-> digits/negative, 16x16, unpaired halves)",
            "",
            f"{cogan['epochs']} epochs in {cogan['train_seconds']:.0f} s. {cogan['pairs']} pairs from z seeds 0..:",
            "",
            "| pairs | both members get the same label |",
            "|---|---|",
            f"| generated pairs (one z each) | **{cogan['same_label']:.1%}** |",
            f"| the same members, shuffled (chance) | {cogan['same_label_shuffled_pairs']:.1%} |",
            f"| real held-out digit and its own negative (ceiling) | {cogan['same_label_real_pairs']:.1%} |",
            "",
            f"Labels of the generated domain-a images (0..9): {cogan['labels_of_a']}.",
            "",
            "![CoGAN pairs: each digit beside its negative](two_domain/cogan_pairs.png)",
            "",
        ]
    if cyclegan:
        trained, untrained, real = cyclegan["trained"], cyclegan["untrained"], cyclegan["real"]
        lines += [
            f"## CycleGAN (`cyclegan_digits`: digits <-> digits/colored, 16x16, channels {cyclegan['channels']})",
            "",
            (
                f"{cyclegan['epochs']} epochs (LinearDecay from the middle) in {cyclegan['train_seconds']:.0f} s; "
                f"{cyclegan['test_images']} held-out digits of each domain:"
            ),
            "",
            "| | trained | untrained (same seed) | real images |",
            "|---|---|---|---|",
            (
                f"| A -> B -> gray keeps the label | **{trained['a2b_keeps_label']:.1%}** | "
                f"{untrained['a2b_keeps_label']:.1%} | {real['digits_correct']:.1%} (digits) |"
            ),
            (
                f"| B -> A keeps the label | **{trained['b2a_keeps_label']:.1%}** | "
                f"{untrained['b2a_keeps_label']:.1%} | {real['colored_gray_correct']:.1%} (coloured, gray) |"
            ),
            (
                f"| cycle error mean abs(F(G(a)) - a), [-1, 1] | {trained['cycle_error_a']:.3f} | "
                f"{untrained['cycle_error_a']:.3f} | |"
            ),
            (
                f"| cycle error mean abs(G(F(b)) - b), [-1, 1] | {trained['cycle_error_b']:.3f} | "
                f"{untrained['cycle_error_b']:.3f} | |"
            ),
            "",
            "Rows of the grid: input, translation, reconstruction (first 8 gray digits, then 8 coloured).",
            "",
            "![CycleGAN: input, translation, reconstruction](two_domain/cyclegan_triplets.png)",
            "",
        ]
    lines += ["Raw results:", "", "```json", json.dumps(results, indent=2), "```", ""]
    write_text(path, "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="runs/two_domain", help="run folders (an interrupted run resumes)")
    parser.add_argument("--out", default="docs/two_domain.md")
    parser.add_argument("--families", default="cogan,cyclegan")
    parser.add_argument("--cogan-epochs", type=int, help="default: the recipe's")
    parser.add_argument("--cyclegan-epochs", type=int, help="default: the recipe's")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    figures = out.with_suffix("")
    runs = pathlib.Path(args.runs)
    results = {"machine": machine_facts()}
    classifier = digits_classifier()
    families = args.families.split(",")
    if "cogan" in families:
        results["cogan"] = bench_cogan(classifier, runs, figures, args.cogan_epochs)
        print(json.dumps(results["cogan"], indent=2), flush=True)
    if "cyclegan" in families:
        results["cyclegan"] = bench_cyclegan(classifier, runs, figures, args.cyclegan_epochs)
        print(json.dumps(results["cyclegan"], indent=2), flush=True)
    write_doc(out, results, "python " + " ".join(sys.argv))
    print(f"Wrote {out}")


if __name__ == "__main__":
    main()
