"""Data as a tutorial writes it: typed inline rows (bounded, validated at the field) and
random sets drawn by torch's own generator (the same numbers as `torch.manual_seed`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from pydantic import ValidationError

from tests.planning.test_plan_job import refusal
from torchplay import data
from torchplay.data.written import InlineParams
from torchplay.spec.limits import Limits


def _job(params: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "dataset": {"name": "inline", "params": params, "test_fraction": 0},
        "model": {"layers": [{"type": "Linear", "out_features": 1}]},
        **overrides,
    }


def test_typed_rows_load_as_written_in_their_order() -> None:
    loaded = data.load_dataset("inline", {"x": [[1, 2], [3, 4], [5, 6]], "y": [0.5, 1, 2]}, 0, 0.0, None)  # type: ignore[arg-type]
    assert loaded.x_train.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert loaded.y_train.tolist() == [[0.5], [1.0], [2.0]]  # one column per row, as the net outputs


def test_drawn_inputs_are_torch_randn_after_manual_seed() -> None:
    loaded = data.load_dataset("inline", {"features": 10, "y": [1, 0, 0, 1, 1, 1, 0, 0, 1, 1]}, 7, 0.0, None)  # type: ignore[arg-type]
    torch.manual_seed(7)
    assert torch.equal(loaded.x_train, torch.randn(10, 10))


@pytest.mark.parametrize(
    ("name", "params", "calls"),
    [
        ("random-regression", {"samples": 10, "features": 2}, lambda: (torch.randn(10, 2), torch.randn(10, 1))),
        ("random-classes", {"samples": 100, "features": 784}, lambda: (torch.randn(100, 784), torch.randint(0, 10, (100,)))),
    ],
)  # fmt: skip
def test_random_sets_drawn_by_torch(name: str, params: dict[str, Any], calls: Any) -> None:
    loaded = data.load_dataset(name, {**params, "draw": "torch"}, 3, 0.0, None)  # type: ignore[arg-type]
    torch.manual_seed(3)
    x, y = calls()
    assert torch.equal(loaded.x_train, x) and torch.equal(loaded.y_train.reshape(y.shape), y.to(loaded.y_train.dtype))


BAD: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("ragged x", {"x": [[1, 2], [3]], "y": [0, 1]}, ["dataset", "params", "x"]),
    ("rows and numbers mixed", {"y": [1, [2]]}, ["dataset", "params", "y"]),
    ("no targets", {"y": []}, ["dataset", "params", "y"]),
    ("a target as text", {"y": [1, "2"]}, ["dataset", "params", "y"]),
    ("x and y of other lengths", {"x": [1, 2, 3], "y": [0, 1]}, ["dataset", "params", "x"]),
    ("x and features both", {"x": [1, 2], "y": [0, 1], "features": 3}, ["dataset", "params", "features"]),
    ("unknown field", {"y": [1], "z": [2]}, ["dataset", "params", "z"]),
    ("too many numbers", {"features": 100_000, "y": [0, 1]}, ["dataset", "params", "y"]),
]


@pytest.mark.parametrize(("why", "params", "loc"), BAD, ids=[case[0] for case in BAD])
def test_bad_inline_data_is_refused_at_the_field(why: str, params: dict[str, Any], loc: list[Any]) -> None:
    locs = refusal(_job(params), Limits(max_inline_values=1_000))
    assert locs and locs[0][: len(loc)] == loc, (why, locs)


def test_a_number_that_is_not_finite_is_refused() -> None:
    with pytest.raises(ValidationError):
        InlineParams.model_validate_json(json.dumps({"y": [1.0, float("inf")]}))


def test_whole_number_targets_may_be_labels() -> None:
    classify = _job({"x": [[0, 1], [1, 0], [1, 1]], "y": [0, 2, 1]}, task="classification")
    classify["model"] = {"layers": [{"type": "Linear", "out_features": 3}]}
    assert refusal(classify) == []
    assert refusal(_job({"y": [0.5, 1.5]}, task="classification")) == [["task"]]  # values, not labels


@pytest.mark.parametrize(
    "params",
    [{}, {"x": [[0, 1], [1, 0], [1, 1]], "y": [0, 1, 1]}, {"features": 10, "y": [1, 0, 1]},
     {"x": [1, 2, 3], "y": [[1, 2], [3, 4], [5, 6]]}, {"features": 2, "y": [0.5, 1.5]},
     {"features": 4, "y": [[0.5, 1], [1, 2]]}],
)  # fmt: skip
def test_every_shape_of_inline_data_previews(params: dict[str, Any], tmp_path: Any) -> None:
    shown = data.preview("inline", params, 0, tmp_path)
    assert shown["kind"] in ("curve", "points", "table")
    json.dumps(shown)
