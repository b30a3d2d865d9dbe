"""Data as a tutorial writes it in code: numbers typed into the request (`inline`), and
random sets drawn by torch's own generator (`draw: "torch"`), so an exported script can
say `torch.manual_seed(0); x = torch.randn(10, 2)` and mean exactly the job's data.

A draw is a list of `TorchDraw`s: the name it binds, the torch function and its sizes.
The loader runs them on a `torch.Generator` seeded with the data seed (the same numbers
as `torch.manual_seed(seed)` then the calls on CPU); the exporter writes the very calls
(`export/data_code.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
import torch
from pydantic import Field, field_validator

from torchplay.data.base import DatasetParams

Draw = Literal["numpy", "torch"]
DRAW_DESCRIPTION = (
    "numpy: torchplay's generator; torch: torch.randn / torch.randint after torch.manual_seed(data seed), "
    "as a tutorial writes it (the export shows those calls)."
)
# Numbers one inline dataset may hold whatever the settings say; the settings' limit
# (max_inline_values) is checked against the parsed request.
MAX_INLINE_ROWS = 100_000

Number = float  # JSON integers are fine numbers too (strict mode still refuses "1" and true)
Rows = (
    Annotated[list[Annotated[list[Number], Field(min_length=1, max_length=100_000)]], Field(max_length=MAX_INLINE_ROWS)]
    | Annotated[list[Number], Field(max_length=MAX_INLINE_ROWS)]
)


@dataclass(frozen=True)
class TorchDraw:
    name: str  # "x" or "y"
    function: Literal["randn", "randint"]
    size: tuple[int, ...]
    high: int = 0  # randint: labels 0 … high - 1

    def run(self, generator: torch.Generator) -> torch.Tensor:
        if self.function == "randint":
            return torch.randint(0, self.high, self.size, generator=generator)
        return torch.randn(*self.size, generator=generator)


def run_draws(draws: list[TorchDraw], seed: int) -> dict[str, np.ndarray]:
    generator = torch.Generator().manual_seed(seed)
    return {draw.name: draw.run(generator).numpy() for draw in draws}


def random_regression_draws(samples: int, features: int) -> list[TorchDraw]:
    return [TorchDraw("x", "randn", (samples, features)), TorchDraw("y", "randn", (samples, 1))]


def random_classes_draws(samples: int, features: int, classes: int) -> list[TorchDraw]:
    return [TorchDraw("x", "randn", (samples, features)), TorchDraw("y", "randint", (samples,), classes)]


class InlineParams(DatasetParams):
    """Numbers written in the request: the targets, and the inputs or their random draw."""

    x: Rows | None = Field(
        None,
        description="Input rows (a flat list: one feature per row); null: drawn as torch.randn(rows, features).",
    )
    y: Rows = Field(
        [1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0],  # the tutorial's fixed targets
        description="Targets, one per row: a value (or class index), or a row of values.",
    )
    features: int | None = Field(
        None, ge=1, le=100_000, description="Inputs per row when x is null (drawn by torch.randn; default 1)."
    )

    @field_validator("x", "y")
    @classmethod
    def _rectangular(cls, rows: list[list[float]] | list[float] | None) -> list[list[float]] | list[float] | None:
        if rows is not None:
            _check_rows(rows)
        return rows

    def mismatch(self) -> tuple[str, str] | None:
        """(field, why) when x and y do not go together; None when they do."""
        if self.x is None:
            return None
        if self.features is not None:
            return "features", "give x or features (x drawn by torch.randn), not both"
        if len(self.x) != len(self.y):
            return "x", f"x has {len(self.x)} rows but y has {len(self.y)}: one target per row"
        return None

    @property
    def rows(self) -> int:
        return len(self.y)

    @property
    def values(self) -> int:
        """How many numbers the data holds once drawn (what the size limit counts)."""
        width = self.features if self.x is None else _width(self.x)
        return self.rows * ((width or 1) + _width(self.y))

    @property
    def target_width(self) -> int:
        return _width(self.y)

    def input_shape(self) -> tuple[int, ...]:
        return ((self.features or 1) if self.x is None else _width(self.x),)

    def draws(self) -> list[TorchDraw]:
        return [] if self.x is not None else [TorchDraw("x", "randn", (self.rows, self.features or 1))]

    def labels(self) -> list[int] | None:
        """The targets as class indices, when they are one whole number ≥ 0 per row."""
        if any(isinstance(v, list) for v in self.y):
            return None
        values = [float(v) for v in self.y]  # type: ignore[arg-type]  # flat: numbers
        if all(v >= 0 and v.is_integer() for v in values) and max(values) < 1_000:
            return [int(v) for v in values]
        return None


def _width(rows: list[list[float]] | list[float]) -> int:
    return len(rows[0]) if rows and isinstance(rows[0], list) else 1


def _check_rows(rows: list[list[float]] | list[float]) -> None:
    if not rows:
        raise ValueError("no rows")
    if isinstance(rows[0], list):
        width = len(rows[0])
        if width == 0:
            raise ValueError("the rows are empty")
        bad = next((i for i, row in enumerate(rows) if not isinstance(row, list) or len(row) != width), None)
        if bad is not None:
            raise ValueError(f"row {bad} is not a row of {width} numbers like row 0")
    elif any(isinstance(row, list) for row in rows):
        raise ValueError("mixes numbers and rows")


def inline_arrays(params: InlineParams, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) as float32 arrays: x (rows, features) typed or drawn; y (rows, 1) from a flat list."""
    x = run_draws(params.draws(), seed)["x"] if params.x is None else _array(params.x)
    return x, _array(params.y)


def _array(rows: list[list[float]] | list[float]) -> np.ndarray:
    a = np.asarray(rows, dtype=np.float32)
    return a.reshape(len(a), -1)


def class_names(params: Any) -> list[str] | None:
    labels = params.labels() if isinstance(params, InlineParams) else None
    return [str(i) for i in range(max(labels) + 1)] if labels else None
