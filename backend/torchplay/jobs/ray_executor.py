"""Jobs on a Ray cluster: Ray actors running the same `run_job` as a local worker.

The control plane (API, store, fan-out) stays one light process; only the trainer moves.
A job runs on a Ray actor asking for `num_gpus` (CUDA jobs) or `num_cpus` (CPU jobs). Its
`run` method is a streaming generator: the trainer runs on a thread inside the actor and
emits into a local queue; the generator yields whatever is waiting as one batch, and a
reader thread here hands each batch to `on_events`, in order, then calls `on_exit` once.

An actor whose job ended well is kept for the next job of the same size, as a local
worker is (torch imported once; process state put back before each job, leftovers freed
after it; replaced after `worker_max_jobs` jobs), so a sweep of short members does not
pay a process start each. An idle actor still holds its resources on the cluster: one of
another size is ended when a new job needs the room.

Stop is cooperative first (the actor owns a `Control`; `send` pushes the command), then
`ray.kill` after a grace period. An actor that dies under a job (node lost, OOM killer,
kill -9) ends the job `failed` with `worker lost`.

`TORCHPLAY_RAY_ADDRESS`:
- `auto` — join the Ray cluster this machine belongs to (`ray start` ran here);
- `ray://host:10001` — a remote cluster through the Ray client port;
- `host:6379` — a cluster's GCS address;
- `local` — start a private single-node Ray inside the server (`ray.init(num_cpus=
  TORCHPLAY_RAY_LOCAL_CPUS, include_dashboard=False)`): for tests and trying it out.

Scheduling: the torchplay server is the cluster's only client (see docs/ray.md), so its
admission counts what its own actors hold against `ray.cluster_resources()` (this
executor's `capacity`): it answers at once, with no lag after an actor is killed, and a
queued job shows why it waits. Nothing else limits how many Ray jobs run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ray

from torchplay.jobs.admission import EPS
from torchplay.jobs.executor import Executor
from torchplay.jobs.files import job_dir
from torchplay.planning import PlannedJob
from torchplay.planning.threads import threads_per_job
from torchplay.settings import Settings
from torchplay.spec.wire import EventBase

WORKER_LOST = "worker lost"


# --- the actor (runs on a cluster node) -------------------------------------------------------------


class JobActor:
    """Runs job after job, one at a time. Threaded (max_concurrency > 1) so `send` lands
    while `run` streams."""

    def __init__(self, data_dir: str) -> None:
        from torchplay.training import Control
        from torchplay.training.isolation import ProcessState

        self.data_dir = Path(data_dir)
        self.state = ProcessState.capture()  # what every job starts from
        self.job_id: str | None = None
        self.control = Control()  # a local counter and queue: the trainer's thread polls them
        self._lock = threading.Lock()

    def send(self, command: dict[str, Any], job_id: str) -> None:
        with self._lock:  # two sends at once must not lose a counter bump
            if job_id == self.job_id:  # a late stop for the last job must not reach the next
                self.control.send(command)

    def run(self, plan: PlannedJob, resume_from: dict[str, Any] | None, job_id: str, threads: int) -> Iterator[Any]:
        """A streaming generator: first where it runs, then event batches until `done`."""
        from torchplay.training import Control, run_job

        with self._lock:
            self.job_id, self.control = job_id, Control()
        self.state.fresh_start(max(1, threads))  # Ray also sets OMP_NUM_THREADS to num_cpus
        context = ray.get_runtime_context()
        yield {"pid": os.getpid(), "node_id": context.get_node_id(), "gpu_ids": [str(g) for g in ray.get_gpu_ids()]}
        events: queue.Queue[EventBase | None] = queue.Queue()

        def train() -> None:
            try:
                # Checkpoints and the final model land in the job's folder under data_dir: a volume
                # shared by every node, so the server can predict/export/resume from them.
                checkpoints = job_dir(self.data_dir, job_id)
                # Ray hands the actor its GPU(s) as CUDA_VISIBLE_DEVICES, so inside it the GPU
                # is always cuda:0: an index the job named picks no particular card.
                device = plan.placement(pinned=False)
                run_job(
                    plan,
                    events.put,
                    self.control,
                    data_dir=self.data_dir,
                    device=device,
                    resume_from=resume_from,
                    checkpoint_dir=checkpoints,
                )
            finally:
                with self._lock:
                    self.job_id = None
                with contextlib.suppress(Exception):  # `done` is already on its way
                    self.state.tidy()
                events.put(None)  # end of stream, even if run_job itself broke

        threading.Thread(target=train, daemon=True, name="torchplay-train").start()
        while True:
            batch = [events.get()]  # block for one, then take all that is waiting: one batch, one yield
            while True:
                try:
                    batch.append(events.get_nowait())
                except queue.Empty:
                    break
            ended = batch[-1] is None
            batch = [e for e in batch if e is not None]
            if batch:
                yield batch
            if ended:
                return


# --- the server side -----------------------------------------------------------------------------------


@dataclass
class _Job:
    job_id: str
    actor: Any
    resources: dict[str, float]
    runs: int  # jobs this actor has taken, this one included
    stream: Any = None
    pid: int | None = None
    node_id: str | None = None
    killed_by_us: bool = False
    stop_timer: threading.Timer | None = None
    reader: threading.Thread | None = None
    info: dict[str, Any] = field(default_factory=dict)


class RayExecutor(Executor):
    name = "ray"

    def __init__(self, data_dir: str, settings: Settings) -> None:
        self.data_dir = data_dir
        self.address = settings.ray_address
        self.settings = settings
        self._jobs: dict[str, _Job] = {}
        self._idle: list[_Job] = []  # actors whose job ended well, oldest first (their last job)
        self._lock = threading.Lock()
        self._totals: tuple[float, dict[str, float]] = (0.0, {})
        self._actor_class = ray.remote(JobActor)
        self._ready = threading.Event()
        self._closing = threading.Event()
        self._connect_error: str | None = None
        self._owner: threading.Thread | None = None
        if ray.is_initialized():
            self._ready.set()
        else:
            # Connecting (or starting a local Ray) takes seconds to a minute: the API serves
            # meanwhile, and jobs wait in the queue with the reason "connecting".
            self._owner = threading.Thread(target=self._own_ray, daemon=True, name="ray-owner")
            self._owner.start()

    def _own_ray(self) -> None:
        try:
            self._connect()
        except Exception as exc:
            first_line = (str(exc).splitlines() or [""])[0][:300]
            self._connect_error = f"{type(exc).__name__}: {first_line}"
            return
        finally:
            self._ready.set()
        # A local Ray's GCS and raylet get a parent-death signal bound to the thread that
        # started them (PR_SET_PDEATHSIG), so this thread lives until shutdown.
        self._closing.wait()
        ray.shutdown()

    def _connected(self) -> bool:
        return self._ready.is_set() and self._connect_error is None

    def _connect(self) -> None:
        if self.address == "local":
            import torch

            ray.init(
                num_cpus=self.settings.ray_local_cpus,
                num_gpus=torch.cuda.device_count(),
                include_dashboard=False,
                logging_level=logging.WARNING,
                log_to_driver=True,
            )
        else:
            ray.init(address=self.address, logging_level=logging.WARNING, log_to_driver=True)

    # --- resources ----------------------------------------------------------------------------------

    def _cluster_totals(self) -> dict[str, float]:
        """`ray.cluster_resources()`, cached a second: nodes join and leave, but not per request."""
        at, totals = self._totals
        if time.monotonic() - at > 1.0:
            totals = {k: float(v) for k, v in ray.cluster_resources().items()}
            self._totals = (time.monotonic(), totals)
        return totals

    def needs(self, plan: PlannedJob) -> dict[str, float]:
        # Planning resolved `auto` against `devices()`: cuda when any node has a GPU.
        if plan.device_kind == "cuda":
            asks = {"GPU": self.settings.ray_gpus_per_job, "CPU": self.settings.ray_cpus_per_gpu_job}
        else:
            asks = {"CPU": self.settings.ray_cpus_per_job}
        return {resource: amount for resource, amount in asks.items() if amount}

    def _held(self) -> dict[str, float]:
        held: dict[str, float] = {}
        with self._lock:
            for job in self._jobs.values():
                for key, amount in job.resources.items():
                    held[key] = held.get(key, 0.0) + amount
        return held

    def capacity(self) -> dict[str, float] | str:
        """The cluster's CPUs and GPUs (its only client is this server: see docs/ray.md)."""
        if not self._ready.is_set():
            return f"connecting to the Ray cluster ({self.address})"
        if self._connect_error is not None:
            return f"cannot reach the Ray cluster ({self.address}): {self._connect_error}"
        return self._cluster_totals()

    def shortfall(self, resource: str, need: float, free: float, total: float) -> str:
        what = "GPU" if resource == "GPU" else "CPUs"
        if total + EPS < need:
            return f"waiting for {need:g} {what}: the Ray cluster has {total:g} (waiting for a node)"
        return f"waiting for {need:g} {what}: {max(free, 0):g} of {total:g} free on the Ray cluster"

    # --- Executor -------------------------------------------------------------------------------------

    def start(self, job_id: str, plan: PlannedJob, *, resume_from: dict[str, Any] | None = None) -> None:
        resources = self.needs(plan)
        actor, runs = self._take_actor(resources)
        job = _Job(job_id, actor, resources, runs + 1)
        threads = threads_per_job(max(1, int(resources.get("CPU", 0.0))), 1, plan.max_threads)
        job.stream = actor.run.remote(plan, resume_from, job_id, threads)
        with self._lock:
            self._jobs[job_id] = job
        job.reader = threading.Thread(target=self._read, args=(job,), daemon=True, name=f"ray-events-{job_id}")
        job.reader.start()

    def _take_actor(self, resources: dict[str, float]) -> tuple[Any, int]:
        """An idle actor of this size (and the jobs it has run), else a new one, after
        ending idle actors of other sizes: they hold what admission counted as free."""
        with self._lock:
            same = next((idle for idle in self._idle if idle.resources == resources), None)
            if same is not None:
                self._idle.remove(same)
                return same.actor, same.runs
            others, self._idle = self._idle, []
        for idle in others:
            _kill(idle.actor)
        # Ray types an actor's methods as plain functions; `.remote` exists at run time.
        actor: Any = self._actor_class.options(
            num_cpus=resources.get("CPU", 0.0),
            num_gpus=resources.get("GPU", 0.0),
            max_restarts=0,
            max_concurrency=4,  # `run` streams on one thread; `send` must not wait behind it
        ).remote(self.data_dir)
        return actor, 0

    def send(self, job_id: str, command: dict[str, Any]) -> bool:
        job = self._jobs.get(job_id)
        if job is None:
            return False
        job.actor.send.remote(command, job_id)  # fire and forget: the trainer acts within one batch
        return True

    def stop(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.stop_timer is not None:
            return
        self.send(job_id, {"op": "stop"})
        job.stop_timer = threading.Timer(self.settings.ray_stop_grace_s, self._force_kill, (job,))
        job.stop_timer.daemon = True
        job.stop_timer.start()

    def _force_kill(self, job: _Job) -> None:
        with self._lock:
            if self._jobs.get(job.job_id) is not job:  # its stream ended within the grace period
                return
            job.killed_by_us = True
        _kill(job.actor)

    def worker_pid(self, job_id: str) -> int | None:
        """The actor's process id on its node (which may not be this machine)."""
        job = self._jobs.get(job_id)
        return job.pid if job else None

    def describe(self) -> dict[str, Any]:
        if not self._connected():
            return {"name": self.name, "address": self.address, "connected": False, "error": self._connect_error}
        nodes = []
        for node in ray.nodes():
            if not node.get("Alive"):
                continue
            resources = node.get("Resources", {})
            nodes.append(
                {
                    "node_id": node.get("NodeID"),
                    "address": node.get("NodeManagerAddress"),
                    "cpus": resources.get("CPU", 0.0),
                    "gpus": resources.get("GPU", 0.0),
                    "memory_bytes": int(resources.get("memory", 0)),
                }
            )
        totals, held = self._cluster_totals(), self._held()
        with self._lock:
            running, idle = len(self._jobs), len(self._idle)
        return {
            "name": self.name,
            "address": self.address,
            "ray_version": ray.__version__,
            "nodes": nodes,
            "cpus": totals.get("CPU", 0.0),
            "gpus": totals.get("GPU", 0.0),
            "free": {
                "cpus": totals.get("CPU", 0.0) - held.get("CPU", 0.0),
                "gpus": totals.get("GPU", 0.0) - held.get("GPU", 0.0),
            },
            "per_job": {
                "cpus": self.settings.ray_cpus_per_job,
                "gpus": self.settings.ray_gpus_per_job,
                "cpus_per_gpu_job": self.settings.ray_cpus_per_gpu_job,
            },
            "running": running,
            "idle_actors": idle,
            "connected": True,
        }

    def devices(self) -> tuple[str, ...] | None:
        """What a job may name: `cpu`, and `cuda` when any node has a GPU. Ray picks the card;
        `cuda:N` is accepted for N below the largest node's GPU count and means "a GPU"."""
        if not self._connected():
            return None
        found = ["cpu"]
        most = max((node["gpus"] for node in self.describe()["nodes"]), default=0.0)
        if most > 0:
            found += ["cuda"] + [f"cuda:{i}" for i in range(max(1, int(most)))]
        return tuple(found)

    def shutdown(self) -> None:
        self._closing.set()  # no actor goes back to the idle list from here on
        with self._lock:
            jobs = list(self._jobs.values())
            idle, self._idle = self._idle, []
        for spare in idle:
            _kill(spare.actor)
        for job in jobs:
            self.send(job.job_id, {"op": "stop"})
        deadline = time.monotonic() + 2
        for job in jobs:
            if job.reader is not None:
                job.reader.join(max(0.0, deadline - time.monotonic()))
            if job.reader is not None and job.reader.is_alive():
                job.killed_by_us = True
                _kill(job.actor)
                job.reader.join(2)
        if self._owner is not None:
            self._owner.join(15)  # it runs ray.shutdown(): a local Ray's processes end with it

    # --- event pump (one thread per running job) ----------------------------------------------------

    def _read(self, job: _Job) -> None:
        error: str | None = None
        try:
            for ref in job.stream:
                item = ray.get(ref)
                if isinstance(item, dict):  # the actor's first word: where it runs
                    job.pid, job.node_id, job.info = item["pid"], item["node_id"], item
                    continue
                self.on_events(job.job_id, item)
        except ray.exceptions.RayActorError:
            error = None if job.killed_by_us else WORKER_LOST
        except ray.exceptions.RayError as exc:  # a crash inside the actor outside run_job's guard
            error = None if job.killed_by_us else f"{WORKER_LOST}: {str(exc).splitlines()[0][:300]}"
        finally:
            if job.stop_timer is not None:
                job.stop_timer.cancel()
            with self._lock:
                self._jobs.pop(job.job_id, None)
                keep = (
                    error is None
                    and not job.killed_by_us
                    and job.runs < self.settings.worker_max_jobs
                    and not self._closing.is_set()
                )
                if keep:
                    self._idle.append(job)
            if not keep:  # give its CPUs/GPU back now, not when its handle is collected
                _kill(job.actor)
            self.on_exit(job.job_id, error)


def _kill(actor: Any) -> None:
    with contextlib.suppress(Exception):  # already gone, or the cluster connection is closing
        ray.kill(actor, no_restart=True)
