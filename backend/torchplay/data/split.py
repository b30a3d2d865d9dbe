"""The seeded train/test split every loader goes through, and the numpy → torch hand-over."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from torchplay.data.base import LoadedDataset, Task


def data_rng(seed: int) -> np.random.Generator:
    """The generator that draws a dataset's values.

    A stream apart from the split's `default_rng(seed)`: sharing one would make which rows
    land in the test set depend on the very numbers that drew the first points."""
    # A child of `seed` (as `SeedSequence(seed).spawn(1)[0]`); note `default_rng([seed, 0])`
    # would not do: trailing zero words leave a seed unchanged.
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))


def check_fraction(test_fraction: float) -> None:
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")


def split_indices(n: int, seed: int, test_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle `range(n)` with `default_rng(seed)`; the last `round(n * test_fraction)` are test.

    At least one row stays in training so a tiny set with a large fraction still trains.
    Nothing held out keeps the rows in their own order (what unshuffled batches go through)."""
    check_fraction(test_fraction)
    n_test = min(round(n * test_fraction), max(n - 1, 0))
    if n_test == 0:
        return np.arange(n), np.arange(0)
    order = np.random.default_rng(seed).permutation(n)
    return order[: n - n_test], order[n - n_test :]


def _tensor(a: np.ndarray, dtype: type) -> torch.Tensor:
    # No copy when `a` already is a fresh array of the right dtype (the usual case after
    # indexing); read-only buffers (np.frombuffer, caches) are copied so torch may write.
    a = np.ascontiguousarray(a, dtype=dtype)
    return torch.from_numpy(a if a.flags.writeable else a.copy())


def to_loaded(
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    *,
    task: Task,
    classes: list[str] | None = None,
    extras: dict[str, Any] | None = None,
) -> LoadedDataset:
    """Already split `(x, y)` arrays → the trainer's tensors (float32 x; int64 labels or
    float32 targets). For `gan` and `reconstruction` the targets are the inputs: `y` is
    ignored and `y_*` is the very same tensor as `x_*`."""
    x_train, x_test = _tensor(train[0], np.float32), _tensor(test[0], np.float32)
    if task in ("gan", "reconstruction"):
        y_train, y_test = x_train, x_test
    else:
        y_dtype = np.int64 if task == "classification" else np.float32
        y_train, y_test = _tensor(train[1], y_dtype), _tensor(test[1], y_dtype)
    return LoadedDataset(
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        task=task,
        input_shape=tuple(int(d) for d in train[0].shape[1:]),
        classes=classes,
        extras=extras or {},
    )


def split_dataset(
    x: np.ndarray,
    y: np.ndarray | None,
    *,
    task: Task,
    seed: int,
    test_fraction: float,
    classes: list[str] | None = None,
    extras: dict[str, Any] | None = None,
) -> LoadedDataset:
    """Split n rows with `split_indices` and hand them over as tensors (see `to_loaded`)."""
    train, test = split_indices(len(x), seed, test_fraction)
    y = x if y is None else y
    return to_loaded((x[train], y[train]), (x[test], y[test]), task=task, classes=classes, extras=extras)
