import numpy as np
import pytest
from pydantic import ValidationError

from torchplay.data.sequences import (
    PATTERNS,
    SequenceClassesParams,
    SineForecastParams,
    sequence_classes,
    sine_forecast,
)


def test_sine_forecast_windows_and_next_value() -> None:
    x, y = sine_forecast(300, 20, np.random.default_rng(0))
    assert x.shape == (300, 20, 1) and y.shape == (300, 1)
    assert np.abs(y).max() <= 1.0
    # The next value continues the window: at most 0.25 × 1.5 rad further along the sine,
    # plus the window's noise (σ 0.05).
    assert np.abs(y[:, 0] - x[:, -1, 0]).max() < 0.375 + 0.25
    # Windows differ in frequency and phase.
    assert np.std(x[:, 0, 0]) > 0.5


def test_sine_forecast_repeats_per_seed() -> None:
    a = sine_forecast(10, 5, np.random.default_rng(1))
    b = sine_forecast(10, 5, np.random.default_rng(1))
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))


def _templates() -> np.ndarray:
    t = np.linspace(0.0, 1.0, 6)
    return np.stack([2 * t - 1, 1 - 2 * t, np.sin(2 * np.pi * t), -np.sin(2 * np.pi * t)])


def test_sequence_classes_hide_their_pattern_anywhere() -> None:
    x, y = sequence_classes(800, 32, np.random.default_rng(0))
    assert x.shape == (800, 32, 1) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [200] * len(PATTERNS)
    # A detector that slides each pattern along the sequence (what a recurrent or
    # convolutional model can learn) recovers the class...
    windows = np.lib.stride_tricks.sliding_window_view(x[:, :, 0], 6, axis=1)  # (n, 27, 6)
    scores = np.einsum("npk,ck->ncp", windows, _templates()).max(axis=2)
    assert (scores.argmax(axis=1) == y).mean() > 0.9
    # ...while no single place gives it away: the pattern starts anywhere.
    starts = np.abs(windows[..., 0]).argmax(axis=1)
    assert len(np.unique(starts)) > 20
    # Every pattern has mean 0, so the sum of a sequence tells nothing about its class.
    sums = x.sum(axis=(1, 2))
    class_means = np.array([sums[y == k].mean() for k in range(len(PATTERNS))])
    assert np.ptp(class_means) < 1.0


def test_sequence_params() -> None:
    assert SequenceClassesParams().model_dump() == {"samples": 2000, "length": 32}
    assert SineForecastParams().model_dump() == {"samples": 1000, "window": 20}
    with pytest.raises(ValidationError):
        SequenceClassesParams(length=5)  # shorter than a pattern
    with pytest.raises(ValidationError, match="at most"):
        SineForecastParams(samples=1_000_000, window=1_000)
    with pytest.raises(ValidationError):
        SineForecastParams(features=2)
