"""Pooled workers: threads follow the load, no job leaks into the next, a dead worker is replaced."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psutil
import pytest

from tests.conftest import Server, spiral_job, start_server
from torchplay.jobs.local import OPENMP_SPIN_TURNS

LONG = 100_000  # epochs of a job that only ends when stopped


def wide_job(**overrides: Any) -> dict[str, Any]:
    """A spiral job whose batches are big enough to split across threads (~1 M parameters)."""
    wide = [{"type": "Linear", "out_features": 1024}, {"type": "Tanh"}] * 2 + [{"type": "Linear", "out_features": 2}]
    return spiral_job(model={"layers": wide}, **overrides)


@pytest.fixture(scope="module")
def two_slots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("two-slots"), env={"TORCHPLAY_MAX_RUNNING_JOBS": "2"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"TORCHPLAY_MAX_RUNNING_JOBS": "1", "TORCHPLAY_WARM_WORKERS": "1"}
    server = start_server(tmp_path_factory.mktemp("one-worker"), env=env)
    yield server
    server.stop()


def _wait(client: httpx.Client, job_id: str, ok: Any, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not ok(job := client.get(f"/api/jobs/{job_id}").json()):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def test_a_lone_job_gets_every_core_and_two_share_them(two_slots: Server) -> None:
    with two_slots.client() as client:
        cores = client.get("/api/system").json()["cluster"]["cpus"]
        first = client.post("/api/jobs", json=wide_job(epochs=LONG)).json()
        _wait(client, first["id"], lambda j: j["threads"] == cores)
        assert client.get("/api/system").json()["cluster"]["threads_per_job"] == cores
        second = client.post("/api/jobs", json=wide_job(epochs=LONG)).json()
        half = max(1, cores // 2)
        for job in (first, second):  # each takes its share at its next epoch
            _wait(client, job["id"], lambda j: j["status"] == "running" and j["threads"] == half)
        assert client.get("/api/system").json()["cluster"]["threads_per_job"] == half
        assert client.post(f"/api/jobs/{second['id']}/stop").status_code == 202
        two_slots.wait_status(second["id"], ("stopped",))
        _wait(client, first["id"], lambda j: j["threads"] == cores)  # alone again: every core
        assert client.post(f"/api/jobs/{first['id']}/stop").status_code == 202
        two_slots.wait_status(first["id"], ("stopped",))


def test_a_job_of_tiny_batches_trains_on_one_thread_even_alone(two_slots: Server) -> None:
    with two_slots.client() as client:
        tiny = client.post("/api/jobs", json=spiral_job(epochs=LONG)).json()
        running = _wait(client, tiny["id"], lambda j: j["status"] == "running" and j["threads"] is not None)
        assert running["threads"] == 1
        assert client.post(f"/api/jobs/{tiny['id']}/stop").status_code == 202
        two_slots.wait_status(tiny["id"], ("stopped",))


def test_workers_spin_only_briefly_before_waiting_for_their_threads(two_slots: Server) -> None:
    # Long-spinning OpenMP threads take the core a busy machine's other thread needs; never
    # spinning halves a lone job's speed on a quiet one.
    workers = [p for p in psutil.Process(two_slots.proc.pid).children() if "spawn_main" in " ".join(p.cmdline())]
    assert workers
    for worker in workers:
        environment = worker.environ()
        assert environment.get("GOMP_SPINCOUNT") == str(OPENMP_SPIN_TURNS)
        assert environment.get("OMP_WAIT_POLICY") == os.environ.get("OMP_WAIT_POLICY"), "the policy is the server's"


def _run(server: Server, job: dict[str, Any]) -> list[dict[str, Any]]:
    """What the job computed: every epoch's losses and metrics, the last snapshot's data
    (snapshots between are paced by the clock)."""
    with server.client() as client:
        job_id = client.post("/api/jobs", json=job).json()["id"]
    events = server.stream(job_id)
    assert events[-1]["type"] == "done" and events[-1]["status"] == "completed", events[-1]
    keep = ("epoch", "train_loss", "val_loss", "metrics", "layer_norms", "data")
    last = [e for e in events if e["type"] == "snapshot"][-1]
    return [{k: e[k] for k in keep if k in e} for e in [*(e for e in events if e["type"] == "epoch"), last]]


def test_a_job_on_a_reused_worker_trains_as_on_a_fresh_one_bit_for_bit(one_worker: Server) -> None:
    job = spiral_job(epochs=6, seed=3, snapshot_every=1)
    fresh = _run(one_worker, job)  # the worker's first job
    # Between them, a job that changes what it can: other seed, optimizer, data, a scheduler.
    other = spiral_job(
        epochs=4,
        seed=11,
        optimizer={"type": "SGD", "lr": 0.1, "momentum": 0.9},
        scheduler={"type": "StepLR", "step_size": 1},
        dataset={"name": "moons", "params": {"samples": 300}},
    )
    _run(one_worker, other)
    reused = _run(one_worker, job)
    with one_worker.client() as client:
        pool = client.get("/api/system").json()["cluster"]
    assert pool["workers"] == 1, pool  # all three ran on the one worker
    assert reused == fresh  # floats as JSON round-trip exactly: equal means bit for bit


def test_a_killed_pooled_worker_fails_its_job_and_the_next_job_runs(one_worker: Server) -> None:
    with one_worker.client() as client:
        victim = client.post("/api/jobs", json=spiral_job(epochs=LONG)).json()
        pid = _wait(client, victim["id"], lambda j: j["epoch"] >= 1 and j["worker_pid"])["worker_pid"]
        os.kill(pid, signal.SIGKILL)
        failed = one_worker.wait_status(victim["id"], ("failed",), timeout=10)
        assert failed["error"] == "worker exited with signal 9 (SIGKILL)"
    assert _run(one_worker, spiral_job(epochs=3))[-1]["epoch"] == 3  # a fresh worker took it
