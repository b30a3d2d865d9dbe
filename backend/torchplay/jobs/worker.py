"""The body of a local worker process: import torch once, then run job after job.

Processes are started ahead of time (the pool) so a job's first epoch waits neither for
Python nor for torch to import. Between jobs the worker puts torch's process-wide state
back as it found it (`ProcessState.fresh_start`; `tidy` frees the last job's memory as soon as it
ends), so no job inherits another's settings;
after `max_jobs` jobs, or once its memory has grown past `max_growth_mb`, it retires and
the executor starts a fresh one.
"""

from __future__ import annotations

import os
import resource
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Assignment:
    """One job for a worker: what to train and with how many threads."""

    job_id: str
    plan: Any  # a PlannedJob (imported lazily: the worker imports torch first)
    resume_from: dict[str, Any] | None
    threads: int


@dataclass(frozen=True)
class JobEnded:
    """Put on the events queue after a job's last event: the worker is free (or retiring)."""

    job_id: str
    retiring: bool


@dataclass(frozen=True)
class WorkerReady:
    """Put on the events queue once torch is imported and warmed up: a job given to this
    worker now starts at once."""


@dataclass(frozen=True)
class Lifetime:
    max_jobs: int
    max_growth_mb: float


def worker_main(
    inbox: Queue, events: Queue, counter: Any, commands: Queue, data_dir: str, lifetime: Lifetime, server_pid: int
) -> None:
    # Ctrl-C in a terminal reaches the whole process group; the server stops its workers
    # itself (a cooperative stop, so the job ends cleanly), so the worker ignores it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from torchplay.jobs.files import job_dir
    from torchplay.jobs.memory_watch import reset_peak, watch_memory
    from torchplay.spec.events import DoneEvent
    from torchplay.training import Control, run_job, warm_up
    from torchplay.training.isolation import ProcessState

    _exit_with_parent(server_pid)
    pristine = ProcessState.capture()
    warm_up()
    pristine.tidy()
    events.put(WorkerReady())
    started_mb = _resident_mb()
    seen = 0  # control ticks already taken: the counter lives as long as the process

    def over_budget(message: str) -> None:
        # The job ends here, mid-batch: its last word is this `done`, flushed before exiting.
        events.put(DoneEvent(status="failed", error=message))
        events.close()
        events.join_thread()
        os._exit(1)

    for done in range(1, lifetime.max_jobs + 1):
        assignment: Assignment | None = inbox.get()
        if assignment is None:
            break
        plan = assignment.plan
        pristine.fresh_start(assignment.threads)
        control = Control(counter=counter, commands=commands, seen=seen, job_id=assignment.job_id)
        job_over = threading.Event()
        if plan.memory_budget_mb is not None:
            reset_peak(plan.placement())
            watch_memory(plan.memory_budget_mb, plan.placement(), over_budget, until=job_over)
        # The job's own folder (checkpoints) comes from the server-made id, never from the request.
        checkpoints = job_dir(data_dir, assignment.job_id)
        run_job(
            plan,
            events.put,
            control,
            data_dir=Path(data_dir),
            resume_from=assignment.resume_from,
            checkpoint_dir=checkpoints,
        )
        job_over.set()
        seen = control.seen
        pristine.tidy()  # now, not when the next job arrives: its first epoch would wait for it
        retiring = done == lifetime.max_jobs or _resident_mb() - started_mb > lifetime.max_growth_mb
        events.put(JobEnded(assignment.job_id, retiring))
        if retiring:
            break
    events.close()
    events.join_thread()  # flush every event before the process exits


def _resident_mb() -> float:
    """This process's resident memory now (Linux), else its peak."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _exit_with_parent(server_pid: int) -> None:
    """If the server dies (even by kill -9), its workers must not train on as orphans.

    The server's pid comes from the server: read here, `getppid()` could already be 1 if
    the server died while this process was still importing torch."""

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
