"""JobManager: the queue, the lifecycle, and event intake/fan-out for every job.

Its state (the queue, the running set, live logs, viewers) has one owner: the thread of
the event loop it adopts in `start()`. Every method that reads or changes that state runs
there, checked on each call (`RuntimeError` from any other thread), so no two calls ever
interleave: a job is queued, started and ended exactly once. Slow work (planning a job,
loading a model, removing a folder) runs in a thread before or after a call, never
inside one. Executors call back from their own threads; those calls hop onto the loop,
where each batch gets its `seq` numbers, is stored in one transaction, and is published
to the job's live log for viewers.

From any thread: `stored`, `metrics`, `latest_snapshot` and `store` itself, which read
only the store (it has its own lock).
"""

from __future__ import annotations

import asyncio
import functools
import json
import secrets
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from torchplay.jobs.executor import Event, Executor
from torchplay.jobs.live import FramePacing, LiveLog
from torchplay.jobs.store import UNFINISHED, Store, now_iso
from torchplay.training import checkpoint

DISPATCH_RETRY_S = 1.0  # while a job waits for resources, how often to look again


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
        # job id → "paused" / "running": what the last pause, step or resume sent to its worker
        # asked for, until the worker reports it. A resume right after a pause is then allowed.
        self._asked: dict[str, str] = {}
        self._live: dict[str, LiveLog] = {}
        self._closed = False
        self._pacing = FramePacing()  # viewers' frame intervals grow with their number
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
                    job["id"],
                    [
                        {
                            "type": "done",
                            "status": "interrupted",
                            "error": "the server stopped while this job was running",
                        }
                    ],
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
    def create(self, request: dict[str, Any]) -> dict[str, Any]:
        if len(self._queue) >= self.max_queued:
            raise JobError(
                429,
                f"{len(self._queue)} jobs are already queued (limit max_queued_jobs={self.max_queued}); try again later",
            )
        job_id = secrets.token_hex(6)
        self.store.create_job(job_id, request["name"], request["epochs"], request)
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

    @_on_loop
    def list(self) -> list[dict[str, Any]]:
        return [self._public(job) for job in self.store.list_jobs()]

    @_on_loop
    def stop(self, job_id: str) -> dict[str, Any]:
        self._require(job_id, ("queued", "running", "paused"), "stop")
        if job_id in self._queue:
            self._queue.remove(job_id)
            self._append(job_id, [{"type": "done", "status": "stopped", "error": None}])
        else:
            self._stop_requested.add(job_id)
            self.executor.stop(job_id)
        return self.get(job_id)

    @_on_loop
    def control(self, job_id: str, op: str) -> dict[str, Any]:
        """pause / resume / step of a running job, judged by the state it was last asked for."""
        status = self.stored(job_id, with_request=False)["status"]
        if op == "resume" and status == "interrupted":
            return self._restart(job_id)
        if status in ("running", "paused"):
            status = self._asked.get(job_id, status)
        allowed = {"pause": ("running",), "resume": ("paused", "interrupted"), "step": ("paused", "running")}[op]
        if status not in allowed:
            raise JobError(409, f"cannot {op} a job that is {status} (allowed when: {', '.join(allowed)})")
        if not self.executor.send(job_id, {"op": op}):
            raise JobError(409, f"job {job_id} is not running in a worker right now")
        self._asked[job_id] = "running" if op == "resume" else "paused"  # a step ends paused
        return self.get(job_id)

    @_on_loop
    def change(self, job_id: str, values: dict[str, Any]) -> dict[str, Any]:
        self._require(job_id, ("running", "paused"), "change")
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
        self._asked.pop(job_id, None)
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

    def metrics(self, job_id: str) -> list[dict[str, Any]]:
        """Any thread: a long history takes a while to read."""
        self.stored(job_id, with_request=False)
        return self.store.events(job_id, "epoch")

    def latest_snapshot(self, job_id: str) -> dict[str, Any] | None:
        """Any thread."""
        self.stored(job_id, with_request=False)
        found = self.store.events(job_id, "snapshot", limit=1, newest=True)
        return found[0] if found else None

    @_on_loop
    async def frames(self, job_id: str, since: int = 0) -> AsyncIterator[str]:
        """JSON-array frames of the job's events after `since`: replay, then live, until done."""
        cursor = since
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
                    await self._pacing.rest(job_id)
                continue
            if live.finished:
                return
            with self._pacing.waiting(job_id):
                await live.wait()

    # --- intake ---------------------------------------------------------------------------------------

    def _events_from_thread(self, job_id: str, events: list[Event]) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._append, job_id, events)

    def _exit_from_thread(self, job_id: str, error: str | None) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._exited, job_id, error)

    @_on_loop
    def _append(self, job_id: str, events: list[Event]) -> None:
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
            event = {"seq": seq, **event, "job_id": job_id}
            rows.append((seq, event["type"], _dumps(event)))
            fields.update(_job_fields(event, job))
        self.store.append(job_id, rows, fields)
        if job_id in self._asked and fields.get("status") == self._asked[job_id]:
            del self._asked[job_id]  # the worker got there
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
                done = {"type": "done", "status": "stopped", "error": None}
            else:
                done = {"type": "done", "status": "failed", "error": error or "worker exited before the job finished"}
            self._append(job_id, [done])
        self._stop_requested.discard(job_id)
        self._dispatch()

    def _finished(self, job_id: str) -> None:
        self._live.pop(job_id, None)
        self._asked.pop(job_id, None)
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
            ready, reason = self.executor.can_start(job["request"])
            if not ready:
                self._queue_reasons[job_id] = reason or "waiting for resources"
                continue
            self._queue.remove(job_id)
            self._running.add(job_id)
            self.executor.start(job_id, job["request"], resume_from=self._resume.pop(job_id, None))
        # A cluster's resources also change where we cannot see it (a node joins): look again.
        if self._queue_reasons and self._retry is None and self._loop is not None:
            self._retry = self._loop.call_later(DISPATCH_RETRY_S, self._retry_dispatch)

    def _retry_dispatch(self) -> None:
        self._retry = None
        self._dispatch()

    # --- helpers -----------------------------------------------------------------------------------

    def _require(self, job_id: str, states: tuple[str, ...], action: str) -> dict[str, Any]:
        job = self.stored(job_id, with_request=False)
        if job["status"] not in states:
            raise JobError(409, f"cannot {action} a job that is {job['status']} (allowed when: {', '.join(states)})")
        return job

    def _public(self, job: dict[str, Any]) -> dict[str, Any]:
        job = {k: v for k, v in job.items() if k != "last_seq"}
        job["worker_pid"] = self.executor.worker_pid(job["id"]) if job["status"] in UNFINISHED else None
        job["queue_reason"] = None
        if job["status"] == "queued":  # why it waits: resources, or its worker is still starting
            job["queue_reason"] = "starting" if job["id"] in self._running else self._queue_reasons.get(job["id"])
        return job


def _job_fields(event: Event, job: dict[str, Any]) -> dict[str, Any]:
    """How one event changes the job row."""
    kind = event["type"]
    if kind == "epoch":
        return {
            "epoch": event["epoch"],
            "train_loss": event["train_loss"],
            "val_loss": event["val_loss"],
            "metrics": event["metrics"],
        }
    if kind == "status":
        fields = {"status": event["status"], "device": event.get("device")}
        if event["status"] == "running" and not job.get("started_at"):
            fields["started_at"] = now_iso()
        return fields
    if kind == "done":
        return {"status": event["status"], "error": event.get("error"), "finished_at": now_iso()}
    return {}


def _dumps(event: Event) -> str:
    """JSON with NaN/inf as null: a diverging loss must not produce invalid JSON."""
    try:
        return json.dumps(event, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return json.dumps(_nan_to_none(event), separators=(",", ":"))


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_to_none(v) for v in value]
    return value
