"""Quantized exports (`precision="fp16" | "int8"`): they load, run, stay within their
stated tolerance of Keras, really hold float16 / int8 weights, and say so in the
metadata; a bad precision is a one-line error that writes nothing."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from conftest import IMAGE_SHAPE, random_data, tiny_model
from onnx import TensorProto

import export
from cli import main
from export import quantize, serving

# Initializer types that show the conversion happened.
WEIGHT_TYPES = {"fp32": TensorProto.FLOAT, "fp16": TensorProto.FLOAT16, "int8": TensorProto.INT8}


@pytest.fixture(scope="module")
def trained():
    """A tiny DCGAN after a few steps (batch norm's moving statistics moved)."""
    import keras

    keras.utils.set_random_seed(0)
    model = tiny_model("dcgan", IMAGE_SHAPE)
    model.compile()
    model.fit(random_data(32, IMAGE_SHAPE), batch_size=8, epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module")
def exports(trained, tmp_path_factory):
    folder = tmp_path_factory.mktemp("quantized")
    return {
        precision: export.to_onnx(trained, folder / f"{precision}.onnx", precision=precision)
        for precision in quantize.PRECISIONS
    }


def weight_types(path) -> set[int]:
    return {tensor.data_type for tensor in onnx.load(str(path)).graph.initializer if len(tensor.dims) >= 2}


@pytest.mark.parametrize("precision", quantize.PRECISIONS)
def test_quantized_export_matches_keras_within_its_tolerance(trained, exports, precision):
    path = exports[precision]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [value.type for value in session.get_inputs()] == ["tensor(float)"]  # fed like fp32
    assert session.get_outputs()[0].type == "tensor(float)"
    differences = []
    for batch_size in (1, 5):
        inputs = trained.generator_inputs.example(batch_size, seed=50 + batch_size)
        expected = serving.exported_of(trained).run(inputs)
        actual = session.run(None, inputs)[0]
        assert actual.shape == expected.shape
        differences.append(float(np.max(np.abs(actual - expected))))
    assert max(differences) <= quantize.TOLERANCES[precision]
    assert export.verify(trained, path) <= quantize.TOLERANCES[precision]
    # The weights are really stored at the precision (the Gemm/conv kernels).
    assert WEIGHT_TYPES[precision] in weight_types(path)
    if precision != "fp32":
        assert TensorProto.FLOAT not in weight_types(path)


@pytest.mark.parametrize("precision", quantize.PRECISIONS)
def test_metadata_records_the_precision(trained, exports, precision):
    metadata = export.read_metadata(exports[precision])
    assert metadata["precision"] == precision
    generator = export.OnnxGenerator(exports[precision])
    assert generator.metadata["precision"] == precision
    # The same seed draws the same inputs: the samples are the Keras model's, within the tolerance.
    samples = generator.generate(3, seed=1)
    assert samples.shape == (3, *IMAGE_SHAPE)
    np.testing.assert_allclose(samples, trained.sample(3, seed=1), rtol=0, atol=quantize.TOLERANCES[precision])


def test_lower_precisions_differ_from_fp32_but_stay_close(exports):
    outputs = {precision: export.OnnxGenerator(path).generate(4, seed=3) for precision, path in exports.items()}
    for precision in ("fp16", "int8"):
        difference = float(np.max(np.abs(outputs[precision] - outputs["fp32"])))
        assert 0.0 < difference <= quantize.TOLERANCES[precision]


def test_the_tolerance_is_enforced(trained, tmp_path):
    path = tmp_path / "int8.onnx"
    with pytest.raises(export.ExportParityError, match="tolerance 1e-07"):
        export.to_onnx(trained, path, precision="int8", tolerance=1e-7)


def test_a_bad_precision_is_a_clear_error_and_writes_nothing(trained, tmp_path):
    with pytest.raises(ValueError, match=r"^precision must be one of fp32, fp16, int8, got 'int4'\.$"):
        export.to_onnx(trained, tmp_path / "g.onnx", precision="int4")
    with pytest.raises(ValueError, match="precision must be one of"):
        export.export_model(trained, tmp_path / "g.onnx", precision="float16")
    with pytest.raises(ValueError, match="applies to ONNX only"):
        export.export_model(trained, tmp_path, format="both", precision="int8")
    assert list(tmp_path.iterdir()) == []


def test_cli_export_precision(trained, tmp_path, capsys):
    trained.save(tmp_path / "model.keras")
    assert main(["export", str(tmp_path / "model.keras"), "--precision", "fp16", "-o", str(tmp_path / "g16.onnx")]) == 0
    assert "fp16; parity with Keras checked to 0.01" in capsys.readouterr().out
    assert export.read_metadata(tmp_path / "g16.onnx")["precision"] == "fp16"
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(tmp_path / "model.keras"), "--precision", "int4", "-o", str(tmp_path / "bad.onnx")])
    assert exit_info.value.code == 2
    assert "invalid choice: 'int4'" in capsys.readouterr().err
    assert not (tmp_path / "bad.onnx").exists()
