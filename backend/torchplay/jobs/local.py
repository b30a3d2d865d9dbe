"""Jobs in local worker processes (spawned, one job each), fed from a warm pool."""

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
from torchplay.jobs.worker import worker_main
from torchplay.planning import PlannedJob
from torchplay.planning.devices import available_devices
from torchplay.spec.wire import EventBase

STOP_GRACE_S = 0.5  # a cooperative stop acts within one batch; past this the worker is killed
_ctx = mp.get_context("spawn")  # fork would copy the server's threads and sockets into torch


@dataclass
class _Worker:
    process: BaseProcess
    inbox: Any
    events: Any
    counter: Any
    commands: Any
    job_id: str | None = None
    device: str | None = None
    reader: threading.Thread | None = None
    killed_by_us: bool = False
    stopping_since: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class LocalExecutor(Executor):
    """Each device of this machine holds `max_per_device` jobs at once: a CPU job never waits
    for a GPU job."""

    name = "local"

    def __init__(self, data_dir: str, warm: int = 1, threads: int = 1, max_per_device: int = 2) -> None:
        self.data_dir = data_dir
        self.warm = warm
        self.threads = threads
        self.max_per_device = max_per_device
        self._idle: list[_Worker] = []
        self._busy: dict[str, _Worker] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._fill_pool()

    # --- pool --------------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        inbox, events, commands = _ctx.Queue(), _ctx.Queue(), _ctx.Queue()
        counter = _ctx.RawValue("q", 0)  # read without a lock once per batch
        process = _ctx.Process(
            target=worker_main,
            args=(inbox, events, counter, commands, self.data_dir, self.threads, os.getpid()),
            daemon=True,
            name="torchplay-worker",
        )
        process.start()
        return _Worker(process, inbox, events, counter, commands)

    def _fill_pool(self) -> None:
        with self._lock:
            self._idle = [w for w in self._idle if w.process.is_alive()]
            missing = 0 if self._closed else self.warm - len(self._idle)
        for _ in range(missing):
            worker = self._spawn()
            with self._lock:
                self._idle.append(worker)

    def _take_worker(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop(0)
                if worker.process.is_alive():
                    break
            else:
                worker = None
        if worker is None:
            worker = self._spawn()
        return worker

    def _refill_when_cpu_free(self) -> None:
        """Top the pool up, unless a CPU job is training: a new worker's start-up (importing
        torch, warming its kernels) takes seconds of CPU, which on a small machine would come
        out of that job's time. The pool then refills when the CPU jobs end. Spawning runs
        in the background: it costs ~1 s of a core we do not want to wait on."""
        with self._lock:
            if self._closed or any(w.device == "cpu" for w in self._busy.values()):
                return
        threading.Thread(target=self._fill_pool, daemon=True).start()

    # --- Executor --------------------------------------------------------------------------------

    def start(self, job_id: str, plan: PlannedJob, *, resume_from: dict[str, Any] | None = None) -> None:
        worker = self._take_worker()
        worker.job_id = job_id
        worker.device = plan.placement()
        with self._lock:
            self._busy[job_id] = worker
        worker.inbox.put((plan, resume_from, job_id))
        worker.reader = threading.Thread(target=self._read, args=(worker,), daemon=True, name=f"events-{job_id}")
        worker.reader.start()
        self._refill_when_cpu_free()

    def send(self, job_id: str, command: dict[str, Any]) -> bool:
        worker = self._busy.get(job_id)
        if worker is None or not worker.process.is_alive():
            return False
        with worker.lock:
            worker.commands.put(command)
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
        return {
            "name": self.name,
            "warm_workers": self.warm,
            "threads_per_job": self.threads,
            "cpus": os.cpu_count(),
            "max_running_per_device": self.max_per_device,
        }

    def shutdown(self) -> None:
        self._closed = True
        with self._lock:
            workers = self._idle + list(self._busy.values())
            self._idle = []
        for worker in workers:
            if worker.job_id is None:
                worker.inbox.put(None)
            else:
                self.send(worker.job_id, {"op": "stop"})
        deadline = time.monotonic() + 2
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()

    # --- event pump (one thread per running job) ----------------------------------------------------

    def _read(self, worker: _Worker) -> None:
        job_id = worker.job_id
        assert job_id is not None
        while True:
            batch = _drain(worker.events, timeout=0.05)
            if batch:
                self.on_events(job_id, batch)
                continue
            if not worker.process.is_alive():
                # The process is gone: whatever it flushed is in the queue; take it, then report.
                tail = _drain(worker.events, timeout=0.05)
                if tail:
                    self.on_events(job_id, tail)
                break
            if worker.stopping_since is not None and time.monotonic() - worker.stopping_since > STOP_GRACE_S:
                worker.killed_by_us = True
                worker.process.kill()
        worker.process.join()
        with self._lock:
            self._busy.pop(job_id, None)
        self.on_exit(job_id, _exit_reason(worker))
        self._refill_when_cpu_free()


def _drain(events: Any, timeout: float) -> list[EventBase]:
    """Block briefly for one event, then take everything already waiting: one batch."""
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
