"""Early stopping of sweep members: the verdict at a rung, from the values recorded there.

Asynchronous, so a member is judged when it reaches a rung, against the members that
reached it before (members train a few at a time, not all side by side). Lower is better.
"""

from __future__ import annotations

import math
import statistics

from torchplay.spec.sweep import EarlyStopping


def rung_verdict(rule: EarlyStopping, epoch: int, earlier: list[float], value: float | None) -> str | None:
    """Why the member that recorded `value` at rung `epoch` stops, or None to continue.

    `earlier`: the finite values members recorded at this rung before it."""
    name = rule.metric
    if value is None or not math.isfinite(value):
        return f"{name} at epoch {epoch} is not a finite number"
    if len(earlier) < rule.min_reported:
        return None
    if rule.rule == "median":
        median = statistics.median(earlier)
        if value > median:
            return f"median rule at epoch {epoch}: {name} {value:.4g} is worse than the median {median:.4g} of {len(earlier)} earlier members"
        return None
    ranked = sorted([*earlier, value])
    keep = math.ceil(len(ranked) / 2)
    cutoff = ranked[keep - 1]
    if value > cutoff:
        return f"halving at epoch {epoch}: {name} {value:.4g} is not in the better half ({keep} of {len(ranked)}, up to {cutoff:.4g})"
    return None
