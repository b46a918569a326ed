"""`GAN`: the base model every family subclasses.

It owns what the families share — the networks, the latent prior, the optimizer
steps, loss scaling for distribution and mixed precision, the trackers, config and
save/load — so that a family module only says what is different about it: its
networks (if not the shared MLP / DCGAN ones), its losses, and hooks such as
weight clipping after a critic step.

The training loop follows the Keras guide "Customizing what happens in fit()":
`d_steps` discriminator updates, then one generator update, per batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from zoo import losses, networks

ARCHITECTURES = ("mlp", "dcgan")
LATENT_PRIORS = ("normal", "uniform")

#: Heusel et al. 2017 (TTUR): the discriminator learns faster than the generator.
TTUR_LEARNING_RATES = (1e-4, 4e-4)


def scale_loss_for_replicas(loss):
    """Divide by the number of replicas: their gradients are summed, so N replicas
    on a global batch then take the same step as one device on that batch."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss


class GAN(keras.Model):
    """The base generative adversarial network (Goodfellow et al. 2014).

    Args:
        data_shape: shape of one sample: `(height, width, channels)` for images,
            `(features,)` for vectors.
        latent_dim: size of the noise vector z.
        architecture: `"mlp"`, `"dcgan"` or `"auto"` (the family's default for
            images, an MLP for vectors).
        width: hidden units of the MLPs, or the filters of the DCGAN layer next to
            the image. `None` picks 256 (MLP) or 64 (DCGAN).
        hidden_layers: hidden layers of the MLPs.
        d_steps: discriminator (critic) updates per generator update.
        latent_prior: `"normal"` (N(0, I)) or `"uniform"` (U[-1, 1]).
        d_normalization: `"batch"`, `"layer"` or `None` between discriminator
            layers; `"auto"` takes the family's choice.
        output_activation: last activation of the generator; `"auto"` is tanh for
            images (data in [-1, 1]) and linear for vectors.
        generator, discriminator: networks to use instead of the built ones.
        latent_sampler: callable `batch_size -> z`, replacing the prior when
            training (e.g. to inject noise in a test). Not saved with the model.
    """

    family = "base"
    #: The family's choices, overridden by subclasses.
    default_architecture = "dcgan"
    default_d_steps = 1
    #: A normalization, or one per architecture (`{"mlp": None, "dcgan": "batch"}`).
    default_d_normalization: str | None | dict[str, str | None] = "batch"
    spectral_norm = False
    #: What the family can generate: "images" (rank-3 data), "vectors" (rank 1).
    data_kinds: tuple[str, ...] = ("images", "vectors")
    #: Paper defaults of `compile()`: (optimizer class, learning rate, other arguments).
    default_optimizer: tuple[str, float, dict[str, Any]] = ("adam", 2e-4, {"beta_1": 0.5})
    #: Values averaged per epoch and shown by `fit`; `d_loss` and `g_loss` are the
    #: quantities the two optimizers minimize.
    loss_names: tuple[str, ...] = ("d_loss", "g_loss")

    def __init__(
        self,
        data_shape: tuple[int, ...] = (32, 32, 1),
        latent_dim: int = 100,
        architecture: str = "auto",
        width: int | None = None,
        hidden_layers: int = 2,
        d_steps: int | None = None,
        latent_prior: str = "normal",
        d_normalization: str | None = "auto",
        output_activation: str | None = "auto",
        generator: keras.Model | None = None,
        discriminator: keras.Model | None = None,
        latent_sampler: Callable[[Any], Any] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # === Hyperparameters ===
        self.data_shape = tuple(int(size) for size in data_shape)
        if not self.data_shape or any(size < 1 for size in self.data_shape):
            raise ValueError(f"data_shape must be a non-empty shape of positive sizes, got {data_shape}.")
        if int(latent_dim) < 1:
            raise ValueError(f"latent_dim must be a positive integer, got {latent_dim}.")
        self.latent_dim = int(latent_dim)
        if architecture == "auto":
            architecture = self.default_architecture if len(self.data_shape) == 3 else "mlp"
        if architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES} or 'auto', got {architecture!r}.")
        self.architecture = architecture
        self.width = int(width) if width is not None else (64 if architecture == "dcgan" else 256)
        self.hidden_layers = int(hidden_layers)
        self.d_steps = int(d_steps) if d_steps is not None else self.default_d_steps
        if self.d_steps < 1:
            raise ValueError(f"d_steps must be at least 1, got {d_steps}.")
        if latent_prior not in LATENT_PRIORS:
            raise ValueError(f"latent_prior must be one of {LATENT_PRIORS}, got {latent_prior!r}.")
        self.latent_prior = latent_prior
        if d_normalization == "auto":
            d_normalization = self.default_d_normalization
            if isinstance(d_normalization, dict):
                d_normalization = d_normalization[architecture]
        self.d_normalization = d_normalization
        if output_activation == "auto":
            output_activation = "tanh" if len(self.data_shape) == 3 else None
        self.output_activation = output_activation
        self.latent_sampler = latent_sampler

        # === Networks ===
        self._custom_networks = {"generator": generator is not None, "discriminator": discriminator is not None}
        self.generator = generator if generator is not None else self.build_generator()
        self.discriminator = discriminator if discriminator is not None else self.build_discriminator()
        # Seeded from the global seed (`keras.utils.set_random_seed`), so runs with
        # different seeds draw different noise and runs with one seed repeat.
        self.seed_generator = keras.random.SeedGenerator(name="latent_seed")

        # === Trackers ===
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.loss_names}
        self.g_optimizer = None
        self.d_optimizer = None
        self.built = True

    # === Networks (families override these to change them) ===
    def generator_extra_inputs(self) -> dict[str, int]:
        """Inputs besides z that the generator takes, by name and width (labels, codes)."""
        return {}

    def build_generator(self) -> keras.Model:
        if self.architecture == "mlp":
            return networks.mlp_generator(
                self.latent_dim,
                self.data_shape,
                self.width,
                self.hidden_layers,
                self.output_activation,
                extra_inputs=self.generator_extra_inputs(),
            )
        return networks.dcgan_generator(
            self.latent_dim, self.data_shape, self.width, extra_inputs=self.generator_extra_inputs()
        )

    def build_discriminator(self) -> keras.Model:
        if self.architecture == "mlp":
            return networks.mlp_discriminator(
                self.data_shape, self.width, self.hidden_layers, self.d_normalization, self.spectral_norm
            )
        return networks.dcgan_discriminator(self.data_shape, self.width, self.d_normalization, self.spectral_norm)

    @property
    def generator_variables(self) -> list:
        """What the generator optimizer updates (families with encoders add theirs)."""
        return self.generator.trainable_variables

    @property
    def discriminator_variables(self) -> list:
        return self.discriminator.trainable_variables

    # === The game (families override these) ===
    def discriminator_loss(self, real, condition=None):
        """The loss the discriminator minimizes on one batch: the 2014 game by default.

        Returns the loss, or `(loss, {name: value})` to log more values.
        """
        real_scores, fake_scores, _ = self.score_real_and_fake(real, condition)
        return losses.discriminator_loss(real_scores, fake_scores)

    def generator_loss(self, real, condition=None):
        """The loss the generator minimizes on one batch: non-saturating by default."""
        return losses.non_saturating_generator_loss(self.score_fakes(real, condition))

    def score_real_and_fake(self, real, condition=None):
        """`(D(real), D(fake), fake)` for one discriminator step, with as many fresh
        fakes as `real` holds. Real and fake go through D in two calls, as in DCGAN,
        so that batch norm never mixes them."""
        fake = self.generate_batch(real, condition, training=True)
        return self.discriminator(real, training=True), self.discriminator(fake, training=True), fake

    def score_fakes(self, real, condition=None):
        """D's scores on as many fresh fakes as `real` holds, for a generator step."""
        return self.discriminator(self.generate_batch(real, condition, training=True), training=True)

    def after_discriminator_step(self) -> None:
        """Called after every discriminator update (WGAN clips its weights here)."""

    # === Noise ===
    def sample_latent(self, batch_size):
        """z for one training batch, from the prior or the injected `latent_sampler`."""
        if self.latent_sampler is not None:
            return self.latent_sampler(batch_size)
        shape = (batch_size, self.latent_dim)
        if self.latent_prior == "uniform":
            return keras.random.uniform(shape, -1.0, 1.0, seed=self.seed_generator)
        return keras.random.normal(shape, seed=self.seed_generator)

    def generate_batch(self, real, condition=None, training=True):
        """Fakes as many as `real` holds, from fresh noise (and `condition`, if any)."""
        z = self.sample_latent(ops.shape(real)[0])
        return self.generator(self.generator_inputs(z, condition), training=training)

    def generator_inputs(self, z, condition=None):
        """What the generator network is called on; conditional families add labels."""
        return z

    # === Training ===
    def compile(
        self,
        g_optimizer: keras.optimizers.Optimizer | str | None = None,
        d_optimizer: keras.optimizers.Optimizer | str | None = None,
        *,
        g_learning_rate: float | None = None,
        d_learning_rate: float | None = None,
        ttur: bool = False,
        jit_compile: bool | str = "auto",
        **kwargs,
    ):
        """Set the two optimizers; `None` takes the family's paper default.

        Args:
            g_optimizer, d_optimizer: optimizer instances, names (`"adam"`), or None.
            g_learning_rate, d_learning_rate: learning rates for default or named
                optimizers; different rates give TTUR (Heusel et al. 2017).
            ttur: use the TTUR pair (1e-4 for G, 4e-4 for D) where no rate is given.
            jit_compile: XLA for the train step; `"auto"` turns it on except under a
                distribution strategy (1.5x faster on CPU for DCGAN, see docs/).
            **kwargs: passed to `keras.Model.compile` (e.g. `steps_per_execution`).
        """
        if ttur:
            g_learning_rate = TTUR_LEARNING_RATES[0] if g_learning_rate is None else g_learning_rate
            d_learning_rate = TTUR_LEARNING_RATES[1] if d_learning_rate is None else d_learning_rate
        if g_optimizer is not None and g_optimizer is d_optimizer:
            raise ValueError("g_optimizer and d_optimizer must be two instances: each keeps its own state.")
        self.g_optimizer = self._make_optimizer(g_optimizer, g_learning_rate, "g")
        self.d_optimizer = self._make_optimizer(d_optimizer, d_learning_rate, "d")
        if self.dtype_policy.name == "mixed_float16":
            wrap = keras.optimizers.LossScaleOptimizer
            self.g_optimizer = wrap(self.g_optimizer, name="g_loss_scale_optimizer")
            self.d_optimizer = wrap(self.d_optimizer, name="d_loss_scale_optimizer")
        self._jit_compile_setting = jit_compile
        if jit_compile == "auto":
            jit_compile = self._distribute_strategy is None and all(
                layer.supports_jit for layer in self._flatten_layers()
            )
        # `fit` reads `model.optimizer` (iterations for TensorBoard, schedules):
        # the generator's optimizer counts one iteration per training step.
        super().compile(optimizer=self.g_optimizer, jit_compile=jit_compile, auto_scale_loss=False, **kwargs)
        self._compile_kwargs = kwargs
        # Built here, inside any strategy scope, so that slot variables are
        # created mirrored; building lazily inside a replica fails.
        self.g_optimizer.build(self.generator_variables)
        self.d_optimizer.build(self.discriminator_variables)

    def _make_optimizer(self, optimizer, learning_rate: float | None, role: str):
        if isinstance(optimizer, keras.optimizers.Optimizer):
            if learning_rate is not None:
                raise ValueError(
                    f"Pass the learning rate inside the {role}_optimizer instance or as "
                    f"{role}_learning_rate, not both."
                )
            return optimizer
        if optimizer is None:
            class_name, default_rate, extra = self.default_optimizer
        elif isinstance(optimizer, str):
            class_name, default_rate, extra = optimizer, None, {}
        else:
            raise TypeError(f"{role}_optimizer must be a keras optimizer, a name or None, got {type(optimizer)}.")
        config = dict(extra, name=f"{role}_optimizer")
        rate = learning_rate if learning_rate is not None else default_rate
        if rate is not None:
            if rate <= 0:
                raise ValueError(f"{role}_learning_rate must be positive, got {rate}.")
            config["learning_rate"] = rate
        return keras.optimizers.get({"class_name": class_name, "config": config})

    @property
    def metrics(self) -> list:
        # Listed here so that `fit` resets them at the start of every epoch.
        return list(self.trackers.values())

    def unpack_batch(self, data):
        """A batch is `samples` or `(samples, condition)` (labels, paired images)."""
        if isinstance(data, (tuple, list)):
            return data[0], (data[1] if len(data) > 1 else None)
        return data, None

    def optimizer_step(self, optimizer, variables, loss_fn, role: str, real, condition) -> dict:
        """One gradient step on `loss_fn(real, condition)`; returns the logged values."""
        with tf.GradientTape() as tape:
            result = loss_fn(real, condition)
            loss, logs = result if isinstance(result, tuple) else (result, {})
            scaled = optimizer.scale_loss(scale_loss_for_replicas(loss))
        gradients = tape.gradient(scaled, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return {f"{role}_loss": loss, **logs}

    def train_step(self, data):
        real, condition = self.unpack_batch(data)
        logs = {}
        for _ in range(self.d_steps):
            logs.update(
                self.optimizer_step(
                    self.d_optimizer, self.discriminator_variables, self.discriminator_loss, "d", real, condition
                )
            )
            self.after_discriminator_step()
        logs.update(
            self.optimizer_step(self.g_optimizer, self.generator_variables, self.generator_loss, "g", real, condition)
        )
        for name, value in logs.items():
            self.trackers[name].update_state(ops.cast(value, "float32"))
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    # === Inference ===
    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def generate(self, z, **conditions) -> np.ndarray:
        """Samples for the given noise (and `label=` / `code=` where the family
        takes them), in inference mode: the same z always gives the same sample."""
        z = ops.convert_to_tensor(z, dtype="float32")
        if len(z.shape) != 2 or z.shape[-1] != self.latent_dim:
            raise ValueError(f"z must have shape (batch, {self.latent_dim}), got {tuple(z.shape)}.")
        outputs = self.generator(self.generator_inputs(z, conditions or None), training=False)
        return ops.convert_to_numpy(outputs)

    def sample_noise(self, n: int, seed: int | None = 0) -> np.ndarray:
        """n latent vectors from the prior; the same seed gives the same vectors."""
        if int(n) != n or n < 1:
            raise ValueError(f"n must be a positive integer, got {n}.")
        rng = np.random.default_rng(seed)
        if self.latent_prior == "uniform":
            return rng.uniform(-1.0, 1.0, (int(n), self.latent_dim)).astype("float32")
        return rng.standard_normal((int(n), self.latent_dim)).astype("float32")

    def sample(self, n: int, seed: int | None = 0, **conditions) -> np.ndarray:
        """n samples from noise drawn with `seed`."""
        return self.generate(self.sample_noise(n, seed), **conditions)

    # === Config ===
    def get_config(self) -> dict:
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.saving.serialize_keras_object(self.dtype_policy),
            "data_shape": list(self.data_shape),
            "latent_dim": self.latent_dim,
            "architecture": self.architecture,
            "width": self.width,
            "hidden_layers": self.hidden_layers,
            "d_steps": self.d_steps,
            "latent_prior": self.latent_prior,
            "d_normalization": self.d_normalization,
            "output_activation": self.output_activation,
        }
        for key, custom in self._custom_networks.items():
            if custom:
                config[key] = keras.saving.serialize_keras_object(getattr(self, key))
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        for key in ("generator", "discriminator"):
            if key in config:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    def save_own_variables(self, store) -> None:
        super().save_own_variables(store)
        # Keras does not save a SeedGenerator held by a model; without its state a
        # reloaded model would replay the noise of its first steps.
        store["latent_seed_state"] = ops.convert_to_numpy(self.seed_generator.state.value)

    def load_own_variables(self, store) -> None:
        keys = list(store.keys())
        if "latent_seed_state" in keys:
            self.seed_generator.state.assign(store["latent_seed_state"][...])
        super().load_own_variables({key: store[key] for key in keys if key != "latent_seed_state"})

    def get_compile_config(self) -> dict:
        if self.g_optimizer is None:
            return {}
        return {
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "jit_compile": self._jit_compile_setting,
            **self._compile_kwargs,
        }

    def compile_from_config(self, config: dict) -> None:
        config = dict(config)
        for key in ("g_optimizer", "d_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)
