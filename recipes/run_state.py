"""What a run folder holds and how far it got: `state.json`.

`status` is "running" from the first write until `model.keras` is in place,
"trained" until the exports are written, then "finished"; `epochs_done` counts the
finished epochs. `run_recipe` reads it to decide what a rerun does: resume an
interrupted run, finish its exports, or refuse to touch a finished one unless told
(`resume=True` with more epochs, or `overwrite=True`).
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import shutil

import keras

from zoo.guards import read_rows
from zoo.io import write_text

STATE_FILE = "state.json"
STATUSES = ("running", "trained", "finished")
#: What `run_recipe` writes into a run folder (globs): what `--overwrite` removes.
#: Anything else in the folder is the user's and is left alone.
ARTIFACTS = (
    STATE_FILE,
    "recipe.json",
    "samples",
    "reconstructions",
    "history.csv",
    "loss.png",
    "logs",
    "model.keras",
    "backup",
    "*.onnx",
    "*_savedmodel",
    "samples_onnx*",
    ".*.tmp*",
    ".*.old",
)
#: Recipe fields that may change between a run and its resumption (the name too:
#: `gan-zoo train dcgan` and a recipe with the same settings are the same run).
RESUMABLE_CHANGES = ("name", "epochs", "data_dir", "description")


class RunExistsError(ValueError):
    """The run folder holds a run that the command would replace."""


@dataclasses.dataclass
class RunState:
    status: str
    epochs_done: int
    epochs: int
    recipe: str

    def write(self, directory: pathlib.Path) -> None:
        write_text(directory / STATE_FILE, json.dumps(dataclasses.asdict(self), indent=2))


def read_state(directory: str | pathlib.Path) -> RunState | None:
    """The folder's state; None for a folder that holds no run. A folder written
    before state.json existed counts as finished if it has model.keras."""
    directory = pathlib.Path(directory)
    path = directory / STATE_FILE
    if path.is_file():
        try:
            fields = json.loads(path.read_text())
            state = RunState(**{field.name: fields[field.name] for field in dataclasses.fields(RunState)})
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path} is damaged ({error}): pass --overwrite to start the run over.") from None
        if state.status not in STATUSES:
            raise ValueError(f"{path} has an unknown status {state.status!r}: pass --overwrite to start over.")
        return state
    if (directory / "model.keras").is_file():
        done = len(read_rows(directory / "history.csv"))
        return RunState("finished", done, done, _recorded_recipe(directory).get("name", "?"))
    if (directory / "recipe.json").is_file() or (directory / "backup").is_dir():
        return RunState("running", 0, 0, _recorded_recipe(directory).get("name", "?"))
    return None


def _recorded_recipe(directory: pathlib.Path) -> dict:
    try:
        return json.loads((directory / "recipe.json").read_text())
    except (OSError, ValueError):
        return {}


def recipe_differences(directory: pathlib.Path, recipe: dict) -> list[str]:
    """The recipe fields (other than those a resumption may change) in which
    `recipe` differs from the one the folder was trained with."""
    recorded = _recorded_recipe(directory)
    if not recorded:
        return []
    keys = (set(recorded) | set(recipe)) - set(RESUMABLE_CHANGES)
    # JSON round trip: tuples and lists compare equal.
    recipe = json.loads(json.dumps(recipe))
    return sorted(key for key in keys if recorded.get(key) != recipe.get(key))


def check_rerun(directory: pathlib.Path, recipe: dict, *, resume: bool, overwrite: bool) -> RunState | None:
    """What the folder holds, or a one-line error if training `recipe` into it
    would silently replace or mix runs. Changes nothing."""
    if resume and overwrite:
        raise ValueError("--resume continues a run and --overwrite starts it over: pass one of them.")
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"{directory} is a file, not a run folder.")
    if overwrite:
        return None
    state = read_state(directory)
    if state is None:
        if resume:
            raise ValueError(f"{directory} holds no run to resume.")
        return None
    differences = recipe_differences(directory, recipe)
    if differences:
        raise RunExistsError(
            f"{directory} holds a run of another recipe (it differs in {', '.join(differences)}): "
            "pass --overwrite to replace it, or another --out."
        )
    if state.status in ("trained", "finished") and resume and recipe["epochs"] <= state.epochs_done:
        raise ValueError(
            f"{directory} has already trained {state.epochs_done} epochs: --resume needs --epochs above "
            f"{state.epochs_done} (the total to reach)."
        )
    if state.status == "finished" and not resume:
        raise RunExistsError(
            f"{directory} holds a finished run ({state.epochs_done} epochs): pass --resume --epochs N to train "
            "it up to N epochs, --overwrite to start over, or another --out."
        )
    return state


def clear_run(directory: pathlib.Path) -> None:
    """Remove what a run wrote into `directory` (`ARTIFACTS`), nothing else."""
    for pattern in ARTIFACTS:
        for path in directory.glob(pattern):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def clear_exports(directory: pathlib.Path) -> None:
    """Remove the exports of an earlier model (a resumed run trains the model on)."""
    for pattern in ("*.onnx", "*_savedmodel", "samples_onnx*"):
        for path in directory.glob(pattern):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def load_run_model(directory: pathlib.Path) -> keras.Model:
    """The run's model.keras with its optimizers, to train on or export."""
    path = directory / "model.keras"
    try:
        return keras.saving.load_model(path)
    except Exception as error:  # noqa: BLE001  (Keras raises many types for a broken archive)
        raise ValueError(f"{path} is not a valid .keras file ({error}): pass --overwrite to start over.") from None
