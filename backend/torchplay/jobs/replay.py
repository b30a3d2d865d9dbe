"""What a viewer catching up gets: every small event, and only the newest snapshot.

The one rule, used by the live log (in memory) and the store (SQLite) alike: a snapshot
is a picture of the model now, so an older one a viewer has not seen is worth nothing once
a newer exists, while every status, epoch and done event is history it needs.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

Row = tuple[int, str]  # (seq, the event's JSON)

# Kinds of which only the newest is kept for replay.
LATEST_ONLY: frozenset[str] = frozenset({"snapshot"})


def replayed(small: Sequence[Row], newest: Row | None) -> list[Row]:
    """The small events (oldest first) with the newest latest-only event in its place."""
    rows = list(small)
    if newest is not None:
        bisect.insort(rows, newest)
    return rows
