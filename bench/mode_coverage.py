"""Mode coverage on the 2-D mixtures (VEEGAN 2017 / PacGAN 2018): the PacGAN recipes,
their ablation, the plain families on the same budget, and why WGAN-GP trails.

Every run trains an MLP GAN on `ring8` or `grid25` and scores 2,500 generated points
with `zoo.metrics.mode_coverage` (modes captured, fraction of high-quality points),
drawing a scatter plot. Four parts, run separately (two can run at once) and
merged into one page:

- `recipes`: each recipe (`pacgan_grid25`, `pacgan_ring8`) with its settings and steps.
- `ablation`: the plain 2014 GAN on the recipe's budget (same steps) and each of the
  recipe's options alone on top of it; the combination is the recipe's row.
- `families`: every family that generates vectors, with its paper defaults
  (`compile()` with no arguments), on the same number of steps as the recipes.
- `wgan_gp`: WGAN-GP on grid25 with the settings that differ from the authors' toy
  experiment changed one at a time (critic normalization, penalty weight).

    python bench/mode_coverage.py --part recipes --seeds 3
    python bench/mode_coverage.py --part ablation --seeds 1
    python bench/mode_coverage.py --part families --seeds 3
    python bench/mode_coverage.py --part wgan_gp --seeds 3
    python bench/mode_coverage.py --report        # docs/mode_coverage.md from the three

Each part saves its runs (with the machine, the load and the command) to
`<out>/mode_coverage/<part>.json`; `--report` writes `<out>/mode_coverage.md`.
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
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import keras
import numpy as np
from machine import describe_machine

import recipes
import zoo
from zoo.callbacks import LinearDecay
from zoo.data import load_dataset
from zoo.data.mixtures import MIXTURES
from zoo.io import write_text
from zoo.metrics.mode_coverage import NUM_EVAL_POINTS, mode_coverage_for, scatter_plot

PARTS = ("recipes", "ablation", "families", "wgan_gp")
RECIPES = ("pacgan_grid25", "pacgan_ring8")
#: Published grid25 results with the same metric (2,500 points, 3 std): (modes of 25, % HQ).
PUBLISHED_GRID25 = {
    "VEEGAN (Srivastava et al. 2017)": (24.6, 40.0),
    "PacGAN4 (Lin et al. 2018)": (24.8, 93.6),
}
#: The issue's targets, mean of 3 seeds: (modes, % HQ).
TARGETS = {"grid25": (24.5, 90.0), "ring8": (8.0, 95.0)}
#: The plain networks the families share in the `families` part and the ablation's baseline.
PLAIN_MODEL = {"latent_dim": 2, "width": 128, "hidden_layers": 2}
PLAIN_BATCH = 256


@dataclasses.dataclass(frozen=True)
class Setting:
    """One trained configuration: a family, its constructor and `compile` arguments,
    and the schedule (batch, steps, linear decay of the learning rates to 0)."""

    label: str
    family: str
    dataset: str
    model: dict[str, Any]
    compile: dict[str, Any]
    batch_size: int
    steps: int
    linear_decay: bool = False
    decay_start: float = 0.5  # the fraction of the steps after which the decay starts
    num_samples: int = 25_600  # training points drawn (the recipes')


def recipe_setting(name: str) -> Setting:
    recipe = recipes.get_recipe(name)
    steps_per_epoch = recipe.num_samples // recipe.batch_size
    return Setting(
        label=f"{name} (all options)",
        family=recipe.family,
        dataset=recipe.data,
        model=dict(recipe.model),
        compile=dict(recipe.compile),
        batch_size=recipe.batch_size,
        steps=recipe.epochs * steps_per_epoch * recipe.passes_per_epoch,
        linear_decay="linear_decay" in recipe.callbacks,
        decay_start=recipe.decay_start,
        num_samples=recipe.num_samples,
    )


def ablation(name: str) -> list[Setting]:
    """The plain GAN on the recipe's budget, each option of the recipe alone on top
    of it, and the recipe (every option together)."""
    full = recipe_setting(name)
    base = dataclasses.replace(
        full, label="plain gan", model=dict(PLAIN_MODEL), compile={}, batch_size=PLAIN_BATCH, linear_decay=False
    )
    settings = [base]
    # Options that go together count as one (the MLPs' width and depth).
    groups = (("pack",), ("ema",), ("r1_gamma",), ("latent_dim",), ("width", "hidden_layers"))
    for keys in groups:
        changed = {key: full.model[key] for key in keys if key in full.model and full.model[key] != base.model.get(key)}
        if changed:
            text = ", ".join(f"{key}={value}" for key, value in changed.items())
            settings.append(dataclasses.replace(base, label=f"+ {text}", model={**base.model, **changed}))
    if full.compile:
        text = ", ".join(f"{key}={value}" for key, value in full.compile.items())
        settings.append(dataclasses.replace(base, label=f"+ {text}", compile=dict(full.compile)))
    if full.linear_decay:
        text = "second half" if full.decay_start == 0.5 else f"from {full.decay_start:.0%} of the steps"
        settings.append(
            dataclasses.replace(
                base, label=f"+ linear decay to 0 ({text})", linear_decay=True, decay_start=full.decay_start
            )
        )
    if full.batch_size != base.batch_size:
        settings.append(dataclasses.replace(base, label=f"+ batch {full.batch_size}", batch_size=full.batch_size))
    return [*settings, full]


def family_settings(dataset: str, steps: int) -> tuple[list[Setting], dict[str, str]]:
    """Every registered family that generates vectors, paper defaults; why others are left out."""
    settings, skipped = [], {}
    for name in zoo.list_models():
        family = zoo.family_info(name).cls
        if getattr(family, "condition_input", None) is not None:
            skipped[name] = f"fits on (samples, {family.condition_input}) batches; the mixtures have none"
        elif getattr(family, "batch_kind", "samples") != "samples":
            skipped[name] = "fits on two domains of images"
        elif "vectors" not in getattr(family, "data_kinds", ("images", "vectors")):
            skipped[name] = f"generates {' and '.join(family.data_kinds)} only"
        else:
            settings.append(Setting(name, name, dataset, dict(PLAIN_MODEL), {}, PLAIN_BATCH, steps))
    return settings, skipped


#: WGAN-GP's settings that differ from the authors' toy experiment (gan_toy.py),
#: changed one at a time and together, at the budget of the earlier table.
WGAN_GP_STEPS = 3000
WGAN_GP_VARIANTS = {
    "paper defaults (layer norm, λ = 10)": {},
    "no critic normalization": {"d_normalization": None},
    "λ = 0.1": {"gp_weight": 0.1},
    "no normalization, λ = 0.1": {"d_normalization": None, "gp_weight": 0.1},
}


def wgan_gp_settings() -> list[Setting]:
    settings = [
        Setting(label, "wgan_gp", "grid25", {**PLAIN_MODEL, **changes}, {}, PLAIN_BATCH, WGAN_GP_STEPS)
        for label, changes in WGAN_GP_VARIANTS.items()
    ]
    rates = {"g_learning_rate": 1e-3, "d_learning_rate": 1e-3}
    first, last = settings[0], settings[-1]
    return [
        *settings,
        dataclasses.replace(first, label=f"{first.label}, Adam 1e-3", compile=rates),
        dataclasses.replace(last, label=f"{last.label}, Adam 1e-3", compile=rates),
    ]


def train_and_score(setting: Setting, seed: int, plots: pathlib.Path) -> dict[str, Any]:
    keras.utils.set_random_seed(seed)
    # The class itself, not `zoo.create`, which drops None overrides (d_normalization=None).
    model = zoo.family_info(setting.family).cls(data_shape=(2,), **setting.model)
    model.compile(**{"steps_per_execution": 50, **setting.compile})
    data = load_dataset(setting.dataset, batch_size=setting.batch_size, num_samples=setting.num_samples, seed=seed)
    # Epochs of 100 steps, the granularity at which `LinearDecay` lowers the rates
    # (the recipes' epochs: 25,600 points / batch 256).
    epochs = max(1, setting.steps // 100)
    callbacks = [LinearDecay(epochs, int(setting.decay_start * epochs))] if setting.linear_decay else []
    start = time.perf_counter()
    model.fit(data.repeat(), epochs=epochs, steps_per_epoch=setting.steps // epochs, verbose=0, callbacks=callbacks)
    seconds = time.perf_counter() - start
    points = model.generate(model.sample_noise(NUM_EVAL_POINTS, seed=10_000 + seed))
    coverage = mode_coverage_for(setting.dataset, points)
    slug = "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in setting.label).strip("_")
    plot = plots / f"{setting.dataset}_{setting.family}_{slug}_seed{seed}.png"
    scatter_plot(
        points,
        MIXTURES[setting.dataset](),
        plot,
        title=f"{setting.label[:40]}, seed {seed}: {coverage.modes_captured}/{coverage.num_modes}, "
        f"{coverage.high_quality_fraction:.1%} HQ",
    )
    return {
        "setting": dataclasses.asdict(setting),
        "seed": seed,
        "modes": coverage.modes_captured,
        "num_modes": coverage.num_modes,
        "high_quality": 100.0 * coverage.high_quality_fraction,
        "seconds": seconds,
        "load": os.getloadavg()[0],
        "plot": plot.name,
    }


def run_part(part: str, args, command: str) -> None:
    out = pathlib.Path(args.out)
    plots = out / "mode_coverage"
    plots.mkdir(parents=True, exist_ok=True)
    skipped: dict[str, str] = {}
    if part == "recipes":
        settings = [recipe_setting(name) for name in args.recipes.split(",")]
    elif part == "ablation":
        settings = [setting for name in args.recipes.split(",") for setting in ablation(name)[:-1]]
    elif part == "families":
        settings = []
        for name in args.recipes.split(","):
            budget = recipe_setting(name)
            rows, skipped = family_settings(budget.dataset, budget.steps)
            settings += rows
        if args.families:
            settings = [s for s in settings if s.family in args.families.split(",")]
    else:
        settings = wgan_gp_settings()
    if args.only:
        settings = [setting for setting in settings if args.only in setting.label]
    path = plots / f"{part}.json"
    record = {"part": part, "command": command, "machine": describe_machine(), "skipped": skipped, "runs": []}
    if path.exists():
        # Keep the runs of settings this invocation does not train (another recipe's).
        earlier = json.loads(path.read_text())
        labels = {(setting.dataset, setting.label) for setting in settings}
        kept = [run for run in earlier["runs"] if (run["setting"]["dataset"], run["setting"]["label"]) not in labels]
        if kept:
            record["runs"] = kept
            record["command"] = f"{earlier['command']}; {command}"
            record["machine"] = f"{earlier['machine']}; then {record['machine']}"
    start = time.perf_counter()
    # Seed by seed: a part stopped early still has every setting's first seeds.
    for seed in range(args.seeds):
        for setting in settings:
            run = train_and_score(setting, seed, plots)
            record["runs"].append(run)
            record["minutes"] = (time.perf_counter() - start) / 60
            write_text(path, json.dumps(record, indent=1))  # after every run: a stopped part keeps its runs
            print(
                f"{setting.dataset:>7} {setting.label:<40} seed {seed}: {run['modes']:>2}/{run['num_modes']}, "
                f"{run['high_quality']:5.1f}% HQ, {run['seconds']:.0f}s (load {run['load']:.1f})",
                flush=True,
            )
    print(f"wrote {path} ({record.get('minutes', 0):.1f} min)")


# === Report ===
def _mean_std(values: list[float], digits: int = 1) -> str:
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def _grouped(runs: list[dict]) -> dict[tuple[str, str], list[dict]]:
    groups: dict[tuple[str, str], list[dict]] = {}
    for run in runs:
        groups.setdefault((run["setting"]["dataset"], run["setting"]["label"]), []).append(run)
    return groups


def _table(runs: list[dict], first_column: str) -> list[str]:
    lines = [
        f"| dataset | {first_column} | seeds | modes captured | high quality (%) | steps | seconds / run (load) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (dataset, label), rows in _grouped(runs).items():
        lines.append(
            f"| {dataset} | {label} | {len(rows)} | {_mean_std([r['modes'] for r in rows])} / {rows[0]['num_modes']} | "
            f"{_mean_std([r['high_quality'] for r in rows])} | {rows[0]['setting']['steps']:,} | "
            f"{np.mean([r['seconds'] for r in rows]):.0f} ({np.mean([r['load'] for r in rows]):.1f}) |"
        )
    return lines


def _targets(runs: list[dict]) -> list[str]:
    lines = []
    for (dataset, label), rows in _grouped(runs).items():
        if not label.endswith("(all options)"):
            continue
        modes, quality = np.mean([r["modes"] for r in rows]), np.mean([r["high_quality"] for r in rows])
        target_modes, target_quality = TARGETS[dataset]
        met = modes >= target_modes and quality >= target_quality
        lines.append(
            f"- **{label.split(' ')[0]}**: {modes:.1f} / {rows[0]['num_modes']} modes, {quality:.1f}% HQ over "
            f"{len(rows)} seeds; target ≥ {target_modes:g} modes and ≥ {target_quality:g}% HQ: "
            f"**{'met' if met else 'NOT met'}**."
        )
    return lines


def _combination_rows(ablation_runs: list[dict], recipes_record: dict | None) -> list[dict]:
    """The recipes' runs on the datasets and seeds the ablation ran: its last row."""
    if recipes_record is None:
        return []
    ran = {(run["setting"]["dataset"], run["seed"]) for run in ablation_runs}
    return [run for run in recipes_record["runs"] if (run["setting"]["dataset"], run["seed"]) in ran]


def _every_run(runs: list[dict]) -> list[str]:
    lines = [
        "| dataset | setting | seed | modes | HQ (%) | seconds | load | plot |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['setting']['dataset']} | {r['setting']['label']} | {r['seed']} | {r['modes']}/{r['num_modes']} | "
            f"{r['high_quality']:.1f} | {r['seconds']:.0f} | {r['load']:.1f} | [png](mode_coverage/{r['plot']}) |"
        )
    return lines


def _how(record: dict) -> list[str]:
    return [
        f"Command: `{record['command']}` — {record.get('minutes', 0):.1f} min.",
        "",
        f"Machine: {record['machine']} (the load at the start; each run's own 1-minute load is in its row).",
        "",
    ]


def spread_evenly(dataset: str, half_side: float, draws: int = 20) -> tuple[float, float]:
    """Modes captured and % HQ of 2,500 points drawn uniformly over the square
    [-half_side, half_side]^2, the mean of `draws` draws: what a generator that has not
    drawn its mass together scores by chance."""
    scores = [
        mode_coverage_for(dataset, np.random.default_rng(seed).uniform(-half_side, half_side, (NUM_EVAL_POINTS, 2)))
        for seed in range(draws)
    ]
    return np.mean([s.modes_captured for s in scores]), 100 * np.mean([s.high_quality_fraction for s in scores])


def write_report(out: pathlib.Path, notes: str) -> pathlib.Path:
    parts = {}
    for part in PARTS:
        path = out / "mode_coverage" / f"{part}.json"
        if path.exists():
            parts[part] = json.loads(path.read_text())
    lines = [
        "# Mode coverage on the 2-D mixtures",
        "",
        (
            "The protocol of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018): 2,500 generated "
            "points, each assigned to its nearest mode; a point is high quality (HQ) within 3 standard "
            "deviations of it, a mode is captured when it has at least one HQ point. `ring8`: 8 Gaussians "
            "on the unit circle, std 0.01 (HQ within 0.03); `grid25`: 25 Gaussians on {-4, -2, 0, 2, 4}², "
            "std 0.05 (HQ within 0.15)."
        ),
        "",
        (
            "By chance alone: 2,500 points spread evenly over [-5, 5]² capture {:.1f} / 25 modes with {:.1f}% "
            "HQ (over [-6, 6]²: {:.1f} / 25, {:.1f}%; mean of 20 draws, `spread_evenly` in the bench). A grid25 "
            "row with about 2% HQ has learned where the grid is, not its modes; its mode count is chance."
        ).format(*spread_evenly("grid25", 5.0), *spread_evenly("grid25", 6.0)),
        "",
        (
            f"Issue 13's targets (mean of 3 seeds): grid25 ≥ {TARGETS['grid25'][0]} / 25 modes and "
            f"≥ {TARGETS['grid25'][1]:g}% HQ; ring8 8 / 8 and ≥ {TARGETS['ring8'][1]:g}% HQ."
        ),
        "",
        notes.strip(),
        "",
    ]
    if "recipes" in parts:
        record = parts["recipes"]
        lines += [
            "## The PacGAN recipes (mean ± std over seeds)",
            "",
            *_how(record),
            "The settings `gan-zoo train pacgan_grid25` (and `pacgan_ring8`) trains, number of steps included.",
            "",
            *_table(record["runs"], "setting"),
            "",
            *_targets(record["runs"]),
            "",
        ]
    if "ablation" in parts:
        record = parts["ablation"]
        lines += [
            "## Ablation: each option of the recipe alone",
            "",
            *_how(record),
            (
                "Each option alone is added to the plain 2014 GAN (MLPs of 2 × 128, latent 2, batch 256, "
                "its default Adam 2e-4 / β1 0.5), trained for the recipe's number of steps; the last row is "
                "the combination, the recipe's runs on the same seeds."
            ),
            "",
            *_table(record["runs"] + _combination_rows(record["runs"], parts.get("recipes")), "setting"),
            "",
        ]
    if "families" in parts:
        record = parts["families"]
        skipped = [f"- {name}: {reason}" for name, reason in record["skipped"].items()]
        lines += [
            "## The families on the same budget (paper defaults, mean ± std over seeds)",
            "",
            *_how(record),
            (
                "MLPs of 2 × 128, latent 2, batch 256, the recipes' number of generator steps, each family's "
                "paper-default optimizer (`compile()` with no arguments)."
            ),
            "",
            *_table(record["runs"], "family"),
            *[
                f"| grid25 | *{label}, published* | | {m} / 25 | {q} | | |"
                for label, (m, q) in PUBLISHED_GRID25.items()
            ],
            "",
            *(["Not run:", "", *skipped, ""] if skipped else []),
        ]
    if "wgan_gp" in parts:
        record = parts["wgan_gp"]
        lines += [
            "## WGAN-GP on grid25: what holds it back (mean ± std over seeds)",
            "",
            *_how(record),
            *_table(record["runs"], "WGAN-GP setting"),
            "",
        ]
    lines += ["## Every run", ""]
    for part, record in parts.items():
        lines += [f"### {part}", "", *_every_run(record["runs"]), ""]
    path = out / "mode_coverage.md"
    write_text(path, "\n".join(lines))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=PARTS, help="what to train (see the module docstring)")
    parser.add_argument("--report", action="store_true", help="write <out>/mode_coverage.md from the parts' runs")
    parser.add_argument("--notes", default="bench/mode_coverage_notes.md", help="text placed above the tables")
    parser.add_argument("--seeds", type=int, default=3, help="runs per setting (seeds 0..n-1)")
    parser.add_argument("--recipes", default=",".join(RECIPES), help="recipes whose budget and options are used")
    parser.add_argument("--families", help="comma-separated families for the families part (default: all)")
    parser.add_argument("--only", help="train only the settings whose label contains this text")
    parser.add_argument("--out", default="docs", help="directory for mode_coverage.md and mode_coverage/")
    args = parser.parse_args(argv)
    if not args.part and not args.report:
        parser.error("give --part or --report")
    command = "python bench/mode_coverage.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    if args.part:
        run_part(args.part, args, command)
    if args.report:
        notes = pathlib.Path(args.notes)
        print(f"wrote {write_report(pathlib.Path(args.out), notes.read_text() if notes.exists() else '')}")


if __name__ == "__main__":
    main()
