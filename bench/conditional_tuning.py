"""One seed of an infogan or bigan digits recipe with overrides, measured every few
epochs as `bench/conditional.py` measures it: the runs behind the recipes' settings
(docs/conditional_tuning.md). The recipes' own seeds 0-2 are `bench/conditional.py`'s.

    python bench/conditional_tuning.py bigan --epochs 20 --set content_size=8 \
        --compile g_learning_rate=1e-3 --compile d_learning_rate=2e-4

infogan: nearest-generation error and I(code; label) in bits. bigan: the logistic
probe on E(x) and on E's trunk features (the layer below z), each against the same
probe on a randomly initialized encoder with the same overrides.
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

import conditional
import keras

import recipes
import zoo
from recipes.recipe import build_dataset
from zoo.data import digits_arrays
from zoo.metrics import extractors


def parse_settings(pairs: list[str]) -> dict:
    """`KEY=VALUE` pairs, each value read as JSON (numbers) or kept as a string."""
    settings = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            settings[key] = json.loads(value)
        except json.JSONDecodeError:
            settings[key] = value
    return settings


class TrunkFeatures:
    """A model whose `encode` is E's trunk (the features below z), for the same probe."""

    def __init__(self, model: zoo.GAN):
        self.network = keras.Model(model.encoder.inputs, model.encoder.layers[-1].input)

    def encode(self, images):
        return self.network.predict(images, batch_size=256, verbose=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("family", choices=("infogan", "bigan"))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--every", type=int, default=10, help="measure after every this many epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], help="a model override KEY=VALUE")
    parser.add_argument("--compile", action="append", default=[], help="a compile argument KEY=VALUE")
    args = parser.parse_args()
    recipe = recipes.get_recipe(f"{args.family}_digits")
    compiled = parse_settings(args.compile)
    recipe = recipe.replace(
        epochs=args.epochs,
        model={**recipe.model, **parse_settings(args.set)},
        compile=compiled if compiled else recipe.compile,
    )
    keras.utils.set_random_seed(args.seed)
    dataset = build_dataset(recipe, args.seed)
    shape = (recipe.image_size, recipe.image_size, 1)
    model = zoo.create(args.family, data_shape=shape, dataset="digits", **recipe.model)
    model.compile(**recipe.compile)
    classifier = extractors.digits_classifier()
    features = extractors.digits_feature_extractor(classifier)
    train_images, train_labels = digits_arrays(16, "train")
    test_images, test_labels = digits_arrays(16, "test")

    def measure(network) -> dict[str, float]:
        if args.family == "infogan":
            return conditional.code_structure(network, classifier, features, test_images, test_labels, args.seed)
        data = (train_images, train_labels, test_images, test_labels)
        return {
            "probe": conditional.probe_accuracy(network, *data),
            "trunk_probe": conditional.probe_accuracy(TrunkFeatures(network), *data),
        }

    print(recipe.model, recipe.compile, flush=True)
    start = time.perf_counter()
    done = 0
    while done < args.epochs:
        history = model.fit(dataset, epochs=min(done + args.every, args.epochs), initial_epoch=done, verbose=0)
        done = min(done + args.every, args.epochs)
        last = {key: round(float(values[-1]), 3) for key, values in history.history.items()}
        print(done, f"{time.perf_counter() - start:.0f} s", measure(model), last, flush=True)
    keras.utils.set_random_seed(args.seed)
    untrained = zoo.create(args.family, data_shape=shape, **recipe.model)
    print("untrained", measure(untrained), "load", os.getloadavg(), flush=True)


if __name__ == "__main__":
    main()
