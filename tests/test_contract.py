"""The generator contract (zoo/spec.py and the base GAN), proven on test-only families
whose shapes the real families will take: a labelled generator, a two-output
generator, a generator with an encoder, a noise-free image-to-image translator and
an audio generator. Each trains one step, round-trips through save/load, exports to
ONNX and SavedModel with parity, and samples the same in onnxruntime as in Keras.
"""

from __future__ import annotations

import types
import wave
from typing import ClassVar

import keras
import numpy as np
import onnx
import pytest
import tensorflow as tf
from conftest import weights_of
from keras import layers, ops

import export
from cli import main
from zoo import losses, networks, spec
from zoo.callbacks import SampleGrid, grid_inputs
from zoo.gan import GAN

TOLERANCE = 1e-4
IMAGE = (8, 8, 1)


# === Test-only families ===


def _register(cls):
    cls.family = cls.__name__.lower()
    return keras.saving.register_keras_serializable(package="zoo_tests")(cls)


def _mlp_critic(inputs: dict[str, tuple[int, ...] | int], width: int = 16) -> keras.Model:
    """An MLP scoring named inputs: shapes are floats, ints are class counts."""
    tensors, parts = [], []
    for name, shape in inputs.items():
        if isinstance(shape, int):
            tensor = keras.Input((), dtype="int32", name=name)
            parts.append(layers.Embedding(shape, 4)(tensor))
        else:
            tensor = keras.Input(shape, name=name)
            parts.append(layers.Flatten()(tensor))
        tensors.append(tensor)
    x = layers.Concatenate()(parts) if len(parts) > 1 else parts[0]
    x = layers.Dense(width, activation="relu")(x)
    return keras.Model(tensors if len(tensors) > 1 else tensors[0], layers.Dense(1)(x), name="discriminator")


@_register
class LabelledGAN(GAN):
    """Conditional: the label goes to G (through the spec) and to D."""

    condition_input = "label"

    def build_generator_inputs(self):
        return spec.InputSpec([spec.noise(self.latent_dim, self.latent_prior), spec.categorical(3)])

    def build_discriminator(self):
        return _mlp_critic({"sample": self.data_shape, "label": 3})

    def discriminate(self, samples, inputs, training=True):
        return self.discriminator({"sample": samples, "label": inputs["label"]}, training=training)


@_register
class PairGAN(GAN):
    """One z, two outputs (CoGAN's shape); D judges the pair stacked as channels."""

    def build_generator(self):
        z = keras.Input((self.latent_dim,), name="z")
        x = layers.Dense(32, activation="relu")(z)
        a = layers.Reshape(IMAGE, name="a")(layers.Dense(64, activation="tanh")(x))
        b = layers.Reshape(IMAGE, name="b")(layers.Dense(64, activation="tanh")(x))
        return keras.Model(z, [a, b], name="generator")

    def run_generator(self, inputs, training=False):
        return ops.concatenate(super().run_generator(inputs, training), axis=-1)

    def exports(self):
        return [spec.Exported("generator", self.generator, self.generator_inputs, ("image_a", "image_b"))]


@_register
class EncoderGAN(GAN):
    """BiGAN's shape: an encoder trained with G; D judges (x, z) pairs, so the
    losses use the sampled z that travels with the fakes."""

    network_roles: ClassVar[dict[str, str | None]] = {"generator": "g", "encoder": "g", "discriminator": "d"}

    def build_encoder(self):
        image = keras.Input(self.data_shape, name="image")
        x = layers.Dense(16, activation="relu")(layers.Flatten()(image))
        return keras.Model(image, layers.Dense(self.latent_dim, name="z")(x), name="encoder")

    def build_discriminator(self):
        return _mlp_critic({"sample": self.data_shape, "z": (self.latent_dim,)})

    def _pair_scores(self, real):
        fakes = self.generate_fakes(real)
        real_scores = self.discriminator({"sample": real, "z": self.encoder(real, training=True)}, training=True)
        fake_scores = self.discriminator({"sample": fakes.samples, "z": fakes.inputs["z"]}, training=True)
        return real_scores, fake_scores

    def discriminator_loss(self, real, condition=None):
        return losses.discriminator_loss(*self._pair_scores(real))

    def generator_loss(self, real, condition=None):
        real_scores, fake_scores = self._pair_scores(real)
        return losses.discriminator_loss(fake_scores, real_scores)  # G and E swap the labels

    def exports(self):
        encoder_inputs = spec.InputSpec([spec.conditioning_sample(self.data_shape, "image")])
        return [*super().exports(), spec.Exported("encoder", self.encoder, encoder_inputs, ("z",))]


@_register
class Translator(GAN):
    """Noise-free image-to-image (CycleGAN's shape): fit on (target, source) batches."""

    condition_input = "image"

    def __init__(self, latent_dim=None, **kwargs):
        super().__init__(latent_dim=latent_dim, **kwargs)

    def build_generator_inputs(self):
        return spec.InputSpec([spec.conditioning_sample(self.data_shape, "image")])


@_register
class AudioGAN(GAN):
    data_kinds = ("audio",)


AUDIO = (64, 1)
TINY = {"latent_dim": 4, "width": 16, "hidden_layers": 1}


def _data(kind: str, count: int = 16, seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (count, *IMAGE)).astype("float32")
    if kind == "labelled":
        return images, rng.integers(0, 3, count).astype("int32")
    if kind == "pair":
        return np.concatenate([images, -images], axis=-1)
    if kind == "translator":
        return -images, images  # target = negative of the source
    if kind == "audio":
        return rng.uniform(-1, 1, (count, *AUDIO)).astype("float32")
    return images


CASES = {
    "labelled": lambda: LabelledGAN(data_shape=IMAGE, architecture="mlp", **TINY),
    "pair": lambda: PairGAN(data_shape=(8, 8, 2), architecture="mlp", **TINY),
    "encoder": lambda: EncoderGAN(data_shape=IMAGE, architecture="mlp", **TINY),
    "translator": lambda: Translator(data_shape=IMAGE, architecture="mlp", width=16, hidden_layers=1),
    "audio": lambda: AudioGAN(data_shape=AUDIO, **TINY),
}


def _fit(model, kind):
    data = _data(kind)
    if isinstance(data, tuple):
        return model.fit(data[0], data[1], batch_size=8, epochs=1, verbose=0, shuffle=False)
    return model.fit(data, batch_size=8, epochs=1, verbose=0, shuffle=False)


def _inputs(model, n: int, seed: int):
    """What to generate from: drawn inputs, or for the translator real images."""
    if model.generator_inputs.drawable:
        return model.sample_inputs(n, seed)
    return {"image": _data("translator", n, seed)[1]}


@pytest.fixture(scope="module", params=list(CASES))
def case(request, tmp_path_factory):
    keras.utils.set_random_seed(0)
    model = CASES[request.param]()
    model.compile()
    before = {name: weights_of(network) for name, network in model.named_networks.items()}
    history = _fit(model, request.param)
    folder = tmp_path_factory.mktemp(request.param)
    return types.SimpleNamespace(
        kind=request.param,
        model=model,
        before=before,
        history=history.history,
        folder=folder,
        onnx=export.export_model(model, f"{folder}/onnx/", "onnx"),
        savedmodel=export.export_model(model, f"{folder}/savedmodel/", "savedmodel"),
    )


def test_one_fit_step_moves_every_network_and_logs_finite_losses(case):
    assert all(np.isfinite(values).all() for values in case.history.values())
    for name, network in case.model.named_networks.items():
        moved = max(np.abs(a - b).max() for a, b in zip(case.before[name], weights_of(network)))
        assert moved > 0, f"{name} did not move"
    # Each declared network's variables are in exactly one optimizer's list.
    g, d = case.model.generator_variables, case.model.discriminator_variables
    for network, role in ((getattr(case.model, name), role) for name, role in case.model.network_roles.items()):
        listed = g if role == "g" else d
        assert all(any(v is w for w in listed) for v in network.trainable_variables)


def test_save_load_round_trip_gives_the_same_samples(case, tmp_path):
    path = tmp_path / "model.keras"
    case.model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(case.model)
    assert loaded.generator_inputs == case.model.generator_inputs
    assert list(loaded.named_networks) == list(case.model.network_roles)
    inputs = _inputs(case.model, 5, seed=3)
    expected, actual = case.model.generate(inputs), loaded.generate(inputs)
    for key in expected if isinstance(expected, dict) else [None]:
        np.testing.assert_array_equal(actual[key] if key else actual, expected[key] if key else expected)
    assert loaded.get_config() == case.model.get_config()


def test_every_exported_network_matches_keras_in_both_formats(case):
    exports = case.model.exports()
    assert [path.name for path in case.onnx] == [f"{item.name}.onnx" for item in exports]
    assert [path.name for path in case.savedmodel] == [f"{item.name}_savedmodel" for item in exports]
    for item, onnx_path, savedmodel_path in zip(exports, case.onnx, case.savedmodel):
        assert export.verify(case.model, onnx_path, artifact=item.name) <= TOLERANCE
        assert export.verify(case.model, savedmodel_path, artifact=item.name) <= TOLERANCE
        metadata = export.read_metadata(onnx_path)
        assert metadata["artifact"] == item.name and metadata["sampler"] == spec.SAMPLER
        assert spec.InputSpec.from_config(metadata["generator_inputs"]) == item.inputs
        assert [output["name"] for output in metadata["outputs"]] == list(item.outputs)
        graph = onnx.load(str(onnx_path)).graph
        assert [value.name for value in graph.input] == item.inputs.names
        assert [value.name for value in graph.output] == list(item.outputs)
        assert export.read_metadata(savedmodel_path) == metadata


def test_onnx_generator_samples_equal_keras_samples_for_the_same_seed(case):
    onnx_generator = export.OnnxGenerator(case.onnx[0])
    if case.model.generator_inputs.drawable:
        expected, actual = case.model.sample(6, seed=11), onnx_generator.generate(6, seed=11)
        for name, values in onnx_generator.sample_inputs(6, seed=11).items():
            np.testing.assert_array_equal(values, case.model.sample_inputs(6, seed=11)[name])
    else:
        images = _data("translator", 6, seed=11)[1]
        expected, actual = case.model.generate(images), onnx_generator.translate(images)
        with pytest.raises(ValueError, match="conditioning sample: pass image="):
            case.model.sample(2)
    for key in expected if isinstance(expected, dict) else [None]:
        got, want = (actual[key], expected[key]) if key else (actual, expected)
        assert np.abs(got - want).max() <= TOLERANCE


def test_sample_grid_writes_what_people_look_at_or_listen_to(case, tmp_path):
    fixed = {} if case.model.generator_inputs.drawable else {"image": _data("translator", 4)[1]}
    grid = SampleGrid(tmp_path, num_samples=6, fixed_inputs=fixed)
    grid.set_model(case.model)
    grid.on_train_begin()
    grid.on_epoch_end(0)
    if case.kind == "audio":
        clips = sorted(tmp_path.glob("epoch_001_*.wav"))
        assert len(clips) == 6 and (tmp_path / "epoch_001.png").exists()
        with wave.open(str(clips[2])) as file:
            pcm = np.frombuffer(file.readframes(64), "<i2") / 32767.0
        expected = case.model.generate(case.model.sample_inputs(6, seed=0))[2, :, 0]
        np.testing.assert_allclose(pcm, np.clip(expected, -1, 1), atol=1 / 32767.0 + 1e-6)
    else:
        assert (tmp_path / "epoch_001.png").exists()


def test_encoder_output_has_the_shape_of_z():
    model = CASES["encoder"]()
    z = model.encoder(model.generate(model.sample_inputs(3, seed=0)))
    assert tuple(z.shape) == (3, 4)


# === The label is an input like any other ===


@pytest.fixture(scope="module")
def labelled():
    keras.utils.set_random_seed(0)
    model = CASES["labelled"]()
    model.compile()
    _fit(model, "labelled")
    return model


def test_changing_only_the_label_changes_the_output(labelled):
    inputs = labelled.sample_inputs(4, seed=2)
    other = dict(inputs, label=(inputs["label"] + 1) % 3)
    assert not np.allclose(labelled.generate(inputs), labelled.generate(other))
    np.testing.assert_array_equal(labelled.sample(4, seed=2, label=1), labelled.generate(dict(inputs, label=[1] * 4)))
    # Fixing the label leaves the noise as it was.
    np.testing.assert_array_equal(labelled.sample_inputs(4, seed=2, label=0)["z"], inputs["z"])


def test_a_conditional_grid_has_one_row_per_class(labelled):
    inputs, columns = grid_inputs(labelled, 12, seed=0)
    assert columns == 4
    np.testing.assert_array_equal(inputs["label"], np.repeat([0, 1, 2], 4))
    np.testing.assert_array_equal(inputs["z"][:4], inputs["z"][4:8])  # the same noise down each column


def test_fit_requires_labels_exactly_when_the_family_takes_them(labelled):
    images, labels = _data("labelled")
    with pytest.raises(ValueError, match=r"conditional: fit it on \(samples, label\)"):
        labelled.fit(images, batch_size=8, epochs=1, verbose=0)
    unconditional = GAN(data_shape=IMAGE, architecture="mlp", **TINY)
    unconditional.compile()
    with pytest.raises(ValueError, match="unconditional"):
        unconditional.fit(images, labels, batch_size=8, epochs=1, verbose=0)


# === Bad input: one error, naming the input, in generate, OnnxGenerator and the CLI ===

BAD_INPUTS = [
    ({"label": np.array([0, 1, 3, 0])}, r"label must be class ids in \[0, 3\)"),
    ({"label": np.array([0.0, 1.0, 2.0, 0.0])}, r"label must hold integer class ids in \[0, 3\), got dtype float"),
    ({"label": np.array([-1, 0, 0, 0])}, r"label must be class ids in \[0, 3\)"),
    ({"z": np.zeros((4, 5), "float32")}, r"z must be an array of shape \(batch, 4\) and dtype float32, got shape"),
    ({"z": np.full((4, 4), np.nan, "float32")}, "z holds NaN or infinite values"),
    ({"code": np.zeros((4, 2), "float32")}, "This generator has no input 'code'; its inputs are z, label"),
]


@pytest.fixture(scope="module")
def labelled_onnx(labelled, tmp_path_factory):
    return export.to_onnx(labelled, tmp_path_factory.mktemp("labelled") / "generator.onnx")


@pytest.mark.parametrize("given, message", BAD_INPUTS)
def test_bad_inputs_get_the_same_error_in_keras_and_onnxruntime(labelled, labelled_onnx, given, message):
    inputs = {**labelled.sample_inputs(4, seed=0), **given}
    with pytest.raises(ValueError, match=message):
        labelled.generate(inputs)
    with pytest.raises(ValueError, match=message):
        export.OnnxGenerator(labelled_onnx).generate(**inputs)


def test_missing_inputs_are_named(labelled, labelled_onnx):
    z = labelled.sample_inputs(4, seed=0)["z"]
    message = r"Missing input 'label' \(label: categorical, 3 classes"
    with pytest.raises(ValueError, match=message):
        labelled.generate(z)
    with pytest.raises(ValueError, match=message):
        export.OnnxGenerator(labelled_onnx).generate(z=z)


def test_the_cli_gives_the_same_one_line_errors(labelled_onnx, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["sample", str(labelled_onnx), "-n", "3", "--label", "3", "-o", str(out)]) == 2
    assert "label must be class ids in [0, 3)" in capsys.readouterr().err
    assert main(["sample", str(labelled_onnx), "-n", "3", "--code", "0.5", "-o", str(out)]) == 2
    assert "no input 'code'; its inputs are z, label" in capsys.readouterr().err
    assert main(["sample", str(labelled_onnx), "-n", "3", "--label", "x", "-o", str(out)]) == 2
    assert "label takes integer class ids" in capsys.readouterr().err
    assert not out.exists()
    assert main(["sample", str(labelled_onnx), "-n", "6", "--label", "2", "-o", str(out)]) == 0
    assert out.exists()


def test_a_translator_rejects_images_of_the_wrong_shape(case):
    if case.kind != "translator":
        pytest.skip("translator only")
    onnx_generator = export.OnnxGenerator(case.onnx[0])
    wrong = np.zeros((2, 16, 16, 1), "float32")
    message = r"image must be an array of shape \(batch, 8, 8, 1\) and dtype float32, got shape \(2, 16, 16, 1\)"
    with pytest.raises(ValueError, match=message):
        case.model.generate(wrong)
    with pytest.raises(ValueError, match=message):
        onnx_generator.translate(wrong)


# === The portable sampler ===


def _fmix32(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


def test_the_sampler_is_the_documented_scalar_algorithm():
    """An independent scalar implementation of zoo-hash32-v1 (what a JavaScript
    port does) gives the same uniforms and normals bit for bit."""
    import math

    seed, stream = 12345, 2
    key = _fmix32(seed ^ _fmix32(((stream + 1) * 0x9E3779B9) & 0xFFFFFFFF))

    def word(j):
        return _fmix32((_fmix32(j ^ key) + key) & 0xFFFFFFFF)

    def uniform(i):
        return ((word(2 * i) >> 5) * 67108864.0 + (word(2 * i + 1) >> 6) + 0.5) / 9007199254740992.0

    expected_uniform = [uniform(i) for i in range(10)]
    expected_normal = [
        math.sqrt(-2.0 * math.log(uniform(2 * i))) * math.cos(2.0 * math.pi * uniform(2 * i + 1)) for i in range(5)
    ]
    assert spec.uniform(seed, stream, 10).tolist() == expected_uniform
    np.testing.assert_allclose(spec.normal(seed, stream, 5), expected_normal, rtol=0, atol=1e-15)


def test_the_sampler_draws_the_declared_distributions():
    inputs = spec.InputSpec(
        [spec.noise(8), spec.noise(8, "uniform", "u"), spec.categorical(10), spec.continuous(2, 0.0, 2.0)]
    )
    values = inputs.sample(20_000, seed=1)
    assert abs(values["z"].mean()) < 0.02 and abs(values["z"].std() - 1) < 0.02
    assert values["u"].min() >= -1 and values["u"].max() <= 1 and abs(values["u"].std() - 3**-0.5) < 0.01
    counts = np.bincount(values["label"], minlength=10)
    assert counts.min() > 1800 and counts.max() < 2200
    assert values["code"].min() >= 0 and values["code"].max() < 2 and abs(values["code"].mean() - 1) < 0.02
    # A prefix of a larger draw is the smaller draw; other seeds differ.
    smaller = inputs.sample(7, seed=1)
    assert all(np.array_equal(values[name][:7], smaller[name]) for name in smaller)
    assert not np.array_equal(inputs.sample(7, seed=2)["z"], smaller["z"])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda s: s.sample(0), "positive integer"),
        (lambda s: s.sample(2, seed=-1), "seed must be an integer"),
        (lambda s: s.sample(2, seed=1.5), "seed must be an integer"),
        (lambda s: s.sample(2, nope=1), "no input 'nope'"),
        (lambda s: s.sample(2, label=[0, 1, 2]), "label holds 3 rows, but 2 samples"),
    ],
)
def test_the_sampler_rejects_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call(spec.InputSpec([spec.noise(2), spec.categorical(3)]))


def test_a_config_that_disagrees_with_the_family_is_refused():
    model = CASES["labelled"]()
    config = model.get_config()
    config["generator_inputs"][1]["num_classes"] = 4
    with pytest.raises(ValueError, match="generator_inputs .* disagree"):
        LabelledGAN.from_config(config)


def test_the_output_activation_reaches_the_network():
    generator = networks.dcgan_generator(spec.InputSpec([spec.noise(4)]), IMAGE, 8, output_activation=None)
    assert generator.get_layer("image").get_config()["activation"] == "linear"
    from zoo import create

    model = create("dcgan", data_shape=IMAGE, latent_dim=4, width=8, output_activation="sigmoid")
    assert model.generator.get_layer("image").get_config()["activation"] == "sigmoid"
    assert export.serving.value_range(model.generator) == [0.0, 1.0]
    z = tf.constant(model.sample_inputs(16, seed=0)["z"])
    outputs = model.generator(z, training=False).numpy()
    assert outputs.min() >= 0 and outputs.max() <= 1
