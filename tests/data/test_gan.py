import numpy as np
import pytest
from pydantic import ValidationError

from torchplay.data.gan import GanParams, gaussian_mixture, ring


def test_ring_points_lie_near_radius_one() -> None:
    x = ring(2000, np.random.default_rng(0))
    assert x.shape == (2000, 2)
    radius = np.hypot(x[:, 0], x[:, 1])
    assert abs(radius.mean() - 1) < 0.01 and radius.std() < 0.07
    angle = np.arctan2(x[:, 1], x[:, 0])
    assert np.histogram(angle, bins=8)[0].min() > 180  # all the way round


def test_gaussian_mixture_has_eight_tight_modes() -> None:
    x = gaussian_mixture(4000, np.random.default_rng(0))
    assert x.shape == (4000, 2)
    centres = np.stack([np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], 1)
    distance = np.linalg.norm(x[:, None] - centres[None], axis=2)  # (n, 8)
    assert distance.min(axis=1).max() < 0.35
    assert np.bincount(distance.argmin(axis=1), minlength=8).min() > 400


def test_same_seed_same_points() -> None:
    assert np.array_equal(ring(10, np.random.default_rng(4)), ring(10, np.random.default_rng(4)))


def test_params() -> None:
    assert GanParams().samples == 1000
    with pytest.raises(ValidationError):
        GanParams(noise=0.1)
