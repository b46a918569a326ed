"""2-D toy distributions used to study mode collapse.

- `ring8`: 8 Gaussians on a circle, the toy of Unrolled GANs (Metz et al., 2017,
  "Unrolled Generative Adversarial Networks"), used with a unit radius and std 0.01
  by VEEGAN (Srivastava et al., 2017, "VEEGAN: Reducing Mode Collapse in GANs using
  Implicit Variational Learning").
- `grid25`: 25 Gaussians on {-4, -2, 0, 2, 4}^2 with std 0.05, from VEEGAN and PacGAN
  (Lin et al., 2018, "PacGAN: The power of two samples in generative adversarial
  networks").
- `swissroll`: the 2-D swiss roll of the WGAN-GP toy experiments (Gulrajani et al.,
  2017, "Improved Training of Wasserstein GANs").

The mixtures have known centres, so `zoo.metrics.mode_coverage` can count how many
modes a generator captures; their exact `density` gives the optimal discriminator
D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Goodfellow et al., 2014) in closed form.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable

import numpy as np
import tensorflow as tf
from numpy.typing import ArrayLike

from zoo.data.images import without_autotune

__all__ = [
    "DATASET_NAMES",
    "MIXTURES",
    "Mixture",
    "as_points",
    "grid25",
    "mixture_dataset",
    "ring8",
    "swissroll",
]


def as_points(values: ArrayLike, *, what: str = "points") -> np.ndarray:
    """Return `values` as a float64 array of shape [n, 2], or raise a ValueError.

    Non-finite entries are kept: callers decide what a NaN means (the mode-coverage
    metric counts it as a miss rather than crashing on a diverged generator).
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"{what} must have shape [n, 2], got shape {array.shape}.")
    return array


@dataclasses.dataclass(frozen=True, eq=False)
class Mixture:
    """An equal-weight mixture of isotropic 2-D Gaussians N(centre_k, std^2 I).

    `eq=False` keeps identity equality and hashing: the generated field-wise `__eq__`
    would compare arrays element-wise and raise on `bool()`.
    """

    name: str
    centres: np.ndarray  # [num_modes, 2]
    std: float

    def __post_init__(self) -> None:
        centres = as_points(self.centres, what="centres").copy()
        if len(centres) == 0:
            raise ValueError("A mixture needs at least one centre.")
        if not np.all(np.isfinite(centres)):
            raise ValueError("Mixture centres must be finite.")
        if not (math.isfinite(self.std) and self.std > 0):
            raise ValueError(f"Mixture std must be a positive finite number, got {self.std}.")
        # A frozen dataclass only stops re-binding; a read-only copy also stops callers
        # from moving the modes that a metric reads later.
        centres.flags.writeable = False
        object.__setattr__(self, "centres", centres)
        object.__setattr__(self, "std", float(self.std))

    @property
    def num_modes(self) -> int:
        return len(self.centres)

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """Draw `n` points, float32 [n, 2]: a uniform component, then Gaussian noise."""
        _check_positive_int(n, "n", allow_zero=True)
        rng = np.random.default_rng(seed)
        components = rng.integers(self.num_modes, size=n)
        noise = rng.standard_normal((n, 2))
        return (self.centres[components] + self.std * noise).astype(np.float32)

    def density(self, points: ArrayLike) -> np.ndarray:
        """The exact pdf at each point, float64 [n]:
        p(x) = (1/K) sum_k exp(-|x - c_k|^2 / (2 std^2)) / (2 pi std^2).
        """
        points = as_points(points)
        squared_distances = np.sum((points[:, None, :] - self.centres[None, :, :]) ** 2, axis=-1)
        variance = self.std**2
        kernels = np.exp(-squared_distances / (2.0 * variance)) / (2.0 * math.pi * variance)
        return kernels.mean(axis=1)


def ring8() -> Mixture:
    """8 Gaussians on the unit circle at angles 2*pi*k/8, std 0.01 (Metz 2017; VEEGAN)."""
    # endpoint=False matters: linspace(0, 2*pi, 8) would put k=0 and k=7 on the same
    # point and silently leave 7 modes.
    angles = np.linspace(0.0, 2.0 * math.pi, 8, endpoint=False)
    centres = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return Mixture(name="ring8", centres=centres, std=0.01)


def grid25() -> Mixture:
    """25 Gaussians on {-4, -2, 0, 2, 4}^2, std 0.05 (VEEGAN; PacGAN)."""
    coordinates = (-4.0, -2.0, 0.0, 2.0, 4.0)
    centres = np.array(list(itertools.product(coordinates, coordinates)))
    return Mixture(name="grid25", centres=centres, std=0.05)


# The swiss roll's x and z coordinates lie in about [-9.5, 14.2]; dividing by 7.5, as
# the WGAN-GP toy code does, brings them to roughly [-2, 2] like the other toys.
_SWISSROLL_SCALE = 7.5


def swissroll(n: int, noise: float = 0.25, seed: int | None = None) -> np.ndarray:
    """`n` points of the 2-D swiss roll, float32 [n, 2] (WGAN-GP, Gulrajani 2017).

    scikit-learn's 3-D `make_swiss_roll`, keeping x and z and dividing by 7.5. It is a
    continuous manifold with no discrete modes, hence a function and not a `Mixture`.
    """
    # Only the swiss roll needs scikit-learn, and importing it takes about a second.
    from sklearn.datasets import make_swiss_roll

    _check_positive_int(n, "n")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a non-negative finite number, got {noise}.")
    points_3d, _ = make_swiss_roll(n_samples=n, noise=noise, random_state=seed)
    return (points_3d[:, [0, 2]] / _SWISSROLL_SCALE).astype(np.float32)


MIXTURES: dict[str, Callable[[], Mixture]] = {"ring8": ring8, "grid25": grid25}
DATASET_NAMES: tuple[str, ...] = (*MIXTURES, "swissroll")


def mixture_dataset(
    name: str,
    num_samples: int = 100_000,
    batch_size: int = 256,
    seed: int | None = 0,
) -> tf.data.Dataset:
    """A `tf.data.Dataset` of float32 batches [batch_size, 2] from a toy distribution.

    `num_samples` points are drawn once (for a mixture, exactly
    `MIXTURES[name]().sample(num_samples, seed)`), then shuffled (a new order every
    epoch, reproducible given `seed`), batched with `drop_remainder=True` so every
    batch has a static shape, and prefetched. `seed=None` gives fresh randomness.
    """
    if name not in DATASET_NAMES:
        raise ValueError(f"Unknown toy dataset {name!r}; known names: {', '.join(DATASET_NAMES)}.")
    _check_positive_int(num_samples, "num_samples")
    _check_positive_int(batch_size, "batch_size")
    if batch_size > num_samples:
        raise ValueError(
            f"batch_size ({batch_size}) is larger than num_samples ({num_samples}): with "
            "drop_remainder=True the dataset would yield no batch at all."
        )

    if name == "swissroll":
        points = swissroll(num_samples, seed=seed)
    else:
        points = MIXTURES[name]().sample(num_samples, seed=seed)

    dataset = tf.data.Dataset.from_tensor_slices(points)
    dataset = dataset.shuffle(num_samples, seed=seed, reshuffle_each_iteration=True)
    return without_autotune(dataset.batch(batch_size, drop_remainder=True))


def _check_positive_int(value: object, what: str, *, allow_zero: bool = False) -> None:
    # bool is an int subclass; `batch_size=True` is a bug, not a batch of one.
    is_int = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    lowest = 0 if allow_zero else 1
    if not is_int or value < lowest:
        kind = "a non-negative" if allow_zero else "a positive"
        raise ValueError(f"{what} must be {kind} integer, got {value!r}.")
