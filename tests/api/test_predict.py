"""`POST /api/jobs/{id}/predict` over a real server: outputs, probabilities, and refusals."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil
import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from tests.conftest import PeakRss, Server, spiral_job, start_server


@pytest.fixture(scope="module")
def trained_job(server: Server) -> dict[str, Any]:
    with server.client() as client:
        job = client.post("/api/jobs", json=spiral_job(epochs=5)).json()
    return server.wait_status(job["id"], ("completed", "failed"), timeout=120)


def test_predict_gives_outputs_and_class_probabilities(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    assert trained_job["status"] == "completed", trained_job
    response = client.post(f"/api/jobs/{trained_job['id']}/predict", json={"inputs": [[0.0, 0.0], [0.5, -0.5]]})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["input_shape"] == [2]
    assert len(answer["outputs"]) == 2 and len(answer["outputs"][0]) == 2
    assert answer["classes"] == ["0", "1"]
    for row in answer["probabilities"]:
        assert sum(row) == pytest.approx(1.0, abs=1e-5)
    assert all(label in answer["classes"] for label in answer["predicted"])


@pytest.mark.parametrize(
    ("inputs", "received"),
    [([[1.0, 2.0, 3.0]], "[1, 3]"), ([1.0, 2.0], "[2]"), ([[[1.0, 2.0]]], "[1, 1, 2]")],
)
def test_wrong_shapes_are_422_naming_expected_and_received(
    client: httpx.Client, trained_job: dict[str, Any], inputs: list[Any], received: str
) -> None:
    response = client.post(f"/api/jobs/{trained_job['id']}/predict", json={"inputs": inputs})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "inputs"]
    assert "[n, 2]" in detail["msg"] and received in detail["msg"]


def test_ragged_and_non_numeric_inputs_are_422(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    for inputs in ([[1.0, 2.0], [1.0]], [["a", "b"]], []):
        response = client.post(f"/api/jobs/{trained_job['id']}/predict", json={"inputs": inputs})
        assert response.status_code == 422, (inputs, response.text)


def test_too_many_rows_is_422(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    response = client.post(f"/api/jobs/{trained_job['id']}/predict", json={"inputs": [[0.0, 0.0]] * 1025})
    assert response.status_code == 422
    message = response.json()["detail"][0]["msg"]
    assert "1,025 rows" in message and "1,024" in message and "max_predict_rows" in message


def test_unknown_job_is_404(client: httpx.Client) -> None:
    assert client.post("/api/jobs/ffffffffffff/predict", json={"inputs": [[0.0, 0.0]]}).status_code == 404


def test_a_job_that_has_not_finished_is_409(client: httpx.Client) -> None:
    job = client.post("/api/jobs", json=spiral_job(epochs=100000)).json()
    try:
        response = client.post(f"/api/jobs/{job['id']}/predict", json={"inputs": [[0.0, 0.0]]})
        assert response.status_code == 409
        assert client.get(f"/api/jobs/{job['id']}/export", params={"format": "state_dict"}).status_code == 409
        assert client.get(f"/api/jobs/{job['id']}/export").status_code == 200  # code: any time
    finally:
        client.delete(f"/api/jobs/{job['id']}")


# --- predict runs in a process of its own --------------------------------------------------

WIDE_CONV = {
    "name": "wide-conv",
    "dataset": {"name": "shapes", "params": {"samples": 64}, "test_fraction": 0.25},
    "model": {
        "layers": [
            {"type": "Conv2d", "out_channels": 256, "kernel_size": 3, "padding": 1},
            {"type": "ReLU"},
            {"type": "AdaptiveAvgPool2d", "output_size": 1},
            {"type": "Flatten"},
            {"type": "Linear", "out_features": 5},
        ]
    },
    "epochs": 1,
    "batch_size": 32,
    "seed": 0,
}
IMAGES = 1024


@pytest.fixture(scope="module")
def conv_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own, so its memory is this module's alone; no warm job workers, so
    its only worker-like child is the inference process once a predict has run."""
    running = start_server(
        tmp_path_factory.mktemp("predict-data"), env={"TORCHPLAY_WARM_WORKERS": "0", "TORCHPLAY_WORKER_MAX_JOBS": "1"}
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def conv_job(conv_server: Server) -> dict[str, Any]:
    with conv_server.client() as client:
        job = client.post("/api/jobs", json=WIDE_CONV).json()
    job = conv_server.wait_status(job["id"], ("completed", "failed"), timeout=180)
    assert job["status"] == "completed", job
    return job


def _images(rows: int = IMAGES) -> list[Any]:
    """Short numbers: 1024 images stay well under the body limit."""
    return np.random.default_rng(0).random((rows, 1, 28, 28)).round(2).tolist()


def _inference_child(server: Server) -> psutil.Process:
    """The server's spawned child (here job workers retire after one job and none is kept
    warm; the resource tracker is not spawned the same way)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        spawned = [
            child
            for child in psutil.Process(server.proc.pid).children()
            if any("spawn_main" in part for part in child.cmdline())
        ]
        if len(spawned) == 1:
            return spawned[0]
        time.sleep(0.1)
    raise AssertionError(f"expected one spawned child of the server, found {spawned}")


def _kill(process: psutil.Process) -> None:
    """SIGKILL, and wait until it is dead (a zombie until the server reaps it)."""
    process.kill()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.01)
    raise AssertionError(f"{process} outlived SIGKILL")


def _vm(pid: int, field: str) -> int:
    """A /proc/<pid>/status memory figure (VmRSS, VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


def test_a_1024_image_predict_on_a_wide_conv_leaves_the_servers_memory_alone(
    conv_server: Server, conv_job: dict[str, Any]
) -> None:
    images = _images()
    with conv_server.client() as client:
        warm = client.post(f"/api/jobs/{conv_job['id']}/predict", json={"inputs": images[:1]})
        assert warm.status_code == 200, warm.text  # the inference process is up
        pid = conv_server.proc.pid
        before = _vm(pid, "VmRSS")
        sampler = PeakRss(pid)
        sampler.start()
        response = client.post(f"/api/jobs/{conv_job['id']}/predict", json={"inputs": images}, timeout=120)
        growth = sampler.stop()
        peak = _vm(pid, "VmHWM")
    assert response.status_code == 200, response.text
    print(
        f"server RSS before {before / 2**20:.0f} MB, sampled peak +{growth / 2**20:.0f} MB, VmHWM {peak / 2**20:.0f} MB"
    )
    assert growth < 300 * 2**20, f"the server's RSS grew by {growth / 2**20:.0f} MB"

    # The answer is the model's: the same net built by hand in torch, on the job's weights.
    answer = response.json()
    tensors = load_file(str(conv_server.data_dir / "jobs" / conv_job["id"] / "model.safetensors"))
    reference = nn.Sequential(
        nn.Conv2d(1, 256, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, 5)
    )
    reference.load_state_dict({k.removeprefix("model."): v for k, v in tensors.items()})
    with torch.no_grad():
        expected = reference.eval()(torch.tensor(images, dtype=torch.float32))
    assert len(answer["outputs"]) == IMAGES and len(answer["predicted"]) == IMAGES
    assert torch.allclose(torch.tensor(answer["outputs"]), expected, atol=1e-4)


def test_a_killed_inference_process_is_a_clear_503_and_the_next_predict_works(
    conv_server: Server, conv_job: dict[str, Any]
) -> None:
    url = f"/api/jobs/{conv_job['id']}/predict"
    images = _images()
    with conv_server.client() as client:
        assert client.post(url, json={"inputs": images[:1]}).status_code == 200
        _kill(_inference_child(conv_server))  # between requests: the next one starts a new process
        after_kill = client.post(url, json={"inputs": images[:1]})
        assert after_kill.status_code == 200, after_kill.text

        for _attempt in range(3):  # killed while it answers; again if the answer won the race
            child = _inference_child(conv_server)
            idle_cpu = sum(child.cpu_times()[:2])
            with ThreadPoolExecutor(1) as pool:
                answer = pool.submit(client.post, url, json={"inputs": images}, timeout=120)
                while not answer.done() and sum(child.cpu_times()[:2]) < idle_cpu + 0.1:
                    time.sleep(0.005)
                child.kill()
                response = answer.result()
            if response.status_code != 200:
                break
        assert response.status_code == 503, response.text
        assert "stopped (exit code -9) before answering" in response.json()["detail"]
        again = client.post(url, json={"inputs": images[:2]})
        assert again.status_code == 200, again.text
        assert len(again.json()["outputs"]) == 2
        assert client.get("/api/health").status_code == 200
