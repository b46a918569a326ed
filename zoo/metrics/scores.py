"""Sample-quality metrics for generative models, as pure numpy functions.

Every function takes features (or class probabilities) that an extractor has already
computed, works in float64 and returns Python floats, so the metrics can be tested
against closed forms without any network in the loop.

- Fréchet Inception Distance: Heusel et al. 2017, "GANs Trained by a Two Time-Scale
  Update Rule Converge to a Local Nash Equilibrium", https://arxiv.org/abs/1706.08500
- Kernel Inception Distance: Bińkowski et al. 2018, "Demystifying MMD GANs",
  https://arxiv.org/abs/1801.01401
- Inception Score: Salimans et al. 2016, "Improved Techniques for Training GANs",
  https://arxiv.org/abs/1606.03498
- Improved precision and recall: Kynkäänniemi et al. 2019, "Improved Precision and
  Recall Metric for Assessing Generative Models", https://arxiv.org/abs/1904.06991
- Density and coverage: Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics
  for Generative Models", https://arxiv.org/abs/2002.09797
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.special
from numpy.typing import ArrayLike
from sklearn.metrics import pairwise_distances_chunked

# Softmax outputs computed in float32 sum to 1 only up to rounding error.
_PROBABILITY_SUM_TOLERANCE = 1e-3
# Memory (MiB) one block of a pairwise-distance matrix may take, so that 10k x 10k
# feature sets are compared block by block instead of as one 800 MB matrix.
_PAIRWISE_WORKING_MEMORY_MIB = 256


# === Input checks ===


def _as_feature_matrix(features: ArrayLike, name: str, min_samples: int = 1) -> np.ndarray:
    """`features` as a finite float64 matrix (num_samples, feature_dim)."""
    matrix = np.asarray(features, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (num_samples, feature_dim); got shape {matrix.shape}.")
    if matrix.shape[0] < min_samples:
        raise ValueError(f"{name} needs at least {min_samples} samples; got {matrix.shape[0]}.")
    if not np.all(np.isfinite(matrix)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return matrix


def _check_same_feature_dim(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{name_a} and {name_b} have different feature dimensions: {a.shape[1]} vs {b.shape[1]}.")


def _check_neighbour_count(k: int, num_samples: int, name: str) -> None:
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}.")
    if k >= num_samples:
        raise ValueError(f"k={k} nearest neighbours need more than k samples, but {name} has {num_samples}.")


# === Fréchet distance (FID) ===


def _zero_rounding_noise(eigenvalues: np.ndarray) -> np.ndarray:
    """PSD eigenvalues with those indistinguishable from 0 set to exactly 0.

    The zero eigenvalues of a singular PSD matrix come out of eigh as ±(dim * eps * λ_max)
    noise, and a square root turns 1e-15 into 3e-8 per eigenvalue; with hundreds of
    them that is a visible error. The cut-off is numpy.linalg.matrix_rank's tolerance.
    """
    tolerance = eigenvalues.max(initial=0.0) * eigenvalues.size * np.finfo(np.float64).eps
    return np.where(eigenvalues > tolerance, eigenvalues, 0.0)


def _symmetric_psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Principal square root of a symmetric positive semi-definite matrix."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    root_eigenvalues = np.sqrt(_zero_rounding_noise(eigenvalues))
    return (eigenvectors * root_eigenvalues) @ eigenvectors.T


def frechet_distance(mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike) -> float:
    """Fréchet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2).

    Heusel et al. 2017 (FID), https://arxiv.org/abs/1706.08500:

        d² = ||mu1 - mu2||² + Tr(S1 + S2 - 2 (S1 S2)^{1/2})

    The trace of the matrix square root is computed as

        Tr((S1 S2)^{1/2}) = Σ_i sqrt(λ_i),   λ = eigvals(S1^{1/2} S2 S1^{1/2}),

    which holds because S1 S2 is similar to the symmetric PSD matrix S1^{1/2} S2 S1^{1/2}
    (so the two have the same, non-negative, eigenvalues). Unlike the usual
    `scipy.linalg.sqrtm(S1 @ S2)`, this needs only symmetric eigendecompositions, never
    returns complex parts, and stays exact when a covariance is singular (fewer samples
    than feature dimensions), so no eps*I regularisation is needed.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    if mu1.ndim != 1 or mu2.ndim != 1:
        raise ValueError(f"Means must be vectors; got shapes {mu1.shape} and {mu2.shape}.")
    if mu1.shape != mu2.shape:
        raise ValueError(f"Means have different feature dimensions: {mu1.shape[0]} vs {mu2.shape[0]}.")
    dim = mu1.shape[0]
    for name, sigma in (("sigma1", sigma1), ("sigma2", sigma2)):
        if sigma.shape != (dim, dim):
            raise ValueError(f"{name} must be a ({dim}, {dim}) covariance matching the means; got shape {sigma.shape}.")
        if not np.all(np.isfinite(sigma)):
            raise ValueError(f"{name} contains NaN or infinite values.")
    if not (np.all(np.isfinite(mu1)) and np.all(np.isfinite(mu2))):
        raise ValueError("Means contain NaN or infinite values.")

    # Symmetrise: covariances accumulated in floating point are symmetric only up to
    # rounding, and eigh silently reads just one triangle.
    sigma1 = (sigma1 + sigma1.T) / 2
    sigma2 = (sigma2 + sigma2.T) / 2
    sqrt_sigma1 = _symmetric_psd_sqrt(sigma1)
    product = sqrt_sigma1 @ sigma2 @ sqrt_sigma1
    product_eigenvalues = np.linalg.eigvalsh((product + product.T) / 2)
    trace_sqrt_product = np.sum(np.sqrt(_zero_rounding_noise(product_eigenvalues)))

    mean_term = np.sum((mu1 - mu2) ** 2)
    distance = mean_term + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product
    # The true distance is >= 0; rounding can leave it at -1e-12 for identical inputs.
    return float(max(distance, 0.0))


def fid(features_a: ArrayLike, features_b: ArrayLike) -> float:
    """Fréchet Inception Distance between two feature sets (Heusel et al. 2017).

    Fits a Gaussian (mean, unbiased covariance) to each set of rows and returns their
    `frechet_distance`. Called FID when the features are InceptionV3 pool features,
    but any extractor's features can be used.
    """
    a = _as_feature_matrix(features_a, "features_a", min_samples=2)
    b = _as_feature_matrix(features_b, "features_b", min_samples=2)
    _check_same_feature_dim(a, b, "features_a", "features_b")
    return frechet_distance(a.mean(axis=0), np.cov(a, rowvar=False), b.mean(axis=0), np.cov(b, rowvar=False))


class FeatureStatistics:
    """Running mean and covariance of feature batches, for FID over streamed data.

    `update(batch)` merges each batch with Chan et al.'s parallel formula (count, mean,
    and the centred sum of outer products M2 = Σ (x - mean)(x - mean)^T, all float64).
    This is algebraically the same as accumulating the raw Σ x and Σ x x^T, but avoids
    the cancellation in Σ x x^T - n mean mean^T when feature means are large compared
    with their spread.

        stats_real, stats_fake = FeatureStatistics(), FeatureStatistics()
        for batch in loader:
            stats_real.update(compute_features(extractor, batch))
        ...
        score = stats_real.frechet_distance(stats_fake)
    """

    def __init__(self, feature_dim: int | None = None) -> None:
        self.feature_dim = feature_dim
        self.count = 0
        self._mean: np.ndarray | None = None
        self._centred_outer_sum: np.ndarray | None = None

    def update(self, batch: ArrayLike) -> FeatureStatistics:
        """Add a batch of feature rows (num_samples, feature_dim); returns `self`."""
        rows = _as_feature_matrix(batch, "batch", min_samples=0)
        if self.feature_dim is None:
            self.feature_dim = rows.shape[1]
        elif rows.shape[1] != self.feature_dim:
            raise ValueError(
                f"batch has feature dimension {rows.shape[1]}, but these statistics "
                f"accumulate dimension {self.feature_dim}."
            )
        batch_count = rows.shape[0]
        if batch_count == 0:
            return self
        batch_mean = rows.mean(axis=0)
        centred = rows - batch_mean
        batch_outer_sum = centred.T @ centred
        if self._mean is None:
            self.count, self._mean, self._centred_outer_sum = (
                batch_count,
                batch_mean,
                batch_outer_sum,
            )
            return self
        total = self.count + batch_count
        delta = batch_mean - self._mean
        self._centred_outer_sum = (
            self._centred_outer_sum + batch_outer_sum + np.outer(delta, delta) * (self.count * batch_count / total)
        )
        self._mean = self._mean + delta * (batch_count / total)
        self.count = total
        return self

    @property
    def mean(self) -> np.ndarray:
        """Mean feature vector of everything seen so far."""
        if self._mean is None:
            raise ValueError("FeatureStatistics has seen no samples yet.")
        return self._mean.copy()

    @property
    def covariance(self) -> np.ndarray:
        """Unbiased (n - 1) covariance, as `np.cov`, of everything seen so far."""
        if self.count < 2:
            raise ValueError(f"A covariance needs at least 2 samples; these statistics have {self.count}.")
        return self._centred_outer_sum / (self.count - 1)

    def frechet_distance(self, other: FeatureStatistics) -> float:
        """`frechet_distance` between the Gaussians fitted to `self` and `other`."""
        return frechet_distance(self.mean, self.covariance, other.mean, other.covariance)


# === Kernel Inception Distance ===


def _unbiased_polynomial_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² with the cubic kernel k(a, b) = (a·b / d + 1)³."""
    dim = x.shape[1]
    m = x.shape[0]
    kernel_xx = (x @ x.T / dim + 1.0) ** 3
    kernel_yy = (y @ y.T / dim + 1.0) ** 3
    kernel_xy = (x @ y.T / dim + 1.0) ** 3
    # Dropping the diagonal k(x_i, x_i) is what makes the estimator unbiased.
    within_x = (kernel_xx.sum() - np.trace(kernel_xx)) / (m * (m - 1))
    within_y = (kernel_yy.sum() - np.trace(kernel_yy)) / (m * (m - 1))
    return float(within_x + within_y - 2.0 * kernel_xy.mean())


def kid(
    features_a: ArrayLike,
    features_b: ArrayLike,
    num_subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """Kernel Inception Distance: mean and std of unbiased MMD² over random subsets.

    Bińkowski et al. 2018, https://arxiv.org/abs/1801.01401, with the cubic
    polynomial kernel k(x, y) = (x·y / d + 1)³ and, for subsets X, Y of size m,

        MMD²_u = 1/(m(m-1)) Σ_{i≠j} [k(x_i, x_j) + k(y_i, y_j)] - 2/m² Σ_{i,j} k(x_i, y_j)

    Each of `num_subsets` subsets draws `subset_size` rows without replacement from each
    set (clipped to the smaller set's size). Unlike FID the estimator is unbiased, so it
    is about 0 (and may be slightly negative) when both sets come from one distribution.
    """
    a = _as_feature_matrix(features_a, "features_a", min_samples=2)
    b = _as_feature_matrix(features_b, "features_b", min_samples=2)
    _check_same_feature_dim(a, b, "features_a", "features_b")
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be at least 1; got {num_subsets}.")
    if subset_size < 2:
        raise ValueError(f"subset_size must be at least 2; got {subset_size}.")
    subset_size = min(subset_size, a.shape[0], b.shape[0])
    rng = np.random.default_rng(seed)
    estimates = np.empty(num_subsets, dtype=np.float64)
    for subset in range(num_subsets):
        subset_a = a[rng.choice(a.shape[0], subset_size, replace=False)]
        subset_b = b[rng.choice(b.shape[0], subset_size, replace=False)]
        estimates[subset] = _unbiased_polynomial_mmd2(subset_a, subset_b)
    return float(estimates.mean()), float(estimates.std())


# === Inception Score ===


def inception_score(probabilities: ArrayLike, num_splits: int = 10) -> tuple[float, float]:
    """Inception Score: mean and std over `num_splits` splits of exp(E_x KL(p(y|x) || p(y))).

    Salimans et al. 2016, https://arxiv.org/abs/1606.03498:

        IS = exp( E_x [ KL(p(y|x) || p(y)) ] ),   p(y) = E_x p(y|x),

    with p(y) estimated inside each split, as in the reference implementation. IS is 1
    when every sample gets the same prediction and K when the predictions are confident
    and spread evenly over K classes.
    """
    probs = np.asarray(probabilities, dtype=np.float64)
    if probs.ndim != 2:
        raise ValueError(f"probabilities must be a 2-D array (num_samples, num_classes); got shape {probs.shape}.")
    if not np.all(np.isfinite(probs)):
        raise ValueError("probabilities contain NaN or infinite values.")
    if np.any(probs < 0):
        raise ValueError("probabilities must be non-negative; pass softmax outputs, not logits.")
    row_sums = probs.sum(axis=1)
    if not np.allclose(row_sums, 1.0, atol=_PROBABILITY_SUM_TOLERANCE):
        worst = row_sums[np.argmax(np.abs(row_sums - 1.0))]
        raise ValueError(f"Each row of probabilities must sum to 1 (a softmax output); one sums to {worst:.6g}.")
    if not 1 <= num_splits <= probs.shape[0]:
        raise ValueError(
            f"num_splits must be between 1 and the number of samples ({probs.shape[0]}); got {num_splits}."
        )
    scores = []
    for split in np.array_split(probs, num_splits):
        marginal = split.mean(axis=0, keepdims=True)
        # rel_entr gives 0 * log(0 / q) = 0, so one-hot predictions need no epsilon.
        mean_kl = scipy.special.rel_entr(split, marginal).sum(axis=1).mean()
        scores.append(np.exp(mean_kl))
    return float(np.mean(scores)), float(np.std(scores))


# === k-NN manifold metrics: precision / recall, density / coverage ===


def _reduce_distance_blocks(
    queries: np.ndarray,
    centres: np.ndarray,
    reduce_block: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """Apply `reduce_block` to the query-by-centre distance matrix, block by block.

    Every metric below reads its distances through this one function, so k-NN radii and
    the distances compared against them come from the same computation, and 10k x 10k
    feature sets never hold the whole (800 MB) matrix in memory at once.
    """
    blocks = pairwise_distances_chunked(
        queries,
        centres,
        reduce_func=lambda block, start: reduce_block(block),
        working_memory=_PAIRWISE_WORKING_MEMORY_MIB,
    )
    return np.concatenate(list(blocks))


def _kth_neighbour_distances(features: np.ndarray, k: int) -> np.ndarray:
    """Distance from each row to its k-th nearest other row (the k-NN ball radius)."""
    # Column 0 of each sorted row is the sample itself (distance 0), so the k-th
    # neighbour sits at index k.
    return _reduce_distance_blocks(features, features, lambda block: np.partition(block, k, axis=1)[:, k])


def _count_containing_balls(queries: np.ndarray, centres: np.ndarray, radii: np.ndarray, *, closed: bool) -> np.ndarray:
    """For each query row, how many balls B(centre_i, radius_i) contain it.

    `closed` chooses ||q - c|| <= r (closed balls) over ||q - c|| < r (open balls).
    """
    if closed:
        return _reduce_distance_blocks(queries, centres, lambda block: (block <= radii).sum(axis=1))
    return _reduce_distance_blocks(queries, centres, lambda block: (block < radii).sum(axis=1))


def precision_recall(real_features: ArrayLike, fake_features: ArrayLike, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall from k-NN manifolds (Kynkäänniemi et al. 2019).

    https://arxiv.org/abs/1904.06991. Each set's manifold is the union of closed balls
    around its samples, of radius the distance to the sample's k-th nearest neighbour:

        f(φ, Φ) = 1 if ||φ - φ'|| <= ||φ' - NN_k(φ')|| for some φ' in Φ, else 0
        precision = mean over fakes φ_g of f(φ_g, Φ_real)   (fakes look real)
        recall    = mean over reals φ_r of f(φ_r, Φ_fake)   (reals are covered)
    """
    real = _as_feature_matrix(real_features, "real_features")
    fake = _as_feature_matrix(fake_features, "fake_features")
    _check_same_feature_dim(real, fake, "real_features", "fake_features")
    _check_neighbour_count(k, real.shape[0], "real_features")
    _check_neighbour_count(k, fake.shape[0], "fake_features")
    real_radii = _kth_neighbour_distances(real, k)
    fake_radii = _kth_neighbour_distances(fake, k)
    precision = np.mean(_count_containing_balls(fake, real, real_radii, closed=True) > 0)
    recall = np.mean(_count_containing_balls(real, fake, fake_radii, closed=True) > 0)
    return float(precision), float(recall)


def density_coverage(real_features: ArrayLike, fake_features: ArrayLike, k: int = 5) -> tuple[float, float]:
    """Density and coverage from k-NN balls around the real samples (Naeem et al. 2020).

    https://arxiv.org/abs/2002.09797. With B(X_i, r_i) the ball around real sample X_i
    of radius r_i = distance to its k-th nearest real neighbour, N reals and M fakes:

        density  = 1/(kM) Σ_j Σ_i 1[Y_j ∈ B(X_i, r_i)]
        coverage = 1/N    Σ_i 1[∃ j: Y_j ∈ B(X_i, r_i)]

    Balls are open (distance < r_i), as in the authors' reference code. When the fakes
    are the reals themselves, coverage is 1 and density is 1 up to rounding at the ball
    boundaries (each ball holds its centre and k - 1 neighbours). Density is ≈ 1 for two
    samples of one distribution and may exceed 1; coverage is at most 1.
    """
    real = _as_feature_matrix(real_features, "real_features")
    fake = _as_feature_matrix(fake_features, "fake_features")
    _check_same_feature_dim(real, fake, "real_features", "fake_features")
    _check_neighbour_count(k, real.shape[0], "real_features")
    real_radii = _kth_neighbour_distances(real, k)
    balls_per_fake = _count_containing_balls(fake, real, real_radii, closed=False)
    density = balls_per_fake.sum() / (k * fake.shape[0])
    nearest_fake_distance = _reduce_distance_blocks(real, fake, lambda block: block.min(axis=1))
    coverage = np.mean(nearest_fake_distance < real_radii)
    return float(density), float(coverage)
