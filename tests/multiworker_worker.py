"""One worker of the multi-worker tests (run by tests/test_multiworker.py, one
process per worker, with `TF_CONFIG` set): a tiny MLP GAN trained by
`zoo.distributed.MultiWorkerRunner` on fixed data with injected noise, so that the
run is a deterministic function of the global batch and can be compared with one
process.

The chief writes `weights_EPOCH.npz` and prints the epoch's logs as a JSON line
after every epoch; the last line of stdout is a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf

GLOBAL_BATCH = 16
DATA_SHAPE = (8,)
LATENT_DIM = 4
#: One fixed latent row per sample of a global batch.
LATENT_TABLE = np.random.default_rng(1).standard_normal((GLOBAL_BATCH, LATENT_DIM)).astype("float32")
DATA = np.random.default_rng(2).uniform(-1.0, 1.0, (4 * GLOBAL_BATCH, *DATA_SHAPE)).astype("float32")


def replica_aware_sampler(batch_size):
    """The same z per sample however the global batch is split: replica r takes rows
    [r * n, (r + 1) * n) of one fixed table (tests/test_base.py does the same)."""
    context = tf.distribute.get_replica_context()
    replica = context.replica_id_in_sync_group if context is not None else 0
    return tf.slice(tf.constant(LATENT_TABLE), [replica * batch_size, 0], [batch_size, LATENT_DIM])


def epoch_data(epoch: int) -> np.ndarray:
    """A new order every epoch, the same in every process."""
    return DATA[np.random.default_rng(100 + epoch).permutation(len(DATA))]


def build_model():
    import keras

    import zoo

    keras.utils.set_random_seed(0)
    # An MLP without batch norm: per-replica batch statistics differ by design.
    model = zoo.create(
        "gan",
        data_shape=DATA_SHAPE,
        latent_dim=LATENT_DIM,
        width=16,
        d_normalization=None,
        latent_sampler=replica_aware_sampler,
    )
    # Momentum gives the optimizers state that a checkpoint must carry.
    model.compile(
        g_optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
        d_optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
        jit_compile=False,
    )
    return model


def network_weights(model) -> dict[str, np.ndarray]:
    return {
        f"{network.name}/{index}": np.asarray(variable.numpy())
        for network in (model.generator, model.discriminator)
        for index, variable in enumerate(network.weights)
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--steps-per-epoch", type=int, default=None)
    parser.add_argument("--pause", type=float, default=0.0, help="chief sleeps this long at each epoch start")
    parser.add_argument("--collective-timeout", type=float, default=None)
    args = parser.parse_args()

    # Before the strategy: it initializes the runtime.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    from zoo import distributed

    strategy = distributed.multi_worker_strategy(collective_timeout=args.collective_timeout)
    workdir = pathlib.Path(args.workdir)
    runner = distributed.MultiWorkerRunner(
        build_model,
        lambda epoch: tf.data.Dataset.from_tensor_slices(epoch_data(epoch)),
        global_batch_size=GLOBAL_BATCH,
        checkpoint_dir=workdir / "checkpoints",
        strategy=strategy,
    )

    class Probe(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if args.pause:
                print(f"pausing at the start of epoch {epoch + 1}", flush=True)
                time.sleep(args.pause)

        def on_epoch_end(self, epoch, logs=None):
            np.savez(workdir / f"weights_{epoch + 1}.npz", **network_weights(self.model))
            print(json.dumps({"epoch": epoch + 1, **logs}), flush=True)

    state = runner.fit(args.epochs, steps_per_epoch=args.steps_per_epoch, callbacks=[Probe()])
    saved = runner.save_model(workdir / "model.keras")
    summary = {
        "task": runner.task_id,
        "chief": runner.is_chief,
        "replicas": strategy.num_replicas_in_sync,
        "initial_epoch": state.initial_epoch,
        "history": state.history,
        "saved": str(saved) if saved else None,
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
