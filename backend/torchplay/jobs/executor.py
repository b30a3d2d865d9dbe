"""The executor seam: it moves a planned job in and event batches out, and says what it
can run; `Admission` decides what runs when.

`LocalExecutor` (worker processes) and `RayExecutor` (a Ray cluster) implement it; the
`JobManager` never knows which one it drives.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from torchplay.planning import PlannedJob
from torchplay.spec.wire import EventBase

# Called from the executor's own threads; the manager hops onto its event loop.
OnEvents = Callable[[str, list[EventBase]], None]
# Called once per job after its last event was delivered; `error` is None for a clean exit.
OnExit = Callable[[str, str | None], None]


class Executor(ABC):
    name: str = "executor"

    def bind(self, on_events: OnEvents, on_exit: OnExit) -> None:
        self.on_events, self.on_exit = on_events, on_exit

    @abstractmethod
    def capacity(self) -> dict[str, float] | str:
        """What it can run at once, as amounts of resources (`{"cpu": 2}` job slots of a
        device, `{"CPU": 8, "GPU": 2}` of a cluster), or why it can run nothing yet."""

    @abstractmethod
    def needs(self, plan: PlannedJob) -> dict[str, float]:
        """What one job holds of `capacity` while it runs."""

    @abstractmethod
    def shortfall(self, resource: str, need: float, free: float, total: float) -> str:
        """Why a queued job waits, in the executor's words (shown while it is queued)."""

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

    def describe(self) -> dict[str, Any]:
        return {"name": self.name}

    def devices(self) -> tuple[str, ...] | None:
        """Devices a job may name where this executor runs it; None: this machine's."""
        return None

    @abstractmethod
    def shutdown(self) -> None:
        """Stop everything (server shutdown)."""
