"""Latent interpolation: walk from one noise vector to another and look at the images.

A generator that has learned a smooth mapping shows gradual changes along the path;
sharp jumps, or images that stay the same, point at memorization or collapse
(Radford et al. 2015, "Unsupervised Representation Learning with Deep Convolutional
GANs", section 6.1). Spherical interpolation follows White 2016, "Sampling
Generative Networks", https://arxiv.org/abs/1609.04468: under a Gaussian prior
almost all the mass lies near the sphere of radius sqrt(latent_dim), and the straight
line between two samples cuts through the low-norm interior the generator never saw
in training (its midpoint has norm about 0.71 sqrt(latent_dim)).
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from zoo.io import write_text

METHODS = ("slerp", "linear")
#: Below this angle (radians) between the endpoints slerp falls back to lerp.
_PARALLEL_ANGLE = 1e-6


def lerp(start: ArrayLike, end: ArrayLike, t: ArrayLike) -> np.ndarray:
    """Linear interpolation (1 - t) start + t end, one row per value of t."""
    start, end, t = _check(start, end, t)
    return ((1.0 - t) * start + t * end).astype(np.float32)


def slerp(start: ArrayLike, end: ArrayLike, t: ArrayLike) -> np.ndarray:
    """Spherical interpolation (White 2016), one row per value of t.

    The direction moves along the great circle between the endpoints' directions at
    constant angular speed; the norm moves linearly between their norms. For
    endpoints of equal norm this is White's formula

        slerp(p0, p1, t) = sin((1 - t) Ω) / sin Ω · p0 + sin(t Ω) / sin Ω · p1,
        cos Ω = p0·p1 / (|p0| |p1|),

    and every point keeps that norm. Endpoints that point the same way (or exactly
    opposite ways, where the great circle is undefined) are interpolated linearly.
    """
    start, end, t = _check(start, end, t)
    start_norm, end_norm = np.linalg.norm(start), np.linalg.norm(end)
    if start_norm == 0 or end_norm == 0:
        return lerp(start, end, t[:, 0])
    start_unit, end_unit = start / start_norm, end / end_norm
    omega = np.arccos(np.clip(np.dot(start_unit, end_unit), -1.0, 1.0))
    if omega < _PARALLEL_ANGLE or np.pi - omega < _PARALLEL_ANGLE:
        return lerp(start, end, t[:, 0])
    direction = (np.sin((1.0 - t) * omega) * start_unit + np.sin(t * omega) * end_unit) / np.sin(omega)
    norm = (1.0 - t) * start_norm + t * end_norm
    path = direction * norm
    # t = 0 and t = 1 give the endpoints exactly, not up to rounding.
    path[t[:, 0] == 0] = start
    path[t[:, 0] == 1] = end
    return path.astype(np.float32)


def interpolate(start: ArrayLike, end: ArrayLike, steps: int, method: str = "slerp") -> np.ndarray:
    """`steps` points from `start` to `end` inclusive, shape (steps, latent_dim)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    if int(steps) != steps or steps < 2:
        raise ValueError(f"steps must be an integer of at least 2 (the two endpoints), got {steps}.")
    t = np.linspace(0.0, 1.0, int(steps))
    return (slerp if method == "slerp" else lerp)(start, end, t)


def _check(start: ArrayLike, end: ArrayLike, t: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    start = np.asarray(start, dtype=np.float64)
    end = np.asarray(end, dtype=np.float64)
    if start.ndim != 1 or start.shape != end.shape:
        raise ValueError(f"start and end must be vectors of one size, got shapes {start.shape} and {end.shape}.")
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))[:, None]
    return start, end, t


def interpolation_grid(
    model: Any,
    path: str | pathlib.Path,
    rows: int = 4,
    steps: int = 8,
    method: str = "slerp",
    seed: int = 0,
    scale: int | None = None,
) -> np.ndarray:
    """Write a PNG grid of `rows` interpolations of `steps` images each, row r going
    from noise vector 2r to 2r + 1 (drawn from the model's prior with `seed`), and a
    JSON file beside it with the endpoints; return the images, (rows * steps, h, w, c).

    `model` is anything `zoo.metrics.evaluate.as_sampler` takes that draws from noise:
    a `zoo.GAN`, an `export.OnnxGenerator`, a generator network, a `.keras` path or a
    run folder.
    Tiles are 1 px apart; `scale` upsamples the grid (`None`: `save_image_grid`'s choice).
    """
    from zoo.images import save_image_grid
    from zoo.metrics.evaluate import as_sampler

    if int(rows) != rows or rows < 1:
        raise ValueError(f"rows must be a positive integer, got {rows}.")
    sampler = as_sampler(model)
    noise = sampler.generator_inputs.noise if sampler.generator_inputs is not None else None
    if noise is None:
        raise ValueError(f"{sampler.description} takes no noise vectors, so there is nothing to interpolate.")
    drawn = sampler.sample_inputs(2 * int(rows), seed)
    endpoints = drawn[noise.name]
    latents = np.concatenate(
        [interpolate(endpoints[2 * row], endpoints[2 * row + 1], steps, method) for row in range(int(rows))]
    )
    # The other inputs (labels, codes) stay those of each row's first endpoint.
    inputs = {name: np.repeat(values[0::2], int(steps), axis=0) for name, values in drawn.items()}
    inputs[noise.name] = latents.astype("float32")
    images = sampler.generate(inputs)
    if images.ndim != 4:
        raise ValueError(f"An interpolation grid needs an image generator; this one makes shape {images.shape[1:]}.")
    path = pathlib.Path(path)
    save_image_grid(images, path, columns=int(steps), scale=scale)
    write_text(
        path.with_suffix(".json"),
        json.dumps(
            {
                "model": sampler.description,
                "method": method,
                "rows": int(rows),
                "steps": int(steps),
                "seed": seed,
                "endpoints": endpoints.round(6).tolist(),
            }
        )
        + "\n",
    )
    return images
