"""Evaluation baselines on the bundled digits, and the diagnostics plots of docs/.

1. The real-vs-real floor: digits-FID, digits-KID, digits-IS, precision / recall and
   density / coverage of the digits training split against the held-out split, next
   to uniform noise (the ceiling) and the demo DCGAN (`dcgan_digits`, trained here or
   reused from `--run`).
2. The demo DCGAN's scores over training (the `GANMetrics` callback).
3. The diagnostics: vanishing minimax gradients for the demo generator after 0, 1,
   10 and 30 epochs (Arjovsky & Bottou 2017, fig. 2), the optimal discriminator
   (Goodfellow et al. 2014, prop. 1), latent interpolation grids.

Everything goes into docs/diagnostics/ and the marked section of docs/evaluation.md:

    python bench/baselines.py --run runs/baseline_demo --out docs/evaluation.md
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
from zoo import diagnostics
from zoo.data import digits_arrays
from zoo.metrics import GANMetrics, evaluate_generator, evaluate_images
from zoo.metrics.train_digits_classifier import digits_split

RECIPE = "dcgan_digits"
METRICS = ("fid", "kid", "is", "pr", "dc")
#: Epochs whose generator weights are kept for the vanishing-gradient curves (the
#: paper used 1, 10 and 25 epochs of a DCGAN on LSUN bedrooms).
SNAPSHOT_EPOCHS = (1, 10)
SEEDS = (0, 1, 2)
#: Enough for D to reach accuracy 1 on the trained generator too (about 500 needed).
VANISHING_ITERATIONS = 2000
START = "<!-- baselines:start -->"
END = "<!-- baselines:end -->"


class GeneratorSnapshots(keras.callbacks.Callback):
    """Save the generator's weights after the given epochs (for the diagnostics)."""

    def __init__(self, directory: pathlib.Path, epochs: tuple[int, ...]):
        super().__init__()
        self.directory, self.epochs = directory, epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            self.model.generator.save_weights(self.directory / f"generator_epoch_{epoch + 1:03d}.weights.h5")


def train_demo(run: pathlib.Path, real_test: np.ndarray, num_samples: int, reuse: bool) -> dict:
    """Train (or reuse) the demo DCGAN; returns its timing and per-epoch scores."""
    record = run / "baseline_training.json"
    if reuse and (run / "model.keras").exists() and record.exists():
        print(f"Reusing {run}/model.keras")
        return json.loads(record.read_text())
    if (run / "model.keras").exists():
        raise SystemExit(f"{run} already holds a trained model: pass --reuse, or remove the folder to retrain.")
    recipe = recipes.get_recipe(RECIPE)
    # run_recipe puts its own callbacks first, so these scores reach fit's History
    # (appended last by Keras) but not the run's history.csv.
    scores = GANMetrics(real_test, ("fid", "is"), every=5, num_samples=num_samples, seed=0, verbose=True)
    snapshots = GeneratorSnapshots(run, SNAPSHOT_EPOCHS)
    run.mkdir(parents=True, exist_ok=True)
    print(f"Training {RECIPE} into {run}/ ...")
    result = recipes.run_recipe(recipe, run, export_onnx=False, verbose=2, seed=0, callbacks=[scores, snapshots])
    history = {
        key: [None if np.isnan(value) else float(value) for value in values] for key, values in result.history.items()
    }
    data = {"seconds": result.seconds, "epochs": recipe.epochs, "history": history}
    record.write_text(json.dumps(data, indent=1) + "\n")
    return data


def generator_at(run: pathlib.Path, epoch: int | None) -> zoo.GAN:
    """The demo model with its generator weights from `epoch` (0 = at initialization)."""
    model = keras.saving.load_model(run / "model.keras")
    if epoch == 0:
        keras.utils.set_random_seed(0)
        fresh = zoo.create("dcgan", data_shape=model.data_shape, **recipes.get_recipe(RECIPE).model)
        model.generator.set_weights(fresh.generator.get_weights())
    elif epoch is not None:
        model.generator.load_weights(run / f"generator_epoch_{epoch:03d}.weights.h5")
    return model


def score_rows(run: pathlib.Path, train: np.ndarray, test: np.ndarray) -> dict[str, dict[str, float]]:
    num_samples = len(train)
    rng = np.random.default_rng(0)
    rows = {"Real digits (train split)": evaluate_images(train, test, METRICS)}
    per_seed = [
        evaluate_generator(run / "model.keras", test, METRICS, num_samples=num_samples, seed=seed) for seed in SEEDS
    ]
    rows["Demo DCGAN (mean of 3 seeds)"] = {key: float(np.mean([r[key] for r in per_seed])) for key in per_seed[0]}
    rows["Demo DCGAN (std over seeds)"] = {key: float(np.std([r[key] for r in per_seed])) for key in per_seed[0]}
    noise = rng.uniform(-1.0, 1.0, train.shape).astype("float32")
    rows["Uniform noise"] = evaluate_images(noise, test, METRICS)
    return rows


def metrics_table(rows: dict[str, dict[str, float]]) -> list[str]:
    columns = [
        ("fid", "digits-FID ↓", "{:.2f}"),
        ("kid", "digits-KID ↓", "{:.2f}"),
        ("is", "digits-IS ↑", "{:.2f}"),
        ("precision", "precision ↑", "{:.3f}"),
        ("recall", "recall ↑", "{:.3f}"),
        ("density", "density", "{:.3f}"),
        ("coverage", "coverage ↑", "{:.3f}"),
    ]
    lines = ["| Samples | " + " | ".join(title for _, title, _ in columns) + " |"]
    lines.append("|---|" + "---:|" * len(columns))
    for name, values in rows.items():
        cells = []
        for key, _, spec in columns:
            cell = spec.format(values[key])
            if f"{key}_std" in values and "std over" not in name:
                cell += " ± " + spec.format(values[f"{key}_std"])
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def plot_training_scores(history: dict, path: pathlib.Path) -> pathlib.Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    fid_axes, is_axes = figure.subplots(1, 2)
    for axes, key, label in ((fid_axes, "digits_fid", "digits-FID"), (is_axes, "digits_is", "digits-IS")):
        points = [(epoch + 1, value) for epoch, value in enumerate(history[key]) if value is not None]
        axes.plot(*zip(*points), marker="o")
        axes.set_xlabel("epoch")
        axes.set_title(label, fontsize="medium")
        axes.grid(alpha=0.3)
    figure.savefig(path, format="png", bbox_inches="tight")
    return path


def run_diagnostics(run: pathlib.Path, folder: pathlib.Path, train_32: np.ndarray, epochs: int) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for epoch in (0, *SNAPSHOT_EPOCHS, epochs):
        model = generator_at(run, None if epoch == epochs else epoch)
        start = time.perf_counter()
        result = diagnostics.vanishing_gradients(
            model, train_32, d_iterations=VANISHING_ITERATIONS, record_every=10, label=f"G after {epoch} epochs"
        )
        print(f"vanishing gradients, generator after {epoch} epochs: {time.perf_counter() - start:.0f} s")
        results.append(result)
    diagnostics.plot_vanishing_gradients(results, folder / "vanishing_gradients.png")
    diagnostics.write_csv(results, folder / "vanishing_gradients.csv")
    vanishing = [result.summary() for result in results]
    (folder / "vanishing_gradients.json").write_text(json.dumps(vanishing, indent=2) + "\n")

    start = time.perf_counter()
    optimal = diagnostics.optimal_discriminator_check(steps=2000, out_dir=folder)
    print(f"optimal discriminator: {time.perf_counter() - start:.0f} s, {optimal.summary()}")

    model = keras.saving.load_model(run / "model.keras")
    for method in diagnostics.METHODS:
        diagnostics.interpolation_grid(
            model, folder / f"interpolation_{method}.png", rows=6, steps=10, method=method, seed=0
        )
    return {"vanishing": vanishing, "optimal": optimal.summary()}


def training_table(history: dict) -> list[str]:
    evaluated = [epoch for epoch, value in enumerate(history["digits_fid"]) if value is not None]
    lines = [
        "| Epoch | " + " | ".join(str(epoch + 1) for epoch in evaluated) + " |",
        "|---|" + "---:|" * len(evaluated),
    ]
    for key, label in (("digits_fid", "digits-FID"), ("digits_is", "digits-IS")):
        lines.append(f"| {label} | " + " | ".join(f"{history[key][epoch]:.2f}" for epoch in evaluated) + " |")
    return lines


def vanishing_table(runs: list[dict]) -> list[str]:
    lines = [
        "| Generator | ‖∇ minimax‖ start → peak → end | ‖∇ non-saturating‖ start → end | D accuracy, last 10 % |",
        "|---|---:|---:|---:|",
    ]
    for run in runs:
        minimax = (
            f"{run['minimax_grad_norm_start']:.2g} → {run['minimax_grad_norm_peak']:.2g} → "
            f"{run['minimax_grad_norm_tail_median']:.2g}"
        )
        saturating = f"{run['non_saturating_grad_norm_start']:.2g} → {run['non_saturating_grad_norm_tail_median']:.3g}"
        lines.append(f"| {run['run']} | {minimax} | {saturating} | ≥ {run['d_accuracy_tail_min']:.3f} |")
    return lines


def section(info: dict, rows: dict, training: dict, diagnosed: dict, command: str, held_out_is: dict) -> str:
    optimal = diagnosed["optimal"]
    recipe = recipes.get_recipe(RECIPE)
    demo = (
        f"- **Demo DCGAN**: recipe `{RECIPE}` ({recipe.image_size}x{recipe.image_size}, "
        f"latent {recipe.model['latent_dim']}, width {recipe.model['width']}, batch {recipe.batch_size}, "
        f"{training['epochs']} epochs, seed 0), trained in {training['seconds']:.0f} s "
        "(with the scores computed every 5 epochs)"
    )
    held_out = (
        "The digits classifier's own held-out digits (450, never seen by it) score digits-IS "
        f"{held_out_is['is']:.2f} ± {held_out_is['is_std']:.2f}."
    )
    optimal_line = (
        f"Optimal discriminator: mean |D − D*| = {optimal['mean_abs_error']:.4f} (95th percentile "
        f"{optimal['p95_abs_error']:.4f}) after {optimal['steps']} steps; the constant D = ½ is off by "
        f"{optimal['constant_mean_abs_error']:.4f}."
    )
    lines = [
        START,
        "",
        f"Command: `{command}`",
        "",
        *(f"- **{key}**: {value}" for key, value in info.items()),
        demo,
        "",
        "Generated (or real) samples: 1,437 per row, the size of the digits training split, scored against",
        'the 360 held-out digits (`split="test"`) at 32x32; ± is the KID / IS std over subsets / splits.',
        "",
        *metrics_table(rows),
        "",
        held_out,
        "",
        "Scores of the demo DCGAN during training (`GANMetrics`, every 5 epochs, 1,437 samples):",
        "",
        *training_table(training["history"]),
        "",
        (
            f"Vanishing gradients ({VANISHING_ITERATIONS} D iterations on the frozen demo generator; "
            '"end" is the median over the last 10 % of the records):'
        ),
        "",
        *vanishing_table(diagnosed["vanishing"]),
        "",
        optimal_line,
        "",
        END,
    ]
    return "\n".join(lines) + "\n"


def write_markdown(path: pathlib.Path, text: str) -> None:
    """Replace the marked section of `path`, keeping the prose around it."""
    if path.exists() and START in (old := path.read_text()) and END in old:
        before, rest = old.split(START, 1)
        path.write_text(before + text + rest.split(END, 1)[1].lstrip("\n"))
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Evaluation\n\n" + text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=pathlib.Path, default=pathlib.Path("runs/baseline_demo"))
    parser.add_argument("--reuse", action="store_true", help="reuse a finished run in --run instead of training")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("docs/evaluation.md"))
    parser.add_argument("--diagnostics", type=pathlib.Path, default=pathlib.Path("docs/diagnostics"))
    args = parser.parse_args(argv)
    info = machine_facts()
    command = "python bench/baselines.py " + " ".join(argv if argv is not None else sys.argv[1:])

    train, _ = digits_arrays(32, "train")
    test, _ = digits_arrays(32, "test")
    training = train_demo(args.run, test, len(train), args.reuse)
    rows = score_rows(args.run, train, test)
    _, (held_out, _) = digits_split()
    held_out_is = evaluate_images(held_out, held_out, ("is",))
    args.diagnostics.mkdir(parents=True, exist_ok=True)
    plot_training_scores(training["history"], args.diagnostics / "demo_dcgan_scores.png")
    (args.diagnostics / "baselines.json").write_text(
        json.dumps(
            {"machine": info, "rows": rows, "classifier_held_out_is": held_out_is, "training": training}, indent=1
        )
        + "\n"
    )
    diagnosed = run_diagnostics(args.run, args.diagnostics, train, training["epochs"])
    text = section(info, rows, training, diagnosed, command.strip(), held_out_is)
    write_markdown(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
