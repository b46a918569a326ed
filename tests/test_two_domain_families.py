"""CoGAN and CycleGAN: weight sharing, the losses against hand computations, the image
pool in the discriminator step, translation in Keras and onnxruntime, the recipes and
`gan-zoo translate`. (Training, config, save/load and export parity are covered by the
registry-parametrized tests in test_families.py and test_export.py.)"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from conftest import random_data
from PIL import Image

import export
import zoo
from cli import main
from recipes import Recipe, run_recipe
from zoo.images import to_uint8

SHAPE_A, SHAPE_B = (8, 8, 1), (8, 8, 3)


def tiny_cogan(**overrides) -> zoo.GAN:
    return zoo.create("cogan", data_shape=(8, 8, 1), latent_dim=4, width=8, **overrides)


def tiny_cyclegan(**overrides) -> zoo.GAN:
    return zoo.create("cyclegan", **{"data_shape": SHAPE_A, "width": 4, "residual_blocks": 1, **overrides})


# === CoGAN: weight sharing ===


def variable_ids(network: keras.Model) -> set[int]:
    return {id(variable) for variable in network.trainable_variables}


def test_cogan_generators_share_their_first_layers_and_discriminators_their_last():
    model = tiny_cogan()
    generator, discriminator = model.generator, model.discriminator
    side_a = keras.Model(generator.inputs, generator.outputs[0])
    side_b = keras.Model(generator.inputs, generator.outputs[1])
    shared = variable_ids(side_a) & variable_ids(side_b)
    assert shared == {
        id(v) for name in ("project", "project_bn") for v in generator.get_layer(name).trainable_variables
    }
    assert variable_ids(side_a) - shared and variable_ids(side_b) - shared  # each side has its own last layer
    critic_a = keras.Model(discriminator.inputs[0], discriminator.outputs[0])
    critic_b = keras.Model(discriminator.inputs[1], discriminator.outputs[1])
    assert variable_ids(critic_a) & variable_ids(critic_b) == {
        id(v) for v in discriminator.get_layer("score").trainable_variables
    }
    # Each variable once in its optimizer's list, so a shared one gets one update per step.
    for variables in (model.generator_variables, model.discriminator_variables):
        assert len({id(v) for v in variables}) == len(variables)
    # The same z gives a pair: changing the shared projection changes both images.
    z = model.sample_noise(3, seed=0)
    before = model.generate(z)
    kernel = generator.get_layer("project").kernel
    kernel.assign(kernel.numpy() + 0.5)
    after = model.generate(z)
    assert not np.allclose(before["image_a"], after["image_a"]) and not np.allclose(before["image_b"], after["image_b"])


def test_one_cogan_step_moves_shared_variables_once():
    model = tiny_cogan()
    rate = 1e-3
    model.compile(g_optimizer=keras.optimizers.Adam(rate), d_optimizer=keras.optimizers.Adam(rate))
    shared = model.generator.get_layer("project").kernel
    private = model.generator.get_layer("a_to_image").kernel
    score = model.discriminator.get_layer("score").kernel
    before = [variable.numpy().copy() for variable in (shared, private, score)]
    model.fit(random_data(8, SHAPE_A), random_data(8, SHAPE_A, seed=1), batch_size=8, epochs=1, verbose=0)
    # Adam's first step moves each weight by at most the learning rate: a variable
    # updated once per side (twice) would move by up to twice as much.
    for old, variable in zip(before, (shared, private, score)):
        moved = np.abs(variable.numpy() - old)
        assert moved.max() > 0.5 * rate, variable.path
        assert moved.max() <= rate * (1 + 1e-4), variable.path


def test_cogan_generates_and_exports_a_pair(tmp_path):
    model = tiny_cogan(data_shape_b=SHAPE_B)
    pairs = model.sample(5, seed=2)
    assert sorted(pairs) == ["image_a", "image_b"]
    assert pairs["image_a"].shape == (5, *SHAPE_A) and pairs["image_b"].shape == (5, *SHAPE_B)
    (path,) = export.export_model(model, f"{tmp_path}/", "onnx")
    assert path.name == "generator.onnx"
    onnx_pairs = export.OnnxGenerator(path).generate(5, seed=2)
    for name in ("image_a", "image_b"):
        assert np.abs(onnx_pairs[name] - pairs[name]).max() <= 1e-4


def test_two_domain_families_refuse_one_domain_batches():
    model = tiny_cogan()
    model.compile(jit_compile=False)
    with pytest.raises(ValueError, match=r"learns two domains: fit it on \(x_a, x_b\) batches"):
        model.fit(random_data(8, SHAPE_A), batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"x_b holds images of shape \(8, 8, 3\), but this 'cogan' model takes"):
        model.fit(random_data(8, SHAPE_A), random_data(8, SHAPE_B), batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="only the channels may differ"):
        tiny_cogan(data_shape_b=(16, 16, 1))


# === CycleGAN: losses, pool, translation ===


@pytest.fixture(scope="module")
def cyclegan():
    """Gray a (1 channel) <-> coloured b (3 channels): no identity loss."""
    keras.utils.set_random_seed(0)
    return tiny_cyclegan(data_shape_b=SHAPE_B, pool_size=4)


def l1(a, b) -> float:
    return float(np.mean(np.abs(np.asarray(a, "float64") - np.asarray(b, "float64"))))


def test_cyclegan_losses_equal_a_hand_computation():
    keras.utils.set_random_seed(1)
    model = tiny_cyclegan()  # one channel in both domains: identity loss on
    assert model.cycle_weight == 10.0 and model.identity_weight == 5.0
    x_a, x_b = random_data(2, SHAPE_A, seed=3), random_data(2, SHAPE_A, seed=4)
    total, logs = model.generator_loss((x_a, x_b))

    def run(network, images):
        return network(images, training=False).numpy()

    g, f = model.generator_a2b, model.generator_b2a
    fake_b, fake_a = run(g, x_a), run(f, x_b)
    cycle = 10.0 * l1(run(f, fake_b), x_a) + 10.0 * l1(run(g, fake_a), x_b)
    identity = 5.0 * l1(run(g, x_b), x_b) + 5.0 * l1(run(f, x_a), x_a)
    adversarial = np.mean((run(model.discriminator_b, fake_b) - 1.0) ** 2) + np.mean(
        (run(model.discriminator_a, fake_a) - 1.0) ** 2
    )
    assert float(logs["cycle_loss"]) == pytest.approx(cycle, rel=1e-5)
    assert float(logs["identity_loss"]) == pytest.approx(identity, rel=1e-5)
    assert float(logs["adversarial_loss"]) == pytest.approx(adversarial, rel=1e-5)
    assert float(total) == pytest.approx(cycle + identity + adversarial, rel=1e-5)


def test_identity_loss_needs_equal_channels(cyclegan):
    assert cyclegan.identity_weight == 0.0
    x_a, x_b = random_data(2, SHAPE_A), random_data(2, SHAPE_B, seed=1)
    assert float(cyclegan.generator_loss((x_a, x_b))[1]["identity_loss"]) == 0.0
    with pytest.raises(ValueError, match=r"same channels; got 1 \(a\) and 3 \(b\)"):
        tiny_cyclegan(data_shape_b=SHAPE_B, identity_weight=5.0)
    with pytest.raises(ValueError, match="latent_dim must be None"):
        tiny_cyclegan(latent_dim=4)


def test_the_discriminator_step_learns_from_the_image_pool(cyclegan):
    x_a, x_b = random_data(2, SHAPE_A, seed=5), random_data(2, SHAPE_B, seed=6)
    start = int(cyclegan.pool_b.count.numpy())
    cyclegan.generator_loss((x_a, x_b))
    assert int(cyclegan.pool_b.count.numpy()) == start  # the generator step leaves it alone
    cyclegan.discriminator_loss((x_a, x_b))
    assert int(cyclegan.pool_b.count.numpy()) == int(cyclegan.pool_a.count.numpy()) == start + 2
    # The fakes of this step went into the pools: G(x_a) to D_B's, F(x_b) to D_A's.
    stored_b = cyclegan.pool_b.images.numpy()[start : start + 2]
    stored_a = cyclegan.pool_a.images.numpy()[start : start + 2]
    np.testing.assert_allclose(stored_b, cyclegan.translate(x_a, "a2b"), atol=1e-5)
    np.testing.assert_allclose(stored_a, cyclegan.translate(x_b, "b2a"), atol=1e-5)


def test_translate_matches_the_onnx_artifacts(cyclegan, tmp_path):
    paths = export.export_model(cyclegan, f"{tmp_path}/", "onnx")
    assert [path.name for path in paths] == ["generator_a2b.onnx", "generator_b2a.onnx"]
    for direction, path, images in (
        ("a2b", paths[0], random_data(5, SHAPE_A, seed=7)),
        ("b2a", paths[1], random_data(5, SHAPE_B, seed=8)),
    ):
        onnx_translator = export.OnnxGenerator(path)
        assert onnx_translator.input_names == ["image"] and onnx_translator.output_names == ["translated"]
        expected = cyclegan.translate(images, direction)
        assert expected.shape == (5, *(SHAPE_B if direction == "a2b" else SHAPE_A))
        assert np.abs(onnx_translator.translate(images) - expected).max() <= 1e-4
    reconstructed = cyclegan.reconstruct(random_data(3, SHAPE_A), "a2b")
    assert reconstructed.shape == (3, *SHAPE_A)


def test_bad_translation_inputs_get_clear_errors(cyclegan, tmp_path):
    message = r"image must be an array of shape \(batch, 8, 8, 1\) and dtype float32, got shape \(2, 8, 8, 3\)"
    with pytest.raises(ValueError, match=message):
        cyclegan.translate(random_data(2, SHAPE_B))
    with pytest.raises(ValueError, match=r"image must be an array of shape \(batch, 8, 8, 3\)"):
        cyclegan.translate(random_data(2, SHAPE_A), direction="b2a")
    with pytest.raises(ValueError, match="direction must be 'a2b' or 'b2a', got 'a2c'"):
        cyclegan.translate(random_data(2, SHAPE_A), direction="a2c")
    with pytest.raises(ValueError, match="conditioning sample: pass image="):
        cyclegan.sample(2)


# === gan-zoo translate ===


def write_pngs(folder, count, size=8, mode="L"):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        shape = (size, size) if mode == "L" else (size, size, 3)
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(folder / f"digit_{index}.png")


def test_cli_translate_writes_one_png_per_image(cyclegan, tmp_path, capsys):
    (a2b, b2a) = export.export_model(cyclegan, f"{tmp_path}/export/", "onnx")
    write_pngs(tmp_path / "in", 3)
    out = tmp_path / "out"
    assert main(["translate", str(a2b), "--input", str(tmp_path / "in"), "--output", str(out)]) == 0
    written = sorted(path.name for path in out.iterdir())
    assert written == ["digit_0.png", "digit_1.png", "digit_2.png"]
    with Image.open(tmp_path / "in" / "digit_1.png") as source, Image.open(out / "digit_1.png") as result:
        image = np.asarray(source, dtype="float32")[None, ..., None] / 127.5 - 1.0
        assert result.mode == "RGB" and result.size == (8, 8)
        expected = to_uint8(cyclegan.translate(image, "a2b")[0])
        assert np.abs(np.asarray(result, dtype="int16") - expected).max() <= 1

    # The Keras model translates either way.
    cyclegan.save(tmp_path / "model.keras")
    back = tmp_path / "back"
    args = ["translate", str(tmp_path / "model.keras"), "--input", str(out), "--output", str(back)]
    assert main([*args, "--direction", "b2a"]) == 0
    with Image.open(back / "digit_0.png") as result:
        assert result.mode == "L"

    # Bad input: one line, exit 2, nothing written.
    missing = tmp_path / "missing"
    assert main(["translate", str(a2b), "--input", str(missing), "--output", str(tmp_path / "none")]) == 2
    assert f"--input {missing} is not a folder of images" in capsys.readouterr().err
    assert main(["translate", str(a2b), "--direction", "b2a", "--input", str(out), "--output", str(back)]) == 2
    assert "is generator_a2b, not generator_b2a" in capsys.readouterr().err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "x.png").write_text("not an image")
    assert main(["translate", str(b2a), "--input", str(tmp_path / "broken"), "--output", str(tmp_path / "none")]) == 2
    assert "Unreadable image" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()


# === Recipes: two domains, pair grids, translation triplets, ONNX samples ===


@pytest.mark.parametrize(
    "recipe",
    [
        Recipe(
            name="tiny_cogan",
            family="cogan",
            data="digits",
            data_b="digits/negative",
            image_size=8,
            epochs=1,
            batch_size=128,
            model={"latent_dim": 4, "width": 8},
            compile={"jit_compile": False},
        ),
        Recipe(
            name="tiny_cyclegan",
            family="cyclegan",
            data="digits",
            data_b="digits/colored",
            image_size=8,
            channels=(1, 3),
            epochs=2,
            batch_size=128,
            callbacks=("linear_decay",),
            model={"width": 4, "residual_blocks": 1},
            compile={"jit_compile": False},
        ),
    ],
    ids=["cogan", "cyclegan"],
)
def test_two_domain_recipes_run_and_export(recipe, tmp_path):
    result = run_recipe(recipe, tmp_path, verbose=0)
    model = result.model
    assert model.domain_shapes == ((8, 8, 1), (8, 8, 3) if recipe.family == "cyclegan" else (8, 8, 1))
    assert (tmp_path / "samples" / f"epoch_{recipe.epochs:03d}.png").exists()
    with Image.open(result.files["onnx_samples"]) as grid:
        assert grid.size[0] > 64
    if recipe.family == "cogan":
        assert result.files["onnx"].name == "generator.onnx"
        # 64 pairs: each image beside its partner, an even number of columns.
        metadata = export.read_metadata(result.files["onnx"])
        assert [output["name"] for output in metadata["outputs"]] == ["image_a", "image_b"]
        assert metadata["dataset"] == "digits <-> digits/negative"
    else:
        assert {"generator_a2b", "generator_b2a"} <= set(result.files)
        # The decay reached the second (last) epoch: half the rate.
        assert float(model.g_optimizer.learning_rate.numpy()) == pytest.approx(2e-4 * 0.5)
        with Image.open(tmp_path / "samples" / "epoch_002.png") as grid:
            assert grid.mode == "RGB"  # gray inputs shown beside coloured translations
