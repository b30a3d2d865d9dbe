"""The body of a local worker process: import torch early, then wait for one job.

Processes are started ahead of time (a warm pool) so a job's first epoch does not wait
for Python and torch to import; each process runs exactly one job and exits, so a job
never inherits another's memory or threads.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any


def worker_main(
    inbox: Queue, events: Queue, counter: Any, commands: Queue, data_dir: str, threads: int, server_pid: int
) -> None:
    # Ctrl-C in a terminal reaches the whole process group; the server stops its workers
    # itself (a cooperative stop, so the job ends cleanly), so the worker ignores it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import torch

    from torchplay.jobs.files import job_dir
    from torchplay.jobs.memory_watch import watch_memory
    from torchplay.spec.events import DoneEvent
    from torchplay.training import Control, run_job, warm_up

    _exit_with_parent(server_pid)
    # Jobs share the cores: oversubscribed OpenMP threads spin and make every job slower.
    torch.set_num_threads(threads)
    warm_up()
    assignment = inbox.get()
    if assignment is None:
        return
    plan, resume_from, job_id = assignment
    control = Control(counter=counter, commands=commands)

    def over_budget(message: str) -> None:
        # The job ends here, mid-batch: its last word is this `done`, flushed before exiting.
        events.put(DoneEvent(status="failed", error=message))
        events.close()
        events.join_thread()
        os._exit(1)

    if plan.memory_budget_mb is not None:
        watch_memory(plan.memory_budget_mb, plan.placement(), over_budget)
    # The job's own folder (checkpoints) comes from the server-made id, never from the request.
    checkpoints = job_dir(data_dir, job_id)
    run_job(plan, events.put, control, data_dir=Path(data_dir), resume_from=resume_from, checkpoint_dir=checkpoints)
    events.close()
    events.join_thread()  # flush every event before the process exits


def _exit_with_parent(server_pid: int) -> None:
    """If the server dies (even by kill -9), its workers must not train on as orphans.

    The server's pid comes from the server: read here, `getppid()` could already be 1 if
    the server died while this process was still importing torch."""

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
