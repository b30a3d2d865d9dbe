import time

import numpy as np
import pytest
from pydantic import ValidationError

from torchplay.data.images import SHAPES, ShapesParams, shapes

# Area of each shape in its frame of unit radius, as drawn by `shapes`.
AREAS = {
    "circle": np.pi * 0.9**2,
    "square": 1.5**2,
    "triangle": 3 * np.sqrt(3) * 0.5**2,  # equilateral, inradius 0.5
    "cross": 2 * 1.8 * 0.5 - 0.5**2,  # two 1.8 × 0.5 bars sharing a 0.5 × 0.5 square
    "ring": np.pi * (1.0 - 0.6**2),
}


def test_images_shape_range_and_balance() -> None:
    x, y = shapes(1003, 0.1, np.random.default_rng(0))
    assert x.shape == (1003, 1, 28, 28) and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert y.dtype == np.int64 and set(np.bincount(y).tolist()) <= {200, 201}


def test_same_seed_same_images() -> None:
    a, _ = shapes(40, 0.2, np.random.default_rng(3))
    b, _ = shapes(40, 0.2, np.random.default_rng(3))
    c, _ = shapes(40, 0.2, np.random.default_rng(4))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_each_class_draws_its_shape() -> None:
    x, y = shapes(2000, 0.0, np.random.default_rng(1))
    ink = x.sum(axis=(1, 2, 3))
    # Same size distribution for every class, so mean ink ∝ area.
    ratios = {name: ink[y == k].mean() / ink[y == 0].mean() for k, name in enumerate(SHAPES)}
    for name, ratio in ratios.items():
        assert ratio == pytest.approx(AREAS[name] / AREAS["circle"], rel=0.08), name
    # Shapes stay inside the frame: the border is blank without noise.
    assert x[:, :, [0, -1], :].max() == 0 and x[:, :, :, [0, -1]].max() == 0
    assert (x.max(axis=(1, 2, 3)) >= 0.6).all()


def test_noise_is_per_pixel() -> None:
    clean, _ = shapes(200, 0.0, np.random.default_rng(2))
    noisy, _ = shapes(200, 0.3, np.random.default_rng(2))
    background = clean == 0
    assert noisy[background].std() > 0.1


def test_two_thousand_images_are_fast() -> None:
    shapes(50, 0.1, np.random.default_rng(0))  # warm up
    started = time.process_time()  # CPU time: steady on a busy machine
    shapes(2000, 0.1, np.random.default_rng(0))
    assert time.process_time() - started < 1.0  # about 0.3 s


def test_params() -> None:
    assert ShapesParams().samples == 2000
    with pytest.raises(ValidationError):
        ShapesParams(samples=60_001)
    with pytest.raises(ValidationError):
        ShapesParams(size=3)
