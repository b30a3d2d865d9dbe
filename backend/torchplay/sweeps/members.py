"""A sweep's members: the base request with each combination of axis values set in it."""

from __future__ import annotations

import copy
import itertools
import json
import random
from dataclasses import dataclass
from typing import Any

from torchplay.spec.errors import SpecError
from torchplay.spec.sweep import AxisValue, SweepCreate


@dataclass(frozen=True)
class Member:
    values: dict[str, AxisValue]  # axis path → value
    positions: dict[str, int]  # axis path → index of the value in the axis (for error locs)
    request: dict[str, Any]  # the job request, not yet validated

    def label(self) -> str:
        """A short name part: the last step of each path and its value (`lr=0.01`)."""
        return " · ".join(f"{path.rsplit('.', 1)[-1]}={_short(value)}" for path, value in self.values.items())


def _short(value: AxisValue) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 24 else text[:23] + "…"


def set_path(request: dict[str, Any], path: str, value: AxisValue) -> None:
    """Put `value` at a dotted path. Missing object keys are created (a field left to its
    default); a list position must exist, since the base decides how many layers there are."""
    steps = path.split(".")
    node: Any = request
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
        where = ".".join(steps[:depth]) or "the request"
        if isinstance(node, list):
            if not step.isdigit() or int(step) >= len(node):
                raise ValueError(f"{where} has {len(node)} entries, no position {step}")
            if last:
                node[int(step)] = value
            else:
                node = node[int(step)]
        elif isinstance(node, dict):
            if step.isdigit():
                raise ValueError(f"{where} is an object, not a list: no position {step}")
            if last:
                node[step] = value
            else:
                node = node.setdefault(step, {})
        else:
            raise ValueError(f"{where} is a value, not an object or a list")


def expand_members(sweep: SweepCreate, max_members: int) -> list[Member]:
    """Every member of the sweep, in a fixed order: the grid's (the first axis slowest), or
    `count` random draws (one value per axis each, seeded)."""
    axes = list(sweep.axes.items())
    if sweep.mode == "grid":
        size = 1
        for _, values in axes:
            size *= len(values)
        if size > max_members:
            raise SpecError(("axes",), f"the grid has {size:,} members, over the limit max_sweep_members={max_members}")
        choices = list(itertools.product(*(range(len(values)) for _, values in axes)))
    else:
        assert sweep.count is not None
        if sweep.count > max_members:
            raise SpecError(("count",), f"{sweep.count:,} members is over the limit max_sweep_members={max_members}")
        rng = random.Random(sweep.seed)
        choices = [tuple(rng.randrange(len(values)) for _, values in axes) for _ in range(sweep.count)]
    members = []
    for picks in choices:
        request = copy.deepcopy(sweep.base)
        chosen: dict[str, AxisValue] = {}
        positions: dict[str, int] = {}
        for (path, axis_values), index in zip(axes, picks, strict=True):
            value = axis_values[index]
            try:
                set_path(request, path, copy.deepcopy(value))
            except ValueError as exc:
                raise SpecError(("axes", path), str(exc)) from None
            chosen[path], positions[path] = value, index
        members.append(Member(chosen, positions, request))
    return members
