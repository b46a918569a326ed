"""cgan, acgan, infogan and bigan beyond the registry tests: the structure each one
learns (labels change the output, the mutual-information term falls, the encoder
maps samples back to z), their losses against hand computations, and one clear
error for bad labels and codes in `fit`, `generate`, `OnnxGenerator` and the CLI."""

from __future__ import annotations

import math
import types

import keras
import numpy as np
import onnxruntime as ort
import pytest
import tensorflow as tf
from conftest import IMAGE_SHAPE, random_data, tiny_model, training_data

import export
import zoo
from cli import main
from recipes import get_recipe, run_recipe
from recipes.recipe import build_dataset
from zoo import losses
from zoo.callbacks import grid_inputs
from zoo.data import digits_arrays
from zoo.images import to_uint8

TOLERANCE = 1e-4
FAMILIES = ("cgan", "acgan", "infogan", "bigan")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Each family, tiny, after one epoch on random 8x8 images (and labels), exported."""
    models = {}
    for name in FAMILIES:
        keras.utils.set_random_seed(0)
        model = tiny_model(name)
        model.compile()
        model.fit(*training_data(model, 16), batch_size=8, epochs=1, verbose=0)
        folder = tmp_path_factory.mktemp(name)
        models[name] = types.SimpleNamespace(
            model=model, folder=folder, onnx=export.export_model(model, folder / "export/", "onnx")
        )
    return models


# === Structure ===


@pytest.mark.parametrize("name, categorical", [("cgan", "label"), ("acgan", "label"), ("infogan", "category")])
def test_changing_only_the_label_changes_the_output(trained, name, categorical):
    model = trained[name].model
    inputs = model.sample_inputs(6, seed=1)
    other = dict(inputs, **{categorical: (inputs[categorical] + 1) % 10})
    changed = np.abs(model.generate(inputs) - model.generate(other)).max(axis=(1, 2, 3))
    assert np.all(changed > 1e-4)
    np.testing.assert_array_equal(
        model.sample(3, seed=1, **{categorical: 4}), model.sample(3, seed=1, **{categorical: 4})
    )


def test_projection_discriminator_scores_depend_on_the_label():
    model = tiny_model("cgan", d_conditioning="projection")
    model.compile()
    history = model.fit(*training_data(model, 16), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"]).all()
    assert model.discriminator.get_layer("label_projection") is not None
    images = random_data(4)
    scores = [
        model.discriminator({"sample": images, "label": np.full(4, label, "int32")}, training=False).numpy()
        for label in (0, 1)
    ]
    assert not np.allclose(*scores)
    assert type(model).from_config(model.get_config()).d_conditioning == "projection"
    with pytest.raises(ValueError, match="d_conditioning must be one of"):
        tiny_model("cgan", d_conditioning="hadamard")


def test_the_mutual_information_term_falls_on_digits():
    """InfoGAN on 8x8 digits, 360 steps: Q learns to read the codes back from G's samples."""
    images, _ = digits_arrays(8, "train")
    keras.utils.set_random_seed(0)
    model = zoo.create("infogan", data_shape=IMAGE_SHAPE, latent_dim=8, width=32, architecture="mlp")
    # A higher rate than the paper's 2e-4 so that a few hundred steps show the trend.
    model.compile(g_learning_rate=1e-3, d_learning_rate=1e-3)
    history = model.fit(images, batch_size=32, epochs=8, verbose=0).history["information_penalty"]
    # Untrained: the cross-entropy of 10 equally likely categories (log 10 = 2.30)
    # plus the Gaussian term of two U[-1, 1] codes (about 2 x 1.09).
    assert history[0] > 4.0
    assert history[-1] < history[0] - 1.0, history


def test_encoding_a_generated_sample_gives_a_z_shaped_vector(trained):
    model = trained["bigan"].model
    inputs = model.sample_inputs(5, seed=0)
    z = model.encode(model.generate(inputs))
    assert z.shape == inputs["z"].shape == (5, 4) and z.dtype == np.float32


def test_bigan_exports_its_encoder_with_parity(trained):
    case = trained["bigan"]
    assert [path.name for path in case.onnx] == ["generator.onnx", "encoder.onnx"]
    session = ort.InferenceSession(str(case.onnx[1]), providers=["CPUExecutionProvider"])
    assert [value.name for value in session.get_inputs()] == ["image"]
    assert [value.name for value in session.get_outputs()] == ["z"]
    images = random_data(3, seed=4)
    (z,) = session.run(None, {"image": images})
    assert np.abs(z - case.model.encode(images)).max() <= TOLERANCE
    assert export.read_metadata(case.onnx[1])["artifact"] == "encoder"


def test_an_infogan_grid_sweeps_a_code_along_each_row(trained):
    model = trained["infogan"].model
    inputs, columns = grid_inputs(model, 50, seed=0, sweep="code", sweep_index=1)
    assert columns == 5
    np.testing.assert_array_equal(inputs["category"], np.repeat(np.arange(10), 5))
    np.testing.assert_allclose(inputs["code"][:, 1], np.tile(np.linspace(-1, 1, 5), 10))
    assert len(np.unique(inputs["code"][:, 0])) == 1 and len(np.unique(inputs["z"], axis=0)) == 1
    with pytest.raises(ValueError, match="sweep must name a continuous input of this generator"):
        grid_inputs(model, 50, sweep="z")
    with pytest.raises(ValueError, match=r"sweep_index must be in \[0, 2\)"):
        grid_inputs(model, 50, sweep="code", sweep_index=2)


def test_a_conditional_recipe_reads_labelled_digits():
    recipe = get_recipe("cgan_digits").replace(batch_size=8)
    images, labels = next(iter(build_dataset(recipe)))
    assert images.shape == (8, 16, 16, 1) and labels.dtype == tf.int32
    unconditional = next(iter(build_dataset(get_recipe("infogan_digits").replace(batch_size=8))))
    assert unconditional.shape == (8, 16, 16, 1)


# === Losses against hand computations ===


def test_the_acgan_classifier_loss_is_the_cross_entropy():
    logits = np.array([[0.0, 0.0, math.log(2.0)], [math.log(3.0), 0.0, 0.0]], "float32")
    labels = np.array([2, 1], "int32")
    # Row 1: softmax = (1, 1, 2) / 4, class 2 has 1/2. Row 2: (3, 1, 1) / 5, class 1 has 1/5.
    expected = -(math.log(1 / 2) + math.log(1 / 5)) / 2
    assert float(losses.auxiliary_classifier_loss(logits, labels)) == pytest.approx(expected, rel=1e-6)
    assert float(losses.categorical_information_penalty(labels, logits)) == pytest.approx(expected, rel=1e-6)


def test_the_gaussian_information_penalty_is_the_negative_log_likelihood():
    codes = np.array([[0.5, -1.0], [0.0, 0.0]], "float32")
    means = np.array([[0.5, 0.0], [1.0, 0.0]], "float32")
    # Squared errors (0, 1) and (1, 0); sigma 2: each term e^2 / 8 + log 2 + log(2 pi) / 2.
    constant = math.log(2.0) + 0.5 * math.log(2 * math.pi)
    expected = ((1 / 8 + 2 * constant) + (1 / 8 + 2 * constant)) / 2
    assert float(losses.gaussian_information_penalty(codes, means, sigma=2.0)) == pytest.approx(expected, rel=1e-6)
    total = losses.mutual_information_penalty(np.array([0], "int32"), np.zeros((1, 4), "float32"), None, None)
    assert float(total) == pytest.approx(math.log(4.0), rel=1e-6)
    # The continuous term weighted by 0.1 beside the categorical one (log 4 for uniform logits).
    weighted = losses.mutual_information_penalty(
        np.array([0, 1], "int32"), np.zeros((2, 4), "float32"), codes, means, sigma=2.0, continuous_weight=0.1
    )
    assert float(weighted) == pytest.approx(math.log(4.0) + 0.1 * expected, rel=1e-6)
    with pytest.raises(ValueError, match="code_weight must be non-negative"):
        tiny_model("infogan", code_weight=-1.0)


def test_acgan_logs_the_cross_entropy_of_its_class_head_on_the_batch():
    keras.utils.set_random_seed(0)
    model = tiny_model("acgan")
    model.compile(jit_compile=False)
    images, labels = training_data(model, 8, seed=2)
    logits = model.discriminator(images, training=True)["class_logits"].numpy().astype("float64")
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -log_softmax[np.arange(8), labels].mean()
    logged = model.fit(images, labels, batch_size=8, epochs=1, verbose=0).history["real_class_loss"][0]
    assert logged == pytest.approx(expected, rel=1e-5)


# === Bad input ===


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([0, 1, 10, 2] * 4, "int32"), r"label must be class ids in \[0, 10\), got values from 0 to 10"),
        (np.array([-1, 1, 2, 3] * 4, "int32"), r"label must be class ids in \[0, 10\)"),
        (np.zeros(16, "float32"), r"label must hold integer class ids in \[0, 10\), got dtype float32"),
    ],
)
@pytest.mark.parametrize("name", ["cgan", "acgan"])
def test_fit_refuses_bad_labels(name, labels, message):
    model = tiny_model(name)
    model.compile()
    with pytest.raises(ValueError, match=message):
        model.fit(random_data(16), labels, batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"conditional: fit it on \(samples, label\) batches"):
        model.fit(random_data(16), batch_size=8, epochs=1, verbose=0)


def test_fit_refuses_bad_labels_in_a_dataset():
    model = tiny_model("cgan")
    model.compile()
    images = random_data(16)
    floats = tf.data.Dataset.from_tensor_slices((images, np.zeros(16, "float32"))).batch(8)
    with pytest.raises(ValueError, match="label must hold integer class ids"):
        model.fit(floats, epochs=1, verbose=0)
    out_of_range = tf.data.Dataset.from_tensor_slices((images, np.full(16, 12, "int32"))).batch(8)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label must be class ids in \[0, 10\)"):
        model.fit(out_of_range, epochs=1, verbose=0)


@pytest.mark.parametrize("name", ["infogan", "bigan"])
def test_labels_given_to_an_unconditional_family_are_refused(name):
    model = tiny_model(name)
    model.compile()
    with pytest.raises(ValueError, match=f"The '{name}' family is unconditional"):
        model.fit(random_data(16), np.zeros(16, "int32"), batch_size=8, epochs=1, verbose=0)


BAD_INPUTS = [
    ("cgan", {"label": np.array([0, 1, 10])}, r"label must be class ids in \[0, 10\)"),
    ("acgan", {"label": np.array([0.0, 1.0, 2.0])}, r"label must hold integer class ids in \[0, 10\)"),
    ("cgan", {"code": np.zeros((3, 2), "float32")}, "This generator has no input 'code'; its inputs are z, label"),
    ("infogan", {"code": np.zeros((3, 3), "float32")}, r"code must be an array of shape \(batch, 2\)"),
    ("infogan", {"category": np.array([0, 1, 11])}, r"category must be class ids in \[0, 10\)"),
    ("bigan", {"label": np.array([0, 1, 2])}, "This generator has no input 'label'; its inputs are z"),
]


@pytest.mark.parametrize("name, given, message", BAD_INPUTS)
def test_bad_inputs_get_one_error_in_keras_and_onnxruntime(trained, name, given, message):
    case = trained[name]
    inputs = {**case.model.sample_inputs(3, seed=0), **given}
    with pytest.raises(ValueError, match=message):
        case.model.generate(inputs)
    with pytest.raises(ValueError, match=message):
        export.OnnxGenerator(case.onnx[0]).generate(**inputs)


def test_missing_labels_are_named(trained):
    model = trained["cgan"].model
    with pytest.raises(ValueError, match=r"Missing input 'label' \(label: categorical, 10 classes"):
        model.generate(model.sample_noise(2))
    with pytest.raises(ValueError, match=r"Missing input 'label'"):
        export.OnnxGenerator(trained["cgan"].onnx[0]).generate(z=model.sample_noise(2))


def test_the_cli_samples_with_labels_and_codes_and_refuses_bad_ones(trained, tmp_path, capsys):
    out = tmp_path / "grid.png"
    cgan, infogan = trained["cgan"].onnx[0], trained["infogan"].onnx[0]
    assert main(["sample", str(cgan), "-n", "3", "--label", "10", "-o", str(out)]) == 2
    assert "label must be class ids in [0, 10)" in capsys.readouterr().err
    assert main(["sample", str(infogan), "-n", "3", "--code", "0.5", "-o", str(out)]) == 2
    assert "code must be an array of shape (batch, 2)" in capsys.readouterr().err
    assert main(["sample", str(infogan), "-n", "3", "--label", "1", "-o", str(out)]) == 2
    assert "no input 'label'; its inputs are z, category, code" in capsys.readouterr().err
    assert not out.exists()
    assert main(["sample", str(cgan), "-n", "4", "--label", "7", "-o", str(out)]) == 0 and out.exists()
    sweep = tmp_path / "sweep.png"
    assert main(["sample", str(infogan), "-n", "4", "--code", "0.5,-1", "--input", "category=3", "-o", str(sweep)]) == 0
    expected = trained["infogan"].model.sample(4, seed=0, category=3, code=np.array([0.5, -1.0], "float32"))
    np.testing.assert_allclose(
        export.OnnxGenerator(infogan).generate(4, seed=0, category=3, code=[0.5, -1.0]), expected, atol=TOLERANCE
    )


@pytest.mark.parametrize("name", ["cgan", "infogan", "bigan"])
def test_the_digits_recipe_runs_and_exports_every_network(name, tmp_path):
    recipe = get_recipe(f"{name}_digits").replace(
        epochs=1, batch_size=128, image_size=8, model={"latent_dim": 4, "width": 8}
    )
    result = run_recipe(recipe, tmp_path, verbose=0)
    assert (tmp_path / "samples" / "epoch_001.png").exists() and result.files["onnx_samples"].exists()
    if name == "bigan":
        # Real digits of the run's first batch in the even columns, G(E(x)) beside each.
        keras.utils.set_random_seed(0)
        real = np.asarray(next(iter(build_dataset(recipe))))[:20]
        tiles = grid_tiles(tmp_path / "reconstructions" / "epoch_001.png", real.shape[1], columns=10)
        np.testing.assert_array_equal(tiles[:, 0], to_uint8(real[::5]))
        reconstructed = to_uint8(result.model.reconstruct(real[::5]))
        np.testing.assert_allclose(tiles[:, 1], reconstructed, atol=1)
        assert np.abs(tiles[:, 1].astype(int) - tiles[:, 0]).max() > 10  # not the real digits again
    else:
        assert not (tmp_path / "reconstructions").exists()
    if name == "infogan":
        # The code sweep: row r is category r, the first code runs from -1 to 1 along
        # each row (64 samples: 6 columns), z and the second code are fixed.
        tiles = grid_tiles(tmp_path / "samples" / "epoch_001.png", 8, columns=6)
        z, code = (result.model.sample_inputs(1, seed=0)[key] for key in ("z", "code"))
        swept = np.repeat(code, 60, axis=0)
        swept[:, 0] = np.tile(np.linspace(-1, 1, 6), 10)
        inputs = {"z": np.repeat(z, 60, axis=0), "category": np.repeat(np.arange(10, dtype="int32"), 6), "code": swept}
        expected = to_uint8(result.model.generate(inputs)).reshape(10, 6, 8, 8, 1)
        np.testing.assert_allclose(tiles, expected, atol=1)
    exported = sorted(path.name for path in tmp_path.glob("*.onnx"))
    assert exported == sorted(f"{item.name}.onnx" for item in result.model.exports())
    assert export.read_metadata(tmp_path / "generator.onnx")["dataset"] == "digits"


def grid_tiles(path, side: int, columns: int, padding: int = 1) -> np.ndarray:
    """The (rows, columns, side, side, 1) uint8 tiles of a gray grid PNG
    (`zoo.images.save_image_grid`: 1-pixel padding, upscaled by a whole factor)."""
    from PIL import Image

    with Image.open(path) as picture:
        pixels = np.asarray(picture)
    scale = pixels.shape[1] // (columns * (side + padding) + padding)
    pixels = pixels[::scale, ::scale]
    rows = (pixels.shape[0] - padding) // (side + padding)
    step = side + padding
    return np.array(
        [
            [
                pixels[padding + r * step : r * step + step, padding + c * step : c * step + step, None]
                for c in range(columns)
            ]
            for r in range(rows)
        ]
    )
