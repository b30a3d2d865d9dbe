from collections.abc import Callable, Iterator

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from torchplay.data import synthetic
from torchplay.data.split import split_dataset

TWO_CLASS = [synthetic.circle, synthetic.xor, synthetic.gaussian, synthetic.spiral, synthetic.moons]
Generator = Callable[..., tuple[np.ndarray, np.ndarray]]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize("generate", TWO_CLASS)
def test_two_class_sets_are_balanced_2d_points(generate: Generator) -> None:
    x, y = generate(401, 0.1, rng())
    assert x.shape == (401, 2) and np.issubdtype(x.dtype, np.floating)
    assert y.shape == (401,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [200, 201]
    assert np.abs(x).max() < 2  # spread over about [-1, 1]


@pytest.mark.parametrize("generate", [*TWO_CLASS, synthetic.plane, synthetic.sine])
def test_generators_repeat_for_a_seed_and_vary_across_seeds(generate: Generator) -> None:
    x1, y1 = generate(50, 0.1, rng(7))
    x2, y2 = generate(50, 0.1, rng(7))
    x3, _ = generate(50, 0.1, rng(8))
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


def test_circle_without_noise_separates_disc_and_ring() -> None:
    x, y = synthetic.circle(1000, 0.0, rng())
    radius = np.hypot(x[:, 0], x[:, 1])
    assert radius[y == 0].max() <= 0.5
    assert radius[y == 1].min() >= 0.7 and radius[y == 1].max() <= 1.0


def test_xor_without_noise_labels_by_sign() -> None:
    x, y = synthetic.xor(1000, 0.0, rng())
    assert np.array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(np.int64))


def test_gaussian_blobs_sit_on_opposite_corners() -> None:
    x, y = synthetic.gaussian(4000, 0.0, rng())
    assert np.allclose(x[y == 0].mean(axis=0), [0.5, 0.5], atol=0.02)
    assert np.allclose(x[y == 1].mean(axis=0), [-0.5, -0.5], atol=0.02)


def test_spiral_arms_are_half_a_turn_apart() -> None:
    x, y = synthetic.spiral(1000, 0.0, rng())
    radius = np.hypot(x[:, 0], x[:, 1])
    assert radius.min() >= 0.1 and radius.max() <= 1.0
    # On arm 0 the angle is 2.5π·r; arm 1 adds π.
    angle = np.arctan2(x[:, 1], x[:, 0])
    offset = np.angle(np.exp(1j * (angle - 2.5 * np.pi * radius - np.pi * y)))
    assert np.abs(offset).max() < 1e-6


def test_noise_moves_points() -> None:
    clean, _ = synthetic.moons(500, 0.0, rng())
    noisy, _ = synthetic.moons(500, 0.3, rng())
    assert 0.2 < np.std(noisy - clean) < 0.4


def test_step_values() -> None:
    x, y = synthetic.step(rng())
    assert x.shape == (60, 1) and y.shape == (60, 1) and x.dtype == np.float32
    assert x[:, 0].tolist() == list(range(-30, 30))
    at = dict(zip(x[:, 0].tolist(), y[:, 0].tolist(), strict=True))
    assert [at[v] for v in (-30, -10, -9, 9, 10, 29)] == [1.0, 1.0, 0.5, 0.5, 0.0, 0.0]  # the tutorial: y(10) = 0


def test_plane_and_sine_targets_without_noise() -> None:
    x, y = synthetic.plane(100, 0.0, rng())
    assert y.shape == (100, 1) and np.allclose(y[:, 0], (x[:, 0] + x[:, 1]) / 2)
    x, y = synthetic.sine(100, 0.0, rng())
    assert x.shape == y.shape == (100, 1) and np.allclose(y, np.sin(x))
    assert x.min() >= -2 * np.pi and x.max() <= 2 * np.pi


def test_random_sets() -> None:
    x, y = synthetic.random_regression(10, 3, rng())
    assert x.shape == (10, 3) and y.shape == (10, 1)
    x, y = synthetic.random_classes(5000, 4, 7, rng())
    assert x.shape == (5000, 4) and x.dtype == np.float32
    counts = np.bincount(y, minlength=7)
    assert counts.min() > 600 and counts.max() < 830  # uniform: 714 each
    assert abs(float(x.mean())) < 0.05 and abs(float(x.std()) - 1) < 0.05


def test_params_forbid_unknown_names_and_check_bounds() -> None:
    assert synthetic.PointsParams().model_dump() == {"samples": 400, "noise": 0.1}
    with pytest.raises(ValidationError, match="extra"):
        synthetic.PointsParams(sample=3)
    with pytest.raises(ValidationError):
        synthetic.PointsParams(noise=-0.1)
    with pytest.raises(ValidationError):
        synthetic.PointsParams(samples=0)
    with pytest.raises(ValidationError, match="at most"):
        synthetic.RandomClassesParams(samples=1_000_000, features=784)
    for model in (synthetic.PointsParams, synthetic.RandomClassesParams, synthetic.SineParams):
        properties = model.model_json_schema()["properties"]
        assert all(field.get("description") for field in properties.values())


@pytest.fixture
def one_thread() -> Iterator[None]:
    # Several threads on a busy 2-core machine make this tiny model 20× slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.usefixtures("one_thread")
def test_spiral_is_learnable_by_a_small_mlp_at_defaults() -> None:
    params = synthetic.SpiralParams()
    x, y = synthetic.spiral(params.samples, params.noise, rng(0))
    data = split_dataset(x, y, task="classification", seed=0, test_fraction=0.2)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 16),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 16),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 2),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(300):  # full batch of 320 points; reaches 1.0 by step 250
        loss = torch.nn.functional.cross_entropy(model(data.x_train), data.y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        accuracy = (model(data.x_test).argmax(1) == data.y_test).float().mean().item()
    assert accuracy >= 0.9
