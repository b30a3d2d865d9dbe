"""Fixtures that build real things: a uvicorn server process on a free port, a data dir."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "datasets" / "mnist"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A `torchplay serve` subprocess and clients for it."""

    proc: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    token: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def stream(self, job_id: str, since: int = 0, timeout: float = 180) -> list[dict[str, Any]]:
        """Every event of a job's stream until the server closes it."""
        events: list[dict[str, Any]] = []
        with connect(self.ws_url(job_id, since), open_timeout=10, close_timeout=5) as ws:
            deadline = time.monotonic() + timeout
            for frame in _frames(ws, deadline):
                events.extend(json.loads(frame))
        return events

    def ws_url(self, job_id: str, since: int = 0) -> str:
        token = f"&token={self.token}" if self.token else ""
        return f"ws://127.0.0.1:{self.port}/api/jobs/{job_id}/stream?since={since}{token}"

    def wait_status(self, job_id: str, statuses: tuple[str, ...], timeout: float = 60) -> dict[str, Any]:
        with self.client() as client:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                job = client.get(f"/api/jobs/{job_id}").json()
                if job["status"] in statuses:
                    return job
                time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not reach {statuses}; last: {job['status']}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class PeakRss(threading.Thread):
    """Peak resident memory of one process (a server), sampled until `done` is set."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.baseline = self.peak = self.process.memory_info().rss
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.01):
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:  # the process is gone: the test reports why
                return

    def stop(self) -> int:
        """Stop sampling; the peak's growth over the baseline, in bytes."""
        self.done.set()
        self.join()
        return self.peak - self.baseline


def _frames(ws: Any, deadline: float) -> Iterator[str]:
    from websockets.exceptions import ConnectionClosedOK

    while time.monotonic() < deadline:
        try:
            yield ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        except ConnectionClosedOK:
            return
        except TimeoutError:
            break
    raise AssertionError("stream did not finish in time")


def start_server(
    data_dir: Path, env: dict[str, str] | None = None, port: int | None = None, args: list[str] | None = None
) -> Server:
    port = port or free_port()
    environment = {**os.environ, "TORCHPLAY_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **(env or {})}
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / f"server-{port}.log"  # a file, not a pipe: a full pipe would block the server
    with log.open("ab") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "torchplay", "serve", "--port", str(port), *(args or [])],
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(proc, port, data_dir, environment.get("TORCHPLAY_TOKEN"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')}")
        try:
            headers = {"Authorization": f"Bearer {server.token}"} if server.token else {}
            if httpx.get(f"{server.url}/api/health", headers=headers, timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("server did not start in 60 s")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One shared server for API tests that do not need their own."""
    running = start_server(tmp_path_factory.mktemp("server-data"))
    yield running
    running.stop()


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


def spiral_job(**overrides: Any) -> dict[str, Any]:
    job: dict[str, Any] = {
        "name": "spiral-mlp",
        "dataset": {"name": "spiral", "params": {"samples": 400}, "test_fraction": 0.2},
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 16},
                {"type": "Tanh"},
                {"type": "Linear", "out_features": 16},
                {"type": "Tanh"},
                {"type": "Linear", "out_features": 2},
            ]
        },
        "optimizer": {"type": "Adam", "lr": 0.01},
        "epochs": 20,
        "batch_size": 32,
        "seed": 0,
    }
    job.update(overrides)
    return job
