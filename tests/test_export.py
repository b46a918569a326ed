"""Export: every registered family to ONNX and SavedModel, matching Keras to 1e-4.

Parametrized over `zoo.list_models()`, so a family added later is exported and
checked without a new test. The parity checks here run the artifacts themselves
(onnxruntime, `tf.saved_model.load`) rather than trusting `export.verify`, and a
test breaks a weight to show that `verify` notices.
"""

from __future__ import annotations

import json
import sys
import types
import wave

import keras
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import tensorflow as tf
import tf2onnx
from conftest import (
    AUDIO_SHAPE,
    IMAGE_SHAPE,
    VECTOR_SHAPE,
    case_id,
    example_inputs,
    families_supporting,
    max_output_difference,
    random_batch,
    tiny_model,
)
from onnx import numpy_helper
from PIL import Image

import export
import zoo
from zoo import images

TOLERANCE = 1e-4
BATCH_SIZES = (1, 3, 7)

# Every family on images, every audio family on audio; vectors for the 2014 GAN (and
# any family of vectors that generates neither images nor audio).
CASES = (
    [(name, IMAGE_SHAPE) for name in families_supporting("images")]
    + [(name, AUDIO_SHAPE) for name in families_supporting("audio")]
    + [
        (name, VECTOR_SHAPE)
        for name in families_supporting("vectors")
        if name == "gan" or name not in families_supporting("images") + families_supporting("audio")
    ]
)


def trained_tiny(name: str, data_shape: tuple[int, ...], **compile_kwargs) -> zoo.GAN:
    """A tiny model after a few steps, so batch norm's moving statistics are not
    the initial zeros and ones that would hide a training/inference mix-up."""
    model = tiny_model(name, data_shape)
    model.compile(**compile_kwargs)
    model.fit(*random_batch(model, 32), batch_size=8, epochs=1, verbose=0)
    return model


def feeds_for(model: zoo.GAN, batch_size: int, seed: int) -> dict[str, np.ndarray]:
    """Inputs by name, drawn as the model declares them (z, class ids, codes)."""
    return model.generator_inputs.example(batch_size, seed)


def keras_outputs(generator: keras.Model, feeds: dict[str, np.ndarray], names=None) -> np.ndarray | dict:
    """The network's outputs in inference mode: one array, or with `names` a dict
    of every output by name."""
    ordered = [feeds[tensor.name] for tensor in generator.inputs]
    outputs = generator(ordered[0] if len(ordered) == 1 else ordered, training=False)
    if names is None:
        return np.asarray(outputs)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: np.asarray(output) for name, output in zip(names, outputs)}


def by_name(outputs, names) -> dict[str, np.ndarray]:
    """An OnnxGenerator's result (an array for one output) as a dict by output name."""
    return dict(outputs) if isinstance(outputs, dict) else {names[0]: outputs}


def max_difference(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    return float(np.max(np.abs(a.astype("float64") - b)))


@pytest.fixture(scope="module", params=CASES, ids=[case_id(case) for case in CASES])
def exported(request, tmp_path_factory):
    """A trained tiny model of each family, exported to both formats."""
    name, shape = request.param
    model = trained_tiny(name, shape)
    network = model.exports()[0].network
    batch_norms = [layer for layer in network.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert all(np.any(layer.moving_mean.numpy() != 0.0) for layer in batch_norms)
    folder = tmp_path_factory.mktemp(case_id(request.param))
    return types.SimpleNamespace(
        model=model,
        onnx=export.to_onnx(model, folder / "generator.onnx"),
        savedmodel=export.to_savedmodel(model, folder / "generator_savedmodel"),
    )


# === Every family ===


def test_onnx_matches_keras_at_any_batch_size(exported):
    first = exported.model.exports()[0]
    generator, names = first.network, list(first.outputs)
    session = ort.InferenceSession(str(exported.onnx), providers=["CPUExecutionProvider"])
    onnx_generator = export.OnnxGenerator(exported.onnx)
    for batch_size in BATCH_SIZES:
        feeds = feeds_for(exported.model, batch_size, seed=batch_size)
        expected = keras_outputs(generator, feeds, names)
        assert max_output_difference(dict(zip(names, session.run(names, feeds))), expected) <= TOLERANCE
        if first.inputs.drawable:
            outputs = onnx_generator.generate(**feeds)
        else:  # a translator
            outputs = onnx_generator.translate(feeds["image"])
        assert max_output_difference(by_name(outputs, names), expected) <= TOLERANCE
    assert export.verify(exported.model, exported.onnx) <= TOLERANCE


def test_savedmodel_matches_keras_at_any_batch_size(exported):
    first = exported.model.exports()[0]
    generator, names = first.network, list(first.outputs)
    signature = tf.saved_model.load(str(exported.savedmodel)).signatures["serving_default"]
    output_names = [output["name"] for output in export.read_metadata(exported.savedmodel)["outputs"]]
    assert output_names == names
    for batch_size in BATCH_SIZES:
        feeds = feeds_for(exported.model, batch_size, seed=batch_size)
        outputs = signature(**{key: tf.constant(value) for key, value in feeds.items()})
        assert sorted(outputs) == sorted(names)
        actual = {name: value.numpy() for name, value in outputs.items()}
        assert max_output_difference(actual, keras_outputs(generator, feeds, names)) <= TOLERANCE
    assert export.verify(exported.model, exported.savedmodel) <= TOLERANCE


def test_metadata_describes_the_model(exported):
    model = exported.model
    first = model.exports()[0]
    metadata = export.read_metadata(exported.onnx)
    assert export.read_metadata(exported.savedmodel) == metadata
    assert export.OnnxGenerator(exported.onnx).metadata == metadata
    assert metadata["family"] == model.family
    assert list(metadata["inputs"]) == [tensor.name for tensor in first.network.inputs]
    if model.takes_noise:
        assert metadata["latent_dim"] == model.latent_dim == 4
        assert metadata["latent_prior"] == model.latent_prior
        assert metadata["inputs"]["z"]["shape"] == [None, 4]
    else:
        assert metadata["latent_dim"] is None and "z" not in metadata["inputs"]
    for item in first.inputs:
        assert metadata["inputs"][item.name]["shape"] == [None, *item.shape]
    # The outputs are described as they come out of the network.
    outputs = keras_outputs(first.network, example_inputs(model, 2), list(first.outputs))
    assert metadata["outputs"] == [
        {"name": name, "shape": [None, *values.shape[1:]], "dtype": "float32"} for name, values in outputs.items()
    ]
    if len(first.outputs) == 1 and first.inputs.drawable:
        expected_name = zoo.spec.OUTPUT_NAMES[zoo.spec.data_kind(model.data_shape)]
        assert metadata["output"] == {"name": expected_name, "shape": [None, *model.data_shape], "dtype": "float32"}
    assert metadata["value_range"] == ([-1.0, 1.0] if model.output_activation == "tanh" else "unbounded")
    assert metadata["zoo_version"] == zoo.__version__
    assert metadata["dataset"] is None
    assert metadata["config"]["config"] == json.loads(json.dumps(model.get_config()))
    # The config rebuilds the same family.
    rebuilt = keras.saving.deserialize_keras_object(metadata["config"])
    assert type(rebuilt) is type(model)


def test_batch_dimension_is_dynamic_and_named(exported):
    network = exported.model.exports()[0].network
    graph = onnx.load(str(exported.onnx)).graph
    for value in (*graph.input, *graph.output):
        batch = value.type.tensor_type.shape.dim[0]
        assert batch.dim_param == "batch" and not batch.HasField("dim_value")
    assert [value.name for value in graph.input] == [tensor.name for tensor in network.inputs]
    signature = tf.saved_model.load(str(exported.savedmodel)).signatures["serving_default"]
    assert all(spec.shape[0] is None for spec in signature.structured_input_signature[1].values())
    assert all(spec.shape[0] is None for spec in signature.structured_outputs.values())


def test_artifacts_draw_no_noise_of_their_own(exported):
    # Noise is an input (house style rule 4): no random op, same input -> same output.
    graph = onnx.load(str(exported.onnx)).graph
    assert not [node.op_type for node in graph.node if node.op_type.startswith("Random")]
    signature = tf.saved_model.load(str(exported.savedmodel)).signatures["serving_default"]
    feeds = {key: tf.constant(value) for key, value in feeds_for(exported.model, 3, seed=0).items()}
    first, second = signature(**feeds), signature(**feeds)
    assert all(np.array_equal(first[key].numpy(), second[key].numpy()) for key in first)


def test_onnx_generator_gives_the_samples_keras_gives(exported):
    model = exported.model
    generator = export.OnnxGenerator(exported.onnx)
    if not model.generator_inputs.drawable:
        # A translator: the same images give the same translations.
        images = example_inputs(model, 5, seed=3)["image"]
        assert max_output_difference(generator.translate(images), model.generate(images)) <= TOLERANCE
        with pytest.raises(ValueError, match="conditioning sample: pass image="):
            generator.generate(5, seed=3)
        return
    assert np.array_equal(generator.sample_noise(5, seed=3), model.sample_noise(5, seed=3))
    assert generator.sample_noise(5, seed=3).dtype == np.float32
    drawn = model.sample_inputs(5, seed=3)
    assert np.array_equal(drawn["z"], model.sample_noise(5, seed=3))
    assert max_output_difference(generator.generate(5, seed=3), generator.generate(**drawn)) == 0.0
    assert max_output_difference(generator.generate(5, seed=3), model.sample(5, seed=3)) <= TOLERANCE
    assert max_output_difference(generator.generate(5, seed=3), generator.generate(5, seed=4)) > 0.0


def test_every_exported_network_matches_keras(exported, tmp_path):
    exports = exported.model.exports()
    if len(exports) == 1:
        pytest.skip("one exported network: covered by the tests above")
    paths = export.export_model(exported.model, f"{tmp_path}/", "onnx")
    assert [path.name for path in paths] == [f"{item.name}.onnx" for item in exports]
    for item, path in zip(exports, paths):
        assert export.read_metadata(path)["artifact"] == item.name
        inputs = item.inputs.example(3, seed=1)
        assert max_output_difference(export.OnnxGenerator(path).run(inputs), item.run(inputs)) <= TOLERANCE


# === One model: errors, other sources, samples, verify ===


@pytest.fixture(scope="module")
def dcgan(tmp_path_factory):
    """A tiny trained DCGAN and its ONNX export."""
    model = trained_tiny("dcgan", IMAGE_SHAPE, jit_compile=False)
    folder = tmp_path_factory.mktemp("dcgan")
    return types.SimpleNamespace(model=model, onnx=export.to_onnx(model, folder / "generator.onnx"), folder=folder)


def test_missing_files_raise_file_not_found(tmp_path, dcgan):
    missing = tmp_path / "missing.onnx"
    with pytest.raises(FileNotFoundError, match="No ONNX model"):
        export.OnnxGenerator(missing)
    with pytest.raises(FileNotFoundError, match="expected an .onnx file or a SavedModel folder"):
        export.read_metadata(missing)
    with pytest.raises(FileNotFoundError, match="expected an .onnx file or a SavedModel folder"):
        export.verify(dcgan.model, missing)
    with pytest.raises(FileNotFoundError, match="expected a .keras file or a run folder"):
        export.export_model(tmp_path / "runs" / "nothing", tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="without model.keras"):
        export.export_model(tmp_path, tmp_path / "out")


def test_files_that_are_not_models_raise_value_error(tmp_path, dcgan):
    notes = tmp_path / "notes.onnx"
    notes.write_text("these are not the weights you are looking for\n" * 20)
    with pytest.raises(ValueError, match="not an ONNX model"):
        export.OnnxGenerator(notes)
    with pytest.raises(ValueError, match="not an ONNX model"):
        export.read_metadata(notes)
    with pytest.raises(ValueError, match="not an ONNX model"):
        export.verify(dcgan.model, notes)
    fake_keras = tmp_path / "model.keras"
    fake_keras.write_text("not a zip archive")
    with pytest.raises(ValueError, match="not a valid .keras file"):
        export.export_model(fake_keras, tmp_path / "out")
    with pytest.raises(ValueError, match="not a Keras model"):
        export.export_model(dcgan.onnx, tmp_path / "out")
    with pytest.raises(ValueError, match="not a SavedModel"):
        export.read_metadata(tmp_path)
    with pytest.raises(TypeError, match="zoo.GAN or a functional keras.Model"):
        export.to_onnx("dcgan", tmp_path / "x.onnx")


def test_generate_rejects_wrong_latent_shape_or_dtype(dcgan):
    generator = export.OnnxGenerator(dcgan.onnx)
    expected = r"shape \(batch, 4\) and dtype float32"
    for z in (
        np.zeros((2, 5), "float32"),
        np.zeros(4, "float32"),
        np.zeros((2, 4, 1), "float32"),
        np.zeros((0, 4), "float32"),
        np.zeros((2, 5), "int64"),
        np.zeros((2, 4), "int64"),
        np.full((2, 4), "a"),
        [[0.0, 1.0], [2.0]],
    ):
        with pytest.raises(ValueError, match=expected):
            generator.generate(z=z)
    with pytest.raises(ValueError, match="3 samples were asked for"):
        generator.generate(3, z=np.zeros((2, 4), "float32"))
    # float64 noise is cast, not refused.
    z = dcgan.model.sample_noise(2, seed=0)
    assert np.array_equal(generator.generate(z=z.astype("float64")), generator.generate(z=z))


@pytest.mark.parametrize("n", [0, -1, 2.5, "3", True, None, float("nan")])
def test_generate_rejects_bad_sample_counts(dcgan, n):
    generator = export.OnnxGenerator(dcgan.onnx)
    with pytest.raises(ValueError, match="positive integer|Pass n"):
        generator.generate(n)


def test_generate_rejects_inputs_the_model_does_not_take(dcgan):
    generator = export.OnnxGenerator(dcgan.onnx)
    with pytest.raises(ValueError, match="no input 'label'; its inputs are z"):
        generator.generate(2, label=1)
    with pytest.raises(ValueError, match="no input 'code'"):
        generator.generate(2, code=np.zeros((2, 3), "float32"))


def test_onnx_without_zoo_metadata_runs_with_a_warning(tmp_path, dcgan):
    generator = dcgan.model.generator
    # What someone converting the generator by hand gets: no names, no metadata.
    spec = [tf.TensorSpec((None, 4), tf.float32)]
    function = tf.function(lambda z: generator(z, training=False), input_signature=spec)
    path = tmp_path / "plain.onnx"
    tf2onnx.convert.from_function(function, input_signature=spec, opset=17, output_path=str(path))
    assert export.read_metadata(path) == {}
    with pytest.warns(UserWarning, match="no keras-gan-zoo metadata"):
        plain = export.OnnxGenerator(path)
    assert plain.latent_dim == 4 and plain.metadata == {}
    expected = dcgan.model.generate(dcgan.model.sample_noise(3, seed=1))
    assert max_difference(plain.generate(3, seed=1), expected) <= TOLERANCE


def test_bare_generator_exports_what_can_be_known(tmp_path, dcgan):
    generator = dcgan.model.generator
    onnx_path = export.to_onnx(generator, tmp_path / "bare.onnx")
    savedmodel_path = export.to_savedmodel(generator, tmp_path / "bare_savedmodel")
    metadata = export.read_metadata(onnx_path)
    assert export.read_metadata(savedmodel_path) == metadata
    assert metadata["family"] is None and metadata["latent_prior"] is None
    assert metadata["latent_dim"] == 4 and list(metadata["inputs"]) == ["z"]
    assert metadata["output"]["name"] == "image" and metadata["value_range"] == [-1.0, 1.0]
    with pytest.warns(UserWarning, match="latent prior"):
        bare = export.OnnxGenerator(onnx_path)
    assert max_difference(bare.generate(2, seed=5), dcgan.model.sample(2, seed=5)) <= TOLERANCE


def test_export_model_from_a_run_folder(tmp_path, dcgan):
    run = tmp_path / "run"
    run.mkdir()
    # The dataset travels in the model's config, not in a file beside it.
    config = dcgan.model.get_config()
    with_dataset = type(dcgan.model).from_config({**config, "dataset": "digits"})
    with_dataset.set_weights(dcgan.model.get_weights())
    with_dataset.save(run / "model.keras")
    paths = export.export_model(run, format="both")
    assert paths == [run / "generator.onnx", run / "generator_savedmodel"]
    for path in paths:
        metadata = export.read_metadata(path)
        assert metadata["family"] == "dcgan" and metadata["dataset"] == "digits"
    z = dcgan.model.sample_noise(7, seed=2)
    assert max_difference(export.OnnxGenerator(paths[0]).generate(z=z), dcgan.model.generate(z)) <= TOLERANCE
    # An existing folder as the output of one format receives the default name.
    out = tmp_path / "out"
    out.mkdir()
    assert export.export_model(run / "model.keras", out, "onnx", dataset="mnist") == [out / "generator.onnx"]
    assert export.read_metadata(out / "generator.onnx")["dataset"] == "mnist"
    with pytest.raises(ValueError, match="format must be one of"):
        export.export_model(run, out, "tflite")


def test_save_samples_writes_a_png_grid_of_the_expected_size(tmp_path, dcgan):
    generator = export.OnnxGenerator(dcgan.onnx)
    samples = generator.generate(6, seed=0)
    (path,) = export.save_samples(samples, tmp_path / "grid.png", generator.metadata)
    picture = Image.open(path)
    scale = 256 // 8
    # Three columns and two rows of 8x8 images with a one-pixel border.
    assert picture.size == ((3 * 9 + 1) * scale, (2 * 9 + 1) * scale) and picture.mode == "L"
    pixels = np.asarray(picture)[scale : 9 * scale : scale, scale : 9 * scale : scale]
    assert np.array_equal(pixels, images.to_uint8(samples[0, ..., 0]))
    # A path without a suffix is a folder; the metadata says these are images.
    assert export.save_samples(samples, tmp_path / "folder", generator.metadata) == [
        tmp_path / "folder" / "samples.png"
    ]


def test_save_samples_writes_16_bit_wav_files(tmp_path):
    audio = np.random.default_rng(0).uniform(-1.0, 1.0, (2, 100, 1)).astype("float32")
    paths = export.save_samples(audio, tmp_path / "clip.wav")
    assert paths == [tmp_path / "clip_000.wav", tmp_path / "clip_001.wav"]
    with wave.open(str(paths[1])) as file:
        assert (file.getnchannels(), file.getsampwidth(), file.getframerate(), file.getnframes()) == (1, 2, 16000, 100)
        pcm = np.frombuffer(file.readframes(100), "<i2")
    assert np.array_equal(pcm, np.round(audio[1, :, 0] * 32767).astype("int16"))
    stereo = np.zeros((1, 50, 2), "float32")
    stereo[0, :, 1] = 0.5
    (path,) = export.save_samples(stereo, tmp_path / "stereo.wav", sample_rate=8000)
    with wave.open(str(path)) as file:
        assert (file.getnchannels(), file.getframerate()) == (2, 8000)
        frames = np.frombuffer(file.readframes(50), "<i2").reshape(50, 2)
    assert np.all(frames[:, 0] == 0) and np.all(frames[:, 1] == 16384)


def test_save_samples_rejects_vectors_as_pictures(tmp_path):
    vectors = np.zeros((4, 2), "float32")
    with pytest.raises(ValueError, match=r"\(n, height, width, 1 or 3\)"):
        export.save_samples(np.zeros((4, 5), "float32"), tmp_path / "points.png")
    # 2-D points are drawn as a scatter plot.
    (scatter,) = export.save_samples(vectors, tmp_path / "points.png")
    assert Image.open(scatter).size[0] > 100
    with pytest.raises(ValueError, match="Cannot write samples as '.txt'"):
        export.save_samples(vectors, tmp_path / "points.txt")
    (path,) = export.save_samples(vectors, tmp_path / "points")
    assert np.array_equal(np.load(path), vectors)


def test_verify_notices_a_perturbed_weight(tmp_path, dcgan):
    proto = onnx.load(str(dcgan.onnx))
    largest = max(proto.graph.initializer, key=lambda tensor: np.prod(tensor.dims))
    weights = numpy_helper.to_array(largest)
    largest.CopyFrom(numpy_helper.from_array(weights + np.float32(0.05), largest.name))
    broken = tmp_path / "broken.onnx"
    onnx.save(proto, str(broken))
    assert export.verify(dcgan.model, broken) > TOLERANCE
    assert export.verify(dcgan.model, dcgan.onnx) <= TOLERANCE


def test_verify_notices_another_models_weights(tmp_path, dcgan):
    stranger = tiny_model("dcgan", IMAGE_SHAPE)
    assert export.verify(stranger, dcgan.onnx) > TOLERANCE
    savedmodel = export.to_savedmodel(dcgan.model, tmp_path / "savedmodel")
    assert export.verify(stranger, savedmodel) > TOLERANCE


def test_export_raises_when_the_artifact_differs(tmp_path, dcgan, monkeypatch):
    parity = sys.modules["export.parity"]
    monkeypatch.setattr(parity, "verify", lambda model, path, **kwargs: 0.5)
    with pytest.raises(export.ExportParityError, match="differs from the Keras network by 0.5"):
        export.to_onnx(dcgan.model, tmp_path / "generator.onnx")
    monkeypatch.setattr(parity, "verify", lambda model, path, **kwargs: float("inf"))
    with pytest.raises(export.ExportParityError, match="NaN or infinite values.*nothing was written"):
        export.to_savedmodel(dcgan.model, tmp_path / "generator_savedmodel")
    assert list(tmp_path.iterdir()) == []  # no file, no temporary left behind


def test_a_nan_generator_fails_its_parity_check(tmp_path, dcgan):
    broken = type(dcgan.model).from_config(dcgan.model.get_config())
    broken.set_weights([np.full_like(weight, np.nan) for weight in dcgan.model.get_weights()])
    with pytest.raises(export.ExportParityError, match="NaN or infinite"):
        export.to_onnx(broken, tmp_path / "generator.onnx")
    assert not (tmp_path / "generator.onnx").exists()
