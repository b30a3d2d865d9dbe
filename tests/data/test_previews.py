import json

import numpy as np

from torchplay.data import previews


def test_points_carry_labels_values_or_nothing() -> None:
    x = np.arange(10.0).reshape(5, 2)
    labelled = previews.points(x, np.array([0, 1, 1, 0, 1]), ["a", "b"])
    assert labelled == {
        "kind": "points",
        "x": x.tolist(),
        "y": [0, 1, 1, 0, 1],
        "classes": ["a", "b"],
    }
    valued = previews.points(x, np.full((5, 1), 0.123456), None)
    assert valued["y"] == [0.1235] * 5 and valued["classes"] is None
    assert previews.points(x, None, None)["y"] is None


def test_points_are_capped() -> None:
    x = np.zeros((5000, 2))
    shown = previews.points(x, np.zeros(5000, dtype=np.int64), ["a"])
    assert len(shown["x"]) == len(shown["y"]) == previews.MAX_POINTS


def test_curve_is_sorted_by_x() -> None:
    shown = previews.curve(np.array([[2.0], [-1.0], [0.5]]), np.array([[4.0], [1.0], [0.25]]))
    assert shown == {"kind": "curve", "x": [-1.0, 0.5, 2.0], "y": [1.0, 0.25, 4.0]}


def test_images_are_small_ints() -> None:
    pixels = np.linspace(-10, 300, 20 * 28 * 28).reshape(20, 28, 28)
    shown = previews.images(pixels, [str(i) for i in range(20)])
    assert shown["shape"] == [28, 28] and len(shown["images"]) == 16 == len(shown["labels"])
    flat = [v for image in shown["images"] for v in image]
    assert len(shown["images"][0]) == 784 and min(flat) == 0 and max(flat) <= 255
    assert all(isinstance(v, int) for v in flat)


def test_series_flatten_single_features() -> None:
    one = previews.series(np.zeros((3, 5, 1)), ["a", "b", "c"])
    assert one["series"] == [[0.0] * 5] * 3
    two = previews.series(np.zeros((3, 5, 2)), ["a", "b", "c"])
    assert np.shape(two["series"]) == (3, 5, 2)


def test_from_arrays_picks_the_kind_by_shape() -> None:
    rng = np.random.default_rng(0)
    y = np.arange(30) % 3
    classes = ["a", "b", "c"]
    kinds = {
        (2,): "points",
        (1,): "curve",
        (1, 28, 28): "images",
        (12, 1): "series",
        (40,): "table",
    }
    for shape, kind in kinds.items():
        shown = previews.from_arrays(rng.random((30, *shape)), y, classes)
        assert shown["kind"] == kind
        json.dumps(shown)
    table = previews.from_arrays(rng.random((30, 40)), y, classes)
    assert table["columns"] == [f"x{i}" for i in range(16)] + ["y"]
    assert len(table["rows"]) == 20 and table["rows"][1][-1] == "b"
    images = previews.from_arrays(np.ones((30, 1, 28, 28)), y, classes)
    assert images["images"][0][0] == 255 and images["labels"][:3] == classes


def test_preview_size() -> None:
    assert previews.preview_size((2,)) == previews.preview_size((1,)) == 2000
    assert previews.preview_size((1, 28, 28)) == 16
    assert previews.preview_size((784,)) == 20
