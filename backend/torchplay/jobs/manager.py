"""JobManager: a job's lifecycle, from the commands the API sends and the events its
executor reports. Each decision has a part of its own:

- `Admission` (jobs/admission.py): the queue, and which job may start when;
- `EventIntake` (jobs/intake.py): numbering, storing and the job row an event changes;
- `LiveFanout` (jobs/fanout.py): live logs and viewers;
- `JobFiles` (jobs/files.py): a job's folder, pruned and removed off the event loop.

Their state has one owner: the thread of the event loop the manager adopts in `start()`.
Every method that reads or changes it runs there, checked on each call (`RuntimeError`
from any other thread), so no two calls ever interleave: a job is queued, started and
ended exactly once. Slow work (planning a job, checking a checkpoint, removing a folder)
runs in a thread before or after a call, or awaited within one, never on the loop. Executors call back from their own
threads; those calls hop onto the loop.

From any thread: `stored`, `plan`, `events` and `store` itself, which read only the
store (it has its own lock).
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

from torchplay.jobs.admission import Admission
from torchplay.jobs.errors import JobError
from torchplay.jobs.executor import Executor
from torchplay.jobs.fanout import LiveFanout
from torchplay.jobs.files import JobFiles, MissingCheckpoint
from torchplay.jobs.intake import EventIntake
from torchplay.jobs.store import UNFINISHED, Store
from torchplay.people.caller import ADMIN
from torchplay.planning import PlannedJob
from torchplay.spec import lifecycle
from torchplay.spec.events import DoneEvent, EpochEvent
from torchplay.spec.lifecycle import JobStatus
from torchplay.spec.wire import EventBase
from torchplay.training.notes import Note

__all__ = ["JobError", "JobManager"]

DISPATCH_RETRY_S = 1.0  # while a job waits for resources, how often to look again
FORKED_EVENTS = ("epoch", "snapshot")  # the parent's history a fork continues

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
        files: JobFiles,
        max_queued: int = 100,
        max_queued_per_user: int | None = None,
        max_running_per_user: int | None = None,
    ) -> None:
        self.store = store
        self.executor = executor
        self.files = files
        self.admission = Admission(executor, max_queued, max_queued_per_user, max_running_per_user)
        self.intake = EventIntake(store)
        self.live = LiveFanout(store)
        self._stop_requested: set[str] = set()
        self._resume: dict[str, dict[str, Any]] = {}  # job id → resume_from for its next start
        self._restarting: set[str] = set()  # interrupted jobs whose checkpoints are being checked
        # job id → "paused" / "running": what the last pause, step or resume sent to its worker
        # asked for, until the worker reports it. A resume right after a pause is then allowed.
        self._asked: dict[str, JobStatus] = {}
        self._epoch_observers: list[Callable[[str, list[EpochEvent]], None]] = []
        self._retry: asyncio.TimerHandle | None = None
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._owner: int | None = None  # the loop's thread: the only one that touches the state above
        executor.bind(self._events_from_thread, self._exit_from_thread)

    async def start(self) -> None:
        """Adopt the loop; jobs a dead server left unfinished become `interrupted`."""
        self._loop = asyncio.get_running_loop()
        self._owner = threading.get_ident()
        for job in self.store.unfinished_jobs():
            if job["status"] != "queued":
                interrupted = DoneEvent(status="interrupted", error="the server stopped while this job was running")
                self._append(job["id"], [interrupted])
                continue
            try:
                plan = _planned(job)
            except JobError as exc:  # kept by an older torchplay, and it no longer plans
                self._append(job["id"], [DoneEvent(status="failed", error=str(exc))])
                continue
            self.live.open(job["id"], job["last_seq"], replay_stored=True)
            # Queued for a resume when the server died: from the checkpoint its restart chose.
            point = await self.files.resume_point(job["id"], job["epoch"])
            if point.epoch is not None:
                self._resume[job["id"]] = {"epoch": point.epoch, **_note_fields(point.note())}
            self.admission.enqueue(job["id"], plan, job["owner"])
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
        await asyncio.to_thread(self.files.close)

    def observe_epochs(self, observer: Callable[[str, list[EpochEvent]], None]) -> None:
        """Call `observer(job_id, epoch_events)` on the loop after a job's epochs are stored."""
        self._epoch_observers.append(observer)

    # --- commands ------------------------------------------------------------------------------

    @_on_loop
    def create(self, plan: PlannedJob, owner: str = ADMIN) -> dict[str, Any]:
        self.admission.check_room(owner=owner)
        job_id = secrets.token_hex(6)
        request = plan.request.model_dump(mode="json")
        facts = plan.model_dump(mode="json", exclude={"request"})
        self.store.create_job(job_id, request["name"], request["epochs"], request, facts, owner)
        self.live.open(job_id)
        self.admission.enqueue(job_id, plan, owner)
        self._dispatch()
        return self.get(job_id)

    @_on_loop
    async def fork(
        self, parent_id: str, epoch: int | None, plan: PlannedJob, owner: str, settings: dict[str, float] | None = None
    ) -> dict[str, Any]:
        """A new job of `owner`'s that continues `parent_id` from its checkpoint of `epoch`
        (None: the newest good one as the fork is made; a running job replaces its
        checkpoints within seconds): the parent's history up to that epoch is copied in, and
        training resumes there, with the optimizer `settings` (lr, momentum, weight_decay)
        put over the checkpoint's."""
        self.admission.check_room(owner=owner)
        parent = self.stored(parent_id, with_request=False)
        child_id = secrets.token_hex(6)
        try:
            epoch = await self.files.copy_checkpoint(parent_id, child_id, parent["epoch"], epoch)
        except MissingCheckpoint as missing:
            wanted = "any checkpoint" if epoch is None else f"a checkpoint of epoch {epoch}"
            raise JobError(409, f"job {parent_id} has no {wanted} to fork from (checkpoints: {missing})") from None
        through = self.store.epoch_event(parent_id, epoch)
        if through is None or plan.request.epochs <= epoch:
            await self.files.remove(child_id)
            if through is None:
                raise JobError(409, f"job {parent_id} has no stored epoch {epoch} to fork from")
            raise JobError(
                422,
                f"a fork continues after epoch {epoch}: epochs must be more than that "
                f"(asked for {plan.request.epochs})",
            )
        try:
            self.admission.check_room(owner=owner)  # again: the copy took a while
        except JobError:
            await self.files.remove(child_id)  # the copied checkpoint goes with the refusal
            raise
        request = plan.request.model_dump(mode="json")
        facts = plan.model_dump(mode="json", exclude={"request"})
        origin = {"job": parent_id, "epoch": epoch}
        self.store.create_job(child_id, request["name"], request["epochs"], request, facts, owner, origin)
        last_seq = self.store.copy_history(parent_id, child_id, through["seq"], FORKED_EVENTS)
        self.store.update_job(
            child_id,
            epoch=epoch,
            train_loss=through["train_loss"],
            val_loss=through["val_loss"],
            metrics=through["metrics"],
        )
        self.live.open(child_id, last_seq, replay_stored=True)
        self._resume[child_id] = {
            "epoch": epoch,
            **Note(
                f"forked from job {parent_id} at epoch {epoch}", f"从任务 {parent_id} 的第 {epoch} 轮分叉而来"
            ).fields(),
            "settings": settings or {},
        }
        self.admission.enqueue(child_id, plan, owner)
        self._dispatch()
        return self.get(child_id)

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
    def list_jobs(self, owner: str | None = None, also: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Every job; with `owner`, theirs and those in `also` (opened by share links)."""
        return [self._public(job) for job in self.store.list_jobs(owner, also)]

    @_on_loop
    def stop(self, job_id: str) -> dict[str, Any]:
        self._require(job_id, "stop")
        if self.admission.withdraw(job_id):
            self._append(job_id, [DoneEvent(status="stopped", error=None)])
        else:
            self._stop_requested.add(job_id)
            self.executor.stop(job_id)
        return self.get(job_id)

    @_on_loop
    async def control(self, job_id: str, op: Literal["pause", "resume", "step"]) -> dict[str, Any]:
        """pause / resume / step of a running job, judged by the state it was last asked for;
        resume of an interrupted one restarts it."""
        if self._require(job_id, op, judged_as_asked=True) == JobStatus.INTERRUPTED:
            return await self._restart(job_id)
        if not self.executor.send(job_id, {"op": op}):
            raise JobError(409, f"job {job_id} is not running in a worker right now")
        self._asked[job_id] = JobStatus.RUNNING if op == "resume" else JobStatus.PAUSED  # a step ends paused
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
        if job["status"] in UNFINISHED and not self.admission.withdraw(job_id):
            self._stop_requested.add(job_id)
            self.executor.stop(job_id)
        self.live.end(job_id)
        self.store.delete_job(job_id)
        self._resume.pop(job_id, None)
        self._asked.pop(job_id, None)
        await self.files.remove(job_id)

    @_on_loop
    async def _restart(self, job_id: str) -> dict[str, Any]:
        """An `interrupted` job continues from its newest good checkpoint (or from scratch
        without one); its first status event says which (`resumed_from`, and a `note` on
        damaged newer ones passed over).

        Events after the checkpoint's epoch are dropped, the `interrupted` mark included:
        the resumed run redoes those epochs, so the history stays one continuous run."""
        self.admission.check_room(owner=self.stored(job_id, with_request=False)["owner"])
        plan = self.plan(job_id)
        stored = self.store.events(job_id, "epoch")
        if job_id in self._restarting:
            raise JobError(409, f"job {job_id} is already being resumed")
        self._restarting.add(job_id)
        try:
            point = await self.files.resume_point(job_id, stored[-1]["epoch"] if stored else 0)
        finally:
            self._restarting.discard(job_id)
        self._require(job_id, "resume")  # still interrupted (not deleted) after the checksums were read
        epoch = point.epoch
        kept = [e for e in stored if epoch is not None and e["epoch"] <= epoch]
        last = kept[-1] if kept else None
        fields: dict[str, Any] = {"status": "queued", "error": None, "finished_at": None, "epoch": 0}
        if last is not None:
            fields.update(
                epoch=last["epoch"], train_loss=last["train_loss"], val_loss=last["val_loss"], metrics=last["metrics"]
            )
        self.store.rewind(job_id, last["seq"] if last else 0, fields)
        self.live.open(job_id, self.stored(job_id, with_request=False)["last_seq"], replay_stored=True)
        if last is not None or point.skipped:
            self._resume[job_id] = {"epoch": last["epoch"] if last else None, **_note_fields(point.note())}
        self.admission.enqueue(job_id, plan, self.stored(job_id, with_request=False)["owner"])
        self._dispatch()
        return self.get(job_id)

    # --- reading -----------------------------------------------------------------------------------

    def events(self, job_id: str, kind: str, limit: int | None = None, newest: bool = False) -> list[str]:
        """A job's stored events of one kind, as their JSON text (oldest first unless `newest`).
        Any thread: a long history takes a while to read."""
        self.stored(job_id, with_request=False)
        return self.store.event_bodies(job_id, kind, limit, newest)

    @_on_loop
    def frames(self, job_id: str, since: int = 0) -> AsyncIterator[str]:
        """JSON-array frames of the job's events after `since`: replay, then live, until done."""
        return self.live.frames(job_id, since)

    # --- what the executor reports ------------------------------------------------------------------

    def _events_from_thread(self, job_id: str, events: list[EventBase]) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._append, job_id, events)

    def _exit_from_thread(self, job_id: str, error: str | None) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._exited, job_id, error)

    @_on_loop
    def _append(self, job_id: str, events: list[EventBase]) -> None:
        """Store and publish one batch of a job's events."""
        if self._closed:
            return
        taken = self.intake.take(job_id, events)
        if taken is None:  # deleted while its worker was still talking
            return
        if "status" in taken.fields and self._asked.get(job_id) == taken.fields["status"]:
            del self._asked[job_id]  # the worker got there
        if "epoch" in taken.fields:  # history moved: older checkpoints can go
            self.files.prune(job_id, taken.fields["epoch"])
        self.live.publish(job_id, taken.rows)
        epochs = [event for event in events if isinstance(event, EpochEvent)]
        if epochs:
            for observer in self._epoch_observers:
                observer(job_id, epochs)
        if taken.finished:
            self.live.close(job_id)
            self._asked.pop(job_id, None)
            self._dispatch()

    @_on_loop
    def _exited(self, job_id: str, error: str | None) -> None:
        if self._closed:
            return
        job = self.store.get_job(job_id, with_request=False)
        self.admission.release(job_id)
        if job is None:  # deleted while running: its last writes go too
            self.files.remove_soon(job_id)
        if job is not None and job["status"] in UNFINISHED:
            if job_id in self._stop_requested:
                done = DoneEvent(status="stopped", error=None)
            else:
                done = DoneEvent(status="failed", error=error or "worker exited before the job finished")
            self._append(job_id, [done])
        self._stop_requested.discard(job_id)
        self._dispatch()

    @_on_loop
    def _dispatch(self) -> None:
        """Start what admission lets start; while something waits, look again now and then
        (a cluster's resources also change where we cannot see it: a node joins)."""
        for job_id, plan in self.admission.admit():
            self.executor.start(job_id, plan, resume_from=self._resume.pop(job_id, None))
        if self.admission.waiting() and self._retry is None and self._loop is not None:
            self._retry = self._loop.call_later(DISPATCH_RETRY_S, self._retry_dispatch)

    def _retry_dispatch(self) -> None:
        self._retry = None
        self._dispatch()

    # --- helpers -----------------------------------------------------------------------------------

    def _require(self, job_id: str, action: lifecycle.Action, judged_as_asked: bool = False) -> JobStatus:
        """The job's status, if it allows `action` (the lifecycle table decides). With
        `judged_as_asked`, a running or paused job counts as what it was last asked to be."""
        status = JobStatus(self.stored(job_id, with_request=False)["status"])
        if judged_as_asked and status in (JobStatus.RUNNING, JobStatus.PAUSED):
            status = self._asked.get(job_id, status)
        if not lifecycle.allows(status, action):
            allowed = ", ".join(lifecycle.allowed_in(action))
            raise JobError(409, f"cannot {action} a job that is {status} (allowed when: {allowed})")
        return status

    def _public(self, job: dict[str, Any]) -> dict[str, Any]:
        plan = job.get("plan")
        job = {k: v for k, v in job.items() if k not in ("last_seq", "plan")}
        if "request" in job:  # the record (not a list row): what planning found out
            job |= _RECORD_DEFAULTS | {k: v for k, v in (plan or {}).items() if k in _RECORD_DEFAULTS}
        job["worker_pid"] = self.executor.worker_pid(job["id"]) if job["status"] in UNFINISHED else None
        job["queue_reason"] = self.admission.reason(job["id"]) if job["status"] == "queued" else None
        return job


# The record's plan fields for a job kept by a torchplay that stored no plan.
def _note_fields(note: Note | None) -> dict[str, str]:
    return note.fields() if note is not None else {}


_RECORD_DEFAULTS: dict[str, Any] = {
    "input_shape": [], "output_shape": None, "classes": None, "snapshot_kind": None,
    "total_params": 0, "warnings": [], "memory_mb": None,
}  # fmt: skip


def _planned(job: dict[str, Any]) -> PlannedJob:
    if not job.get("plan"):
        raise JobError(409, f"job {job['id']} was created by an older torchplay and has no plan; create it again")
    return PlannedJob.model_validate({"request": job["request"], **job["plan"]})
