"""Mode coverage on the 2-D toy mixtures: how many modes a generator captures.

The protocol of VEEGAN (Srivastava et al., 2017, "VEEGAN: Reducing Mode Collapse in
GANs using Implicit Variational Learning") and PacGAN (Lin et al., 2018, "PacGAN: The
power of two samples in generative adversarial networks"): draw 2,500 points from the
generator, assign each to its nearest centre, call it high quality if it lies within
three standard deviations of that centre, and call a mode captured if at least one
high-quality point is assigned to it.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from zoo.data.mixtures import MIXTURES, Mixture, as_points

__all__ = ["NUM_EVAL_POINTS", "ModeCoverage", "mode_coverage", "mode_coverage_for", "scatter_plot"]

# The sample size of the VEEGAN / PacGAN tables; fewer points under-count modes.
NUM_EVAL_POINTS = 2_500


@dataclasses.dataclass(frozen=True)
class ModeCoverage:
    """The result of `mode_coverage`.

    `high_quality_per_mode[k]` counts the high-quality points whose nearest centre is
    mode k; `modes_captured` is the number of non-zero entries.
    """

    modes_captured: int
    num_modes: int
    high_quality_fraction: float  # in [0, 1], over all points, NaN rows included
    high_quality_per_mode: tuple[int, ...]
    num_points: int

    def __str__(self) -> str:
        return (
            f"{self.modes_captured}/{self.num_modes} modes, "
            f"{self.high_quality_fraction:.1%} high quality ({self.num_points} points)"
        )


def mode_coverage(
    points: ArrayLike,
    centres: ArrayLike,
    std: float,
    num_std: float = 3.0,
) -> ModeCoverage:
    """Count captured modes and the high-quality fraction (VEEGAN 2017; PacGAN 2018).

    A point is high quality when its Euclidean distance to its nearest centre is at
    most `num_std * std` (inclusive). A mode is captured when at least one high-quality
    point has it as its nearest centre. The papers use 2,500 generated points.

    Points that are NaN or infinite (a diverged generator) count as not high quality.
    Even points drawn from the true mixture are not all high quality: in 2-D the
    distance to the centre is Rayleigh distributed, so P(|x - c| <= 3 std) =
    1 - exp(-9/2), about 98.9%.
    """
    points = as_points(points)
    centres = as_points(centres, what="centres")
    if len(points) == 0:
        raise ValueError("mode_coverage needs at least one point.")
    if len(centres) == 0:
        raise ValueError("mode_coverage needs at least one centre.")
    if not np.all(np.isfinite(centres)):
        raise ValueError("centres must be finite.")
    for value, what in ((std, "std"), (num_std, "num_std")):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{what} must be a positive finite number, got {value}.")

    finite = np.all(np.isfinite(points), axis=1)
    # Non-finite rows are parked at the first centre only so argmin stays defined; the
    # `finite` mask keeps them out of the high-quality set.
    safe_points = np.where(finite[:, None], points, centres[0])
    distances = np.linalg.norm(safe_points[:, None, :] - centres[None, :, :], axis=-1)
    nearest = np.argmin(distances, axis=1)
    nearest_distance = distances[np.arange(len(points)), nearest]
    high_quality = finite & (nearest_distance <= num_std * std)

    per_mode = np.bincount(nearest[high_quality], minlength=len(centres))
    return ModeCoverage(
        modes_captured=int(np.count_nonzero(per_mode)),
        num_modes=len(centres),
        high_quality_fraction=float(np.mean(high_quality)),
        high_quality_per_mode=tuple(int(count) for count in per_mode),
        num_points=len(points),
    )


def mode_coverage_for(name: str, points: ArrayLike, num_std: float = 3.0) -> ModeCoverage:
    """`mode_coverage` against the centres and std of the mixture called `name`."""
    mixture = _mixture_named(name)
    return mode_coverage(points, mixture.centres, mixture.std, num_std=num_std)


def scatter_plot(
    points: ArrayLike,
    mixture_or_centres: Mixture | ArrayLike,
    path: str | Path,
    title: str | None = None,
) -> Path:
    """Write a 500x500 PNG of generated points over the true centres; return its path.

    Mode collapse is easier to see than to read from numbers. Given a `Mixture`, the
    default title reports its `mode_coverage`, and each centre's high-quality disc
    (radius 3 std) is drawn. The axes are fixed by the centres, not by the points, so
    plots from successive training steps line up; points far outside are clipped.
    """
    # matplotlib is only needed here; the object-oriented Figure + Agg canvas avoids
    # pyplot's global state (no backend switch, no figures left open).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle

    points = as_points(points)
    if isinstance(mixture_or_centres, Mixture):
        mixture, centres = mixture_or_centres, mixture_or_centres.centres
    else:
        mixture, centres = None, as_points(mixture_or_centres, what="centres")
    if len(centres) == 0 or not np.all(np.isfinite(centres)):
        raise ValueError("centres must be a non-empty array of finite [x, y] pairs.")
    if title is None and mixture is not None and len(points) > 0:
        title = f"{mixture.name}: {mode_coverage(points, centres, mixture.std)}"

    figure = Figure(figsize=(5, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4, color="tab:blue", label="generated")
    if mixture is not None:
        for centre in centres:
            axes.add_patch(Circle(centre, 3.0 * mixture.std, fill=False, color="tab:red", lw=0.5))
    axes.scatter(centres[:, 0], centres[:, 1], s=30, marker="x", color="tab:red", label="centres")

    low, high = centres.min(axis=0), centres.max(axis=0)
    margin = max(0.5, 0.25 * float(np.max(high - low)))
    axes.set_xlim(low[0] - margin, high[0] + margin)
    axes.set_ylim(low[1] - margin, high[1] + margin)
    axes.set_aspect("equal")
    axes.legend(loc="upper right", fontsize="small")
    if title:
        axes.set_title(title, fontsize="medium")

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # No bbox_inches="tight": it would crop to content and make the size vary.
    figure.savefig(path, format="png")
    return path


def _mixture_named(name: str) -> Mixture:
    if name not in MIXTURES:
        raise ValueError(
            f"No mixture named {name!r}; mode coverage needs discrete modes, known mixtures: {', '.join(MIXTURES)}."
        )
    return MIXTURES[name]()
