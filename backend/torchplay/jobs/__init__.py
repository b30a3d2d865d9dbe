"""Jobs: the queue and lifecycle (JobManager), persistence (Store), executors."""

from torchplay.jobs.executor import Executor
from torchplay.jobs.manager import JobError, JobManager
from torchplay.jobs.store import Store

__all__ = ["Executor", "JobError", "JobManager", "Store", "make_executor"]


def make_executor(
    kind: str, data_dir: str, warm: int = 1, ray_address: str = "auto", threads: int = 1, max_running: int = 2
) -> Executor:
    if kind == "ray":
        from torchplay.jobs.ray_executor import RayExecutor

        return RayExecutor(data_dir, address=ray_address)
    from torchplay.jobs.local import LocalExecutor

    return LocalExecutor(data_dir, warm=warm, threads=threads, max_per_device=max_running)
