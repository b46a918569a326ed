"""`session_options`: onnxruntime's knobs that matter for an exported generator, by
name, with the defaults `OnnxGenerator` uses (measured in bench/inference.py,
docs/inference.md)."""

from __future__ import annotations

from typing import Any

OPTIMIZATION_LEVELS = ("disable", "basic", "extended", "all")
EXECUTION_MODES = ("sequential", "parallel")


def session_options(
    threads: int = 0,
    *,
    spinning: bool = True,
    optimization: str = "all",
    execution_mode: str = "sequential",
    log_level: int = 3,
) -> Any:
    """An `onnxruntime.SessionOptions`.

    Args:
        threads: intra-op threads; 0 lets onnxruntime use one per physical core.
        spinning: whether idle intra-op threads busy-wait for the next op. Spinning
            saves microseconds per op on a quiet machine and burns cores that other
            processes (or TensorFlow, in the same process) need on a shared one.
        optimization: graph optimizations: "disable", "basic" (constant folding,
            redundant nodes), "extended" (fusions), "all" (also the NCHWc layout
            transform for convolutions on x86).
        execution_mode: "sequential" runs one op at a time (with its intra-op
            threads); "parallel" also runs independent branches at once, which a
            generator's chain of layers does not have.
        log_level: 0 verbose .. 4 fatal; 3 (errors) keeps sessions quiet.
    """
    import onnxruntime as ort

    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 0:
        raise ValueError(f"threads must be a non-negative integer (0: one per core), got {threads!r}.")
    if optimization not in OPTIMIZATION_LEVELS:
        raise ValueError(f"optimization must be one of {', '.join(OPTIMIZATION_LEVELS)}, got {optimization!r}.")
    if execution_mode not in EXECUTION_MODES:
        raise ValueError(f"execution_mode must be one of {', '.join(EXECUTION_MODES)}, got {execution_mode!r}.")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = {
        "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }[optimization]
    options.execution_mode = (
        ort.ExecutionMode.ORT_PARALLEL if execution_mode == "parallel" else ort.ExecutionMode.ORT_SEQUENTIAL
    )
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    options.log_severity_level = log_level
    return options
