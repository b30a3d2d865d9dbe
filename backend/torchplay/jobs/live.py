"""A running job's event log in memory, read by any number of viewers through cursors.

Viewers do not get queues of their own: each keeps the last `seq` it sent and asks for
what came after. The log holds every small event (status, epoch, done) but only the
newest snapshot, so a viewer that falls behind skips straight to the current picture and
memory stays bounded however many viewers there are or how slowly they read. Frames
are built once per (cursor, head) and shared by every viewer at that cursor.
"""

from __future__ import annotations

import asyncio
import bisect

from torchplay.jobs.replay import LATEST_ONLY, Row, replayed


class LiveLog:
    def __init__(self, last_seq: int = 0, history: list[Row] | None = None) -> None:
        self.head = last_seq
        self._seqs: list[int] = [seq for seq, _ in history or []]
        self._bodies: list[str] = [body for _, body in history or []]
        self._latest: Row | None = None  # the newest LATEST_ONLY event
        self._frames: dict[int, tuple[int, str]] = {}
        self._changed = asyncio.Event()
        self.finished = False

    def append(self, seq: int, kind: str, body: str) -> None:
        if kind in LATEST_ONLY:
            self._latest = (seq, body)
        else:
            self._seqs.append(seq)
            self._bodies.append(body)
        self.head = seq
        if kind == "done":
            self.finished = True

    def publish(self) -> None:
        """Wake every waiting viewer once per appended batch."""
        self._frames.clear()
        self._changed.set()
        self._changed = asyncio.Event()

    def frame_after(self, cursor: int) -> tuple[int, str] | None:
        """(new cursor, JSON array text) of everything after `cursor`, or None if nothing."""
        if cursor >= self.head:
            return None
        cached = self._frames.get(cursor)
        if cached:
            return cached
        start = bisect.bisect_right(self._seqs, cursor)
        small = list(zip(self._seqs[start:], self._bodies[start:], strict=True))
        items = replayed(small, self._latest if self._latest and self._latest[0] > cursor else None)
        if not items:
            return None
        frame = (items[-1][0], "[" + ",".join(body for _, body in items) + "]")
        self._frames[cursor] = frame
        return frame

    async def wait(self) -> None:
        await self._changed.wait()
