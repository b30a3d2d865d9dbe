"""A sweep's members: the grid's combinations and the random draws, set into the base request."""

from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from tests.conftest import spiral_job
from torchplay.spec import SpecError
from torchplay.spec.sweep import SweepCreate
from torchplay.sweeps import expand_members, set_path

LRS = [0.001, 0.01, 0.1]
WIDTHS = [4, 16, 64]


def _grid(**overrides: object) -> SweepCreate:
    body = {"base": spiral_job(), "axes": {"optimizer.lr": LRS, "model.layers.0.out_features": WIDTHS}, **overrides}
    return SweepCreate.model_validate(body)


def test_a_3x3_grid_is_every_combination_once_with_exactly_the_requested_values() -> None:
    members = expand_members(_grid(), max_members=64)
    assert len(members) == 9
    got = [(m.request["optimizer"]["lr"], m.request["model"]["layers"][0]["out_features"]) for m in members]
    assert got == list(itertools.product(LRS, WIDTHS))  # the first axis slowest
    for member in members:  # nothing else changed
        rest = member.request | {"optimizer": {**member.request["optimizer"], "lr": 0.01}}
        rest["model"] = {"layers": [{**rest["model"]["layers"][0], "out_features": 16}, *rest["model"]["layers"][1:]]}
        assert rest == spiral_job()
        assert member.values == {"optimizer.lr": member.request["optimizer"]["lr"],
                                 "model.layers.0.out_features": member.request["model"]["layers"][0]["out_features"]}  # fmt: skip


def test_random_mode_draws_count_members_from_the_axes_the_same_way_for_a_seed() -> None:
    first = expand_members(_grid(mode="random", count=7, seed=3), max_members=64)
    again = expand_members(_grid(mode="random", count=7, seed=3), max_members=64)
    other = expand_members(_grid(mode="random", count=7, seed=4), max_members=64)
    assert len(first) == 7
    assert [m.values for m in first] == [m.values for m in again]
    assert [m.values for m in first] != [m.values for m in other]
    assert all(m.values["optimizer.lr"] in LRS and m.values["model.layers.0.out_features"] in WIDTHS for m in first)


def test_more_members_than_the_limit_are_refused_before_any_is_made() -> None:
    with pytest.raises(SpecError) as grid:
        expand_members(_grid(), max_members=8)
    assert grid.value.errors[0]["loc"] == ["axes"] and "max_sweep_members=8" in grid.value.errors[0]["msg"]
    with pytest.raises(SpecError) as drawn:
        expand_members(_grid(mode="random", count=9), max_members=8)
    assert drawn.value.errors[0]["loc"] == ["count"]


def test_set_path_creates_missing_keys_but_not_list_positions() -> None:
    request = spiral_job()
    set_path(request, "dataset.params.noise", 0.3)
    set_path(request, "seed", 5)
    assert request["dataset"]["params"]["noise"] == 0.3 and request["seed"] == 5
    with pytest.raises(ValueError, match=r"model\.layers has 5 entries, no position 9"):
        set_path(request, "model.layers.9.out_features", 3)
    with pytest.raises(ValueError, match="an object, not a list"):
        set_path(request, "optimizer.0", 3)
    with pytest.raises(ValueError, match="a value, not an object"):
        set_path(request, "epochs.count", 3)


def test_a_missing_layer_position_names_the_axis() -> None:
    with pytest.raises(SpecError) as caught:
        expand_members(_grid(axes={"model.layers.7.out_features": [2]}), max_members=64)
    assert caught.value.errors[0]["loc"] == ["axes", "model.layers.7.out_features"]


@pytest.mark.parametrize(
    "body",
    [
        {"axes": {}},
        {"axes": {"optimizer..lr": [1]}},
        {"axes": {"optimizer.lr": 0.1}},
        {"axes": {"optimizer lr": [1]}},
        {"axes": {"optimizer.lr": []}},
        {"axes": {"optimizer.lr": list(range(65))}},
        {"mode": "random"},
        {"early_stopping": {"rule": "median", "at_epochs": [5, 5]}},
        {"early_stopping": {"rule": "median", "at_epochs": [0]}},
        {"early_stopping": {"rule": "best", "at_epochs": [5]}},
    ],
)
def test_bad_sweep_requests_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SweepCreate.model_validate({"base": spiral_job(), "axes": {"optimizer.lr": LRS}, **body})
