"""What a benchmark ran on, for the tables in docs/."""

from __future__ import annotations

import os
import pathlib
import platform


def cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_facts(extra_versions: dict[str, str] | None = None) -> dict[str, str]:
    """CPU, cores, OS, library versions and the load when the benchmark started
    (the load says whether other work shared the machine)."""
    import keras
    import numpy as np
    import tensorflow as tf

    import zoo

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    gpus = tf.config.list_physical_devices("GPU")
    versions = {
        "Python": platform.python_version(),
        "TensorFlow": tf.__version__,
        "Keras": keras.__version__,
        **(extra_versions or {}),
        "NumPy": np.__version__,
        "keras-gan-zoo": zoo.__version__,
    }
    return {
        "CPU": f"{cpu_model()}, {f'{len(gpus)} GPU' if gpus else 'no GPU'}",
        "Cores": f"{usable} usable of {os.cpu_count()}",
        "OS": f"{platform.system()} {platform.release()}",
        "Versions": ", ".join(f"{name} {version}" for name, version in versions.items()),
        "Load average (1, 5, 15 min) at start": ", ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


def describe_machine() -> str:
    """The same facts on one line."""
    facts = machine_facts()
    load = facts["Load average (1, 5, 15 min) at start"]
    return f"{facts['CPU']}, {facts['Cores']} cores; {facts['Versions']}; load {load}"
