"""The job manager under concurrent requests: no job is lost, repeated or started twice."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.aio import run_async
from tests.conftest import Server, spiral_job, start_server
from torchplay.jobs import JobError, JobManager, Store
from torchplay.jobs.files import JobFiles
from torchplay.jobs.local import LocalExecutor

JOBS = 100  # posted at once
RACED = 10  # then posted one by one into free slots, stopped or deleted while their workers start
WARM_WORKERS = 2
LONG = 1_000_000  # epochs of a job meant to be stopped or deleted: it never ends by itself


def test_the_manager_refuses_calls_from_other_threads(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Store(tmp_path / "jobs.db")
        manager = JobManager(store, LocalExecutor(str(tmp_path), warm=0), JobFiles(tmp_path))
        with pytest.raises(RuntimeError, match="after start"):
            manager.list_jobs()  # no owner before start()
        await manager.start()
        try:
            for call, args in ((manager.create, ({"name": "x", "epochs": 1},)), (manager.stop, ("0a",)),
                               (manager.delete, ("0a",)), (manager.list_jobs, ())):  # fmt: skip
                with pytest.raises(RuntimeError, match=f"JobManager.{call.__name__} runs on the event loop's thread"):
                    await asyncio.to_thread(call, *args)
            assert manager.list_jobs() == [] and store.list_jobs() == []  # the refused create left nothing
            with pytest.raises(JobError) as missing:  # reads of the store are fine from any thread
                await asyncio.to_thread(manager.stored, "0a")
            assert missing.value.status == 404
        finally:
            await manager.close()
            store.close()

    run_async(scenario, timeout=60)


def _job(epochs: int) -> dict[str, Any]:
    return spiral_job(epochs=epochs, dataset={"name": "spiral", "params": {"samples": 64}, "test_fraction": 0.25})


@dataclass
class Storm:
    answers: list[tuple[str, int]] = field(default_factory=list)  # (request, status code)
    kept: dict[str, int] = field(default_factory=dict)  # job id → its epochs: it must complete
    stopped: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    pids: dict[str, int] = field(default_factory=dict)  # jobs whose worker started with their create


def _client(server: Server) -> httpx.AsyncClient:
    # A fresh connection per request: a kept-alive one may be closed by the server's idle
    # timeout just as it is reused, a client-side error that says nothing about the server.
    limits = httpx.Limits(max_connections=JOBS * 3, max_keepalive_connections=0)
    return httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits)


async def _create(client: httpx.AsyncClient, storm: Storm, epochs: int) -> str | None:
    created = await client.post("/api/jobs", json=_job(epochs))
    storm.answers.append(("create", created.status_code))
    if created.status_code != 201:
        return None
    job = created.json()
    if job["worker_pid"] is not None:
        storm.pids[job["id"]] = job["worker_pid"]
    return job["id"]


async def _stop_or_delete(client: httpx.AsyncClient, storm: Storm, job_id: str, role: str) -> None:
    """Two stops at once, or a stop and two deletes at once."""
    burst = {"stop": ("stop", "stop"), "delete": ("stop", "delete", "delete")}[role]

    def send(what: str) -> Awaitable[httpx.Response]:
        return client.delete(f"/api/jobs/{job_id}") if what == "delete" else client.post(f"/api/jobs/{job_id}/stop")

    answers = await asyncio.gather(*map(send, burst))
    storm.answers += [(what, answer.status_code) for what, answer in zip(burst, answers, strict=True)]
    (storm.stopped if role == "stop" else storm.deleted).add(job_id)


async def _storm(server: Server, storm: Storm) -> None:
    """Every job posted at once. One in five is kept (each runs a worker: seconds of CPU);
    the others are stopped or deleted after a random pause: they race the other creates,
    the queue's dispatch, and each other."""
    pauses = random.Random(0).choices([0.0, 0.5, 1.0, 2.0], k=JOBS)
    async with _client(server) as client:

        async def one(i: int) -> None:
            role = ("keep", "stop", "delete", "stop", "delete")[i % 5]
            job_id = await _create(client, storm, 1 + (i // 5) % 3 if role == "keep" else LONG)
            if job_id is None:
                return
            if role == "keep":
                storm.kept[job_id] = 1 + (i // 5) % 3
                return
            await asyncio.sleep(pauses[i])
            await _stop_or_delete(client, storm, job_id, role)

        await asyncio.gather(*(one(i) for i in range(JOBS)))


async def _race_starts(server: Server, storm: Storm) -> None:
    """With slots free a create starts its job's worker at once: stop or delete it right then."""
    async with _client(server) as client:
        for i in range(RACED):
            job_id = await _create(client, storm, LONG)
            if job_id is not None:
                await _stop_or_delete(client, storm, job_id, ("stop", "delete")[i % 2])


def _wait_all_finished(client: httpx.Client, timeout: float) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = client.get("/api/jobs").json()
        if all(job["status"] not in ("queued", "running", "paused") for job in jobs):
            return {job["id"]: job for job in jobs}
        time.sleep(0.2)
    raise AssertionError(f"jobs still unfinished after {timeout} s: {Counter(job['status'] for job in jobs)}")


def _check_one_run(events: list[dict[str, Any]], epochs: int | None, ended: str) -> None:
    """One continuous run: seqs increasing, one start, epochs 1..N, one `done` at the end."""
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs)), seqs
    starts = [e for e in events if e["type"] == "status" and e["status"] == "running"]
    numbers = [e["epoch"] for e in events if e["type"] == "epoch"]
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    if epochs is not None:
        assert len(starts) == 1 and len(numbers) == epochs, (starts, numbers)
    else:  # stopped, maybe before it started
        assert len(starts) <= 1 and (starts or not numbers), (starts, numbers)
    assert [e["status"] for e in events if e["type"] == "done"] == [ended] and events[-1]["type"] == "done"


def _workers(server: Server) -> list[psutil.Process]:
    children = psutil.Process(server.proc.pid).children()
    return [p for p in children if "resource_tracker" not in " ".join(p.cmdline())]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
def test_concurrent_creates_stops_and_deletes_run_each_job_exactly_once(tmp_path: Path) -> None:
    env = {"TORCHPLAY_MAX_RUNNING_JOBS": "2", "TORCHPLAY_WARM_WORKERS": str(WARM_WORKERS)}
    server = start_server(tmp_path, env=env)
    storm = Storm()
    try:
        with server.client() as client:
            run_async(lambda: _storm(server, storm), timeout=600)
            _wait_all_finished(client, timeout=300)
            run_async(lambda: _race_starts(server, storm), timeout=600)
            listed = _wait_all_finished(client, timeout=60)
            assert set(listed) == set(storm.kept) | storm.stopped, "the deleted jobs are gone, no other job is lost"
            assert all(client.get(f"/api/jobs/{job_id}").status_code == 404 for job_id in storm.deleted)

        answers = Counter(storm.answers)
        assert not [status for _, status in answers if status >= 500], answers
        assert {status for what, status in answers if what == "create"} <= {201, 429}, answers
        # A stop may find its job stopped (409) or deleted (404) by a request beside it.
        assert {status for what, status in answers if what == "stop"} <= {202, 404, 409}, answers
        assert answers["delete", 204] == answers["delete", 404] == len(storm.deleted), answers
        assert storm.kept and storm.stopped and storm.deleted
        assert set(storm.pids) & (storm.stopped | storm.deleted), "some stop or delete raced its job's start"

        for job_id, epochs in storm.kept.items():
            assert listed[job_id]["status"] == "completed", listed[job_id]
            _check_one_run(server.stream(job_id), epochs, "completed")
        for job_id in storm.stopped:
            assert listed[job_id]["status"] == "stopped", listed[job_id]
            _check_one_run(server.stream(job_id), None, "stopped")

        # A worker left running for a stopped or deleted job would train on (its job never
        # ends): only the pool may remain, every worker idle, and no deleted job leaves files behind.
        deadline = time.monotonic() + 10
        while len(_workers(server)) > WARM_WORKERS and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_workers(server)) <= WARM_WORKERS, [p.cmdline() for p in _workers(server)]
        with server.client() as client:
            pool = client.get("/api/system").json()["cluster"]
        assert pool["running_jobs"] == 0 and pool["idle_workers"] == pool["workers"], pool
        assert {p.pid for p in _workers(server)} >= {pid for pid in storm.pids.values() if _alive(pid)}
        assert not [job_id for job_id in storm.deleted if (tmp_path / "jobs" / job_id).exists()]
    finally:
        server.stop()
    log = next(tmp_path.glob("server-*.log")).read_text(errors="replace")
    assert "Traceback" not in log, log[-4000:]
