"""The local executor's running limit is per device, and a waiting job says why."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import torch

from tests.conftest import Server, spiral_job, start_server


@pytest.fixture(scope="module")
def one_per_device(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("one-per-device"), env={"TORCHPLAY_MAX_RUNNING_JOBS": "1"})
    yield server
    server.stop()


def test_a_second_job_on_a_busy_device_queues_with_its_reason(one_per_device: Server) -> None:
    server = one_per_device
    with server.client() as client:
        assert client.get("/api/system").json()["cluster"]["max_running_per_device"] == 1
        first = client.post("/api/jobs", json=spiral_job(device="cpu", epochs=100_000)).json()
        server.wait_status(first["id"], ("running",))
        second = client.post("/api/jobs", json=spiral_job(device="cpu", epochs=100_000)).json()
        deadline = time.monotonic() + 10
        while (waiting := client.get(f"/api/jobs/{second['id']}").json())["queue_reason"] is None:
            assert time.monotonic() < deadline, waiting
            time.sleep(0.05)
        assert waiting["status"] == "queued"
        assert waiting["queue_reason"] == "1 jobs running on cpu (max_running_jobs=1 per device)"
        assert client.post(f"/api/jobs/{first['id']}/stop").status_code == 202
        running = server.wait_status(second["id"], ("running",))
        assert running["queue_reason"] is None
        assert client.post(f"/api/jobs/{second['id']}/stop").status_code == 202
        server.wait_status(second["id"], ("stopped",))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine (CPU-only torch or no device)")
def test_cuda_n_pins_the_job_and_runs_beside_a_cpu_job(one_per_device: Server) -> None:
    server = one_per_device
    card = f"cuda:{torch.cuda.device_count() - 1}"
    with server.client() as client:
        cpu_job = client.post("/api/jobs", json=spiral_job(device="cpu", epochs=100_000)).json()
        server.wait_status(cpu_job["id"], ("running",))
        gpu_job = client.post("/api/jobs", json=spiral_job(device=card, epochs=5)).json()
        events = server.stream(gpu_job["id"])  # starts although the CPU slot is taken
        assert events[0]["device"] == card
        assert events[-1]["status"] == "completed"
        assert client.post(f"/api/jobs/{cpu_job['id']}/stop").status_code == 202
        server.wait_status(cpu_job["id"], ("stopped",))
