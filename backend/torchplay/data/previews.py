"""Small JSON-ready samples of a dataset for the page to draw (`GET /api/datasets/{name}/preview`).

Kinds, by the shape of one input row:
- `[2]` → `points` (x: [[x0, x1], …], y: labels, values, or null for GAN sets)
- `[1]` → `curve` (x and y sorted by x)
- `[c, h, w]` → `images` (0…255 ints, row-major; the first channel)
- `[length, features]` → `series` (one list of values per sequence; a list of
  `features` values per step when features > 1)
- anything else → `table`
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_POINTS = 2000
MAX_IMAGES = 16
MAX_SERIES = 16
MAX_ROWS = 20
MAX_COLUMNS = 16  # feature columns shown in a table, plus the target


def preview_size(input_shape: tuple[int, ...]) -> int:
    """How many rows a preview of inputs shaped like this shows."""
    if len(input_shape) == 1 and input_shape[0] <= 2:
        return MAX_POINTS
    if len(input_shape) == 3:
        return MAX_IMAGES
    if len(input_shape) == 2:
        return MAX_SERIES
    return MAX_ROWS


def _values(a: np.ndarray) -> list[Any]:
    # 4 decimals: enough to draw, and a fifth of the JSON of full floats.
    return np.round(a.astype(np.float64), 4).tolist()


def _targets(y: np.ndarray | None, classes: list[str] | None) -> list[Any] | None:
    if y is None:
        return None
    return y.astype(np.int64).tolist() if classes is not None else _values(y.reshape(len(y)))


def label_names(y: np.ndarray, classes: list[str] | None) -> list[Any]:
    """Class names for classification, target values for regression."""
    if classes is not None:
        return [classes[int(label)] for label in y]
    return _values(y.reshape(len(y), -1)[:, 0])


def points(x: np.ndarray, y: np.ndarray | None, classes: list[str] | None) -> dict[str, Any]:
    x, y = x[:MAX_POINTS], None if y is None else y[:MAX_POINTS]
    return {"kind": "points", "x": _values(x), "y": _targets(y, classes), "classes": classes}


def curve(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    x, y = x[:MAX_POINTS].reshape(-1), y[:MAX_POINTS].reshape(-1)
    order = np.argsort(x, kind="stable")
    return {"kind": "curve", "x": _values(x[order]), "y": _values(y[order])}


def images(pixels: np.ndarray, labels: list[str]) -> dict[str, Any]:
    """`pixels`: (n, h, w) in 0…255."""
    pixels = np.clip(np.rint(pixels[:MAX_IMAGES]), 0, 255).astype(np.int64)
    return {
        "kind": "images",
        "images": pixels.reshape(len(pixels), -1).tolist(),
        "labels": labels[:MAX_IMAGES],
        "shape": list(pixels.shape[1:]),
    }


def series(x: np.ndarray, labels: list[Any]) -> dict[str, Any]:
    """`x`: (n, length, features)."""
    x = x[:MAX_SERIES]
    values = x[..., 0] if x.shape[-1] == 1 else x
    return {"kind": "series", "series": _values(values), "labels": labels[:MAX_SERIES]}


def table(columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"kind": "table", "columns": columns, "rows": rows[:MAX_ROWS]}


def from_arrays(x: np.ndarray, y: np.ndarray | None, classes: list[str] | None) -> dict[str, Any]:
    """The preview of generated arrays; images are expected in [0, 1]."""
    shape = x.shape[1:]
    if shape == (2,):
        return points(x, y, classes)
    if y is None:
        raise ValueError(f"only sets of 2-D points may come without targets, not {shape}")
    if shape == (1,):
        return curve(x, y)
    if len(shape) == 3:
        return images(x[:, 0] * 255.0, label_names(y[:MAX_IMAGES], classes))
    if len(shape) == 2:
        return series(x, label_names(y[:MAX_SERIES], classes))
    flat = x[:MAX_ROWS].reshape(min(len(x), MAX_ROWS), -1)
    features = flat.shape[1]
    columns = [f"x{i}" for i in range(min(features, MAX_COLUMNS))] + ["y"]
    target = label_names(y[:MAX_ROWS], classes)
    rows = [[*_values(row[:MAX_COLUMNS]), t] for row, t in zip(flat, target, strict=True)]
    return table(columns, rows)
