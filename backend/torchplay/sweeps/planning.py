"""Every member of a sweep planned before any is created: one that fails rejects the sweep,
its error located at the axis value that made it."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

from torchplay.planning import PlannedJob, plan_under
from torchplay.settings import Settings
from torchplay.spec import JobCreate, SpecError
from torchplay.spec.errors import clean_loc
from torchplay.spec.sweep import SweepCreate
from torchplay.spec.tags import UNION_TAGS
from torchplay.sweeps.members import Member, expand_members, set_path

MAX_CULPRIT_TRIES = 32  # extra plans spent finding which axis value broke a member

Plan = Callable[[dict[str, Any]], PlannedJob]


def plan_members(
    settings: Settings, sweep: SweepCreate, devices: Sequence[str] | None = None
) -> tuple[list[Member], list[PlannedJob]]:
    members = expand_members(sweep, settings.max_sweep_members)

    def plan(request: dict[str, Any]) -> PlannedJob:
        return plan_under(settings, JobCreate.model_validate(request), devices)

    plans = []
    for member in members:
        request = {**member.request, "name": f"{sweep.name} · {member.label()}"[:100]}
        try:
            plans.append(plan(request))
        except (ValidationError, SpecError) as exc:
            raise _located(sweep, member, request, _errors(exc), plan) from None
    return members, plans


def _errors(exc: ValidationError | SpecError) -> list[dict[str, Any]]:
    if isinstance(exc, SpecError):
        return exc.errors
    return [{"loc": clean_loc(e["loc"], UNION_TAGS), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]


def _culprit(sweep: SweepCreate, member: Member, request: dict[str, Any], plan: Plan) -> str | None:
    """The axis whose value breaks the member: another of that axis's values makes it plan."""
    tries = 0
    for path, position in member.positions.items():
        for index, value in enumerate(sweep.axes[path]):
            if index == position or tries >= MAX_CULPRIT_TRIES:
                continue
            tries += 1
            other = copy.deepcopy(request)
            set_path(other, path, copy.deepcopy(value))
            try:
                plan(other)
            except (ValidationError, SpecError):
                continue
            return path
    return None


def _located(
    sweep: SweepCreate, member: Member, request: dict[str, Any], errors: list[dict[str, Any]], plan: Plan
) -> SpecError:
    """`["axes", path, position, *field loc]` for the value to blame; `["base", *field loc]`
    when no single axis value is (the base request, or a combination, is wrong)."""
    axis = _culprit(sweep, member, request, plan)
    located = []
    for error in errors:
        if axis is not None:
            loc = ["axes", axis, member.positions[axis], *error["loc"]]
            msg = f"with {axis}={member.values[axis]!r}: {error['msg']}"
        else:
            loc = ["base", *error["loc"]]
            msg = f"with {member.label()}: {error['msg']}"
        located.append({**error, "loc": loc, "msg": msg})
    result = SpecError(located[0]["loc"], located[0]["msg"], located[0]["type"])
    result.errors = located
    return result
