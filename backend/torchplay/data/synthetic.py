"""Small generated sets: random tensors, the `step` tutorial set and the 2-D playground sets.

Each generator is a plain numpy function whose arguments are its dataset's parameter
names plus `rng`, returning `(x, y)`. Exported code shows them as written here, so each
stays self-contained (numpy only, no helpers) and readable, like TensorFlow Playground's."""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from torchplay.data.base import DatasetParams, check_values
from torchplay.data.written import DRAW_DESCRIPTION, Draw


class RandomRegressionParams(DatasetParams):
    # Ten points of noise: the tutorial's "a network can memorise anything" example.
    samples: int = Field(10, ge=1, le=1_000_000, description="Number of rows.")
    features: int = Field(2, ge=1, le=100_000, description="Input values per row.")
    draw: Draw = Field("numpy", description=DRAW_DESCRIPTION)

    @model_validator(mode="after")
    def _fits_in_memory(self) -> RandomRegressionParams:
        check_values(self.samples * self.features)
        return self


class RandomClassesParams(DatasetParams):
    # 784 features: shaped like flattened MNIST, so models can be tried before downloading it.
    samples: int = Field(100, ge=1, le=1_000_000, description="Number of rows.")
    features: int = Field(784, ge=1, le=100_000, description="Input values per row.")
    classes: int = Field(10, ge=2, le=1_000, description="Number of classes.")
    draw: Draw = Field("numpy", description=DRAW_DESCRIPTION)

    @model_validator(mode="after")
    def _fits_in_memory(self) -> RandomClassesParams:
        check_values(self.samples * self.features)
        return self


class PointsParams(DatasetParams):
    """Sets of points (the 2-D sets, `plane`, `sine`): how many, and how noisy."""

    samples: int = Field(400, ge=1, le=1_000_000, description="Number of points.")
    noise: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Standard deviation of the Gaussian noise; the data spans about [-1, 1].",
    )


class SpiralParams(PointsParams):
    # Less noise than the other sets: neighbouring arms are only 0.4 apart.
    noise: float = Field(
        0.03,
        ge=0.0,
        le=1.0,
        description="Standard deviation of the Gaussian noise; the data spans about [-1, 1].",
    )


class SineParams(PointsParams):
    noise: float = Field(0.1, ge=0.0, le=2.0, description="Standard deviation of the noise added to sin(x).")


def random_regression(samples: int, features: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets both standard normal: there is nothing to learn but the points."""
    x = rng.standard_normal((samples, features), dtype=np.float32)
    y = rng.standard_normal((samples, 1), dtype=np.float32)
    return x, y


def random_classes(
    samples: int, features: int, classes: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal inputs with uniformly drawn labels."""
    x = rng.standard_normal((samples, features), dtype=np.float32)
    y = rng.integers(0, classes, samples)
    return x, y


def step(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x = -30 … 29; y = 1 for x <= -10, 0.5 for -10 < x < 10, 0 from 10 on. No randomness (`rng` is unused)."""
    x = np.arange(-30, 30, dtype=np.float32).reshape(-1, 1)
    y = np.where(x <= -10, 1.0, np.where(x < 10, 0.5, 0.0)).astype(np.float32)
    return x, y


def circle(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 inside radius 0.5, class 1 on the ring from 0.7 to 1."""
    y = (np.arange(samples) >= samples // 2).astype(np.int64)  # two halves: 0s, then 1s
    radius = np.where(y == 0, rng.uniform(0.0, 0.5, samples), rng.uniform(0.7, 1.0, samples))
    angle = rng.uniform(0.0, 2 * np.pi, samples)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return x + rng.normal(0.0, noise, x.shape), y


def xor(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 where both coordinates have the same sign, class 1 where they differ."""
    y = (np.arange(samples) >= samples // 2).astype(np.int64)  # two halves: 0s, then 1s
    # Keep a small gap around the axes so the labels are not decided by the noise alone.
    magnitude = rng.uniform(0.05, 1.0, (samples, 2))
    sign0 = rng.choice([-1.0, 1.0], samples)
    sign1 = np.where(y == 0, sign0, -sign0)
    x = magnitude * np.stack([sign0, sign1], axis=1)
    return x + rng.normal(0.0, noise, x.shape), y


def gaussian(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs of spread 0.2 around (0.5, 0.5) and (-0.5, -0.5)."""
    y = (np.arange(samples) >= samples // 2).astype(np.int64)  # two halves: 0s, then 1s
    centre = np.where(y[:, None] == 0, 0.5, -0.5)
    x = centre + rng.normal(0.0, 0.2, (samples, 2))
    return x + rng.normal(0.0, noise, x.shape), y


def spiral(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved arms winding 1.25 turns out to radius 1."""
    y = (np.arange(samples) >= samples // 2).astype(np.int64)  # two halves: 0s, then 1s
    t = rng.uniform(0.1, 1.0, samples)  # position along the arm: 0 centre, 1 outer end
    angle = 1.25 * 2 * np.pi * t + np.pi * y  # the second arm is the first turned half a turn
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)
    return x + rng.normal(0.0, noise, x.shape), y


def moons(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, scaled to about [-1, 1] × [-0.5, 0.5]."""
    y = (np.arange(samples) >= samples // 2).astype(np.int64)  # two halves: 0s, then 1s
    angle = rng.uniform(0.0, np.pi, samples)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    x = (np.where(y[:, None] == 0, upper, lower) - [0.5, 0.25]) / 1.5
    return x + rng.normal(0.0, noise, x.shape), y


def plane(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = (x0 + x1) / 2 plus noise, for x uniform on [-1, 1]²."""
    x = rng.uniform(-1.0, 1.0, (samples, 2))
    y = (x[:, 0] + x[:, 1]) / 2 + rng.normal(0.0, noise, samples)
    return x, y.reshape(-1, 1)


def sine(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(x) plus noise, for x uniform on [-2π, 2π]."""
    x = rng.uniform(-2 * np.pi, 2 * np.pi, (samples, 1))
    return x, np.sin(x) + rng.normal(0.0, noise, x.shape)
