"""Digits-FID / digits-IS of each family's digits recipe, before and after its stabilizers.

Each row trains a recipe (optionally with overrides) on the digits' training split
at 32x32 for each seed and scores 360 samples against the 360 test digits with the
shipped digits classifier — what `gan-zoo eval RUN --metrics fid,is` does. Training
speed is measured in the same run for every row (steps/s), so that rows can be
compared under the machine's load; the load average is recorded beside them.

    python bench/digits_quality.py --rows dcgan_digits,dcgan_digits:before --seeds 3 --out docs

A row is `RECIPE` (as registered) or `RECIPE:before` (the recipe without its
stabilizers: `BEFORE` below lists what that removes), optionally `@EPOCHS`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import shlex
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import keras
import numpy as np
from machine import describe_machine

import recipes
import zoo
from recipes.recipe import build_dataset
from zoo.data import load_dataset
from zoo.io import write_text
from zoo.metrics import evaluate

#: What `RECIPE:before` takes away: the stabilizer hyperparameters and compile options.
STABILIZER_KEYS = ("content_size", "ema", "pack", "augment", "r1_gamma", "minibatch_std")
#: The recipe as it was before issue 13, where it changed more than the stabilizers.
BEFORE = {
    "dcgan_digits": {
        "epochs": 30,
        "passes_per_epoch": 1,
        "batch_size": 32,
        "model": {"latent_dim": 64, "width": 64},
        "compile": {},
    },
}


def row_recipe(row: str) -> tuple[str, recipes.Recipe]:
    name, _, epochs = row.partition("@")
    base, _, variant = name.partition(":")
    recipe = recipes.get_recipe(base)
    if variant == "before":
        if base in BEFORE:
            recipe = dataclasses.replace(recipe, **BEFORE[base])
        else:
            model = {key: value for key, value in recipe.model.items() if key not in STABILIZER_KEYS}
            recipe = dataclasses.replace(recipe, model=model, compile={})
    elif variant:
        overrides = json.loads(variant)
        recipe = dataclasses.replace(
            recipe,
            model={**recipe.model, **overrides.pop("model", {})},
            compile={**recipe.compile, **overrides.pop("compile", {})},
            **overrides,
        )
    if epochs:
        recipe = dataclasses.replace(recipe, epochs=int(epochs))
    return row, recipe


def run_row(recipe: recipes.Recipe, seed: int, real: np.ndarray) -> dict[str, float]:
    keras.utils.set_random_seed(seed)
    dataset = build_dataset(recipe, seed)
    spec = dataset.element_spec[0] if isinstance(dataset.element_spec, tuple) else dataset.element_spec
    shape = tuple(spec.shape[1:])
    model = zoo.create(recipe.family, data_shape=shape, dataset=recipe.data, **recipe.model)
    model.compile(**recipe.compile)
    start = time.perf_counter()
    history = model.fit(dataset, epochs=recipe.epochs, verbose=0)
    seconds = time.perf_counter() - start
    steps = int(model.g_optimizer.iterations.numpy())
    scores = evaluate.evaluate_generator(model, real, "fid,is", "digits", seed=0)
    last = {name: values[-1] for name, values in history.history.items() if name.startswith("d_")}
    return {"fid": scores["fid"], "is": scores["is"], "steps": steps, "seconds": seconds, **last}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", required=True, help="comma-separated rows (see the module docstring)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1")
    parser.add_argument("--out", type=pathlib.Path, help="write <out>/digits_quality.md (and .json)")
    args = parser.parse_args()

    rows = [row_recipe(row) for row in args.rows.split(";" if ";" in args.rows else ",")]
    test = load_dataset("digits", batch_size=1, image_size=32, channels=1, split="test", shuffle=False)
    real = np.concatenate([batch.numpy() for batch in test])
    results = {}
    for row, recipe in rows:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            result = run_row(recipe, seed, real)
            result["load"] = os.getloadavg()[0]
            results.setdefault(row, []).append(result)
            print(row, seed, json.dumps({key: round(value, 3) for key, value in result.items()}), flush=True)

    lines = [
        "| row | epochs x passes x batch | steps | digits-FID | digits-IS | steps/s | load (1 min) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row, recipe in rows:
        runs = results[row]
        fid = np.array([run["fid"] for run in runs])
        inception = np.array([run["is"] for run in runs])
        rate = np.mean([run["steps"] / run["seconds"] for run in runs])
        lines.append(
            f"| `{row}` | {recipe.epochs} x {recipe.passes_per_epoch} x {recipe.batch_size} | {runs[0]['steps']} | "
            f"{fid.mean():.1f} ± {fid.std():.1f} | {inception.mean():.2f} ± {inception.std():.2f} | "
            f"{rate:.1f} | {np.mean([run['load'] for run in runs]):.1f} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.out:
        command = "python bench/digits_quality.py " + shlex.join(sys.argv[1:])
        text = f"{table}\n\nMachine: {describe_machine()}\n\nCommand: `{command}`\n"
        write_text(args.out / "digits_quality.md", text)
        write_text(args.out / "digits_quality.json", json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
