"""Many viewers on one job, one of them stalled: the others get everything, the stalled one
is dropped, and the server's memory stays bounded (real server, real WebSocket clients)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest
import websockets

from tests.conftest import Server, spiral_job, start_server

VIEWERS = 200
EPOCHS = 100
RSS_BOUND = 300 * 2**20  # generous: the figure measured is printed (and reported)


@pytest.fixture
def viewers_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("viewers"))
    yield server
    server.stop()


class _RssSampler(threading.Thread):
    """Peak resident memory of one process, sampled while the viewers run."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.baseline = self.peak = self.process.memory_info().rss
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:  # the server is gone: the test reports why
                return


async def _read_all(url: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    # No client pings: 199 readers parsing in one process may answer late; that is not the server's fault.
    async with websockets.connect(url, max_size=None, open_timeout=120, close_timeout=10, ping_interval=None) as ws:
        async for frame in ws:
            events.extend(json.loads(frame))
    return events


async def _watch(server: Server, job_id: str) -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]], str]:
    url = server.ws_url(job_id)
    # The stalled viewer: a one-frame client queue (then the client stops reading the socket),
    # so TCP pushes back to the server as soon as the kernel buffers are full.
    stalled = await websockets.connect(url, max_queue=1, max_size=None, open_timeout=60, ping_interval=None)
    readers = [asyncio.create_task(_read_all(url)) for _ in range(VIEWERS - 1)]
    results = await asyncio.gather(*readers)
    # Now look at what the stalled viewer was left with: it must not have been fed without bound.
    got: list[dict[str, Any]] = []
    ending = "open"
    try:
        while True:
            got.extend(json.loads(await asyncio.wait_for(stalled.recv(), 15)))
    except websockets.ConnectionClosed as closed:
        ending = f"closed {closed.rcvd.code if closed.rcvd else 'without a close frame'}"
    except TimeoutError:
        ending = "silent"
    await stalled.close()
    return results, got, ending


def test_two_hundred_viewers_one_stalled(viewers_server: Server) -> None:
    server = viewers_server
    with server.client() as client:
        # Snapshots every epoch (the biggest frames) so a stalled socket fills up quickly.
        request = spiral_job(epochs=EPOCHS, snapshot_every=1)
        job = client.post("/api/jobs", json=request).json()
    sampler = _RssSampler(server.proc.pid)
    sampler.start()
    started = time.monotonic()
    results, stalled_events, ending = asyncio.run(_watch(server, job["id"]))
    sampler.done.set()
    sampler.join()
    after = psutil.Process(server.proc.pid).memory_info().rss

    for events in results:
        assert [e["epoch"] for e in events if e["type"] == "epoch"] == list(range(1, EPOCHS + 1))
        assert events[-1]["type"] == "done" and events[-1]["status"] == "completed"
    growth = sampler.peak - sampler.baseline
    stalled_epochs = [e["epoch"] for e in stalled_events if e["type"] == "epoch"]
    print(
        f"\n{VIEWERS} viewers, {EPOCHS} epochs in {time.monotonic() - started:.1f} s: server RSS "
        f"{sampler.baseline / 2**20:.1f} MiB → peak {sampler.peak / 2**20:.1f} MiB "
        f"(+{growth / 2**20:.1f} MiB), after {after / 2**20:.1f} MiB; stalled viewer got "
        f"{len(stalled_epochs)} epochs, then {ending}"
    )
    assert growth < RSS_BOUND
    # The stalled viewer never got an unbounded backlog: whatever it holds is a prefix, in order.
    assert stalled_epochs == list(range(1, len(stalled_epochs) + 1))
