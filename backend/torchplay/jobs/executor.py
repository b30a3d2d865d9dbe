"""The executor seam: it moves a planned job in and event batches out, nothing else.

`LocalExecutor` (worker processes) and `RayExecutor` (a Ray cluster) implement it; the
`JobManager` never knows which one it drives.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from torchplay.planning import PlannedJob
from torchplay.spec.wire import EventBase

Event = EventBase
# Called from the executor's own threads; the manager hops onto its event loop.
OnEvents = Callable[[str, list[Event]], None]
# Called once per job after its last event was delivered; `error` is None for a clean exit.
OnExit = Callable[[str, str | None], None]


class Executor(ABC):
    name: str = "executor"
    # True when `can_start` itself enforces the running limit (per device, per cluster
    # resources); the manager then applies no global `max_running` cap of its own.
    schedules: bool = False

    def bind(self, on_events: OnEvents, on_exit: OnExit) -> None:
        self.on_events, self.on_exit = on_events, on_exit

    @abstractmethod
    def start(self, job_id: str, plan: PlannedJob, *, resume_from: dict[str, Any] | None = None) -> None:
        """Begin running a planned job (optionally from a checkpoint)."""

    @abstractmethod
    def send(self, job_id: str, command: dict[str, Any]) -> bool:
        """Deliver a control command (`{"op": "pause"}` …); False if the job is not running here."""

    @abstractmethod
    def stop(self, job_id: str) -> None:
        """Cooperative stop, escalating to a forced one after a grace period."""

    def worker_pid(self, job_id: str) -> int | None:
        return None

    def can_start(self, plan: PlannedJob) -> tuple[bool, str | None]:
        """Whether resources for this job are free now; if not, why (shown while queued)."""
        return True, None

    def describe(self) -> dict[str, Any]:
        return {"name": self.name}

    def devices(self) -> tuple[str, ...] | None:
        """Devices a job may name where this executor runs it; None: this machine's."""
        return None

    @abstractmethod
    def shutdown(self) -> None:
        """Stop everything (server shutdown)."""
