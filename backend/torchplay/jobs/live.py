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
import contextlib
from collections.abc import Iterator

# A viewer gets at most one live frame per interval: a job running thousands of epochs a
# second costs each viewer ~40 sends a second, not one per event batch, while an event
# after a quiet spell still goes out at once. With many viewers the interval grows so one
# job's fan-out stays near SENDS_PER_S_PER_JOB sends a second (0.1–0.2 ms each when a
# snapshot is in the frame): 500 viewers of a fast job get 2 frames a second, each with
# every event since the last and the newest snapshot.
FRAME_INTERVAL_S = 0.025
SENDS_PER_S_PER_JOB = 1000


class LiveLog:
    def __init__(self, last_seq: int = 0, history: list[tuple[int, str]] | None = None) -> None:
        self.head = last_seq
        self._seqs: list[int] = [seq for seq, _ in history or []]
        self._bodies: list[str] = [body for _, body in history or []]
        self._snapshot: tuple[int, str] | None = None
        self._frames: dict[int, tuple[int, str]] = {}
        self._changed = asyncio.Event()
        self.finished = False

    def append(self, seq: int, kind: str, body: str) -> None:
        if kind == "snapshot":
            self._snapshot = (seq, body)
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
        items = list(zip(self._seqs[start:], self._bodies[start:], strict=True))
        if self._snapshot and self._snapshot[0] > cursor:
            bisect.insort(items, self._snapshot)
        if not items:
            return None
        frame = (items[-1][0], "[" + ",".join(body for _, body in items) + "]")
        self._frames[cursor] = frame
        return frame

    async def wait(self) -> None:
        await self._changed.wait()


class FramePacing:
    """How long each viewer of a job rests between two frames.

    Only viewers waiting for their next frame are counted. A viewer whose send is blocked
    (it stopped reading, so the kernel's buffers are full) is not, so however many of them
    there are, the job's other viewers keep their pace."""

    def __init__(self) -> None:
        self._waiting: dict[str, int] = {}

    @contextlib.contextmanager
    def waiting(self, job_id: str) -> Iterator[None]:
        self._waiting[job_id] = self._waiting.get(job_id, 0) + 1
        try:
            yield
        finally:
            self._waiting[job_id] -= 1
            if not self._waiting[job_id]:
                del self._waiting[job_id]

    async def rest(self, job_id: str) -> None:
        with self.waiting(job_id):
            await asyncio.sleep(max(FRAME_INTERVAL_S, self._waiting[job_id] / SENDS_PER_S_PER_JOB))
