"""JobManager: the queue, the lifecycle, and event intake/fan-out for every job.

Its state (the queue, the running set, live logs, viewers) has one owner: the thread of
the event loop it adopts in `start()`. Every method that reads or changes that state runs
there, checked on each call (`RuntimeError` from any other thread), so no two calls ever
interleave: a job is queued, started and ended exactly once. Slow work (planning a job,
loading a model, removing a folder) runs in a thread before or after a call, never
inside one. Executors call back from their own threads; those calls hop onto the loop,
where each batch gets its `seq` numbers, is stored in one transaction, and is published
to the job's live log for viewers.

From any thread: `stored`, `plan`, `events` and `store` itself, which read
only the store (it has its own lock).
"""

from __future__ import annotations

import asyncio
import functools
import math
import secrets
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

from torchplay.jobs.executor import Executor
from torchplay.jobs.live import LiveLog
from torchplay.jobs.store import UNFINISHED, Store, now_iso
from torchplay.planning import PlannedJob
from torchplay.spec import lifecycle
from torchplay.spec.events import DoneEvent, EpochEvent, StatusEvent
from torchplay.spec.lifecycle import JobStatus
from torchplay.spec.wire import EventBase
from torchplay.training import checkpoint

DISPATCH_RETRY_S = 1.0  # while a job waits for resources, how often to look again
# A viewer gets at most one live frame per interval: a job running thousands of epochs a
# second costs each viewer ~40 sends a second, not one per event batch, while an event
# after a quiet spell still goes out at once. With many viewers the interval grows so one
# job's fan-out stays near SENDS_PER_S_PER_JOB sends a second (0.1–0.2 ms each when a
# snapshot is in the frame): 500 viewers of a fast job get 2 frames a second, each with
# every event since the last and the newest snapshot.
FRAME_INTERVAL_S = 0.025
SENDS_PER_S_PER_JOB = 1000


class JobError(Exception):
    """A request the job's state does not allow (→ 404 / 409 in the API)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _on_loop(method: Callable[Concatenate[JobManager, _P], _R]) -> Callable[Concatenate[JobManager, _P], _R]:
    """Refuse a call from any thread but the loop's: the manager's state has one owner."""

    @functools.wraps(method)
    def checked(self: JobManager, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        if threading.get_ident() != self._owner:
            raise RuntimeError(f"JobManager.{method.__name__} runs on the event loop's thread, after start()")
        return method(self, *args, **kwargs)

    return checked


class JobManager:
    def __init__(
        self,
        store: Store,
        executor: Executor,
        max_running: int = 2,
        max_queued: int = 100,
        data_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.data_dir = data_dir  # where job folders (checkpoints) live; None: none kept
        self.executor = executor
        self.max_running = max_running
        self.max_queued = max_queued
        self._queue: deque[str] = deque()
        self._running: set[str] = set()
        self._stop_requested: set[str] = set()
        self._queue_reasons: dict[str, str] = {}  # queued job → why it cannot start yet
        self._retry: asyncio.TimerHandle | None = None
        self._resume: dict[str, dict[str, Any]] = {}  # job id → resume_from for its next start
        self._live: dict[str, LiveLog] = {}
        self._closed = False
        self._viewers: dict[str, int] = {}  # open streams per job: their frame interval grows with it
        self._loop: asyncio.AbstractEventLoop | None = None
        self._owner: int | None = None  # the loop's thread: the only one that touches the state above
        executor.bind(self._events_from_thread, self._exit_from_thread)

    async def start(self) -> None:
        """Adopt the loop; jobs a dead server left unfinished become `interrupted`."""
        self._loop = asyncio.get_running_loop()
        self._owner = threading.get_ident()
        for job in self.store.unfinished_jobs():
            if job["status"] == "queued":
                self._live[job["id"]] = LiveLog(job["last_seq"], self.store.replay(job["id"], 0))
                epoch = self._checkpoint_epoch(job["id"], job["epoch"])  # queued for a resume when the server died
                if epoch is not None:
                    self._resume[job["id"]] = {"epoch": epoch}
                self._queue.append(job["id"])
            else:
                self._append(
                    job["id"], [DoneEvent(status="interrupted", error="the server stopped while this job was running")]
                )
        self._dispatch()

    @_on_loop
    async def close(self) -> None:
        # From here on the workers' last words (their reaction to the shutdown's stop) are
        # dropped: a job cut off by a server shutdown stays `running` in the store, so the
        # next start marks it `interrupted` and it can resume from its checkpoint.
        self._closed = True
        if self._retry is not None:
            self._retry.cancel()
        self.executor.shutdown()

    # --- commands ------------------------------------------------------------------------------

    @_on_loop
    def create(self, plan: PlannedJob) -> dict[str, Any]:
        if len(self._queue) >= self.max_queued:
            raise JobError(
                429,
                f"{len(self._queue)} jobs are already queued (limit max_queued_jobs={self.max_queued}); try again later",
            )
        job_id = secrets.token_hex(6)
        request = plan.request.model_dump(mode="json")
        facts = plan.model_dump(mode="json", exclude={"request"})
        self.store.create_job(job_id, request["name"], request["epochs"], request, facts)
        self._live[job_id] = LiveLog()
        self._queue.append(job_id)
        self._dispatch()
        return self.get(job_id)

    @_on_loop
    def get(self, job_id: str) -> dict[str, Any]:
        return self._public(self.stored(job_id))

    def stored(self, job_id: str, with_request: bool = True) -> dict[str, Any]:
        """The job's row as stored, without the live state `get` adds. Any thread."""
        job = self.store.get_job(job_id, with_request=with_request)
        if job is None:
            raise JobError(404, f"no job {job_id!r}")
        return job

    def plan(self, job_id: str) -> PlannedJob:
        """What was decided about the job when it was created. Any thread."""
        return _planned(self.stored(job_id))

    @_on_loop
    def list(self) -> list[dict[str, Any]]:
        return [self._public(job) for job in self.store.list_jobs()]

    @_on_loop
    def stop(self, job_id: str) -> dict[str, Any]:
        self._require(job_id, "stop")
        if job_id in self._queue:
            self._queue.remove(job_id)
            self._append(job_id, [DoneEvent(status="stopped", error=None)])
        else:
            self._stop_requested.add(job_id)
            self.executor.stop(job_id)
        return self.get(job_id)

    @_on_loop
    def control(self, job_id: str, op: Literal["pause", "resume", "step"]) -> dict[str, Any]:
        """pause / resume / step of a running job; resume of an interrupted one restarts it."""
        if self._require(job_id, op)["status"] == JobStatus.INTERRUPTED:
            return self._restart(job_id)
        if not self.executor.send(job_id, {"op": op}):
            raise JobError(409, f"job {job_id} is not running in a worker right now")
        return self.get(job_id)

    @_on_loop
    def change(self, job_id: str, values: dict[str, Any]) -> dict[str, Any]:
        self._require(job_id, "change")
        if not self.executor.send(job_id, {"op": "set", "values": values}):
            raise JobError(409, f"job {job_id} is not running in a worker right now")
        return self.get(job_id)

    @_on_loop
    async def delete(self, job_id: str) -> None:
        """The job leaves the queue, the store and its viewers at once (its worker is told to
        stop); its folder is removed in a thread, done when this returns."""
        job = self.stored(job_id, with_request=False)
        if job["status"] in UNFINISHED:
            if job_id in self._queue:
                self._queue.remove(job_id)
            else:
                self._stop_requested.add(job_id)
                self.executor.stop(job_id)
        live = self._live.pop(job_id, None)
        if live:
            live.finished = True
            live.publish()
        self.store.delete_job(job_id)
        self._resume.pop(job_id, None)
        if self.data_dir is not None:
            await asyncio.to_thread(checkpoint.remove_job_dir, self.data_dir, job_id)

    @_on_loop
    def _restart(self, job_id: str) -> dict[str, Any]:
        """An `interrupted` job continues from its last checkpoint (or from scratch without one).

        Events after the checkpoint's epoch are dropped, the `interrupted` mark included:
        the resumed run redoes those epochs, so the history stays one continuous run."""
        if len(self._queue) >= self.max_queued:
            raise JobError(429, f"{len(self._queue)} jobs are already queued (limit max_queued_jobs={self.max_queued})")
        stored = self.store.events(job_id, "epoch")
        epoch = self._checkpoint_epoch(job_id, stored[-1]["epoch"] if stored else 0)
        kept = [e for e in stored if epoch is not None and e["epoch"] <= epoch]
        last = kept[-1] if kept else None
        fields: dict[str, Any] = {"status": "queued", "error": None, "finished_at": None, "epoch": 0}
        if last is not None:
            fields.update(
                epoch=last["epoch"], train_loss=last["train_loss"], val_loss=last["val_loss"], metrics=last["metrics"]
            )
        self.store.rewind(job_id, last["seq"] if last else 0, fields)
        job = self.store.get_job(job_id, with_request=False)
        assert job is not None
        self._live[job_id] = LiveLog(job["last_seq"], self.store.replay(job_id, 0))
        if last is not None:
            self._resume[job_id] = {"epoch": last["epoch"]}
        self._queue.append(job_id)
        self._dispatch()
        return self.get(job_id)

    def _checkpoint_epoch(self, job_id: str, at_most: int) -> int | None:
        """The newest checkpoint the stored history reaches (the worker may have run ahead)."""
        if self.data_dir is None:
            return None
        return checkpoint.latest_epoch(checkpoint.job_dir(self.data_dir, job_id), at_most)

    # --- reading -----------------------------------------------------------------------------------

    def events(self, job_id: str, kind: str, limit: int | None = None, newest: bool = False) -> list[str]:
        """A job's stored events of one kind, as their JSON text (oldest first unless `newest`).
        Any thread: a long history takes a while to read."""
        self.stored(job_id, with_request=False)
        return self.store.event_bodies(job_id, kind, limit, newest)

    @_on_loop
    async def frames(self, job_id: str, since: int = 0) -> AsyncIterator[str]:
        """JSON-array frames of the job's events after `since`: replay, then live, until done."""
        cursor = since
        self._viewers[job_id] = self._viewers.get(job_id, 0) + 1
        try:
            while True:
                live = self._live.get(job_id)
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
                        await asyncio.sleep(max(FRAME_INTERVAL_S, self._viewers[job_id] / SENDS_PER_S_PER_JOB))
                    continue
                if live.finished:
                    return
                await live.wait()
        finally:
            self._viewers[job_id] -= 1
            if not self._viewers[job_id]:
                del self._viewers[job_id]

    # --- intake ---------------------------------------------------------------------------------------

    def _events_from_thread(self, job_id: str, events: list[EventBase]) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._append, job_id, events)

    def _exit_from_thread(self, job_id: str, error: str | None) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._exited, job_id, error)

    @_on_loop
    def _append(self, job_id: str, events: list[EventBase]) -> None:
        """Number, store and publish one batch of a job's events."""
        if self._closed:
            return
        job = self.store.get_job(job_id, with_request=False)
        if job is None:  # deleted while its worker was still talking
            return
        live = self._live.get(job_id)
        seq = job["last_seq"]
        rows: list[tuple[int, str, str]] = []
        fields: dict[str, Any] = {}
        for event in events:
            seq += 1
            rows.append((seq, event.type, event.numbered(seq, job_id).to_json()))
            fields.update(_job_fields(event, job))
        self.store.append(job_id, rows, fields)
        if self.data_dir is not None and "epoch" in fields:  # history moved: older checkpoints can go
            checkpoint.prune(checkpoint.job_dir(self.data_dir, job_id), fields["epoch"])
        if live:
            for row in rows:
                live.append(*row)
            live.publish()
        if fields.get("status") not in (None, *UNFINISHED):
            self._finished(job_id)

    @_on_loop
    def _exited(self, job_id: str, error: str | None) -> None:
        if self._closed:
            return
        job = self.store.get_job(job_id, with_request=False)
        self._running.discard(job_id)
        if job is None and self.data_dir is not None:  # deleted while running: its last writes go too
            asyncio.get_running_loop().run_in_executor(None, checkpoint.remove_job_dir, self.data_dir, job_id)
        if job is not None and job["status"] in UNFINISHED:
            if job_id in self._stop_requested:
                done = DoneEvent(status="stopped", error=None)
            else:
                done = DoneEvent(status="failed", error=error or "worker exited before the job finished")
            self._append(job_id, [done])
        self._stop_requested.discard(job_id)
        self._dispatch()

    def _finished(self, job_id: str) -> None:
        self._live.pop(job_id, None)
        self._dispatch()

    @_on_loop
    def _dispatch(self) -> None:
        """Start queued jobs, oldest first, while there is room.

        An executor that `schedules` (per-device limits, Ray cluster resources) decides per
        job: a job that cannot start keeps its place and its `queue_reason`, and a later job
        for other, free resources may pass it. Otherwise `max_running` caps all jobs."""
        self._queue_reasons.clear()
        for job_id in list(self._queue):
            if not self.executor.schedules and len(self._running) >= self.max_running:
                self._queue_reasons[job_id] = f"{len(self._running)} jobs running (max_running_jobs={self.max_running})"
                continue
            job = self.store.get_job(job_id)
            if job is None:
                self._queue.remove(job_id)
                continue
            try:
                plan = _planned(job)
            except JobError as exc:  # kept by an older torchplay, and it no longer plans
                self._queue.remove(job_id)
                self._append(job_id, [DoneEvent(status="failed", error=str(exc))])
                continue
            ready, reason = self.executor.can_start(plan)
            if not ready:
                self._queue_reasons[job_id] = reason or "waiting for resources"
                continue
            self._queue.remove(job_id)
            self._running.add(job_id)
            self.executor.start(job_id, plan, resume_from=self._resume.pop(job_id, None))
        # A cluster's resources also change where we cannot see it (a node joins): look again.
        if self._queue_reasons and self._retry is None and self._loop is not None:
            self._retry = self._loop.call_later(DISPATCH_RETRY_S, self._retry_dispatch)

    def _retry_dispatch(self) -> None:
        self._retry = None
        self._dispatch()

    # --- helpers -----------------------------------------------------------------------------------

    def _require(self, job_id: str, action: lifecycle.Action) -> dict[str, Any]:
        """The job's row, if its status allows `action` (the lifecycle table decides)."""
        job = self.stored(job_id, with_request=False)
        if not lifecycle.allows(job["status"], action):
            allowed = ", ".join(lifecycle.allowed_in(action))
            raise JobError(409, f"cannot {action} a job that is {job['status']} (allowed when: {allowed})")
        return job

    def _public(self, job: dict[str, Any]) -> dict[str, Any]:
        plan = job.get("plan")
        job = {k: v for k, v in job.items() if k not in ("last_seq", "plan")}
        if "request" in job:  # the record (not a list row): what planning found out
            job |= _RECORD_DEFAULTS | {k: v for k, v in (plan or {}).items() if k in _RECORD_DEFAULTS}
        job["worker_pid"] = self.executor.worker_pid(job["id"]) if job["status"] in UNFINISHED else None
        job["queue_reason"] = None
        if job["status"] == "queued":  # why it waits: resources, or its worker is still starting
            job["queue_reason"] = "starting" if job["id"] in self._running else self._queue_reasons.get(job["id"])
        return job


# The record's plan fields for a job kept by a torchplay that stored no plan.
_RECORD_DEFAULTS: dict[str, Any] = {
    "input_shape": [], "output_shape": None, "classes": None, "snapshot_kind": None,
    "total_params": 0, "warnings": [], "memory_mb": None,
}  # fmt: skip


def _planned(job: dict[str, Any]) -> PlannedJob:
    if not job.get("plan"):
        raise JobError(409, f"job {job['id']} was created by an older torchplay and has no plan; create it again")
    return PlannedJob.model_validate({"request": job["request"], **job["plan"]})


def _job_fields(event: EventBase, job: dict[str, Any]) -> dict[str, Any]:
    """How one event changes the job row."""
    if isinstance(event, EpochEvent):
        return {
            "epoch": event.epoch,
            "train_loss": _finite(event.train_loss),
            "val_loss": _finite(event.val_loss),
            "metrics": {k: _finite(v) for k, v in event.metrics.items()},
        }
    if isinstance(event, StatusEvent):
        fields: dict[str, Any] = {"status": event.status, "device": event.device}
        if event.status == "running" and not job.get("started_at"):
            fields["started_at"] = now_iso()
        return fields
    if isinstance(event, DoneEvent):
        return {"status": event.status, "error": event.error, "finished_at": now_iso()}
    return {}


def _finite(value: float | None) -> float | None:
    """NaN and inf are stored as null, as on the wire."""
    return value if value is not None and math.isfinite(value) else None
