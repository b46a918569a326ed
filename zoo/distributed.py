"""Multi-worker training of any `zoo.GAN` with `tf.distribute.MultiWorkerMirroredStrategy`.

Keras 3 `fit()` does not run under `MultiWorkerMirroredStrategy`: it fails in
`_maybe_symbolic_build` converting a `PerReplica` value to a Tensor
(keras-team/keras#20585, tensorflow/tensorflow#72388). `MultiWorkerRunner` is the
custom loop those threads recommend, and nothing more: the model's own `train_step`
(so each family's game, loss scaling and trackers are unchanged) under
`strategy.run` in a `tf.function`, data from `distribute_datasets_from_function`,
and `tf.train.CheckpointManager` checkpoints written the way TensorFlow's
multi-worker guide prescribes ("Multi-worker training with a custom training loop").
Once the upstream bug is fixed, switch back to plain `model.fit` with
`keras.callbacks.BackupAndRestore` under the strategy and delete this module.

Synchronous data parallelism (Dean et al. 2012; Goyal et al. 2017): every step, each
replica takes its slice of one global batch and the summed gradients update every
copy of the weights, so N replicas take the step one process takes on that batch
(the loss is divided by N in `zoo.gan.scale_loss_for_replicas`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import re
import shutil
from collections.abc import Callable, Sequence

import keras
import tensorflow as tf

from zoo.gan import GAN
from zoo.io import atomic_path


def read_tf_config() -> dict:
    """`TF_CONFIG` as a dict, checked: a cluster with workers and this process's task in it."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise ValueError(
            "TF_CONFIG is not set: multi-worker training needs it on every host, e.g. "
            '{"cluster": {"worker": ["host0:12345", "host1:12345"]}, "task": {"type": "worker", "index": 0}} '
            "(see docs/multiworker.md)."
        )
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not valid JSON ({error}).") from None
    cluster = config.get("cluster") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if not isinstance(cluster, dict) or not cluster.get("worker") and not cluster.get("chief"):
        raise ValueError(f'TF_CONFIG needs a "cluster" with a "worker" (and optionally "chief") list, got {raw}.')
    if not isinstance(task, dict) or task.get("type") not in cluster:
        raise ValueError(f'TF_CONFIG "task" must name a job of the cluster ({", ".join(cluster)}), got {task}.')
    index = task.get("index")
    if not isinstance(index, int) or not 0 <= index < len(cluster[task["type"]]):
        raise ValueError(
            f'TF_CONFIG "task" index must be 0..{len(cluster[task["type"]]) - 1} for job {task["type"]!r}, '
            f"got {index!r}."
        )
    return config


def multi_worker_strategy(collective_timeout: float | None = None) -> tf.distribute.MultiWorkerMirroredStrategy:
    """The strategy of the cluster in `TF_CONFIG`. Create it first thing in the
    process: collective ops must be configured before TensorFlow runs any op.

    Args:
        collective_timeout: seconds after which a collective (the gradient
            all-reduce) that a lost worker never joins fails instead of waiting;
            `None` leaves TensorFlow's default (its peer health check).
    """
    read_tf_config()
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=collective_timeout)
    return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)


def slice_for_pipeline(
    dataset: tf.data.Dataset, global_batch_size: int, context: tf.distribute.InputContext
) -> tf.data.Dataset:
    """This input pipeline's per-replica batches of an unbatched `dataset`.

    Every worker reads the same sequence and keeps its slice of each global batch,
    so one step of all replicas covers exactly the samples of one global batch of a
    single process, and every worker gets the same number of steps (an uneven
    `shard` would leave one worker waiting forever in its last all-reduce).
    """
    per_replica = context.get_per_replica_batch_size(global_batch_size)
    local_replicas = context.num_replicas_in_sync // context.num_input_pipelines
    start = context.input_pipeline_id * local_replicas * per_replica

    def take_slice(batch):
        return tf.nest.map_structure(
            lambda tensor: tf.reshape(
                tensor[start : start + local_replicas * per_replica],
                [local_replicas, per_replica, *tensor.shape[1:]],
            ),
            batch,
        )

    dataset = dataset.batch(global_batch_size, drop_remainder=True).map(take_slice)
    # One element per local replica and step, in replica order.
    return dataset.unbatch().prefetch(tf.data.AUTOTUNE)


class WorkerLostError(RuntimeError):
    """A worker stopped answering mid-run (killed, preempted, network lost)."""


@dataclasses.dataclass
class RunState:
    """What `MultiWorkerRunner.fit` did: the epochs it ran and their logs."""

    initial_epoch: int
    epochs: int
    history: dict[str, list[float]]


class MultiWorkerRunner:
    """Trains a `zoo.GAN` on every worker of a `MultiWorkerMirroredStrategy`.

    Args:
        build_model: returns the compiled model; called inside `strategy.scope()`
            so that variables and optimizer slots are mirrored across workers.
        make_dataset: `epoch -> tf.data.Dataset` of single samples (or
            `(sample, condition)` pairs), the same sequence on every worker: seed
            its shuffle with the epoch, so a restarted run sees what an
            uninterrupted one would have.
        global_batch_size: samples per step across all replicas; divisible by the
            number of replicas.
        checkpoint_dir: where the chief keeps its checkpoints (on storage that
            every worker can read, to restore after a restart).
        strategy: defaults to `multi_worker_strategy()` from `TF_CONFIG`; any
            strategy works (a single process uses the default one).
        max_to_keep: checkpoints kept by the chief.
    """

    def __init__(
        self,
        build_model: Callable[[], GAN],
        make_dataset: Callable[[int], tf.data.Dataset],
        *,
        global_batch_size: int,
        checkpoint_dir: str | os.PathLike,
        strategy: tf.distribute.Strategy | None = None,
        max_to_keep: int = 2,
    ):
        self.strategy = strategy if strategy is not None else multi_worker_strategy()
        replicas = self.strategy.num_replicas_in_sync
        if int(global_batch_size) != global_batch_size or global_batch_size < replicas:
            raise ValueError(f"global_batch_size must be an integer of at least {replicas}, got {global_batch_size}.")
        if global_batch_size % replicas:
            raise ValueError(
                f"global_batch_size {global_batch_size} does not split over {replicas} replicas: "
                f"pick a multiple of {replicas}."
            )
        self.global_batch_size = int(global_batch_size)
        self.make_dataset = make_dataset
        self.checkpoint_dir = pathlib.Path(checkpoint_dir)
        self._max_to_keep = int(max_to_keep)
        with self.strategy.scope():
            self.model = build_model()
            if self.model.g_optimizer is None:
                raise ValueError("build_model must return a compiled model (call model.compile() in it).")
            self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="finished_epochs")
        self.checkpoint = tf.train.Checkpoint(
            **{role: getattr(self.model, role) for role in _network_roles(self.model)},
            g_optimizer=self.model.g_optimizer,
            d_optimizer=self.model.d_optimizer,
            latent_seed=self.model.seed_generator.state,
            finished_epochs=self.epoch,
        )
        # No AutoGraph, as in `fit`: `train_step` runs as Keras runs it.
        self._step = tf.function(self._distributed_step, autograph=False)
        self._epoch_logs = tf.function(self._reduced_logs, autograph=False)
        self._reset_trackers = tf.function(self._reset_replica_trackers, autograph=False)
        self._epoch_moments = tf.function(self._restored_epoch_moments, autograph=False)

    # === Who writes what ===
    @property
    def is_chief(self) -> bool:
        """True on the one worker that writes the checkpoints and the run's files."""
        return self.strategy.extended.should_checkpoint

    @property
    def task_id(self) -> int:
        """This worker's index in its job (0 without a cluster)."""
        return int(getattr(getattr(self.strategy, "cluster_resolver", None), "task_id", None) or 0)

    def _write_dir(self) -> pathlib.Path:
        # Every worker must take part in a save (it may read mirrored variables
        # collectively), but only the chief's copy is kept: the others write to a
        # temp dir they delete, as TensorFlow's multi-worker guide prescribes.
        if self.is_chief:
            return self.checkpoint_dir
        return self.checkpoint_dir / f"workertemp_{self.task_id}"

    # === Training ===
    def _distributed_step(self, batch):
        self.strategy.run(self.model.train_step, args=(batch,))

    def _restored_epoch_moments(self):
        def moments():
            epoch = tf.cast(self.epoch, tf.float64)
            return tf.stack([epoch, epoch * epoch])

        return self.strategy.reduce(tf.distribute.ReduceOp.MEAN, self.strategy.run(moments), axis=None)

    def _reset_replica_trackers(self):
        # Each replica zeroes its own copy; in cross-replica context a reset would
        # first all-reduce the old values across the workers, for nothing.
        self.strategy.run(lambda: [tracker.reset_state() for tracker in self.model.trackers.values()])

    def _reduced_logs(self):
        per_replica = self.strategy.run(
            lambda: {name: tracker.result() for name, tracker in self.model.trackers.items()}
        )
        # Equal replica batches: the mean of the replicas' epoch means is the mean
        # loss over the global batches, what one process would log.
        return {
            name: self.strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
            for name, value in per_replica.items()
        }

    def restore(self) -> int:
        """Load the chief's latest checkpoint, if any; returns the finished epochs."""
        latest = tf.train.latest_checkpoint(str(self.checkpoint_dir))
        if latest is not None:
            # Every variable, optimizer slot included, exists already (built in
            # `compile`), so the restore is complete here, not deferred.
            self.checkpoint.restore(latest).assert_existing_objects_matched()
        epoch = int(self.epoch.numpy())
        mean, mean_square = (float(value) for value in self._epoch_moments())
        if mean_square - mean * mean > 1e-9:
            # A worker that cannot read the chief's checkpoints starts over while
            # the others resume: they would run different epochs and deadlock.
            raise ValueError(
                f"The workers restored different epochs (this worker: {epoch}, mean {mean:g}): "
                f"{self.checkpoint_dir} must be on storage every worker reads (NFS, GCS, ...)."
            )
        return epoch

    def _save(self, manager: tf.train.CheckpointManager) -> None:
        manager.save(checkpoint_number=int(self.epoch.numpy()))
        if not self.is_chief:
            shutil.rmtree(self._write_dir(), ignore_errors=True)

    def fit(
        self,
        epochs: int,
        steps_per_epoch: int | None = None,
        callbacks: Sequence[keras.callbacks.Callback] = (),
        verbose: bool = False,
    ) -> RunState:
        """Train until `epochs` epochs are finished, resuming from the last checkpoint.

        A checkpoint is written after every epoch. Killed at any point, the run
        restarted on every worker with the same arguments resumes after the last
        finished epoch. `callbacks` (Keras callbacks: sample grids, history) run on
        the chief only, each epoch before its checkpoint.
        """
        if int(epochs) != epochs or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, got {epochs}.")
        if steps_per_epoch is not None and (int(steps_per_epoch) != steps_per_epoch or steps_per_epoch < 1):
            raise ValueError(f"steps_per_epoch must be a positive integer, got {steps_per_epoch}.")
        initial_epoch = self.restore()
        manager = tf.train.CheckpointManager(self.checkpoint, str(self._write_dir()), max_to_keep=self._max_to_keep)
        callback_list = keras.callbacks.CallbackList(list(callbacks) if self.is_chief else [], model=self.model)
        history: dict[str, list[float]] = {}
        if verbose and self.is_chief and initial_epoch:
            print(f"Resuming after epoch {initial_epoch} from {self.checkpoint_dir}", flush=True)
        callback_list.on_train_begin()
        for epoch in range(initial_epoch, int(epochs)):
            callback_list.on_epoch_begin(epoch)
            try:
                logs = self._run_epoch(epoch, steps_per_epoch)
            except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError) as error:
                raise self._worker_lost(epoch, error) from error
            for name, value in logs.items():
                history.setdefault(name, []).append(value)
            if verbose and self.is_chief:
                print(
                    f"Epoch {epoch + 1}/{epochs}: " + ", ".join(f"{key} {value:.4f}" for key, value in logs.items()),
                    flush=True,
                )
            callback_list.on_epoch_end(epoch, logs)
            self.epoch.assign(epoch + 1)
            self._save(manager)
        callback_list.on_train_end()
        return RunState(initial_epoch=initial_epoch, epochs=int(epochs), history=history)

    def _run_epoch(self, epoch: int, steps_per_epoch: int | None) -> dict[str, float]:
        self._reset_trackers()
        steps = 0
        for batch in self._distributed_dataset(epoch, steps_per_epoch):
            self._step(batch)
            steps += 1
        if steps == 0:
            raise ValueError(
                f"Epoch {epoch + 1} had no step: the data holds fewer samples than one global batch "
                f"({self.global_batch_size})."
            )
        return {name: float(value) for name, value in self._epoch_logs().items()}

    def _worker_lost(self, epoch: int, error: tf.errors.OpError) -> WorkerLostError:
        # TensorFlow's message starts with the op's internal name: keep the cause
        # (and the line it announces, e.g. which tasks stopped sending heartbeats).
        lines = [line.strip() for line in error.message.strip().splitlines() if line.strip()]
        cause = re.sub(r"^\{\{[^}]*\}\}\s*", "", lines[0])
        if cause.endswith(":") and len(lines) > 1:
            cause = f"{cause} {lines[1]}"
        return WorkerLostError(
            f"Lost a worker during epoch {epoch + 1} ({cause[:300]}). Restart every worker with the same "
            f"command: training resumes at epoch {epoch + 1} from the last checkpoint in {self.checkpoint_dir}."
        )

    def _distributed_dataset(self, epoch: int, steps_per_epoch: int | None):
        def dataset_fn(context: tf.distribute.InputContext) -> tf.data.Dataset:
            dataset = slice_for_pipeline(self.make_dataset(epoch), self.global_batch_size, context)
            if steps_per_epoch is not None:
                local_replicas = context.num_replicas_in_sync // context.num_input_pipelines
                dataset = dataset.take(steps_per_epoch * local_replicas)
            return dataset

        return self.strategy.distribute_datasets_from_function(dataset_fn)

    # === The trained model ===
    def save_model(self, path: str | os.PathLike) -> pathlib.Path | None:
        """Save the model as `.keras`: the chief to `path` (temp file + rename), the
        others to a temp dir they delete (the save reads the mirrored variables on
        every worker). Returns the path on the chief."""
        if self.is_chief:
            with atomic_path(path) as temporary:
                self.model.save(temporary)
            return pathlib.Path(path)
        scratch = self.checkpoint_dir / f"workertemp_{self.task_id}"
        scratch.mkdir(parents=True, exist_ok=True)
        try:
            self.model.save(scratch / pathlib.Path(path).name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return None


def _network_roles(model: GAN) -> tuple[str, ...]:
    """The model's named networks (families with encoders declare more)."""
    roles = getattr(model, "network_roles", None)
    if roles:
        return tuple(roles)
    return ("generator", "discriminator")
