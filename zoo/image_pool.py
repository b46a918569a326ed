"""`ImagePool`: a history of generated images for the discriminator (Shrivastava et al. 2017).

CycleGAN (Zhu et al. 2017, section 4) updates its discriminators on a buffer of the
50 latest fakes rather than only the newest, which keeps the discriminators from
forgetting what the generators produced a moment ago and damps oscillation.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class ImagePool(keras.layers.Layer):
    """A pool of `pool_size` earlier fakes, queried once per discriminator step.

    For each image of a batch: while the pool is filling, the image is stored and
    returned as is; once it is full, with probability `swap_probability` (0.5) a
    random stored image is returned and the new one takes its slot, otherwise the
    new image is returned and the pool is left alone — the authors' `ImagePool.query`.
    Every image of one batch is decided against the pool as it was before the
    batch, so one batch is a handful of tensor ops: it runs inside a compiled
    `tf.function` train step (with XLA), its state lives in non-trainable
    variables (saved with the model), and its choices come from a seeded
    `keras.random.SeedGenerator`.

    Under a distribution strategy there is one pool, holding the first replica's
    fakes (each replica still gets past or new fakes of the same shape, by the
    same random choices); a pool per replica would need per-replica variables
    that Keras cannot save.

    Build it with the image shape (`pool.build((None, height, width, channels))`)
    before the first traced train step, so that its variables are not created
    inside the trace. `pool_size=0` turns it off (the images pass through).
    """

    def __init__(self, pool_size: int = 50, swap_probability: float = 0.5, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if int(pool_size) != pool_size or pool_size < 0:
            raise ValueError(f"pool_size must be a non-negative integer, got {pool_size}.")
        if not 0.0 <= swap_probability <= 1.0:
            raise ValueError(f"swap_probability must be in [0, 1], got {swap_probability}.")
        self.pool_size = int(pool_size)
        self.swap_probability = float(swap_probability)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="pool_seed")

    def build(self, input_shape):
        # "only_first_replica": replicas may not write one variable each; the
        # first replica's writes are kept (see the class docstring).
        self.images = self.add_weight(
            shape=(self.pool_size, *input_shape[1:]),
            initializer="zeros",
            trainable=False,
            name="images",
            aggregation="only_first_replica",
        )
        self.count = self.add_weight(
            shape=(),
            dtype="int32",
            initializer="zeros",
            trainable=False,
            name="count",
            aggregation="only_first_replica",
        )

    def call(self, images):
        if self.pool_size == 0:
            return images
        fakes = ops.stop_gradient(ops.cast(images, self.images.dtype))
        batch = ops.shape(fakes)[0]
        positions = self.count + ops.arange(batch, dtype="int32")
        filling = positions < self.pool_size
        draws = keras.random.uniform((batch,), seed=self.seed_generator)
        swap = ops.logical_and(draws < self.swap_probability, ops.logical_not(filling))
        picks = keras.random.randint((batch,), 0, self.pool_size, seed=self.seed_generator, dtype="int32")
        past = ops.take(self.images, picks, axis=0)
        broadcast = ops.reshape(swap, (-1,) + (1,) * (len(fakes.shape) - 1))
        returned = ops.where(broadcast, past, fakes)

        # Each image is written to its fill position, or to the slot it swapped
        # with; the rest go to a scratch row past the end, dropped afterwards, so
        # that the update is a single scatter with a static shape.
        targets = ops.where(filling, positions, ops.where(swap, picks, self.pool_size))
        scratch = ops.zeros((1, *self.images.shape[1:]), self.images.dtype)
        updated = ops.scatter_update(ops.concatenate([self.images, scratch], axis=0), targets[:, None], fakes)
        self.images.assign(updated[: self.pool_size])
        self.count.assign(ops.minimum(self.count + ops.cast(batch, "int32"), self.pool_size))
        return ops.cast(returned, images.dtype)

    def save_own_variables(self, store) -> None:
        super().save_own_variables(store)
        # Keras leaves a layer's SeedGenerator out of its saved weights; without its
        # state a resumed run would replay the pool's first choices.
        store["seed_state"] = ops.convert_to_numpy(self.seed_generator.state.value)

    def load_own_variables(self, store) -> None:
        keys = list(store.keys())
        if "seed_state" in keys:
            self.seed_generator.state.assign(store["seed_state"][...])
        super().load_own_variables({key: store[key] for key in keys if key != "seed_state"})

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "swap_probability": self.swap_probability,
            "seed": self.seed,
        }
