"""A validation failure that points into the request, like pydantic's own errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

Loc = tuple[str | int, ...]


class SpecError(ValueError):
    """One or more problems, each with a `loc` path into the request JSON."""

    def __init__(self, loc: Sequence[str | int], msg: str, kind: str = "value_error") -> None:
        super().__init__(msg)
        self.errors: list[dict[str, Any]] = [{"loc": list(loc), "msg": msg, "type": kind}]

    def __str__(self) -> str:
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in self.errors)


def clean_loc(loc: Sequence[str | int], tags: frozenset[str]) -> list[str | int]:
    """Drop pydantic's union-tag steps ("Linear", "sequential") and FastAPI's "body".

    So a client sees `["model", "layers", 3, "in_features"]`: a path into what it sent."""
    return [part for i, part in enumerate(loc) if part not in tags and not (i == 0 and part == "body")]


class SpecWarning(BaseModel):
    """An unusual but valid choice: the job runs, and the person is told why it may surprise."""

    loc: list[str | int] = Field(description="Where in the request, like a validation error's loc.")
    msg: str
    msg_zh: str | None = Field(None, description="The same in 简体中文, for the page.")
