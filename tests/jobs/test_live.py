"""LiveLog: cursors over a job's events; only the newest snapshot is kept."""

from __future__ import annotations

import asyncio
import json

from tests.aio import run_async
from torchplay.jobs.live import LiveLog


def _event(seq: int, kind: str) -> tuple[int, str, str]:
    return seq, kind, json.dumps({"seq": seq, "type": kind})


def _seqs(frame: tuple[int, str] | None) -> list[int]:
    assert frame is not None
    return [event["seq"] for event in json.loads(frame[1])]


def test_cursor_gets_every_small_event_and_only_the_newest_snapshot() -> None:
    async def scenario() -> None:
        log = LiveLog()
        for row in [
            _event(1, "status"),
            _event(2, "epoch"),
            _event(3, "snapshot"),
            _event(4, "epoch"),
            _event(5, "snapshot"),
        ]:
            log.append(*row)
        log.publish()
        assert _seqs(log.frame_after(0)) == [1, 2, 4, 5]  # snapshot 3 superseded by 5
        assert _seqs(log.frame_after(3)) == [4, 5]
        assert log.frame_after(5) is None
        # A frame is built once per (cursor, head) and shared.
        assert log.frame_after(0) is log.frame_after(0)

    run_async(scenario, timeout=10)


def test_waiters_wake_on_publish_and_done_marks_finished() -> None:
    async def scenario() -> None:
        log = LiveLog()
        waiter = asyncio.create_task(log.wait())
        await asyncio.sleep(0)
        assert not waiter.done()
        log.append(*_event(1, "done"))
        log.publish()
        await asyncio.wait_for(waiter, 1)
        assert log.finished

    run_async(scenario, timeout=10)


def test_history_seeds_a_resumed_log() -> None:
    async def scenario() -> None:
        log = LiveLog(last_seq=2, history=[(1, '{"seq":1}'), (2, '{"seq":2}')])
        log.append(*_event(3, "epoch"))
        assert _seqs(log.frame_after(1)) == [2, 3]

    run_async(scenario, timeout=10)
