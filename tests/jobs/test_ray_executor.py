"""Jobs on Ray through the real API: a `torchplay serve` subprocess with TORCHPLAY_EXECUTOR=ray.

The server starts its own single-node Ray (`TORCHPLAY_RAY_ADDRESS=local` means
`ray.init(num_cpus=TORCHPLAY_RAY_LOCAL_CPUS, include_dashboard=False)` inside the server),
with 2 CPUs and 1 CPU per job: two jobs fill the cluster, so a third one must queue. The
server's `max_running_jobs` is 1, and does not apply: the cluster's resources alone decide.
Ray is heavy on a small machine, so one server serves the few tests here.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.conftest import Server, spiral_job, start_server

pytest.importorskip("ray", reason="ray is not installed: pip install 'torchplay[ray]'")


@pytest.fixture(scope="module")
def ray_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {
        "TORCHPLAY_EXECUTOR": "ray",
        "TORCHPLAY_RAY_ADDRESS": "local",
        "TORCHPLAY_RAY_LOCAL_CPUS": "2",
        "TORCHPLAY_RAY_CPUS_PER_JOB": "1",
        "TORCHPLAY_MAX_RUNNING_JOBS": "1",  # a limit of local workers: Ray jobs are not held to it
        # Token auth on, with a token of this run's own (nothing written to ~/.ray).
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    server = start_server(tmp_path_factory.mktemp("ray-server"), env=env)
    try:
        yield server
    finally:
        ours = psutil.Process(server.proc.pid).children(recursive=True)  # Ray's GCS, raylet, workers
        server.stop()
        # A clean shutdown stops them (ray.shutdown); a server that had to be killed may not have.
        _, alive = psutil.wait_procs(ours, timeout=10)
        for proc in alive:
            proc.kill()


def _post(server: Server, job: dict[str, Any]) -> dict[str, Any]:
    with server.client() as client:
        created = client.post("/api/jobs", json=job)
    assert created.status_code == 201, created.text
    return created.json()


def _get(server: Server, job_id: str) -> dict[str, Any]:
    with server.client() as client:
        return client.get(f"/api/jobs/{job_id}").json()


def _wait(server: Server, job_id: str, ok: Any, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _get(server, job_id)
        if ok(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never got there; last: {job}")


def _cluster(server: Server, timeout: float = 240) -> dict[str, Any]:
    """/api/system's `cluster`, once the server's Ray is up (it starts in the background)."""
    deadline = time.monotonic() + timeout
    with server.client() as client:
        while time.monotonic() < deadline:
            system = client.get("/api/system").json()
            assert system["executor"] == "ray"
            if system["cluster"]["connected"]:
                return system["cluster"]
            assert system["cluster"]["error"] is None, system["cluster"]
            time.sleep(0.5)
    raise AssertionError("the server's local Ray did not come up")


def test_a_job_trains_on_ray_and_streams_every_epoch_in_order(ray_server: Server) -> None:
    job = _post(ray_server, spiral_job(epochs=12))  # accepted (queued) while Ray still starts
    assert job["status"] == "queued"
    cluster = _cluster(ray_server)
    assert cluster["cpus"] == 2 and cluster["gpus"] == 0 and len(cluster["nodes"]) == 1
    assert cluster["nodes"][0]["cpus"] == 2 and cluster["per_job"]["cpus"] == 1

    events = ray_server.stream(job["id"], timeout=180)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs))  # in order, no repeats (a lagging viewer skips stale snapshots)
    assert events[0]["type"] == "status" and events[0]["status"] == "running" and events[0]["device"] == "cpu"
    assert [e["epoch"] for e in events if e["type"] == "epoch"] == list(range(1, 13))
    assert any(e["type"] == "snapshot" for e in events)
    assert events[-1] == {**events[-1], "type": "done", "status": "completed", "error": None}
    record = _get(ray_server, job["id"])
    assert record["status"] == "completed" and record["epoch"] == 12 and record["queue_reason"] is None


def _actor_processes(server: Server) -> set[int]:
    """The Ray worker processes holding a torchplay job actor, running or idle."""
    found = set()
    for proc in psutil.Process(server.proc.pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "ray::JobActor" in " ".join(proc.cmdline()):
                found.add(proc.pid)
    return found


def test_the_next_job_of_its_size_reuses_a_finished_jobs_actor_and_trains_the_same(ray_server: Server) -> None:
    _cluster(ray_server)
    job = spiral_job(epochs=300, seed=7)
    first = ray_server.stream(_post(ray_server, job)["id"], timeout=180)
    deadline = time.monotonic() + 30
    while (cluster := _cluster(ray_server))["running"] or not cluster["idle_actors"]:
        assert time.monotonic() < deadline, cluster
        time.sleep(0.05)
    idle = _actor_processes(ray_server)
    assert len(idle) == cluster["idle_actors"], (idle, cluster)

    posted = _post(ray_server, job)
    running = _wait(ray_server, posted["id"], lambda j: j["worker_pid"] is not None or j["status"] == "completed")
    second = ray_server.stream(posted["id"], timeout=180)
    assert first[-1]["status"] == second[-1]["status"] == "completed", (first[-1], second[-1])
    assert running["worker_pid"] in idle, "an idle actor's process took the job: no new process started"
    losses = [[e["train_loss"] for e in events if e["type"] == "epoch"] for events in (first, second)]
    assert losses[0] == losses[1], "a reused actor trains a seeded job bit for bit as a fresh one"


def test_the_cluster_alone_limits_running_jobs_then_stop_and_a_killed_actor(ray_server: Server) -> None:
    # Two 1-CPU jobs fill the 2-CPU cluster, though max_running_jobs is 1.
    first = _post(ray_server, spiral_job(name="fills-the-cluster", epochs=100_000))
    second = _post(ray_server, spiral_job(name="fills-it-too", epochs=100_000))
    for job in (first, second):
        _wait(ray_server, job["id"], lambda j: j["status"] == "running" and j["epoch"] >= 1)

    third = _post(ray_server, spiral_job(name="waits", epochs=100_000))
    waiting = _wait(ray_server, third["id"], lambda j: j["queue_reason"] is not None, timeout=10)
    assert waiting["status"] == "queued"
    assert waiting["queue_reason"] == "waiting for 1 CPUs: 0 of 2 free on the Ray cluster"

    # Cooperative stop: the trainer sees the flag within a batch and ends the job itself.
    asked = time.monotonic()
    with ray_server.client() as client:
        assert client.post(f"/api/jobs/{first['id']}/stop").status_code == 202
    stopped = _wait(ray_server, first["id"], lambda j: j["status"] == "stopped", timeout=30)
    print(f"\nray stop: {time.monotonic() - asked:.3f} s from POST /stop to status stopped")
    assert stopped["error"] is None and stopped["epoch"] < 100_000
    events = ray_server.stream(first["id"])
    assert events[-1]["type"] == "done" and events[-1]["status"] == "stopped"

    # The freed CPU starts the queued job; then its actor process dies under it.
    running = _wait(ray_server, third["id"], lambda j: j["status"] == "running" and j["worker_pid"] is not None)
    actor = psutil.Process(running["worker_pid"])
    assert "ray::" in " ".join(actor.cmdline()), actor.cmdline()  # a Ray worker of ours, not anything else
    os.kill(actor.pid, signal.SIGKILL)
    failed = _wait(ray_server, third["id"], lambda j: j["status"] == "failed", timeout=60)
    assert failed["error"] == "worker lost"
    done = ray_server.stream(third["id"])[-1]
    assert done["type"] == "done" and done["status"] == "failed" and done["error"] == "worker lost"
    with ray_server.client() as client:
        assert client.post(f"/api/jobs/{second['id']}/stop").status_code == 202
    _wait(ray_server, second["id"], lambda j: j["status"] == "stopped", timeout=30)


def test_ray_settings_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from torchplay.settings import Settings

    monkeypatch.setenv("TORCHPLAY_RAY_GPUS_PER_JOB", "0.25")
    monkeypatch.setenv("TORCHPLAY_RAY_CPUS_PER_JOB", "3")
    monkeypatch.setenv("TORCHPLAY_RAY_ADDRESS", "ray://head:10001")
    settings = Settings(data_dir=tmp_path)
    assert settings.ray_gpus_per_job == 0.25 and settings.ray_cpus_per_job == 3
    assert settings.ray_address == "ray://head:10001"


def test_a_sweep_spreads_its_members_over_the_clusters_free_cpus(ray_server: Server) -> None:
    _cluster(ray_server)
    body = {"name": "on-ray", "base": spiral_job(epochs=150), "axes": {"optimizer.lr": [0.003, 0.01], "seed": [1, 2]}}
    with ray_server.client() as client:
        created = client.post("/api/sweeps", json=body)
        assert created.status_code == 201, created.text
        sweep_id, member_ids = created.json()["id"], created.json()["members"]
        most_running, reasons = 0, set()
        deadline = time.monotonic() + 240
        while (sweep := client.get(f"/api/sweeps/{sweep_id}").json())["status"] != "done":
            assert time.monotonic() < deadline, sweep
            most_running = max(most_running, sum(m["status"] == "running" for m in sweep["members"]))
            for job_id in member_ids:
                reason = client.get(f"/api/jobs/{job_id}").json()["queue_reason"]
                if reason is not None:
                    reasons.add(reason)
            time.sleep(0.05)
        records = [client.get(f"/api/jobs/{job_id}").json() for job_id in member_ids]
    assert all(m["status"] == "completed" and m["epoch"] == 150 for m in sweep["members"]), sweep
    # Two 1-CPU members fill the 2-CPU cluster: two at a time, never more; the rest wait for a CPU.
    assert most_running == 2, most_running
    assert reasons - {"starting"} == {"waiting for 1 CPUs: 0 of 2 free on the Ray cluster"}, reasons
    spans = [(r["started_at"], r["finished_at"]) for r in records]
    overlapping = max(sum(start <= at < end for start, end in spans) for at, _ in spans)
    assert overlapping == 2, spans
