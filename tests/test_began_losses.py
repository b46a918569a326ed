"""BEGAN's losses, equilibrium control k_t and convergence measure M against hand
computations (Berthelot et al. 2017, eq. 1, eq. 4, section 3.4.1)."""

from __future__ import annotations

import numpy as np
import pytest
from keras import ops

from zoo import losses


def value(tensor) -> float:
    return float(ops.convert_to_numpy(tensor))


def test_autoencoder_loss_is_the_mean_absolute_reconstruction_error():
    inputs = np.array([[0.5, -1.0], [0.25, 1.0]], dtype="float32")
    reconstructions = np.array([[0.0, -0.5], [1.0, 1.0]], dtype="float32")
    # (0.5 + 0.5 + 0.75 + 0) / 4
    assert value(losses.autoencoder_loss(inputs, reconstructions)) == pytest.approx(0.4375)


def test_began_losses_and_one_k_step_match_a_hand_computation():
    real_loss, fake_loss, k = 0.2, 0.3, 0.1
    assert value(losses.began_discriminator_loss(real_loss, fake_loss, k)) == pytest.approx(0.2 - 0.1 * 0.3)
    assert value(losses.began_generator_loss(fake_loss)) == pytest.approx(0.3)
    # k + λ_k (γ L(x) - L(G(z))) = 0.1 + 0.01 * (0.7 * 0.2 - 0.3) = 0.0984
    assert value(losses.began_k_update(k, real_loss, fake_loss, gamma=0.7, lambda_k=0.01)) == pytest.approx(0.0984)
    # M = L(x) + |γ L(x) - L(G(z))| = 0.2 + |0.14 - 0.3| = 0.36
    assert value(losses.began_convergence(real_loss, fake_loss, gamma=0.7)) == pytest.approx(0.36)


def test_k_stays_in_the_unit_interval():
    # A fake loss far above γ L(x) would push k below 0, far below would push it above 1.
    assert value(losses.began_k_update(0.001, 0.1, 5.0, gamma=0.5, lambda_k=0.01)) == 0.0
    assert value(losses.began_k_update(0.999, 5.0, 0.0, gamma=0.5, lambda_k=0.01)) == 1.0
    k = 0.0
    rng = np.random.default_rng(0)
    for real_loss, fake_loss in rng.uniform(0, 2, size=(500, 2)):
        k = value(losses.began_k_update(k, real_loss, fake_loss, gamma=0.5, lambda_k=0.1))
        assert 0.0 <= k <= 1.0
