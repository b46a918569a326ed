"""Diagnostics that reproduce what the GAN papers claim, on data small enough for a CPU.

- `vanishing_gradients`: the minimax generator cost loses its gradient as the
  discriminator approaches optimality; the non-saturating cost does not (Arjovsky &
  Bottou 2017, figures 2 and 3).
- `optimal_discriminator_check`: a trained discriminator approaches
  D* = p_data / (p_data + p_g) (Goodfellow et al. 2014, proposition 1).
- `interpolation_grid`: images along linear or spherical paths in latent space
  (Radford et al. 2015; White 2016).

Each returns its numbers and, given an output folder, writes a PNG and a data file.
"""

from zoo.diagnostics.interpolation import (
    METHODS,
    interpolate,
    interpolation_grid,
    lerp,
    slerp,
)
from zoo.diagnostics.optimal_discriminator import (
    OptimalDiscriminatorCheck,
    optimal_discriminator,
    optimal_discriminator_check,
    plot_optimal_discriminator,
)
from zoo.diagnostics.vanishing_gradients import (
    VanishingGradients,
    fresh_discriminator,
    plot_vanishing_gradients,
    vanishing_gradients,
    write_csv,
)

__all__ = [
    "METHODS",
    "OptimalDiscriminatorCheck",
    "VanishingGradients",
    "fresh_discriminator",
    "interpolate",
    "interpolation_grid",
    "lerp",
    "optimal_discriminator",
    "optimal_discriminator_check",
    "plot_optimal_discriminator",
    "plot_vanishing_gradients",
    "slerp",
    "vanishing_gradients",
    "write_csv",
]
