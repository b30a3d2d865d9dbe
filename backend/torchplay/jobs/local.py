"""Jobs in local worker processes: a pool of spawned workers, each running job after job.

A queued job takes an idle worker (torch already imported, warmed up), never waits for a
process to start unless every worker is busy or gone. A worker that dies fails only the
job it held and is replaced; one that retired (after `max_jobs` jobs, or grown in
memory) is replaced too, when the CPU is free.

The cores follow the load: a lone job trains with every core; while several run, each
gets `cores // running` threads (at least one), re-set in its worker at the next epoch. A
job whose batches are too small to split trains on one (`planning.threads`).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

from torchplay.jobs.executor import Executor
from torchplay.jobs.worker import Assignment, JobEnded, Lifetime, WorkerReady, worker_main
from torchplay.planning import PlannedJob
from torchplay.planning.devices import available_devices
from torchplay.planning.threads import threads_per_job
from torchplay.spec.wire import EventBase

STOP_GRACE_S = 0.5  # a cooperative stop acts within one batch; past this the worker is killed
OPENMP_SPIN_TURNS = 10_000  # GOMP_SPINCOUNT: how long an OpenMP thread spins before it sleeps
_ctx = mp.get_context("spawn")  # fork would copy the server's threads and sockets into torch


def machine_cores() -> int:
    """The cores this process may run on (a container's or taskset's, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass
class _Worker:
    process: BaseProcess
    inbox: Any
    events: Any
    counter: Any
    commands: Any
    job_id: str | None = None  # the job it runs now; None while idle
    device: str | None = None
    threads: int | None = None  # what it was last asked to train with
    useful_threads: int | None = None  # the most its job can use (None: any)
    retiring: bool = False
    ready: bool = False  # torch imported and warmed up
    killed_by_us: bool = False
    stopping_since: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)  # one writer of its control channel


class LocalExecutor(Executor):
    """Each device of this machine holds `max_per_device` jobs at once: a CPU job never waits
    for a GPU job. `warm` workers are started ahead of time (None: one per job slot)."""

    name = "local"

    def __init__(
        self,
        data_dir: str,
        warm: int | None = None,
        max_per_device: int = 2,
        max_jobs_per_worker: int = 100,
        max_growth_mb: float = 1024.0,
        cores: int | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.max_per_device = max_per_device
        self.warm = self.slots() if warm is None else warm
        self.lifetime = Lifetime(max_jobs_per_worker, max_growth_mb)
        self.cores = cores or machine_cores()
        self._idle: list[_Worker] = []  # the most recently used last: it is taken first
        self._busy: dict[str, _Worker] = {}
        self._all: set[int] = set()  # ids of the live workers' records, busy or idle
        self._lock = threading.Lock()
        self._closed = False
        self._fill_pool()

    def slots(self) -> int:
        return round(sum(self.capacity().values()))

    # --- pool --------------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        # Torch's OpenMP threads wait for each other at the end of every op. libgomp spins
        # there 300 000 turns before it sleeps: on a machine busy with other jobs the
        # spinning thread holds the core the awaited one needs (the 784-256-10 MLP's plain
        # loop took 46.5 s against 3.7 s), while never spinning (OMP_WAIT_POLICY=PASSIVE)
        # halves a lone job's speed on a quiet one. A short spin is as fast as spinning when
        # the machine is quiet and faster than sleeping when it is busy (docs/performance.md).
        # A worker's environment comes from here (spawn), read when it loads torch; a value
        # the server was started with (this, or OMP_WAIT_POLICY) wins.
        os.environ.setdefault("GOMP_SPINCOUNT", str(OPENMP_SPIN_TURNS))
        inbox, events, commands = _ctx.Queue(), _ctx.Queue(), _ctx.Queue()
        counter = _ctx.RawValue("q", 0)  # read without a lock once per batch
        process = _ctx.Process(
            target=worker_main,
            args=(inbox, events, counter, commands, self.data_dir, self.lifetime, os.getpid()),
            daemon=True,
            name="torchplay-worker",
        )
        process.start()
        worker = _Worker(process, inbox, events, counter, commands)
        with self._lock:
            self._all.add(id(worker))
        # One reader per worker for its whole life: events out, job ends, its death.
        threading.Thread(target=self._read, args=(worker,), daemon=True, name=f"events-{process.pid}").start()
        return worker

    def _fill_pool(self) -> None:
        with self._lock:
            missing = 0 if self._closed else self.warm - len(self._idle)
        for _ in range(missing):
            self._return_to_pool(self._spawn())

    def _return_to_pool(self, worker: _Worker) -> None:
        """Keep an idle worker while the pool is short of `warm`; past that (a job that found
        none started its own, a refill raced it) it retires: an idle worker holds torch's memory."""
        with self._lock:
            keep = not self._closed and len(self._idle) < self.warm
            if keep:
                self._idle.append(worker)
        if not keep:
            worker.inbox.put(None)

    def _take_worker(self) -> _Worker:
        """An idle worker that has warmed up (the one used last: its caches are warm), else
        one still starting (a refill just spawned it), else a new one."""
        with self._lock:
            self._idle = [w for w in self._idle if w.process.is_alive()]
            if self._idle:
                worker = ([w for w in self._idle if w.ready] or self._idle)[-1]
                self._idle.remove(worker)
                return worker
        return self._spawn()

    def _refill_when_cpu_free(self) -> None:
        """Top the pool up, unless a CPU job is training: a new worker's start-up (importing
        torch, warming its kernels) takes seconds of CPU, which on a small machine would come
        out of that job's time. A job that finds no idle worker starts one itself."""
        with self._lock:
            if self._closed or len(self._idle) >= self.warm:
                return
            if any(w.device == "cpu" for w in self._busy.values()):
                return
        threading.Thread(target=self._fill_pool, daemon=True).start()

    # --- threads follow the load --------------------------------------------------------------

    def _share_cores(self) -> None:
        """Tell every running job its share of the cores; each takes it at its next epoch."""
        with self._lock:
            running = len(self._busy)
            changed: list[tuple[str, int]] = []
            for job_id, worker in self._busy.items():
                threads = threads_per_job(self.cores, running, worker.useful_threads)
                if worker.threads != threads:
                    worker.threads = threads
                    changed.append((job_id, threads))
        for job_id, threads in changed:
            self.send(job_id, {"op": "threads", "threads": threads})

    # --- Executor --------------------------------------------------------------------------------

    def start(self, job_id: str, plan: PlannedJob, *, resume_from: dict[str, Any] | None = None) -> None:
        worker = self._take_worker()
        with self._lock:
            worker.job_id, worker.device, worker.stopping_since = job_id, plan.placement(), None
            self._busy[job_id] = worker
            worker.useful_threads = plan.max_threads
            worker.threads = threads_per_job(self.cores, len(self._busy), plan.max_threads)
        worker.inbox.put(Assignment(job_id, plan, resume_from, worker.threads))
        self._share_cores()

    def send(self, job_id: str, command: dict[str, Any]) -> bool:
        worker = self._busy.get(job_id)
        if worker is None or not worker.process.is_alive():
            return False
        with worker.lock:
            worker.commands.put({**command, "job": job_id})  # a late command never reaches the next job
            worker.counter.value += 1
        return True

    def stop(self, job_id: str) -> None:
        worker = self._busy.get(job_id)
        if worker is None:
            return
        worker.stopping_since = time.monotonic()
        self.send(job_id, {"op": "stop"})

    def worker_pid(self, job_id: str) -> int | None:
        worker = self._busy.get(job_id)
        return worker.process.pid if worker else None

    def capacity(self) -> dict[str, float]:
        return {device: float(self.max_per_device) for device in available_devices() if device != "cuda"}

    def needs(self, plan: PlannedJob) -> dict[str, float]:
        return {plan.placement(): 1.0}  # a slot of the device it trains on

    def shortfall(self, resource: str, need: float, free: float, total: float) -> str:
        return f"{round(total - free)} jobs running on {resource} (max_running_jobs={total:g} per device)"

    def describe(self) -> dict[str, Any]:
        with self._lock:
            running, idle, workers = len(self._busy), len(self._idle), len(self._all)
        return {
            "name": self.name,
            "cpus": self.cores,
            "max_running_per_device": self.max_per_device,
            "threads_per_job": threads_per_job(self.cores, running),  # what a job trains with now
            "running_jobs": running,
            "workers": workers,
            "idle_workers": idle,
            "warm_workers": self.warm,
            "max_jobs_per_worker": self.lifetime.max_jobs,
            "max_worker_growth_mb": self.lifetime.max_growth_mb,
        }

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            idle, busy = self._idle, list(self._busy.items())
            self._idle = []
        for job_id, _ in busy:
            self.send(job_id, {"op": "stop"})
        workers = idle + [w for _, w in busy]
        for worker in workers:  # a busy one reads it once its job has stopped
            worker.inbox.put(None)
        deadline = time.monotonic() + 2
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()

    # --- event pump (one thread per worker) ---------------------------------------------------

    def _read(self, worker: _Worker) -> None:
        while True:
            batch = _drain(worker.events, timeout=0.05)
            if batch:
                self._deliver(worker, batch)
                continue
            if not worker.process.is_alive():
                # The process is gone: whatever it flushed is in the queue; take it, then report.
                tail = _drain(worker.events, timeout=0.05)
                if tail:
                    self._deliver(worker, tail)
                break
            since = worker.stopping_since
            if worker.job_id is not None and since is not None and time.monotonic() - since > STOP_GRACE_S:
                worker.killed_by_us = True
                worker.process.kill()
        worker.process.join()
        with self._lock:
            self._all.discard(id(worker))
            job_id, worker.job_id = worker.job_id, None
            if job_id is not None:
                self._busy.pop(job_id, None)
        if job_id is not None:  # it died holding a job: that job fails (or stopped, if we killed it)
            self.on_exit(job_id, _exit_reason(worker))
            self._share_cores()
        self._refill_when_cpu_free()

    def _deliver(self, worker: _Worker, batch: list[Any]) -> None:
        """Hand a job its events; at a job's end, free the worker before the next job is chosen."""
        events: list[EventBase] = []
        for item in batch:
            if isinstance(item, WorkerReady):
                with self._lock:
                    worker.ready = True
                continue
            if not isinstance(item, JobEnded):
                events.append(item)
                continue
            if events:
                self.on_events(item.job_id, events)
                events = []
            with self._lock:
                worker.job_id, worker.device, worker.stopping_since = None, None, None
                self._busy.pop(item.job_id, None)
                worker.retiring = item.retiring
            if not item.retiring:
                self._return_to_pool(worker)
            self.on_exit(item.job_id, None)
            self._share_cores()
            if item.retiring:
                self._refill_when_cpu_free()
        if events and worker.job_id is not None:
            self.on_events(worker.job_id, events)


def _drain(events: Any, timeout: float) -> list[Any]:
    """Block briefly for one item, then take everything already waiting: one batch."""
    try:
        batch = [events.get(timeout=timeout)]
    except queue.Empty:
        return []
    except (EOFError, OSError):  # the worker died mid-write
        return []
    while True:
        try:
            batch.append(events.get_nowait())
        except (queue.Empty, EOFError, OSError):
            return batch


def _exit_reason(worker: _Worker) -> str | None:
    code = worker.process.exitcode
    if code == 0 or worker.killed_by_us:
        return None
    if code is not None and code < 0:
        try:
            return f"worker exited with signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"worker exited with signal {-code}"
    return f"worker exited with code {code}"
