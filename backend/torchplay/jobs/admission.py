"""Admission: which queued jobs may start now. The only place running limits are decided.

Executors report what they can run (`Executor.capacity`: a local machine's slots per
device, a Ray cluster's CPUs and GPUs) and what one job needs of it (`Executor.needs`);
admission keeps the ledger of what running jobs hold and starts queued jobs, oldest first,
while what they need is free. A job that cannot start keeps its place and a reason (shown
while it is queued); a later job needing other, free resources may pass it.
"""

from __future__ import annotations

from collections import defaultdict

from torchplay.jobs.errors import JobError
from torchplay.jobs.executor import Executor
from torchplay.planning import PlannedJob

EPS = 1e-6  # fractional resources: 3 × 0.333… must fit in 1 GPU


class Admission:
    def __init__(self, executor: Executor, max_queued: int) -> None:
        self.executor = executor
        self.max_queued = max_queued
        self._queued: dict[str, PlannedJob] = {}  # oldest first
        self._held: dict[str, dict[str, float]] = {}  # job → what it holds while it runs
        self._reasons: dict[str, str] = {}  # queued job → why it cannot start yet

    def check_room(self, jobs: int = 1) -> None:
        """Room in the queue for `jobs` more (a sweep's members come as one batch)."""
        if len(self._queued) + jobs > self.max_queued:
            queued = f"{len(self._queued)} jobs are already queued"
            more = f"; {jobs} more do not fit" if jobs > 1 else ""
            raise JobError(429, f"{queued}{more} (limit max_queued_jobs={self.max_queued}); try again later")

    def enqueue(self, job_id: str, plan: PlannedJob) -> None:
        self._queued[job_id] = plan

    def withdraw(self, job_id: str) -> bool:
        """Take a job out of the queue; False if it was not queued (it runs, or never was)."""
        self._reasons.pop(job_id, None)
        return self._queued.pop(job_id, None) is not None

    def release(self, job_id: str) -> None:
        """The job's process ended: what it held is free again."""
        self._held.pop(job_id, None)

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
        started = []
        for job_id, plan in list(self._queued.items()):
            reason = capacity if isinstance(capacity, str) else self._shortfall(plan, capacity)
            if reason is not None:
                self._reasons[job_id] = reason
                continue
            del self._queued[job_id]
            self._held[job_id] = self.executor.needs(plan)
            started.append((job_id, plan))
        return started

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
