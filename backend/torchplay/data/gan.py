"""2-D target distributions for GANs: a model learns to draw points that look like these."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from torchplay.data.base import DatasetParams


class GanParams(DatasetParams):
    samples: int = Field(1000, ge=1, le=1_000_000, description="Number of points.")


def ring(samples: int, rng: np.random.Generator) -> np.ndarray:
    """Points (samples, 2) on a thin ring of radius 1."""
    angle = rng.uniform(0.0, 2 * np.pi, samples)
    radius = rng.normal(1.0, 0.05, samples)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)


def gaussian_mixture(samples: int, rng: np.random.Generator) -> np.ndarray:
    """Points (samples, 2) from 8 small Gaussians evenly spaced on a circle of radius 1.

    The classic test for mode collapse: a generator that only finds some of the 8 shows it."""
    component = rng.integers(0, 8, samples)
    angle = 2 * np.pi * component / 8
    centre = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centre + rng.normal(0.0, 0.05, (samples, 2))
