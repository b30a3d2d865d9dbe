"""The sweep request (`POST /api/sweeps`): a base job request and the values to vary."""

from __future__ import annotations

import itertools
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# A request field by path: dotted keys, list positions as numbers ("model.layers.0.out_features").
AXIS_PATH = r"^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|[0-9]+))*$"
MAX_AXES = 8
MAX_AXIS_VALUES = 64
AxisValue = bool | int | float | str | None | dict[str, Any] | list[Any]


class EarlyStopping(BaseModel):
    """Stop members that fall behind, judged at the rung epochs as members reach them.

    - `median`: a member is stopped at a rung if its metric there is worse than the median of
      what the members that reached the rung before it recorded (once `min_reported` have).
    - `halving` (asynchronous successive halving): a member continues past a rung only while
      its metric is among the better half of all values recorded at that rung so far.
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    rule: Literal["median", "halving"] = Field(description="median stopping, or successive halving.")
    at_epochs: list[int] = Field(min_length=1, max_length=20, description="Rung epochs, increasing.")
    metric: Literal["val_loss", "train_loss"] = Field("val_loss", description="Lower is better.")
    min_reported: int = Field(2, ge=1, le=1000, description="Values a rung needs before it stops anyone.")

    @field_validator("at_epochs")
    @classmethod
    def _increasing(cls, epochs: list[int]) -> list[int]:
        if any(e < 1 for e in epochs) or any(b <= a for a, b in itertools.pairwise(epochs)):
            raise ValueError("rung epochs must be positive and increasing")
        return epochs


class SweepCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    name: str = Field("sweep", min_length=1, max_length=100)
    base: dict[str, Any] = Field(description="A job request (the body of POST /api/jobs) every member starts from.")
    axes: dict[str, list[AxisValue]] = Field(
        min_length=1, max_length=MAX_AXES, description="Request field path → the values it takes."
    )
    mode: Literal["grid", "random"] = Field("grid", description="Every combination, or `count` random ones.")
    count: int | None = Field(None, ge=1, le=10_000, description="Members drawn in random mode.")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the random draws.")
    early_stopping: EarlyStopping | None = None

    @field_validator("axes")
    @classmethod
    def _axes(cls, axes: dict[str, list[AxisValue]]) -> dict[str, list[AxisValue]]:
        for path, values in axes.items():
            if not re.match(AXIS_PATH, path):
                raise ValueError(f"axis {path!r} is not a request field path like 'optimizer.lr'")
            if not 1 <= len(values) <= MAX_AXIS_VALUES:
                raise ValueError(f"axis {path!r} needs 1 to {MAX_AXIS_VALUES} values")
        return axes

    @model_validator(mode="after")
    def _count(self) -> SweepCreate:
        if self.mode == "random" and self.count is None:
            raise ValueError("random mode needs `count`")
        return self


class SweepMember(BaseModel):
    id: str
    values: dict[str, AxisValue] = Field(description="Axis path → this member's value.")
    status: str
    epoch: int
    train_loss: float | None
    val_loss: float | None
    metrics: dict[str, float | None]
    stopped_by: str | None = Field(None, description="Why the early-stopping rule stopped it, if it did.")


class SweepPublic(BaseModel):
    id: str
    name: str
    created_at: str
    owner: str = Field(description="Who made it; its members are theirs too.")
    status: str = Field(description="running while any member is queued or training, else done.")
    axes: dict[str, list[AxisValue]]
    mode: str
    early_stopping: EarlyStopping | None
    members: list[SweepMember]


class SweepCreated(BaseModel):
    id: str
    members: list[str]
