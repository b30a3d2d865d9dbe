"""Admission: which queued jobs may start now. The only place running limits are decided.

Executors report what they can run (`Executor.capacity`: a local machine's slots per
device, a Ray cluster's CPUs and GPUs) and what one job needs of it (`Executor.needs`);
admission keeps the ledger of what running jobs hold and starts queued jobs while what
they need is free. A job that cannot start keeps its place and a reason (shown while it is
queued); a later job needing other, free resources may pass it.

People take turns: the queue is read one job per owner at a time, starting after the owner
served last, so one person's fifty queued jobs cannot starve a class. Each owner may also
hold at most `max_running_per_user` running and `max_queued_per_user` queued jobs.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import zip_longest

from torchplay.jobs.errors import JobError
from torchplay.jobs.executor import Executor
from torchplay.planning import PlannedJob

EPS = 1e-6  # fractional resources: 3 × 0.333… must fit in 1 GPU


class Admission:
    def __init__(
        self,
        executor: Executor,
        max_queued: int,
        max_queued_per_user: int | None = None,
        max_running_per_user: int | None = None,
    ) -> None:
        self.executor = executor
        self.max_queued = max_queued
        self.max_queued_per_user = max_queued_per_user
        self.max_running_per_user = max_running_per_user
        self._queued: dict[str, PlannedJob] = {}  # oldest first
        self._owners: dict[str, str] = {}  # queued or running job → its owner
        self._held: dict[str, dict[str, float]] = {}  # job → what it holds while it runs
        self._reasons: dict[str, str] = {}  # queued job → why it cannot start yet
        self._served_last: str | None = None  # the owner whose job started last

    def check_room(self, jobs: int = 1, owner: str | None = None) -> None:
        """Room in the queue for `jobs` more (a sweep's members come as one batch), in all
        and for `owner`."""
        if len(self._queued) + jobs > self.max_queued:
            queued = f"{len(self._queued)} jobs are already queued"
            more = f"; {jobs} more do not fit" if jobs > 1 else ""
            raise JobError(429, f"{queued}{more} (limit max_queued_jobs={self.max_queued}); try again later")
        limit = self.max_queued_per_user
        if owner is not None and limit is not None:
            mine = sum(1 for job_id in self._queued if self._owners.get(job_id) == owner)
            if mine + jobs > limit:
                more = f"; {jobs} more do not fit" if jobs > 1 else ""
                raise JobError(
                    429,
                    f"{owner} already has {mine} jobs queued{more} (limit max_queued_per_user={limit}); "
                    "wait for some to start",
                )

    def enqueue(self, job_id: str, plan: PlannedJob, owner: str) -> None:
        self._queued[job_id] = plan
        self._owners[job_id] = owner

    def withdraw(self, job_id: str) -> bool:
        """Take a job out of the queue; False if it was not queued (it runs, or never was)."""
        self._reasons.pop(job_id, None)
        if self._queued.pop(job_id, None) is None:
            return False
        self._owners.pop(job_id, None)
        return True

    def release(self, job_id: str) -> None:
        """The job's process ended: what it held is free again."""
        self._held.pop(job_id, None)
        self._owners.pop(job_id, None)

    def admitted(self, job_id: str) -> bool:
        return job_id in self._held

    def reason(self, job_id: str) -> str | None:
        """Why a queued job waits: its worker is starting, or what it needs is taken."""
        return "starting" if job_id in self._held else self._reasons.get(job_id)

    def waiting(self) -> bool:
        return bool(self._reasons)

    def admit(self) -> list[tuple[str, PlannedJob]]:
        """The queued jobs that may start now, taken off the queue and counted as held."""
        self._reasons.clear()
        capacity = self.executor.capacity()
        running: dict[str, int] = defaultdict(int)
        for job_id in self._held:
            running[self._owners.get(job_id, "")] += 1
        started = []
        for job_id in self._in_turn():
            plan, owner = self._queued[job_id], self._owners[job_id]
            limit = self.max_running_per_user
            if limit is not None and running[owner] >= limit:
                self._reasons[job_id] = (
                    f"{owner} already has {running[owner]} jobs running (limit max_running_per_user={limit})"
                )
                continue
            reason = capacity if isinstance(capacity, str) else self._shortfall(plan, capacity)
            if reason is not None:
                self._reasons[job_id] = reason
                continue
            del self._queued[job_id]
            self._held[job_id] = self.executor.needs(plan)
            running[owner] += 1
            self._served_last = owner
            started.append((job_id, plan))
        return started

    def _in_turn(self) -> list[str]:
        """The queue, one job per owner at a time (each owner's oldest first), starting with
        the owner after the one served last."""
        lines: dict[str, list[str]] = {}
        for job_id in self._queued:
            lines.setdefault(self._owners[job_id], []).append(job_id)
        owners = sorted(lines)
        if self._served_last is not None:
            after = [o for o in owners if o > self._served_last]
            owners = after + [o for o in owners if o <= self._served_last]
        rounds = zip_longest(*(lines[owner] for owner in owners))
        return [job_id for turn in rounds for job_id in turn if job_id is not None]

    def _shortfall(self, plan: PlannedJob, capacity: dict[str, float]) -> str | None:
        held: dict[str, float] = defaultdict(float)
        for holding in self._held.values():
            for resource, amount in holding.items():
                held[resource] += amount
        for resource, amount in self.executor.needs(plan).items():
            total = capacity.get(resource, 0.0)
            free = total - held[resource]
            if free + EPS < amount:
                return self.executor.shortfall(resource, amount, free, total)
        return None
