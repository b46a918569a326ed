"""`GAN`: the base model every family subclasses.

It owns what the families share — the named networks and which optimizer trains
each, the generator's declared inputs (`zoo.spec.InputSpec`) and their sampling, the
optimizer steps, loss scaling for distribution and mixed precision, the trackers,
config and save/load, and what gets exported — so that a family module only says
what is different about it: its networks (if not the shared MLP / DCGAN ones), its
generator inputs, its losses, and hooks such as weight clipping after a critic step.

The training loop follows the Keras guide "Customizing what happens in fit()":
`d_steps` discriminator updates, then one generator update, per batch.
"""

from __future__ import annotations

import math
import numbers
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from zoo import layers, losses, networks, spec, stabilizers
from zoo.io import check_memory

ARCHITECTURES = ("mlp", "dcgan")
LATENT_PRIORS = spec.PRIORS

#: Heusel et al. 2017 (TTUR): the discriminator learns faster than the generator.
TTUR_LEARNING_RATES = (1e-4, 4e-4)


def xla_by_default() -> bool:
    """Whether `compile(jit_compile="auto")` may use XLA: yes unless the environment
    variable `KERAS_GAN_ZOO_JIT` is `0`, `false` or `off`."""
    return os.environ.get("KERAS_GAN_ZOO_JIT", "1").strip().lower() not in ("0", "false", "off")


#: The training-health readout logged per epoch (`GAN.discriminator_accuracy`).
HEALTH_NAMES = ("d_real_accuracy", "d_fake_accuracy")


def scale_loss_for_replicas(loss):
    """Divide by the number of replicas: their gradients are summed, so N replicas
    on a global batch then take the same step as one device on that batch."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss


class Fakes(NamedTuple):
    """Generated samples together with the inputs they were generated from, so a
    loss can use both (InfoGAN's codes, BiGAN's (G(z), z) pairs)."""

    samples: Any
    inputs: dict[str, Any]


def _whole(value: Any, what: str, minimum: int = 1) -> int:
    """`value` as an int, or a ValueError unless it is a whole number >= minimum."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value != int(value) or value < minimum:
        raise ValueError(f"{what} must be an integer of at least {minimum}, got {value!r}.")
    return int(value)


class GAN(keras.Model):
    """The base generative adversarial network (Goodfellow et al. 2014).

    Args:
        data_shape: shape of one sample: `(height, width, channels)` for images,
            `(length, channels)` for audio, `(features,)` for vectors.
        latent_dim: size of the noise vector z.
        architecture: `"mlp"`, `"dcgan"` or `"auto"` (the family's default for
            images, an MLP otherwise).
        width: hidden units of the MLPs, or the filters of the DCGAN layer next to
            the image. `None` picks 256 (MLP) or 64 (DCGAN).
        hidden_layers: hidden layers of the MLPs.
        d_steps: discriminator (critic) updates per generator update.
        latent_prior: `"normal"` (N(0, I)) or `"uniform"` (U[-1, 1]).
        d_normalization: `"batch"`, `"layer"` or `None` between discriminator
            layers; `"auto"` takes the family's choice.
        output_activation: last activation of the generator; `"auto"` is tanh for
            images and audio (data in [-1, 1]) and linear for vectors.
        dataset: the name of the training data, recorded in the config and in
            exported metadata (so `eval` knows what to compare against).
        generator_inputs: the generator's inputs as `InputSpec.get_config()`; only
            to check a saved config against the family's (they must agree).
        generator, discriminator (and any other name in `network_roles`): networks
            to use instead of the built ones; saved with the model.
        latent_sampler: callable `batch_size -> z`, replacing the prior when
            training (e.g. to inject noise in a test). Not saved with the model.

    Stabilizers, composable and off by default (`zoo.stabilizers`):
        content_size: a DCGAN generator that draws `content_size`-pixel images and
            resizes them bilinearly to `data_shape` (data made by upscaling, such
            as the digits).
        content_layers: more 3x3 convolutions at the content's resolution in that
            generator (depth where it costs little; the demo uses 1).
        ema: decay of an exponential moving average of the generator's weights
            (Yazici et al. 2019; Karras et al. 2018), e.g. 0.999. The average
            (`ema_generator`) is what sampling, export and evaluation use; it is
            saved with the model and resumed.
        pack: PacGAN (Lin et al. 2018): D judges packs of `pack` samples
            concatenated along the last axis. The batch size must be a multiple.
        augment: DiffAugment (Zhao et al. 2020) of real and fake images before D,
            a comma-separated subset of "color,translation,cutout".
        r1_gamma: weight gamma of the R1 penalty gamma / 2 * E||grad D(real)||^2
            added to D's loss (Mescheder et al. 2018).
        minibatch_std: a minibatch standard deviation feature in D (Karras et al. 2018).
        mode_seeking: weight λ of the mode-seeking term (Mao et al. 2019, MSGAN)
            added to G's loss: λ / (r + 1e-5), where r = mean|f(G(z1)) - f(G(z2))| /
            mean|z1 - z2| over the two halves of G's batch and f is
            `mode_seeking_features` (the samples themselves; WaveGAN: the clip's
            spectral shape). It penalizes a generator whose samples ignore z. The
            ratio r is logged as `mode_seeking_ratio`.
        mode_seeking_warmup: ramp the mode-seeking weight linearly from 0 to λ
            over this many generator updates (0: the full λ from the first step),
            so that G first learns to make data-like samples and only then is
            pushed apart; the weight in use is logged as `mode_seeking_weight`.
        d_resolution: the largest side of the images the DCGAN discriminator
            judges: larger real and fake images are area-downscaled (average
            pooling) to it first; smaller ones are judged as they are. For data
            made by upscaling (`content_size`) little is lost, and D's
            convolutions, most of a training step, cost a fraction (the demo:
            16 for 32x32 digits, 3.5x the steps per second).

    Speed:
        fused_scoring: score real and fake in one D call on the concatenated batch
            instead of two. `None` (default) turns it on exactly where it is the
            same math (`scores_samples_alone`: no batch norm, minibatch-std,
            spectral norm or random layer in D, no augment or pack): WGAN-GP's
            LayerNorm critic, MLP critics without normalization. `True` forces it
            (batch norm would then mix real and fake statistics).
        reuse_fakes: one generator pass per step instead of two, as PyTorch's DCGAN
            example does: the discriminator learns on a batch of fakes held
            constant, then the generator's step re-scores the same fakes with the
            updated discriminator and back-propagates through the pass that made
            them. Not the same math as two passes (both updates see the same z, and
            G's batch-norm statistics move once a step): `None` (default) takes the
            family's choice, on for DCGAN, whose digits quality with it is measured
            (docs/train_throughput.md). Needs `d_steps` = 1 and a noise input.
    """

    family = "base"
    #: The family's choices, overridden by subclasses.
    default_architecture = "dcgan"
    default_d_steps = 1
    #: Whether `reuse_fakes=None` turns the one-pass step on (where d_steps is 1).
    default_reuse_fakes = False
    #: A normalization, or one per architecture (`{"mlp": None, "dcgan": "batch"}`).
    default_d_normalization: str | None | dict[str, str | None] = "batch"
    spectral_norm = False
    #: The network architectures the family can build (`build_generator` /
    #: `build_discriminator`); a family with its own networks declares them here.
    architectures: tuple[str, ...] = ARCHITECTURES
    #: What the family can generate (`zoo.spec.DATA_KINDS`).
    data_kinds: tuple[str, ...] = ("images", "vectors")
    #: Paper defaults of `compile()`: (optimizer class, learning rate, other arguments).
    default_optimizer: tuple[str, float, dict[str, Any]] = ("adam", 2e-4, {"beta_1": 0.5})
    #: Whether `compile()` uses the TTUR learning rates unless told otherwise.
    default_ttur = False
    #: Values averaged per epoch and shown by `fit`; `d_loss` and `g_loss` are the
    #: quantities the two optimizers minimize.
    loss_names: tuple[str, ...] = ("d_loss", "g_loss")
    #: The model's named networks and the optimizer that trains each: "g" (the
    #: generator's), "d" (the discriminator's) or None (not trained by gradients).
    #: Each is built by `build_<name>()` unless given to the constructor; config,
    #: save/load and the optimizers' variable lists iterate over this declaration.
    network_roles: ClassVar[dict[str, str | None]] = {"generator": "g", "discriminator": "d"}
    #: D's score above which a sample is called real, for the accuracy readout
    #: (`discriminator_accuracy`); None for critics whose scores have no threshold.
    decision_threshold: float | None = 0.0
    #: The generator input that the second element of a `(samples, condition)`
    #: batch feeds (conditional families: "label"); None for unconditional ones.
    condition_input: str | None = None
    #: What one training batch is, for `fit` and for code that makes data for any
    #: family (the registry-parametrized tests): "samples" (plus the condition of
    #: `condition_input` as a second element), or "two_domains" (unpaired
    #: `(x_a, x_b)` batches from `zoo.data.load_domains`; shapes in `domain_shapes`).
    batch_kind: ClassVar[str] = "samples"
    #: Whether the generator draws noise (`latent_dim`); a translator draws none.
    takes_noise: ClassVar[bool] = True
    #: Why `pack` / `augment` cannot work with the family's discriminator, or None
    #: where they do; the base refuses the option with this reason.
    pack_refusal: ClassVar[str | None] = None
    augment_refusal: ClassVar[str | None] = None

    def __init__(
        self,
        data_shape: tuple[int, ...] = (32, 32, 1),
        latent_dim: int | None = 100,
        architecture: str = "auto",
        width: int | None = None,
        hidden_layers: int = 2,
        d_steps: int | None = None,
        latent_prior: str = "normal",
        d_normalization: str | None = "auto",
        output_activation: str | None = "auto",
        dataset: str | None = None,
        generator_inputs: list[dict[str, Any]] | None = None,
        latent_sampler: Callable[[Any], Any] | None = None,
        content_size: int | None = None,
        content_layers: int = 0,
        ema: float | None = None,
        pack: int = 1,
        augment: str | None = None,
        r1_gamma: float | None = None,
        mode_seeking: float | None = None,
        mode_seeking_warmup: int = 0,
        minibatch_std: bool = False,
        d_resolution: int | None = None,
        fused_scoring: bool | None = None,
        reuse_fakes: bool | None = None,
        **kwargs,
    ):
        if ema is not None and not (isinstance(ema, numbers.Real) and 0.0 < ema < 1.0):
            raise ValueError(f"ema must be a decay in (0, 1) such as 0.999, or None, got {ema!r}.")
        # The moving average is one more named network, trained by no optimizer, so
        # that config, save/load and export treat it like the others.
        roles = dict(self.network_roles, **({"ema_generator": None} if ema is not None else {}))
        given_networks = {name: kwargs.pop(name) for name in list(kwargs) if name in roles}
        super().__init__(**kwargs)
        self.network_roles = roles
        self.ema = None if ema is None else float(ema)
        self.pack = _whole(pack, "pack")
        self.augment = ",".join(stabilizers.check_augment(augment)) or None
        if r1_gamma is not None and not (isinstance(r1_gamma, numbers.Real) and r1_gamma >= 0):
            raise ValueError(f"r1_gamma must be a non-negative number or None, got {r1_gamma!r}.")
        self.r1_gamma = None if r1_gamma is None else float(r1_gamma)
        if mode_seeking is not None and not (isinstance(mode_seeking, numbers.Real) and mode_seeking >= 0):
            raise ValueError(f"mode_seeking must be a non-negative number or None, got {mode_seeking!r}.")
        self.mode_seeking = None if mode_seeking is None else float(mode_seeking)
        self.mode_seeking_warmup = _whole(mode_seeking_warmup, "mode_seeking_warmup", minimum=0)
        if self.mode_seeking_warmup and not self.mode_seeking:
            raise ValueError("mode_seeking_warmup ramps the mode_seeking weight up; set mode_seeking (λ > 0) too.")
        self.minibatch_std = bool(minibatch_std)
        self.d_resolution = None if d_resolution is None else _whole(d_resolution, "d_resolution", minimum=8)
        self.content_size = None if content_size is None else _whole(content_size, "content_size", minimum=8)
        self.content_layers = _whole(content_layers, "content_layers", minimum=0)
        if self.content_layers and self.content_size is None:
            raise ValueError("content_layers needs content_size: they are the generator's layers at that size.")
        # === Hyperparameters ===
        try:
            self.data_shape = tuple(_whole(size, "every size of data_shape") for size in data_shape)
        except TypeError:
            raise ValueError(f"data_shape must be a shape such as (32, 32, 1), got {data_shape!r}.") from None
        self.data_kind = spec.data_kind(self.data_shape)
        if self.data_kind not in self.data_kinds:
            raise ValueError(
                f"The {self.family!r} family generates {' or '.join(self.data_kinds)}, not {self.data_kind} "
                f"(data_shape {self.data_shape})."
            )
        self.latent_dim = None if latent_dim is None else _whole(latent_dim, "latent_dim")
        # The layer next to the data holds about width x sample-size values (MLP
        # weights, DCGAN activations): refuse a shape no machine here can build.
        width_guess = _whole(width, "width") if width is not None else 64
        check_memory(4.0 * math.prod(self.data_shape) * width_guess, f"A network for data shaped {self.data_shape}")
        if architecture == "auto":
            architecture = self.default_architecture if self.data_kind == "images" else "mlp"
        if architecture not in self.architectures:
            raise ValueError(f"architecture must be one of {self.architectures} or 'auto', got {architecture!r}.")
        self.architecture = architecture
        self.width = _whole(width, "width") if width is not None else (256 if architecture == "mlp" else 64)
        self.hidden_layers = _whole(hidden_layers, "hidden_layers", minimum=0)
        self.d_steps = _whole(d_steps, "d_steps") if d_steps is not None else self.default_d_steps
        if latent_prior not in LATENT_PRIORS:
            raise ValueError(f"latent_prior must be one of {LATENT_PRIORS}, got {latent_prior!r}.")
        self.latent_prior = latent_prior
        if d_normalization == "auto":
            d_normalization = self.default_d_normalization
            if isinstance(d_normalization, dict):
                d_normalization = d_normalization[architecture]
        self.d_normalization = d_normalization
        if output_activation == "auto":
            output_activation = None if self.data_kind == "vectors" else "tanh"
        self.output_activation = output_activation
        self.dataset = dataset
        self.latent_sampler = latent_sampler
        if self.augment and self.data_kind != "images":
            raise ValueError(f"augment (DiffAugment) transforms images; this model generates {self.data_kind}.")
        if self.content_size is not None and architecture != "dcgan":
            raise ValueError("content_size needs the DCGAN generator (architecture='dcgan').")
        if self.d_resolution is not None and architecture != "dcgan":
            raise ValueError("d_resolution needs the DCGAN discriminator (architecture='dcgan').")
        if self.pack > 1 and self.condition_input is not None:
            raise ValueError(f"pack judges unconditional samples; the {self.family!r} family is conditional.")
        if self.pack > 1 and self.pack_refusal:
            raise ValueError(f"pack is not available in the {self.family!r} family: {self.pack_refusal}.")
        if self.augment and self.augment_refusal:
            raise ValueError(f"augment is not available in the {self.family!r} family: {self.augment_refusal}.")

        # === Generator inputs ===
        self.generator_inputs = self.build_generator_inputs()
        if generator_inputs is not None and spec.InputSpec.from_config(generator_inputs) != self.generator_inputs:
            raise ValueError(
                f"generator_inputs {generator_inputs} disagree with what the {self.family!r} family's "
                f"hyperparameters give: {self.generator_inputs.get_config()}."
            )

        # === Networks ===
        unknown = set(given_networks) - set(self.network_roles)
        if unknown:
            raise TypeError(f"Unknown networks {sorted(unknown)}; this family has {list(self.network_roles)}.")
        self._custom_networks = sorted(name for name, network in given_networks.items() if network is not None)
        for name in self.network_roles:
            network = given_networks.get(name)
            setattr(self, name, network if network is not None else getattr(self, f"build_{name}")())
        # Seeded from the global seed (`keras.utils.set_random_seed`), so runs with
        # different seeds draw different noise and runs with one seed repeat.
        if self.d_resolution is not None and not any(
            layer.name == networks.D_DOWNSCALE for layer in self.discriminator._flatten_layers()
        ):
            raise ValueError(
                f"d_resolution applies to the base DCGAN discriminator; the {self.family!r} family builds its own."
            )
        self.seed_generator = keras.random.SeedGenerator(name="latent_seed")
        if fused_scoring is not None and not isinstance(fused_scoring, bool):
            raise ValueError(f"fused_scoring must be True, False or None (decide from D), got {fused_scoring!r}.")
        self._fused_scoring_setting = fused_scoring
        self.fused_scoring = self.scores_samples_alone() if fused_scoring is None else fused_scoring
        if reuse_fakes is not None and not isinstance(reuse_fakes, bool):
            raise ValueError(f"reuse_fakes must be True, False or None (the family's choice), got {reuse_fakes!r}.")
        if reuse_fakes and self.d_steps != 1:
            raise ValueError(
                f"reuse_fakes shares one batch of fakes between one D and one G update; d_steps is {self.d_steps}."
            )
        if reuse_fakes and self.generator_inputs.noise is None:
            raise ValueError(f"reuse_fakes shares fakes drawn from noise; the {self.family!r} family has none.")
        self._reuse_fakes_setting = reuse_fakes
        default_reuse = self.default_reuse_fakes and self.d_steps == 1 and self.generator_inputs.noise is not None
        self.reuse_fakes = default_reuse if reuse_fakes is None else reuse_fakes

        # === Trackers ===
        if self.mode_seeking and self.generator_inputs.noise is None:
            raise ValueError(
                f"mode_seeking compares samples from different noise; the {self.family!r} family has none."
            )
        extra = ("r1_penalty",) if self.r1_gamma else ()
        extra += ("mode_seeking_ratio",) if self.mode_seeking else ()
        extra += ("mode_seeking_weight",) if self.mode_seeking_warmup else ()
        names = (*self.loss_names, *extra, *HEALTH_NAMES)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        # Per thread: a distribution strategy traces each replica's step in its own.
        self._health = threading.local()
        self.g_optimizer = None
        self.d_optimizer = None
        self.built = True

    # === Generator inputs (families override this to add labels, codes, ...) ===
    def build_generator_inputs(self) -> spec.InputSpec:
        """The generator's named inputs: noise `z` of `latent_dim` from the prior."""
        if self.latent_dim is None:
            raise ValueError(f"The {self.family!r} family draws from noise: latent_dim must be a positive integer.")
        return spec.InputSpec([spec.noise(self.latent_dim, self.latent_prior)])

    # === Networks (families override these to change them) ===
    def build_generator(self) -> keras.Model:
        if self.architecture == "mlp":
            return networks.mlp_generator(
                self.generator_inputs, self.data_shape, self.width, self.hidden_layers, self.output_activation
            )
        return networks.dcgan_generator(
            self.generator_inputs,
            self.data_shape,
            self.width,
            self.output_activation,
            self.content_size,
            content_layers=self.content_layers,
        )

    @property
    def discriminator_shape(self) -> tuple[int, ...]:
        """The shape of one input of D: a sample, or with `pack` that many samples
        concatenated along the last axis. Every family's D is built for it."""
        return (*self.data_shape[:-1], self.data_shape[-1] * self.pack)

    def build_discriminator(self) -> keras.Model:
        shape = self.discriminator_shape
        if self.architecture == "mlp":
            return networks.mlp_discriminator(
                shape,
                self.width,
                self.hidden_layers,
                self.d_normalization,
                self.spectral_norm,
                minibatch_std=self.minibatch_std,
            )
        return networks.dcgan_discriminator(
            shape,
            self.width,
            self.d_normalization,
            self.spectral_norm,
            minibatch_std=self.minibatch_std,
            resolution=self.d_resolution,
        )

    def build_ema_generator(self) -> keras.Model:
        """A copy of the generator, starting from its weights, that follows their
        exponential moving average (`ema`)."""
        average = keras.models.clone_model(self.generator)
        average.set_weights(self.generator.get_weights())
        average.name = "ema_generator"
        average.trainable = False
        return average

    @property
    def sampling_generator(self) -> keras.Model:
        """The network that samples, exports and is evaluated: the moving average
        of the generator when `ema` is on, the generator otherwise."""
        return self.ema_generator if self.ema is not None else self.generator

    @property
    def named_networks(self) -> dict[str, keras.Model]:
        return {name: getattr(self, name) for name in self.network_roles}

    def trainable_variables_of(self, role: str) -> list:
        """The variables optimizer `role` ("g" or "d") updates: those of every network
        declared with that role, each once (networks may share layers)."""
        seen, variables = set(), []
        for name, network_role in self.network_roles.items():
            if network_role != role:
                continue
            for variable in getattr(self, name).trainable_variables:
                if id(variable) not in seen:
                    seen.add(id(variable))
                    variables.append(variable)
        return variables

    @property
    def generator_variables(self) -> list:
        return self.trainable_variables_of("g")

    @property
    def discriminator_variables(self) -> list:
        return self.trainable_variables_of("d")

    # === What is exported (families with more networks add theirs) ===
    def exports(self) -> list[spec.Exported]:
        """The networks an export writes, the generator first: each with its input
        spec and output names. Files are named after them (`generator.onnx`, ...)."""
        output = spec.OUTPUT_NAMES[self.data_kind]
        # A translator takes an `image` and returns one: graph names must differ.
        output = "translated" if output in self.generator_inputs else output
        return [spec.Exported("generator", self.sampling_generator, self.generator_inputs, (output,))]

    # === The game (families override these) ===
    def discriminator_loss(self, real, condition=None):
        """The loss the discriminator minimizes on one batch: the 2014 game by default.

        Returns the loss, or `(loss, {name: value})` to log more values.
        """
        real_scores, fake_scores, _ = self.score_real_and_fake(real, condition)
        return losses.discriminator_loss(real_scores, fake_scores)

    def generator_loss(self, real, condition=None):
        """The loss the generator minimizes on one batch: non-saturating by default."""
        fake_scores, _ = self.score_fakes(real, condition)
        return losses.non_saturating_generator_loss(fake_scores)

    def discriminate(self, samples, inputs: Mapping[str, Any], training: bool = True):
        """D's scores for `samples` generated from (or, for real samples, paired
        with) `inputs`; conditional families also show D the condition."""
        return self.discriminator(self.discriminator_view(samples), training=training)

    def discriminator_view(self, samples):
        """What D is shown of a batch of samples, real or fake alike: DiffAugmented
        (`augment`), then packed (`pack`). Every family's scores pass through here,
        so each option holds for all of them, penalties included."""
        if self.augment:
            samples = stabilizers.diff_augment(samples, tuple(self.augment.split(",")), self.seed_generator)
        return stabilizers.pack(samples, self.pack)

    def scores_samples_alone(self) -> bool:
        """Whether D scores every sample on its own, the same in one batch as in
        another: no batch norm or minibatch-std (a sample's score depends on the
        batch), no spectral norm (every training call advances its power
        iteration), no random layer (dropout, phase shuffle), and no augment or
        pack. Then one D call on real + fake is the same math as two calls, and
        `fused_scoring` is on by default."""
        if self.augment or self.pack > 1:
            return False
        coupled = (keras.layers.BatchNormalization, keras.layers.SpectralNormalization, layers.MinibatchStdDev)
        for name, role in self.network_roles.items():
            if role != "d":
                continue
            for layer in getattr(self, name)._flatten_layers():
                if isinstance(layer, coupled) or hasattr(layer, "seed_generator"):
                    return False
        return True

    def score_real_and_fake(self, real, condition=None):
        """`(D(real), D(fake), fakes)` for one discriminator step, with as many fresh
        fakes as `real` holds. Real and fake go through D in two calls, as in DCGAN,
        so that batch norm never mixes them; with `fused_scoring` (the default where
        `scores_samples_alone`) in one call on the concatenated batch, which does the
        same math in fewer, larger operations."""
        fakes = self.generate_fakes(real, condition)
        real_inputs = self.real_inputs(real, condition)
        if self.fused_scoring:
            both = {
                name: ops.concatenate([ops.cast(real_inputs[name], value.dtype), value], axis=0)
                for name, value in fakes.inputs.items()
                if name in real_inputs
            }
            scores = self.discriminate(ops.concatenate([real, ops.cast(fakes.samples, real.dtype)], axis=0), both)
            real_scores, fake_scores = _split_batch(scores, ops.shape(real)[0])
        else:
            real_scores = self.discriminate(real, real_inputs)
            fake_scores = self.discriminate(fakes.samples, fakes.inputs)
        # Kept for the training-health readout of `train_step` (same trace).
        self._health.scores = (real_scores, fake_scores)
        return real_scores, fake_scores, fakes

    def score_fakes(self, real, condition=None):
        """`(D(fake), fakes)` on as many fresh fakes as `real` holds, for a generator step."""
        fakes = self.generate_fakes(real, condition)
        # Kept for the mode-seeking term of `regularized_generator_loss` (same trace).
        self._health.fakes = fakes
        return self.discriminate(fakes.samples, fakes.inputs), fakes

    def after_discriminator_step(self) -> None:
        """Called after every discriminator update (WGAN clips its weights here)."""

    def after_train_step(self, logs: dict[str, Any]) -> dict[str, Any]:
        """Called with the step's logged values after both updates; returns more
        values to log (BEGAN updates its equilibrium term k_t here)."""
        return {}

    # === Sampling while training ===
    def condition_inputs(self, condition) -> dict[str, Any]:
        """The generator inputs a batch's condition fixes (`{"label": labels}`)."""
        return {} if condition is None else {self.condition_input: condition}

    def real_inputs(self, real, condition=None) -> dict[str, Any]:
        """What D sees paired with real samples, in place of the inputs a fake was
        generated from: the batch's condition (BiGAN adds the encoder's E(x))."""
        return self.condition_inputs(condition)

    def sample_generator_inputs(self, batch_size, condition=None) -> dict[str, Any]:
        """One batch of generator inputs as tensors: drawn from the spec with the
        model's seed generator, except what the batch's condition fixes and the
        noise an injected `latent_sampler` gives."""
        given = self.condition_inputs(condition)
        noise = self.generator_inputs.noise
        if self.latent_sampler is not None and noise is not None:
            given[noise.name] = self.latent_sampler(batch_size)
        # Under a distribution strategy every replica holds the same seed state, so
        # each draws the inputs of the whole global batch and keeps its own rows:
        # replicas get different inputs, together those one device draws.
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context is not None else 1
        drawn = self.generator_inputs.sample_tensors(batch_size * replicas, self.seed_generator, given)
        if replicas == 1:
            return drawn
        start = context.replica_id_in_sync_group * batch_size
        return {name: value if name in given else value[start : start + batch_size] for name, value in drawn.items()}

    def run_generator(self, inputs: Mapping[str, Any], training: bool = False):
        """The generator network on named inputs."""
        return networks.call_with_named_inputs(self.generator, inputs, training=training)

    def generate_fakes(self, real, condition=None, training: bool = True) -> Fakes:
        """As many fakes as `real` holds, from freshly sampled inputs (and `condition`);
        under `reuse_fakes`, the step's one batch of fakes."""
        shared = getattr(self._health, "shared_fakes", None)
        if shared is not None:
            return shared
        inputs = self.sample_generator_inputs(ops.shape(real)[0], condition)
        return Fakes(self.run_generator(inputs, training=training), inputs)

    # === Training ===
    def compile(
        self,
        g_optimizer: keras.optimizers.Optimizer | str | None = None,
        d_optimizer: keras.optimizers.Optimizer | str | None = None,
        *,
        g_learning_rate: float | None = None,
        d_learning_rate: float | None = None,
        ttur: bool | None = None,
        jit_compile: bool | str = "auto",
        **kwargs,
    ):
        """Set the two optimizers; `None` takes the family's paper default.

        Args:
            g_optimizer, d_optimizer: optimizer instances, names (`"adam"`), or None.
            g_learning_rate, d_learning_rate: learning rates for default or named
                optimizers; different rates give TTUR (Heusel et al. 2017).
            ttur: use the TTUR pair (1e-4 for G, 4e-4 for D) where no rate and no
                optimizer instance is given; `None` takes the family's default.
            jit_compile: XLA for the train step; `"auto"` turns it on except under a
                distribution strategy (1.5x faster on CPU for DCGAN, see docs/), or
                when the environment sets `KERAS_GAN_ZOO_JIT=0`: XLA's compile time
                (seconds per model) outweighs its speed-up on runs of a few steps
                (the test suite sets it), and its errors are harder to read.
            **kwargs: passed to `keras.Model.compile` (e.g. `steps_per_execution`).
        """
        if self.default_ttur if ttur is None else ttur:
            # An optimizer instance carries its own rate (a reloaded model's does).
            if g_learning_rate is None and not isinstance(g_optimizer, keras.optimizers.Optimizer):
                g_learning_rate = TTUR_LEARNING_RATES[0]
            if d_learning_rate is None and not isinstance(d_optimizer, keras.optimizers.Optimizer):
                d_learning_rate = TTUR_LEARNING_RATES[1]
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
            jit_compile = (
                xla_by_default()
                and self._distribute_strategy is None
                and all(layer.supports_jit for layer in self._flatten_layers())
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
                    f"Pass the learning rate inside the {role}_optimizer instance or as {role}_learning_rate, not both."
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
        """A batch is `samples` or `(samples, condition)` (labels, paired images);
        a condition must come exactly when the family takes one."""
        real, condition = data, None
        if isinstance(data, (tuple, list)):
            real, condition = data[0], (data[1] if len(data) > 1 else None)
        if condition is not None and self.condition_input is None:
            raise ValueError(
                f"The {self.family!r} family is unconditional: fit it on samples only, "
                "not on (samples, labels) batches."
            )
        if condition is None and self.condition_input is not None:
            item = self.generator_inputs[self.condition_input]
            raise ValueError(
                f"The {self.family!r} family is conditional: fit it on (samples, {item.name}) batches "
                f"({item.describe()})."
            )
        if condition is not None:
            item = self.generator_inputs[self.condition_input]
            if item.kind == "categorical" and not condition.dtype.is_integer:
                ids = f"integer class ids in [0, {item.num_classes})"
                raise ValueError(f"{item.name} must hold {ids}, got dtype {condition.dtype.name}.")
        return real, condition

    def fit(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.fit`, with a conditional family's labels checked first: given
        as an array, out-of-range or float labels raise a ValueError naming the input;
        in a `tf.data.Dataset`, float labels do, and out-of-range ones fail the
        pipeline with the same message (XLA would otherwise clamp them silently)."""
        item = self.generator_inputs[self.condition_input] if self.condition_input else None
        if item is not None and item.kind == "categorical":
            if y is not None and not isinstance(y, tf.data.Dataset):
                y = item.check(y)
            elif isinstance(x, tf.data.Dataset):
                x = _checked_label_dataset(x, item)
        return super().fit(x, y, *args, **kwargs)

    def optimizer_step(self, optimizer, variables, loss_fn, role: str, real, condition, tape=None) -> dict:
        """One gradient step on `loss_fn(real, condition)`; returns the logged values.
        `tape` goes on recording a tape that already holds part of the loss."""
        tape = tape if tape is not None else tf.GradientTape()
        with tape:
            result = loss_fn(real, condition)
            loss, logs = result if isinstance(result, tuple) else (result, {})
            scaled = optimizer.scale_loss(scale_loss_for_replicas(loss))
        gradients = tape.gradient(scaled, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return {f"{role}_loss": loss, **logs}

    def regularized_discriminator_loss(self, real, condition=None):
        """The family's discriminator loss plus the base's penalties (R1)."""
        result = self.discriminator_loss(real, condition)
        if not self.r1_gamma:
            return result
        loss, logs = result if isinstance(result, tuple) else (result, {})
        inputs = self.condition_inputs(condition)
        penalty = stabilizers.r1_penalty(lambda points: self.discriminate(points, inputs), real)
        return loss + 0.5 * self.r1_gamma * penalty, {**logs, "r1_penalty": penalty}

    def mode_seeking_features(self, samples):
        """What the mode-seeking term compares between samples: the samples themselves
        (MSGAN's L1 on the outputs); a family may compare a feature instead."""
        return samples

    def regularized_generator_loss(self, real, condition=None):
        """The family's generator loss plus the base's terms (mode seeking), on the
        fakes the family's loss scored (`score_fakes`), without another G pass."""
        self._health.fakes = None
        result = self.generator_loss(real, condition)
        # Read once and let go, so that no traced tensor outlives its step.
        fakes, self._health.fakes = self._health.fakes, None
        if not self.mode_seeking:
            return result
        loss, logs = result if isinstance(result, tuple) else (result, {})
        if fakes is None:
            raise ValueError(f"mode_seeking needs the {self.family!r} family's generator loss to use score_fakes.")
        noise = fakes.inputs[self.generator_inputs.noise.name]
        ratio = stabilizers.mode_seeking_ratio(self.mode_seeking_features(fakes.samples), noise)
        weight, logs = self.mode_seeking, {**logs, "mode_seeking_ratio": ratio}
        if self.mode_seeking_warmup:
            # G's updates so far: a variable, so the traced step reads it each time.
            done = ops.cast(self.g_optimizer.iterations, "float32")
            weight = self.mode_seeking * ops.minimum(1.0, done / self.mode_seeking_warmup)
            logs["mode_seeking_weight"] = weight
        return loss + weight / (ratio + stabilizers.MODE_SEEKING_EPSILON), logs

    def discriminator_accuracy(self, real_scores, fake_scores) -> dict[str, Any]:
        """The training-health readout: the fraction of real samples D calls real and
        of fakes it calls fake. A score above `decision_threshold` means "real" (0 for
        the logit families, (a + b) / 2 for LSGAN). A Wasserstein critic has no
        threshold (its scores drift by any constant): there a real sample counts as
        recognized when it scores above the fakes' mean, and a fake when below the
        real samples' mean. Near 1 and 1: D wins outright (G gets little signal);
        near 0.5: D is fooled, as at the game's equilibrium."""
        # A discriminator with several heads (ACGAN, InfoGAN) is read by its score.
        real_scores, fake_scores = (
            ops.cast(scores["score"] if isinstance(scores, Mapping) else scores, "float32")
            for scores in (real_scores, fake_scores)
        )
        real_threshold = fake_threshold = self.decision_threshold
        if self.decision_threshold is None:
            real_threshold, fake_threshold = ops.mean(fake_scores), ops.mean(real_scores)
        return {
            "d_real_accuracy": ops.mean(ops.cast(real_scores > real_threshold, "float32")),
            "d_fake_accuracy": ops.mean(ops.cast(fake_scores < fake_threshold, "float32")),
        }

    def train_step(self, data):
        real, condition = self.unpack_batch(data)
        logs = {}
        g_tape = self._health.shared_fakes = None
        if self.reuse_fakes:
            # The one generator pass of the step, recorded for G's update; D learns
            # on its fakes held constant.
            g_tape = tf.GradientTape()
            with g_tape:
                fakes = self.generate_fakes(real, condition)
            self._health.shared_fakes = Fakes(ops.stop_gradient(fakes.samples), fakes.inputs)
        for _ in range(self.d_steps):
            self._health.scores = None
            logs.update(
                self.optimizer_step(
                    self.d_optimizer,
                    self.discriminator_variables,
                    self.regularized_discriminator_loss,
                    "d",
                    real,
                    condition,
                )
            )
            self.after_discriminator_step()
        if self._health.scores is not None:
            logs.update(self.discriminator_accuracy(*self._health.scores))
            self._health.scores = None
        if g_tape is not None:
            self._health.shared_fakes = fakes
        logs.update(
            self.optimizer_step(
                self.g_optimizer,
                self.generator_variables,
                self.regularized_generator_loss,
                "g",
                real,
                condition,
                tape=g_tape,
            )
        )
        self._health.shared_fakes = None
        if self.ema is not None:
            decay = stabilizers.ema_decay(self.ema, self.g_optimizer.iterations)
            stabilizers.update_moving_average(self.ema_generator, self.generator, decay)
        logs.update(self.after_train_step(logs))
        for name, value in logs.items():
            self.trackers[name].update_state(ops.cast(value, "float32"))
        # The readout only for families whose D loss goes through `score_real_and_fake`.
        return {name: tracker.result() for name, tracker in self.trackers.items() if name in logs}

    # === Inference ===
    def call(self, inputs, training=False):
        return networks.call_with_named_inputs(self.sampling_generator, inputs, training=training)

    def sample_inputs(self, n: int, seed: int | None = 0, **fixed: Any) -> dict[str, np.ndarray]:
        """n rows of every generator input drawn from `seed` (`zoo.spec`'s portable
        sampler: the same in onnxruntime and the browser), `fixed` ones given."""
        return self.generator_inputs.sample(n, seed, **fixed)

    def sample_noise(self, n: int, seed: int | None = 0) -> np.ndarray:
        """The noise rows of `sample_inputs(n, seed)`."""
        noise = self.generator_inputs.noise
        if noise is None:
            raise ValueError(f"The {self.family!r} generator takes no noise.")
        return self.sample_inputs(n, seed)[noise.name]

    def generate(self, inputs: Any = None, /, *, batch_size: int = 256, **named: Any) -> np.ndarray:
        """Samples for the given inputs, in inference mode (the same inputs always
        give the same samples), `batch_size` rows at a time.

        `inputs` is a dict of the generator's named inputs, or the array of its first
        input (z; a translator's image); more inputs by name (`label=`, `code=`).
        Errors name the input that is missing, extra, or of the wrong shape or dtype.
        """
        exported = self.exports()[0]
        feeds = _merge_inputs(exported.inputs, inputs, named)
        rows = max((np.shape(value)[0] for value in feeds.values() if np.ndim(value) > 0), default=1)
        check_memory(4.0 * rows * math.prod(self.data_shape), f"{rows} samples shaped {self.data_shape}")
        return exported.run(feeds, batch_size)

    def sample(self, n: int, seed: int | None = 0, *, batch_size: int = 256, **fixed: Any) -> np.ndarray:
        """n samples from inputs drawn with `seed`; `fixed` inputs (e.g. `label=3`) are given."""
        n = spec.check_count(n)
        check_memory(4.0 * n * math.prod(self.data_shape), f"{n} samples shaped {self.data_shape}")
        return self.generate(self.sample_inputs(n, seed, **fixed), batch_size=batch_size)

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
            "dataset": self.dataset,
            "generator_inputs": self.generator_inputs.get_config(),
            "content_size": self.content_size,
            "content_layers": self.content_layers,
            "ema": self.ema,
            "pack": self.pack,
            "augment": self.augment,
            "r1_gamma": self.r1_gamma,
            "mode_seeking": self.mode_seeking,
            "mode_seeking_warmup": self.mode_seeking_warmup,
            "minibatch_std": self.minibatch_std,
            "d_resolution": self.d_resolution,
            "fused_scoring": self._fused_scoring_setting,
            "reuse_fakes": self._reuse_fakes_setting,
        }
        for name in self._custom_networks:
            config[name] = keras.saving.serialize_keras_object(getattr(self, name))
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        for name in (*cls.network_roles, "ema_generator"):
            if name in config:
                config[name] = keras.saving.deserialize_keras_object(config[name])
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


def _split_batch(scores, size):
    """`(scores[:size], scores[size:])` of a tensor or of each head of a dict."""
    if isinstance(scores, Mapping):
        halves = {name: _split_batch(value, size) for name, value in scores.items()}
        return ({name: pair[0] for name, pair in halves.items()}, {name: pair[1] for name, pair in halves.items()})
    return scores[:size], scores[size:]


def _merge_inputs(input_spec: spec.InputSpec, inputs: Any, named: dict[str, Any]) -> dict[str, Any]:
    """`generate`'s arguments as one dict of named inputs."""
    if inputs is None:
        return named
    if isinstance(inputs, Mapping):
        return {**inputs, **named}
    first = input_spec.inputs[0].name
    if first in named:
        raise ValueError(f"{first} was given twice: positionally and as {first}=.")
    return {first: inputs, **named}


def _checked_label_dataset(dataset: tf.data.Dataset, item: spec.GeneratorInput) -> tf.data.Dataset:
    """`dataset` of `(samples, labels)` with the labels checked as `item` declares."""
    element = dataset.element_spec
    if not isinstance(element, tuple) or len(element) < 2:
        return dataset  # no labels: `unpack_batch` names what is missing
    dtype = element[1].dtype
    if not dtype.is_integer:
        raise ValueError(f"{item.name} must hold integer class ids in [0, {item.num_classes}), got dtype {dtype.name}.")
    message = f"{item.name} must be class ids in [0, {item.num_classes})"

    def check(samples, labels, *rest):
        with tf.control_dependencies(
            [
                tf.debugging.assert_non_negative(labels, message=message),
                tf.debugging.assert_less(labels, tf.cast(item.num_classes, labels.dtype), message=message),
            ]
        ):
            return (samples, tf.identity(labels), *rest)

    return dataset.map(check)
