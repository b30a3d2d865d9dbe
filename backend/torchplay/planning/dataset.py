"""A dataset reference checked: the entry exists, its params validate and fit the limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from torchplay import data
from torchplay.data.written import InlineParams
from torchplay.spec import SpecError
from torchplay.spec.limits import Limits


@dataclass
class DatasetPlan:
    name: str
    task: str
    params: BaseModel
    input_shape: list[int]
    classes: list[str] | None
    samples: int  # rows before the split (0: not known)
    target_width: int = 1  # values per target row of a regression set


def plan_dataset(ref_name: str, params: dict[str, Any], limits: Limits, data_dir: Path | None) -> DatasetPlan:
    try:
        entry = data.get_dataset(ref_name, data_dir)
    except KeyError:
        names = ", ".join(item["name"] for item in data.catalogue())  # never other people's uploads
        raise SpecError(
            ("dataset", "name"), f"unknown dataset {ref_name!r}; choose one of: {names}, or an uploaded set's name"
        ) from None
    try:
        validated = data.validate_params(ref_name, params, data_dir)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [part for part in first["loc"] if not (isinstance(part, str) and "[" in part)]  # union tags
        raise SpecError(("dataset", "params", *loc), first["msg"], first["type"]) from None
    if isinstance(validated, InlineParams):
        _check_inline(validated, limits)
    samples = getattr(validated, "samples", None)
    if isinstance(samples, int) and samples > limits.max_samples:
        raise SpecError(
            ("dataset", "params", "samples"),
            f"{samples:,} samples is over the limit max_samples={limits.max_samples:,}",
            "limit_exceeded",
        )
    return DatasetPlan(
        entry.name,
        entry.task,
        validated,
        list(entry.input_shape(validated)),
        entry.classes(validated),
        entry.samples(validated),
        entry.target_width(validated),
    )


def _check_inline(params: InlineParams, limits: Limits) -> None:
    """Rows that go together, and no more numbers than the settings allow."""
    mismatch = params.mismatch()
    if mismatch is not None:
        raise SpecError(("dataset", "params", mismatch[0]), mismatch[1])
    if params.values > limits.max_inline_values:
        field = "y" if params.x is None else "x"
        raise SpecError(
            ("dataset", "params", field),
            f"{params.values:,} numbers is over the limit max_inline_values={limits.max_inline_values:,}",
            "limit_exceeded",
        )
