"""Live fan-out: each active job's in-memory log, and the viewers reading it.

A viewer gets the replay after its cursor, then live frames, until `done`. A job that is
no longer live is replayed from the store, by the same rule (`jobs.replay`).

Frames are paced (`FramePacing`): a viewer gets at most one live frame per
FRAME_INTERVAL_S, so a job running thousands of epochs a second costs each viewer ~40
sends a second, not one per event batch, while an event after a quiet spell still goes out
at once. With many viewers the interval grows so one job's fan-out stays near
SENDS_PER_S_PER_JOB sends a second (0.1–0.2 ms each when a snapshot is in the frame): 500
viewers of a fast job get 2 frames a second, each with every event since the last and the
newest snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

from torchplay.jobs.live import LiveLog
from torchplay.jobs.store import Store

FRAME_INTERVAL_S = 0.025
SENDS_PER_S_PER_JOB = 1000


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

    def viewers(self, job_id: str) -> int:
        """The job's viewers waiting for a frame now (not those blocked in a send)."""
        return self._waiting.get(job_id, 0)

    async def rest(self, job_id: str) -> None:
        with self.waiting(job_id):
            await asyncio.sleep(max(FRAME_INTERVAL_S, self.viewers(job_id) / SENDS_PER_S_PER_JOB))


class LiveFanout:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._logs: dict[str, LiveLog] = {}
        self.pacing = FramePacing()

    def open(self, job_id: str, last_seq: int = 0, replay_stored: bool = False) -> None:
        """A job becomes live (created, or queued again): viewers follow it from here on."""
        history = self.store.replay(job_id, 0) if replay_stored else None
        self._logs[job_id] = LiveLog(last_seq, history)

    def publish(self, job_id: str, rows: list[tuple[int, str, str]]) -> None:
        log = self._logs.get(job_id)
        if log is not None:
            for row in rows:
                log.append(*row)
            log.publish()

    def close(self, job_id: str) -> None:
        """The job ended: viewers still reading finish from the log; new ones read the store."""
        self._logs.pop(job_id, None)

    def end(self, job_id: str) -> None:
        """The job is gone (deleted): wake its viewers so their streams end now."""
        log = self._logs.pop(job_id, None)
        if log is not None:
            log.finished = True
            log.publish()

    async def frames(self, job_id: str, since: int = 0) -> AsyncIterator[str]:
        """JSON-array frames of the job's events after `since`: replay, then live, until done."""
        cursor = since
        while True:
            live = self._logs.get(job_id)
            if live is None:  # finished before we looked (or never live here): the store has it all
                rows = self.store.replay(job_id, cursor)
                if rows:
                    yield "[" + ",".join(body for _, body in rows) + "]"
                return
            frame = live.frame_after(cursor)
            if frame is not None:
                cursor, text = frame
                yield text
                if not live.finished:
                    await self.pacing.rest(job_id)
                continue
            if live.finished:
                return
            with self.pacing.waiting(job_id):
                await live.wait()
