"""A one-line description of the machine a benchmark ran on, for docs/."""

from __future__ import annotations

import os
import platform


def describe_machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as file:
            for line in file:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return (
        f"{cpu}, {os.cpu_count()} cores, {'GPU: ' + str(len(gpus)) if gpus else 'no GPU'}; "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )
