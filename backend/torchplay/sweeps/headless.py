"""A sweep run in this process, without the server: the same planning, job manager,
executor and early-stopping rule as `POST /api/sweeps`, with a store of its own.

The store is a temporary SQLite file, so a server using the same data directory never
sees these jobs (its start would take them for jobs it had left unfinished); datasets
are read from the data directory and the members' folders are removed at the end.
"""

from __future__ import annotations

import asyncio
import json
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torchplay.jobs import JobFiles, JobManager, Store, make_executor
from torchplay.settings import Settings
from torchplay.spec.sweep import SweepCreate
from torchplay.sweeps.planning import plan_members
from torchplay.sweeps.service import Sweeps


@dataclass(frozen=True)
class MemberEvent:
    """One event of one member, with where that member stands in the sweep."""

    index: int  # 1-based, in the order the members were made
    count: int
    job_id: str
    values: dict[str, Any]
    event: dict[str, Any]


async def run_sweep(
    settings: Settings, sweep: SweepCreate, on_event: Callable[[MemberEvent], None]
) -> list[dict[str, Any]]:
    """Plan every member (a `SpecError` if one fails, before anything starts), train them as
    the executor allows, call `on_event` for each member's events, and return the members'
    summaries (`GET /api/sweeps/{id}`'s `members`) once all have finished.

    SIGINT stops every member; the summaries then say how far each got."""
    with tempfile.TemporaryDirectory(prefix="torchplay-sweep-") as scratch:
        store = Store(Path(scratch) / "sweep.sqlite3")
        executor = make_executor(settings)
        manager = JobManager(
            store, executor, JobFiles(settings.data_dir, settings.keep_checkpoints), settings.max_queued_jobs
        )
        sweeps = Sweeps(manager, store)
        started = False
        try:
            members, plans = await asyncio.to_thread(plan_members, settings, sweep, executor.devices())
            await manager.start()
            started = True
            created = sweeps.create(sweep, members, plans)
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGINT, _stop_once, loop, sweeps, created["id"])
            try:
                count = len(created["members"])
                await asyncio.gather(
                    *(
                        _follow(manager, MemberEvent(index, count, job_id, member.values, {}), on_event)
                        for index, (job_id, member) in enumerate(zip(created["members"], members, strict=True), 1)
                    )
                )
            finally:
                loop.remove_signal_handler(signal.SIGINT)
            summary = sweeps.get(created["id"])["members"]
            await sweeps.delete(created["id"])  # the members' folders (checkpoints, weights)
            return summary
        finally:
            if started:  # its executor and its file thread
                await manager.close()
            else:
                executor.shutdown()
            store.close()


def _stop_once(loop: asyncio.AbstractEventLoop, sweeps: Sweeps, sweep_id: str) -> None:
    """The first Ctrl-C stops the members; a second one interrupts as usual."""
    loop.remove_signal_handler(signal.SIGINT)
    sweeps.stop(sweep_id)


async def _follow(manager: JobManager, member: MemberEvent, on_event: Callable[[MemberEvent], None]) -> None:
    """A member's events, as a viewer of its stream gets them, until its `done`."""
    async for frame in manager.frames(member.job_id):
        for event in json.loads(frame):
            on_event(MemberEvent(member.index, member.count, member.job_id, member.values, event))
