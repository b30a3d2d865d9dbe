"""Jobs: the lifecycle (JobManager) and its parts (admission, intake, fan-out, files),
persistence (Store), executors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torchplay.jobs.errors import JobError
from torchplay.jobs.executor import Executor
from torchplay.jobs.files import JobFiles
from torchplay.jobs.manager import JobManager
from torchplay.jobs.store import Store

if TYPE_CHECKING:
    from torchplay.settings import Settings

__all__ = ["Executor", "JobError", "JobFiles", "JobManager", "Store", "make_executor"]


def make_executor(settings: Settings) -> Executor:
    """The executor the settings name: local worker processes, or a Ray cluster."""
    if settings.executor == "ray":
        from torchplay.jobs.ray_executor import RayExecutor  # imports ray: only when asked for

        return RayExecutor(str(settings.data_dir), settings)
    from torchplay.jobs.local import LocalExecutor

    return LocalExecutor(
        str(settings.data_dir),
        warm=settings.warm_workers,
        max_per_device=settings.max_running_jobs,
        max_jobs_per_worker=settings.worker_max_jobs,
        max_growth_mb=settings.worker_max_growth_mb,
    )
