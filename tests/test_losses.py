"""Every function of `zoo.losses` against values worked out by hand.

The inputs are chosen so the answers are exact in closed form: logits 0 and
log 3 give sigmoids 1/2 and 3/4, so every softplus is the log of a simple ratio.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from zoo import losses

LOG2, LOG3 = math.log(2.0), math.log(3.0)


def tensor(values) -> tf.Tensor:
    return ops.convert_to_tensor(np.asarray(values, dtype="float32"))


def value(result) -> float:
    return float(ops.convert_to_numpy(result))


# === The 2014 game ===
def test_discriminator_loss():
    # softplus(x) = log(1 + e^x).
    # Real logits [0, log 3]: softplus(-0) = log 2, softplus(-log 3) = log(1 + 1/3) = log(4/3);
    #   mean = (log 2 + log(4/3)) / 2 = log(8/3) / 2.
    # Fake logits [log 3, -log 3]: softplus(log 3) = log 4, softplus(-log 3) = log(4/3);
    #   mean = (log 4 + log(4/3)) / 2 = log(16/3) / 2.
    expected = math.log(8 / 3) / 2 + math.log(16 / 3) / 2
    assert value(losses.discriminator_loss(tensor([0.0, LOG3]), tensor([LOG3, -LOG3]))) == pytest.approx(
        expected, rel=1e-6
    )
    # A discriminator that cannot tell (all logits 0, D = 1/2) pays log 2 + log 2.
    assert value(losses.discriminator_loss(tensor([0.0, 0.0]), tensor([0.0]))) == pytest.approx(2 * LOG2)


def test_discriminator_loss_is_stable_for_confident_logits():
    # log(sigmoid(-100)) underflows to log(0) = -inf if computed naively; softplus gives ~100.
    assert value(losses.discriminator_loss(tensor([-100.0]), tensor([100.0]))) == pytest.approx(200.0)


def test_minimax_generator_loss():
    # E[log(1 - D(G(z)))] = -E[softplus(fake)]; fake logits [0, log 3]:
    # -(log 2 + log 4) / 2 = -(3/2) log 2.
    assert value(losses.minimax_generator_loss(tensor([0.0, LOG3]))) == pytest.approx(-1.5 * LOG2, rel=1e-6)


def test_non_saturating_generator_loss():
    # -E[log D(G(z))] = E[softplus(-fake)]; fake logits [0, log 3]:
    # (log 2 + log(4/3)) / 2 = log(8/3) / 2.
    assert value(losses.non_saturating_generator_loss(tensor([0.0, LOG3]))) == pytest.approx(
        math.log(8 / 3) / 2, rel=1e-6
    )


def test_saturating_cost_vanishes_where_the_non_saturating_one_does_not():
    """Goodfellow 2014, sec. 3: when D rejects fakes (logit -10) the minimax cost is flat."""
    fake = tf.Variable([-10.0])
    with tf.GradientTape(persistent=True) as tape:
        minimax = losses.minimax_generator_loss(fake)
        non_saturating = losses.non_saturating_generator_loss(fake)
    # d/dx -softplus(x) = -sigmoid(x) = -4.5e-5; d/dx softplus(-x) = -sigmoid(-x) = -0.99995.
    assert value(tape.gradient(minimax, fake)[0]) == pytest.approx(-1 / (1 + math.exp(10)), rel=1e-4)
    assert value(tape.gradient(non_saturating, fake)[0]) == pytest.approx(-1 / (1 + math.exp(-10)), rel=1e-4)


# === LSGAN ===
def test_least_squares_discriminator_loss_default_coding():
    # b = 1, a = 0. Real [1, 3]: errors [0, 2], squares [0, 4], mean 2, half 1.
    # Fake [0, -2]: errors [0, -2], squares [0, 4], mean 2, half 1. Total 2.
    assert value(losses.least_squares_discriminator_loss(tensor([1.0, 3.0]), tensor([0.0, -2.0]))) == 2.0


def test_least_squares_discriminator_loss_other_coding():
    # b = 1, a = -1. Real [1, 3]: as above, 1.
    # Fake [0, -2]: errors [1, -1], squares [1, 1], mean 1, half 0.5. Total 1.5.
    result = losses.least_squares_discriminator_loss(
        tensor([1.0, 3.0]), tensor([0.0, -2.0]), real_target=1.0, fake_target=-1.0
    )
    assert value(result) == 1.5


def test_least_squares_generator_loss():
    # c = 1: fake [0, 2], errors [-1, 1], squares [1, 1], mean 1, half 0.5.
    assert value(losses.least_squares_generator_loss(tensor([0.0, 2.0]))) == 0.5
    # c = 0: squares [0, 4], mean 2, half 1.
    assert value(losses.least_squares_generator_loss(tensor([0.0, 2.0]), target=0.0)) == 1.0


# === WGAN and hinge ===
def test_wasserstein_critic_loss():
    # E[f(fake)] - E[f(real)] = mean([0, -2]) - mean([1, 3]) = -1 - 2 = -3.
    assert value(losses.wasserstein_critic_loss(tensor([1.0, 3.0]), tensor([0.0, -2.0]))) == -3.0


def test_wasserstein_generator_loss():
    # -E[f(fake)] = -mean([0, -2]) = 1.
    assert value(losses.wasserstein_generator_loss(tensor([0.0, -2.0]))) == 1.0


def test_hinge_discriminator_loss():
    # Real [2, 0.5, -1]: max(0, 1 - D) = [0, 0.5, 2], mean 2.5/3.
    # Fake [-2, 0.5, 1]: max(0, 1 + D) = [0, 1.5, 2], mean 3.5/3. Total 6/3 = 2.
    result = losses.hinge_discriminator_loss(tensor([2.0, 0.5, -1.0]), tensor([-2.0, 0.5, 1.0]))
    assert value(result) == pytest.approx(2.0)


def test_hinge_generator_loss_is_the_wasserstein_generator_loss():
    assert losses.hinge_generator_loss is losses.wasserstein_generator_loss
    # -mean([1, -3]) = 1.
    assert value(losses.hinge_generator_loss(tensor([1.0, -3.0]))) == 1.0


def test_losses_average_over_the_batch_and_are_scalars():
    scores = tensor(np.arange(6.0).reshape(6, 1))
    for result in (
        losses.discriminator_loss(scores, scores),
        losses.least_squares_discriminator_loss(scores, scores),
        losses.wasserstein_critic_loss(scores, scores),
        losses.hinge_discriminator_loss(scores, scores),
        losses.hinge_generator_loss(scores),
    ):
        assert tuple(result.shape) == ()


# === Gradient penalty (WGAN-GP) ===
def linear_critic(weights):
    """f(x) = w · flatten(x), whose gradient is w everywhere: ||∇f|| = ||w||."""
    w = tensor(weights)
    return lambda x: ops.sum(ops.reshape(x, (ops.shape(x)[0], -1)) * w, axis=1, keepdims=True)


def batch(shape, seed):
    return tensor(np.random.default_rng(seed).normal(size=shape))


def test_gradient_penalty_is_zero_for_a_critic_of_unit_gradient_norm():
    # w = (0.6, 0.8): ||w|| = sqrt(0.36 + 0.64) = 1, so (||∇f|| - 1)^2 = 0 at every x̂
    # (up to the 1e-12 inside the square root: (sqrt(1 + 1e-12) - 1)^2 ~ 2.5e-25).
    penalty = losses.gradient_penalty(
        linear_critic([0.6, 0.8]), batch((8, 2), 0), batch((8, 2), 1), tensor(np.linspace(0, 1, 8))
    )
    assert value(penalty) == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize(
    "weights, expected",
    [
        ([3.0, 4.0], 16.0),  # ||w|| = 5: (5 - 1)^2 = 16.
        ([0.3, 0.4], 0.25),  # ||w|| = 0.5: (0.5 - 1)^2 = 0.25, too flat is penalized too.
        ([2.0, 1.0, 2.0, 0.0], 4.0),  # images 2x2x1, ||w|| = 3: (3 - 1)^2 = 4.
    ],
)
def test_gradient_penalty_of_a_linear_critic_is_the_squared_norm_gap(weights, expected):
    shape = (4, 2) if len(weights) == 2 else (4, 2, 2, 1)
    penalty = losses.gradient_penalty(
        linear_critic(weights), batch(shape, 0), batch(shape, 1), tensor([0.0, 0.3, 0.7, 1.0])
    )
    assert value(penalty) == pytest.approx(expected, rel=1e-5)


def test_gradient_penalty_target_norm():
    # ||w|| = 5, target 0: (5 - 0)^2 = 25.
    penalty = losses.gradient_penalty(
        linear_critic([3.0, 4.0]), batch((4, 2), 0), batch((4, 2), 1), tensor([0.5] * 4), target_norm=0.0
    )
    assert value(penalty) == pytest.approx(25.0, rel=1e-5)


def test_gradient_penalty_interpolates_from_real_towards_fake():
    # f(x) = ||x||^2 / 2 has ∇f(x) = x, so the penalty reads off where x̂ lies.
    # real = (0, 0), fake = (4, 0): ε = 0.25 gives x̂ = (1, 0), (1 - 1)^2 = 0;
    # ε = 0.5 gives x̂ = (2, 0), (2 - 1)^2 = 1. Mean over the batch: 0.5.
    # (Interpolating from fake towards real would put x̂ at (3, 0) and (2, 0): 2.5.)
    def critic(x):
        return 0.5 * ops.sum(ops.square(x), axis=1, keepdims=True)

    real, fake = tensor([[0.0, 0.0], [0.0, 0.0]]), tensor([[4.0, 0.0], [4.0, 0.0]])
    penalty = losses.gradient_penalty(critic, real, fake, tensor([0.25, 0.5]))
    assert value(penalty) == pytest.approx(0.5, rel=1e-5)


def penalty_gradient(epsilon: float):
    """The gradient of the penalty with respect to the critic's weights, at a critic
    whose input gradient is zero (all weights 0) and with real == fake."""
    critic = keras.layers.Dense(1, kernel_initializer="zeros")
    points = batch((4, 3), 0)
    critic.build(points.shape)
    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(critic, points, points, tensor([0.2] * 4), epsilon=epsilon)
    return penalty, tape.gradient(penalty, critic.kernel.value)


def test_gradient_penalty_has_a_finite_gradient_where_the_input_gradient_is_zero():
    # real == fake: every x̂ is the same point. The critic is flat there, so
    # ||∇f|| = sqrt(0 + 1e-12) = 1e-6 and the penalty is (1e-6 - 1)^2 ~ 1.
    penalty, gradient = penalty_gradient(epsilon=1e-12)
    assert value(penalty) == pytest.approx(1.0, rel=1e-5)
    assert np.isfinite(ops.convert_to_numpy(gradient)).all()


def test_gradient_penalty_without_epsilon_would_be_nan():
    """Why the epsilon is there: d sqrt(s)/ds = 1/(2 sqrt(s)) is infinite at s = 0,
    and infinity times the zero input gradient is NaN."""
    _, gradient = penalty_gradient(epsilon=0.0)
    assert np.isnan(ops.convert_to_numpy(gradient)).any()
