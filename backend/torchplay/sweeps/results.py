"""A finished sweep's members ranked by a final metric, and the table the CLI prints."""

from __future__ import annotations

import json
import math
from typing import Any, Literal

Metric = Literal["val_loss", "train_loss", "accuracy"]
HIGHER_IS_BETTER: frozenset[str] = frozenset({"accuracy"})


def final_value(member: dict[str, Any], metric: Metric) -> float | None:
    """The member's last recorded value of `metric`; None when it has none (or not finite)."""
    value = member["metrics"].get(metric) if metric in HIGHER_IS_BETTER else member.get(metric)
    return value if isinstance(value, int | float) and math.isfinite(value) else None


def ranked(members: list[dict[str, Any]], metric: Metric) -> list[tuple[int, dict[str, Any]]]:
    """(1-based member number, member), best first; members without a value last, in order."""
    sign = -1.0 if metric in HIGHER_IS_BETTER else 1.0

    def key(item: tuple[int, dict[str, Any]]) -> tuple[bool, float, int]:
        value = final_value(item[1], metric)
        return (value is None, sign * value if value is not None else 0.0, item[0])

    return sorted(enumerate(members, 1), key=key)


def results_table(members: list[dict[str, Any]], axes: list[str], metric: Metric) -> str:
    """A plain-text table: rank, member, each axis value, the final losses and accuracy,
    status and why the early-stopping rule stopped it."""
    header = ["rank", "member", *axes, "loss", "val_loss", "accuracy", "epoch", "status", "stopped by"]
    rows = [header]
    for rank, (number, member) in enumerate(ranked(members, metric), 1):
        rows.append(
            [
                str(rank),
                f"#{number}",
                *(_text(member["values"].get(axis)) for axis in axes),
                _number(member["train_loss"]),
                _number(member["val_loss"]),
                _number(member["metrics"].get("accuracy")),
                str(member["epoch"]),
                member["status"],
                member["stopped_by"] or "",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def _number(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) and math.isfinite(value) else "-"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
