"""One table of bad input, over the `gan-zoo` command line and the Python API.

Each case checks the exit code (2) or the exception type, that the message is one
line and says what was wrong, and that no file in the test's folders changed (a
hash of every file before and after)."""

from __future__ import annotations

import hashlib
import pathlib

import keras
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from PIL import Image

import export
import recipes
import zoo
from cli import main
from recipes import Recipe, run_recipe
from recipes.run_state import RunExistsError
from zoo.backup import AtomicBackupAndRestore
from zoo.data import load_dataset
from zoo.guards import check_data

# The run `gan-zoo train` makes of TRAIN's arguments, so that the finished-run cases
# meet the same recipe and get to the finished-run check.
TINY = recipes.get_recipe("dcgan").replace(
    image_size=8, epochs=1, batch_size=256, model={**recipes.get_recipe("dcgan").model, "latent_dim": 4, "width": 8}
)
TRAIN = ["train", "dcgan", "--image-size", "8", "--batch-size", "256", "--set", "latent_dim=4", "--set", "width=8"]


def foreign_onnx(path: pathlib.Path, element_type: int, shape: list) -> pathlib.Path:
    """An ONNX file from "another tool": no zoo metadata, one input of the given type."""
    graph = helper.make_graph(
        [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT)],
        "foreign",
        [helper.make_tensor_value_info("x", element_type, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A finished run and the files the cases point at."""
    root = tmp_path_factory.mktemp("bad_input")
    run_recipe(TINY, root / "run", verbose=0)
    (root / "out").mkdir()
    Image.new("L", (8, 8)).save(root / "out" / "grid.png")
    (root / "empty.keras").write_bytes(b"")
    (root / "truncated.keras").write_bytes((root / "run" / "model.keras").read_bytes()[:100])
    (root / "notes.txt").write_text("not a model")
    (root / "garbage.onnx").write_bytes(b"not an onnx file")
    foreign_onnx(root / "int64.onnx", TensorProto.INT64, ["n", 4])
    foreign_onnx(root / "scalar.onnx", TensorProto.FLOAT, [])
    (root / "no_images").mkdir()
    (root / "few").mkdir()
    for index in range(3):
        Image.new("RGB", (8, 8), (index, 0, 0)).save(root / "few" / f"{index}.png")
    (root / "broken").mkdir()
    (root / "broken" / "a.png").write_text("this is not a png")
    (root / "plain_folder").mkdir()
    (root / "a_file").write_text("a file where a folder is expected")
    return root


def tree_hash(root: pathlib.Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        for path in sorted(root.rglob("*"))
    }


# (id, argv with {root} for the world folder, expected message regex)
CLI_CASES = [
    ("unknown-recipe", ["train", "dcgan_on_the_moon", "--out", "{root}/new"], r"Unknown recipe or family"),
    ("unknown-dataset", [*TRAIN, "--data", "nope", "--out", "{root}/new"], r"Unknown dataset 'nope'"),
    ("missing-folder", [*TRAIN, "--data", "{root}/missing/", "--out", "{root}/new"], r"does not exist"),
    ("empty-folder", [*TRAIN, "--data", "{root}/no_images", "--out", "{root}/new"], r"holds no images"),
    ("fewer-than-batch", [*TRAIN, "--data", "{root}/few", "--out", "{root}/new"], r"3 samples, fewer than batch"),
    ("broken-image", [*TRAIN, "--data", "{root}/broken", "--out", "{root}/new"], r"Unreadable image .*a\.png"),
    ("epochs-0", [*TRAIN, "--epochs", "0", "--out", "{root}/new"], r"epochs must be a positive integer, got 0"),
    ("epochs-negative", [*TRAIN, "--epochs", "-3", "--out", "{root}/new"], r"epochs must be a positive integer"),
    ("epochs-text", [*TRAIN, "--epochs", "many", "--out", "{root}/new"], r"--epochs: invalid int value"),
    ("batch-0", [*TRAIN, "--batch-size", "0", "--out", "{root}/new"], r"batch_size must be a positive integer"),
    ("image-size-0", [*TRAIN, "--image-size", "0", "--out", "{root}/new"], r"image_size must be a positive"),
    ("steps-0", [*TRAIN, "--steps-per-epoch", "0", "--out", "{root}/new"], r"steps_per_epoch must be a positive"),
    ("image-size-3", [*TRAIN, "--image-size", "3", "--out", "{root}/new"], r"power of two of at least 8.*3x3"),
    ("image-size-1", [*TRAIN, "--image-size", "1", "--out", "{root}/new"], r"power of two of at least 8.*1x1"),
    ("image-size-12", [*TRAIN, "--image-size", "12", "--out", "{root}/new"], r"power of two.*12x12"),
    ("image-size-huge", [*TRAIN, "--image-size", "100000", "--out", "{root}/new"], r"needs .* of memory"),
    ("channels-2", [*TRAIN, "--channels", "2", "--out", "{root}/new"], r"--channels: invalid choice"),
    ("latent-fraction", [*TRAIN, "--set", "latent_dim=2.5", "--out", "{root}/new"], r"latent_dim must be an integer"),
    ("hidden-negative", [*TRAIN, "--set", "hidden_layers=-3", "--out", "{root}/new"], r"hidden_layers must be"),
    ("width-0", [*TRAIN, "--set", "width=0", "--out", "{root}/new"], r"width must be an integer of at least 1"),
    ("d-steps-0", [*TRAIN, "--set", "d_steps=0", "--out", "{root}/new"], r"d_steps must be an integer"),
    ("unknown-setting", [*TRAIN, "--set", "colour=1", "--out", "{root}/new"], r"colour"),
    ("set-without-value", [*TRAIN, "--set", "latent_dim", "--out", "{root}/new"], r"--set takes KEY=VALUE"),
    ("bad-prior", [*TRAIN, "--set", "latent_prior=cauchy", "--out", "{root}/new"], r"latent_prior must be one of"),
    ("bad-architecture", [*TRAIN, "--set", "architecture=resnet", "--out", "{root}/new"], r"architecture must be"),
    ("num-samples-0", [*TRAIN, "--num-samples", "0", "--out", "{root}/new"], r"num_samples must be a positive"),
    (
        "mixture-smaller-than-batch",
        ["train", "gan", "--data", "grid25", "--num-samples", "100", "--batch-size", "256", "--out", "{root}/new"],
        r"batch_size \(256\) is larger than num_samples \(100\)",
    ),
    ("finished-run", [*TRAIN, "--epochs", "1", "--out", "{root}/run"], r"holds a finished run \(1 epochs\)"),
    ("finished-run-more-epochs", [*TRAIN, "--epochs", "5", "--out", "{root}/run"], r"holds a finished run"),
    ("finished-run-other-data", [*TRAIN, "--data", "grid25", "--out", "{root}/run"], r"another recipe.*data"),
    ("resume-and-overwrite", [*TRAIN, "--resume", "--overwrite", "--out", "{root}/run"], r"pass one of them"),
    ("resume-nothing", [*TRAIN, "--resume", "--out", "{root}/new"], r"holds no run to resume"),
    ("resume-no-more-epochs", [*TRAIN, "--resume", "--epochs", "1", "--out", "{root}/run"], r"--epochs above 1"),
    ("out-is-a-file", [*TRAIN, "--out", "{root}/notes.txt"], r"is a file, not a run folder"),
    ("sample-missing", ["sample", "{root}/missing.keras", "-o", "{root}/out/new.png"], r"No model at"),
    ("sample-empty-keras", ["sample", "{root}/empty.keras", "-o", "{root}/out/new.png"], r"not a valid \.keras.*empty"),
    ("sample-truncated", ["sample", "{root}/truncated.keras", "-o", "{root}/out/new.png"], r"not a valid \.keras"),
    ("sample-text-file", ["sample", "{root}/notes.txt", "-o", "{root}/out/new.png"], r"is not a model"),
    ("sample-n-0", ["sample", "{root}/run", "-n", "0", "-o", "{root}/out/new.png"], r"n must be a positive integer"),
    ("sample-n-huge", ["sample", "{root}/run", "-n", "1000000000000", "-o", "{root}/out/new.png"], r"needs .* memory"),
    ("sample-n-text", ["sample", "{root}/run", "-n", "ten", "-o", "{root}/out/new.png"], r"-n: invalid int value"),
    ("sample-label", ["sample", "{root}/run", "--label", "3", "-o", "{root}/out/new.png"], r"has no input 'label'"),
    ("sample-input-text", ["sample", "{root}/run", "--input", "z=a,b", "-o", "{root}/out/n.png"], r"z takes numbers"),
    ("sample-input-form", ["sample", "{root}/run", "--input", "z", "-o", "{root}/out/n.png"], r"--input takes NAME"),
    ("sample-input-size", ["sample", "{root}/run", "--input", "z=1,2", "-o", "{root}/out/n.png"], r"\bz\b.*shape"),
    ("sample-seed-text", ["sample", "{root}/run", "--seed", "x", "-o", "{root}/out/n.png"], r"--seed: invalid int"),
    ("sample-read-only", ["sample", "{root}/run", "-o", "/proc/grid.png"], r"grid|denied|Read-only|No such"),
    ("sample-under-a-file", ["sample", "{root}/run", "-o", "{root}/notes.txt/grid.png"], r"notes\.txt"),
    ("sample-int64-onnx", ["sample", "{root}/int64.onnx", "-o", "{root}/out/n.png"], r"'x' \(tensor\(int64\)"),
    ("sample-scalar-onnx", ["sample", "{root}/scalar.onnx", "-o", "{root}/out/n.png"], r"is not a float vector"),
    ("sample-garbage-onnx", ["sample", "{root}/garbage.onnx", "-o", "{root}/out/n.png"], r"not an ONNX model"),
    (
        "export-over-input",
        ["export", "{root}/run/model.keras", "-o", "{root}/run/model.keras"],
        r"model\.keras",
    ),
    ("export-missing", ["export", "{root}/missing.keras", "-o", "{root}/out/"], r"No model at"),
    ("export-empty", ["export", "{root}/empty.keras", "-o", "{root}/out/"], r"not a valid \.keras file"),
    ("export-format", ["export", "{root}/run", "--format", "tflite", "-o", "{root}/out/"], r"--format: invalid"),
    ("export-plain-folder", ["export", "{root}/plain_folder", "-o", "{root}/out/"], r"without model\.keras"),
    ("export-read-only", ["export", "{root}/run", "-o", "/proc/exported/"], r"exported|denied|Read-only|No such"),
    ("eval-metric", ["eval", "{root}/run", "--metrics", "fid,beauty"], r"beauty"),
    ("eval-extractor", ["eval", "{root}/run/generator.onnx", "--extractor", "nope"], r"--extractor must be"),
    ("eval-missing", ["eval", "{root}/missing.onnx"], r"No model at|does not exist|missing"),
    ("no-command", [], r"required: COMMAND|the following arguments are required"),
    ("unknown-command", ["fly"], r"invalid choice: 'fly'"),
]


@pytest.mark.parametrize(("argv", "expected"), [case[1:] for case in CLI_CASES], ids=[case[0] for case in CLI_CASES])
def test_cli_bad_input(world, capsys, argv, expected):
    before = tree_hash(world)
    argv = [item.replace("{root}", str(world)) for item in argv]
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse's errors
        code = exit.code
    stderr = capsys.readouterr().err.strip()
    assert code == 2, stderr
    lines = [line for line in stderr.splitlines() if "Warning" not in line and "warn(" not in line]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert __import__("re").search(expected, lines[0]), lines[0]
    assert tree_hash(world) == before
    assert not (world / "new").exists()


def _model(world):
    return keras.saving.load_model(world / "run" / "model.keras", compile=False)


# (id, call taking the world folder, exception type, message regex)
API_CASES = [
    ("create-unknown", lambda w: zoo.create("nope"), ValueError, r"nope"),
    ("create-latent-fraction", lambda w: zoo.create("dcgan", latent_dim=2.5), ValueError, r"latent_dim must be"),
    ("create-latent-zero", lambda w: zoo.create("gan", latent_dim=0), ValueError, r"latent_dim must be"),
    ("create-1x1", lambda w: zoo.create("dcgan", data_shape=(1, 1, 1)), ValueError, r"power of two.*1x1"),
    ("create-huge", lambda w: zoo.create("gan", data_shape=(100000, 100000, 3)), ValueError, r"needs .* memory"),
    ("create-shape-text", lambda w: zoo.create("gan", data_shape="big"), ValueError, r"data_shape"),
    ("generate-nan", lambda w: _model(w).generate(np.full((2, 4), np.nan, "float32")), ValueError, r"z holds NaN"),
    ("generate-inf", lambda w: _model(w).generate(np.full((2, 4), np.inf, "float32")), ValueError, r"z holds NaN"),
    ("sample-zero", lambda w: _model(w).sample(0), ValueError, r"n must be a positive integer"),
    ("sample-huge", lambda w: _model(w).sample(10**12), ValueError, r"needs .* memory"),
    ("onnx-int64", lambda w: export.OnnxGenerator(w / "int64.onnx"), ValueError, r"tensor\(int64\)"),
    (
        "onnx-huge",
        lambda w: export.OnnxGenerator(w / "run" / "generator.onnx").generate(10**12),
        ValueError,
        r"needs .* memory",
    ),
    ("data-batch-0", lambda w: load_dataset("digits", batch_size=0), ValueError, r"batch_size must be"),
    ("data-few", lambda w: load_dataset(str(w / "few"), batch_size=8), ValueError, r"fewer than batch_size 8"),
    ("data-huge", lambda w: load_dataset("digits", image_size=100000), ValueError, r"needs .* memory"),
    (
        "check-nan",
        lambda w: check_data(np.array([[0.0, np.nan]], "float32")),
        ValueError,
        r"1 non-finite value.*index \(0, 1\)",
    ),
    ("run-finished", lambda w: run_recipe(TINY, w / "run", verbose=0), RunExistsError, r"finished run"),
    ("recipe-epochs-0", lambda w: Recipe(name="x", family="gan", epochs=0), ValueError, r"epochs must be"),
    (
        "export-over-input",
        lambda w: export.export_model(w / "run" / "model.keras", w / "run" / "model.keras"),
        (ValueError, OSError),
        r"model\.keras",
    ),
    ("backup-keep-0", lambda w: AtomicBackupAndRestore(w / "new" / "backup", keep=0), ValueError, r"keep must be"),
]


@pytest.mark.parametrize(
    ("call", "error", "expected"), [case[1:] for case in API_CASES], ids=[case[0] for case in API_CASES]
)
def test_api_bad_input(world, call, error, expected):
    before = tree_hash(world)
    with pytest.raises(error, match=expected) as raised:
        call(world)
    assert "\n" not in str(raised.value).strip()
    assert tree_hash(world) == before
