"""Adversarial losses and penalties as pure functions.

Every function takes discriminator (critic) outputs as raw scores — logits for the
probabilistic games — and returns a scalar averaged over the batch. Working on
logits keeps `log(sigmoid(x))` numerically stable (`-softplus(-x)`).
Notation: D(x) = sigmoid(logit) for the probabilistic games, D(x) = score otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import tensorflow as tf
from keras import ops


def discriminator_loss(real_logits, fake_logits):
    """Goodfellow et al. 2014, eq. 1, as the discriminator minimizes it.

    L_D = -E_x[log D(x)] - E_z[log(1 - D(G(z)))]
        = E[softplus(-real_logits)] + E[softplus(fake_logits)].
    """
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def minimax_generator_loss(fake_logits):
    """The saturating generator cost of Goodfellow et al. 2014, eq. 1.

    L_G = E_z[log(1 - D(G(z)))] = -E[softplus(fake_logits)].
    Its gradient vanishes when D confidently rejects fakes (Arjovsky & Bottou 2017).
    """
    return -ops.mean(ops.softplus(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """The generator cost Goodfellow et al. 2014 recommend in practice (section 3).

    L_G = -E_z[log D(G(z))] = E[softplus(-fake_logits)].
    """
    return ops.mean(ops.softplus(-fake_logits))


def least_squares_discriminator_loss(real_scores, fake_scores, real_target=1.0, fake_target=0.0):
    """LSGAN (Mao et al. 2017, eq. 2), with the a-b coding: a = fake_target, b = real_target.

    L_D = 1/2 E_x[(D(x) - b)^2] + 1/2 E_z[(D(G(z)) - a)^2].
    """
    return 0.5 * ops.mean(ops.square(real_scores - real_target)) + 0.5 * ops.mean(ops.square(fake_scores - fake_target))


def least_squares_generator_loss(fake_scores, target=1.0):
    """LSGAN (Mao et al. 2017, eq. 2), c = target: L_G = 1/2 E_z[(D(G(z)) - c)^2]."""
    return 0.5 * ops.mean(ops.square(fake_scores - target))


def wasserstein_critic_loss(real_scores, fake_scores):
    """WGAN (Arjovsky et al. 2017): the critic maximizes E[f(x)] - E[f(G(z))].

    L_D = E_z[f(G(z))] - E_x[f(x)]; its negation estimates the Earth-Mover distance
    when f is 1-Lipschitz.
    """
    return ops.mean(fake_scores) - ops.mean(real_scores)


def wasserstein_generator_loss(fake_scores):
    """WGAN (Arjovsky et al. 2017): L_G = -E_z[f(G(z))]. Also the hinge-GAN generator cost."""
    return -ops.mean(fake_scores)


def hinge_discriminator_loss(real_scores, fake_scores):
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018, SNGAN).

    L_D = E_x[max(0, 1 - D(x))] + E_z[max(0, 1 + D(G(z)))].
    """
    return ops.mean(ops.relu(1.0 - real_scores)) + ops.mean(ops.relu(1.0 + fake_scores))


hinge_generator_loss = wasserstein_generator_loss


def gradient_penalty(
    critic: Callable,
    real,
    fake,
    interpolation_weights,
    target_norm: float = 1.0,
    epsilon: float = 1e-12,
):
    """WGAN-GP (Gulrajani et al. 2017, eq. 3): E_x̂[(||∇_x̂ D(x̂)||_2 - 1)^2].

    x̂ = real + ε (fake - real), with ε ~ U[0, 1] per sample given as
    `interpolation_weights` (shape [batch]) so this function stays pure.
    `epsilon` sits inside the square root of the norm: sqrt(0) has an infinite
    derivative, which would turn the whole update into NaN.
    """
    weights = ops.reshape(interpolation_weights, (-1,) + (1,) * (len(real.shape) - 1))
    weights = ops.cast(weights, real.dtype)
    interpolated = real + weights * (fake - real)
    with tf.GradientTape() as tape:
        tape.watch(interpolated)
        scores = critic(interpolated)
    gradients = tape.gradient(scores, interpolated)
    squared = ops.sum(ops.square(gradients), axis=tuple(range(1, len(real.shape))))
    norms = ops.sqrt(squared + epsilon)
    return ops.mean(ops.square(norms - target_norm))


def cycle_consistency_loss(real, reconstructed, weight: float = 10.0):
    """CycleGAN (Zhu et al. 2017, eq. 2), one direction: λ E_x[||F(G(x)) - x||_1].

    `reconstructed` is F(G(real)); the full cycle loss adds the B -> A -> B direction.
    The L1 norm is averaged over pixels (the authors' code, `nn.L1Loss`), so λ = 10
    means the same at every image size.
    """
    return weight * ops.mean(ops.abs(reconstructed - real))


def identity_loss(real, mapped, weight: float = 5.0):
    """CycleGAN (Zhu et al. 2017, section 5.2; Taigman et al. 2017): 0.5 λ E_y[||G(y) - y||_1].

    `mapped` is G(real) for a real image of G's target domain: a generator fed an
    image that is already in its output domain should leave it unchanged (keeps the
    colours of photo <-> painting translation). Averaged over pixels, like the
    cycle loss; the default weight is 0.5 λ with λ = 10.
    """
    return weight * ops.mean(ops.abs(mapped - real))


# === BEGAN (Berthelot et al. 2017, https://arxiv.org/abs/1703.10717) ===
# The discriminator is an autoencoder; what it scores is how well it reconstructs.


def autoencoder_loss(inputs, reconstructions):
    """BEGAN's reconstruction loss (eq. 1, η = 1): L(v) = |v - D(v)|, the mean over
    every element of the batch."""
    return ops.mean(ops.abs(inputs - reconstructions))


def began_discriminator_loss(real_loss, fake_loss, k):
    """BEGAN (eq. 4): L_D = L(x) - k_t · L(G(z)), from the two reconstruction losses."""
    return real_loss - k * fake_loss


def began_generator_loss(fake_loss):
    """BEGAN (eq. 4): L_G = L(G(z))."""
    return fake_loss


def began_k_update(k, real_loss, fake_loss, gamma: float = 0.5, lambda_k: float = 0.001):
    """BEGAN's proportional control of the equilibrium (eq. 4):

    k_{t+1} = clip(k_t + λ_k (γ · L(x) - L(G(z))), 0, 1),

    γ = E[L(G(z))] / E[L(x)] being the diversity ratio the update steers towards.
    """
    step = ops.convert_to_tensor(k + lambda_k * (gamma * real_loss - fake_loss))
    return ops.clip(step, 0.0, 1.0)


def began_convergence(real_loss, fake_loss, gamma: float = 0.5):
    """BEGAN's convergence measure (section 3.4.1): M = L(x) + |γ · L(x) - L(G(z))|."""
    return real_loss + ops.abs(gamma * real_loss - fake_loss)


def auxiliary_classifier_loss(class_logits, labels):
    """ACGAN (Odena et al. 2017, eq. 2): the log-likelihood of the correct class,
    L_C = E[log P(C = c | X)], as the cost both players minimize: its negation,
    the categorical cross-entropy -E[log softmax(class_logits)_c] over the batch.

    `labels` are integer class ids, shape [batch]; `class_logits` [batch, classes].
    """
    log_probabilities = ops.log_softmax(class_logits, axis=-1)
    picked = ops.take_along_axis(log_probabilities, ops.expand_dims(ops.cast(labels, "int32"), -1), axis=-1)
    return -ops.mean(picked)


def categorical_information_penalty(codes, logits):
    """InfoGAN (Chen et al. 2016, eq. 4), a categorical code c ~ Cat(K):
    -E[log Q(c | G(z, c))], the cross-entropy of Q's logits against the sampled ids.

    L_I(G, Q) = E[log Q(c | x)] + H(c) <= I(c; G(z, c)); H(c) = log K is a constant,
    so minimizing this penalty maximizes the mutual-information lower bound.
    """
    return auxiliary_classifier_loss(logits, codes)


def gaussian_information_penalty(codes, means, sigma: float = 1.0):
    """InfoGAN (Chen et al. 2016, sec. 5), continuous codes with Q(c | x) a factored
    Gaussian of fixed standard deviation σ (the authors' MNIST setting):
    -E[log N(c; μ(x), σ²)] = E[Σ_j (c_j - μ_j)² / 2σ² + log σ + log(2π) / 2].

    With σ fixed this is a regression of the codes, up to constants.
    """
    squared = ops.square((codes - means) / sigma) / 2.0
    constant = math.log(sigma) + 0.5 * math.log(2.0 * math.pi)
    return ops.mean(ops.sum(squared + constant, axis=-1))


def mutual_information_penalty(
    categorical_codes,
    categorical_logits,
    continuous_codes,
    continuous_means,
    sigma: float = 1.0,
    continuous_weight: float = 1.0,
):
    """InfoGAN's -L_I without the constant entropy (TF-GAN's `mutual_information_penalty`):
    the categorical penalty plus `continuous_weight` times the Gaussian one (Chen et
    al. 2016, sec. 7: a smaller λ for continuous codes keeps the differential
    entropy's term on the scale of the categorical one); either pair may be None."""
    penalty = 0.0
    if categorical_codes is not None:
        penalty = penalty + categorical_information_penalty(categorical_codes, categorical_logits)
    if continuous_codes is not None:
        penalty = penalty + continuous_weight * gaussian_information_penalty(continuous_codes, continuous_means, sigma)
    return penalty
