"""`export.session_options`: onnxruntime's knobs by name, applied, checked, and
without effect on what a generator computes."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from conftest import tiny_model

import export


def test_session_options_sets_what_it_is_asked():
    options = export.session_options(threads=1, spinning=False, optimization="basic", execution_mode="parallel")
    assert options.intra_op_num_threads == 1
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    assert options.execution_mode == ort.ExecutionMode.ORT_PARALLEL
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    defaults = export.session_options()
    assert defaults.intra_op_num_threads == 0
    assert defaults.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert defaults.execution_mode == ort.ExecutionMode.ORT_SEQUENTIAL
    assert defaults.get_session_config_entry("session.intra_op.allow_spinning") == "1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threads": -1}, "threads must be a non-negative integer"),
        ({"threads": 1.5}, "threads must be a non-negative integer"),
        ({"optimization": "max"}, "optimization must be one of disable, basic, extended, all, got 'max'"),
        ({"execution_mode": "async"}, "execution_mode must be one of sequential, parallel, got 'async'"),
    ],
)
def test_bad_session_options_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        export.session_options(**kwargs)


def test_session_options_do_not_change_the_samples(tmp_path):
    path = export.to_onnx(tiny_model("dcgan"), tmp_path / "g.onnx")
    default = export.OnnxGenerator(path).generate(5, seed=3)
    for options in (
        export.session_options(threads=1, spinning=False),
        export.session_options(optimization="disable"),
        export.session_options(execution_mode="parallel"),
    ):
        np.testing.assert_allclose(
            export.OnnxGenerator(path, session_options=options).generate(5, seed=3), default, atol=1e-6
        )
