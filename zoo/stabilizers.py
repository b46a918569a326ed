"""Stabilizers any family can switch on: pure functions the base `GAN` calls.

- `pack`: PacGAN (Lin et al. 2018, "PacGAN: The power of two samples in generative
  adversarial networks", https://arxiv.org/abs/1712.04086).
- `diff_augment`: DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for
  Data-Efficient GAN Training", https://arxiv.org/abs/2006.10738).
- `r1_penalty`: the R1 penalty (Mescheder et al. 2018, "Which Training Methods for
  GANs do actually Converge?", https://arxiv.org/abs/1801.04406).
- `ema_decay` / `update_moving_average`: an exponential moving average of the
  generator's weights (Yazici et al. 2019, "The Unusual Effectiveness of Averaging
  in GAN Training", https://arxiv.org/abs/1806.04498; Karras et al. 2018).
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf
from keras import ops

AUGMENTATIONS = ("color", "translation", "cutout")


def check_augment(policy: str | None) -> tuple[str, ...]:
    """The augmentations of a comma-separated policy ("color,translation,cutout")."""
    if not policy:
        return ()
    names = tuple(name.strip() for name in str(policy).split(","))
    unknown = [name for name in names if name not in AUGMENTATIONS]
    if unknown:
        raise ValueError(f"augment takes a comma-separated subset of {AUGMENTATIONS}, got unknown {unknown}.")
    return names


def pack(samples, m: int):
    """PacGAN: `(batch, *shape, channels)` -> `(batch / m, *shape, m * channels)`.

    Samples i*m .. i*m + m - 1 become one pack, concatenated along the last axis (the
    paper's channel concatenation for images, feature concatenation for vectors),
    so that the discriminator judges m samples at once: a pack of fakes from a
    collapsed generator holds near-copies, which a real pack never does.
    """
    if m == 1:
        return samples
    shape = ops.shape(samples)
    inner = tuple(samples.shape[1:-1])
    grouped = ops.reshape(samples, (shape[0] // m, m, *inner, samples.shape[-1]))
    # Move the pack axis next to the channels, then merge them.
    order = (0, *range(2, 2 + len(inner)), 1, 2 + len(inner))
    return ops.reshape(ops.transpose(grouped, order), (shape[0] // m, *inner, m * samples.shape[-1]))


def _shift_matrices(shifts, size: int):
    """One (size, size) matrix per shift s: row i picks pixel i - s (zero outside)."""
    rows = ops.arange(size)[None, :, None]
    columns = ops.arange(size)[None, None, :]
    return ops.cast(ops.equal(columns, rows - shifts[:, None, None]), "float32")


def diff_augment(images, policy: tuple[str, ...], seed: keras.random.SeedGenerator):
    """DiffAugment (Zhao et al. 2020): the paper's three differentiable augmentations,
    each drawn per image, applied to real and fake images alike before D.

    - color: brightness + U(-0.5, 0.5), saturation x U(0, 2) about the pixel's channel
      mean, contrast x U(0.5, 1.5) about the image mean;
    - translation: a shift of up to 1/8 of the side in each direction, zero padded;
    - cutout: a zeroed square of half the side at a random position.

    Shifts are products with one-hot shift matrices and cutout a multiplied mask, so
    gradients flow to the generator through every augmentation.
    """
    batch = ops.shape(images)[0]
    height, width = images.shape[1], images.shape[2]
    dtype = images.dtype
    if "color" in policy:
        uniform = lambda low, high: keras.random.uniform((batch, 1, 1, 1), low, high, seed=seed, dtype=dtype)  # noqa: E731
        images = images + uniform(-0.5, 0.5)
        channel_mean = ops.mean(images, axis=-1, keepdims=True)
        images = (images - channel_mean) * uniform(0.0, 2.0) + channel_mean
        image_mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
        images = (images - image_mean) * uniform(0.5, 1.5) + image_mean
    if "translation" in policy:
        shift_h, shift_w = max(1, height // 8), max(1, width // 8)
        dy = keras.random.randint((batch,), -shift_h, shift_h + 1, seed=seed, dtype="int32")
        dx = keras.random.randint((batch,), -shift_w, shift_w + 1, seed=seed, dtype="int32")
        rows = ops.cast(_shift_matrices(dy, height), dtype)
        columns = ops.cast(_shift_matrices(dx, width), dtype)
        images = ops.einsum("bij,bjkc,blk->bilc", rows, images, columns)
    if "cutout" in policy:
        cut_h, cut_w = height // 2, width // 2
        top = keras.random.randint((batch, 1, 1), -(cut_h // 2), height - cut_h // 2, seed=seed, dtype="int32")
        left = keras.random.randint((batch, 1, 1), -(cut_w // 2), width - cut_w // 2, seed=seed, dtype="int32")
        y = ops.arange(height)[None, :, None]
        x = ops.arange(width)[None, None, :]
        inside = (y >= top) & (y < top + cut_h) & (x >= left) & (x < left + cut_w)
        images = images * ops.cast(ops.logical_not(inside), dtype)[..., None]
    return images


def r1_penalty(discriminate: Callable, real):
    """R1 (Mescheder et al. 2018, eq. 9), unweighted: E ||grad_x D(x)||^2 over real x.

    The caller weights it by gamma / 2. It pushes D's gradient on the data towards
    zero, so that D cannot keep pushing real samples up once G matches them; the
    paper proves local convergence of the game with it.
    """
    with tf.GradientTape() as tape:
        tape.watch(real)
        total = ops.sum(discriminate(real))
    gradients = tape.gradient(total, real)
    return ops.mean(ops.sum(ops.square(gradients), axis=tuple(range(1, len(real.shape)))))


#: MSGAN's guard against a zero ratio (the authors' code: 1e-5).
MODE_SEEKING_EPSILON = 1e-5


def mode_seeking_ratio(features, noise):
    """MSGAN's ratio (Mao et al. 2019, eq. 3): mean|f1 - f2| / mean|z1 - z2| between
    the first and second half of a batch, so paired samples come from different z.
    A generator that ignores z gives about 0; the term λ / (ratio + ε) it adds to G's
    loss pushes samples apart as their noise differs."""
    half = ops.shape(features)[0] // 2
    features, noise = ops.cast(features, "float32"), ops.cast(noise, "float32")
    apart = ops.mean(ops.abs(features[:half] - features[half : 2 * half]))
    return apart / ops.mean(ops.abs(noise[:half] - noise[half : 2 * half]))


def spectral_shape(audio, bands: int = 32):
    """A clip's spectral shape: the log of its mean power in `bands` equal frequency
    bands of the whole clip (DC left out), minus its mean over the bands, so that
    loudness does not count. `(n, length, 1)` -> `(n, bands)`; `length / 2` must be a
    multiple of `bands`."""
    spectrum = tf.signal.rfft(tf.cast(audio[..., 0], "float32"))
    power = (tf.math.real(spectrum) ** 2 + tf.math.imag(spectrum) ** 2)[:, 1:]
    bins = power.shape[-1]
    if bins % bands:
        raise ValueError(f"spectral_shape needs length / 2 ({bins}) to be a multiple of bands ({bands}).")
    level = tf.math.log(tf.reduce_mean(tf.reshape(power, (-1, bands, bins // bands)), axis=-1) + 1e-4)
    return level - tf.reduce_mean(level, axis=-1, keepdims=True)


def ema_decay(decay: float, step):
    """The decay at update `step` (0-based), with the warm-up of TensorFlow's
    `tf.train.ExponentialMovingAverage(num_updates=...)`: min(decay, (1 + t) / (10 + t)),
    so that a short run is not dominated by its untrained first weights."""
    step = ops.cast(step, "float32")
    return ops.minimum(decay, (1.0 + step) / (10.0 + step))


def update_moving_average(average: keras.Model, network: keras.Model, decay) -> None:
    """average <- decay * average + (1 - decay) * network for trainable weights;
    non-trainable ones (batch-norm statistics) are copied, as in Karras et al."""
    for averaged, weight in zip(average.weights, network.weights, strict=True):
        if weight.trainable:
            averaged.assign(decay * averaged + (1.0 - decay) * weight)
        else:
            averaged.assign(weight)
