"""Real parts for the benchmarks: a `torchplay serve` subprocess, WebSocket viewers, the
plain script as a subprocess, and a wait for the machine to go quiet between runs."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect as aconnect
from websockets.exceptions import ConnectionClosedOK
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SHARED_MNIST = ROOT.parent / "shared" / "datasets" / "mnist"
THREADS = max(1, os.cpu_count() or 1)  # TORCHPLAY_MAX_RUNNING_JOBS=1: the worker uses every core


def import_mnist(data_dir: Path) -> None:
    """The shared MNIST copy into `data_dir`, once (the cases read it from there)."""
    from torchplay.data import import_idx_dataset

    data_dir.mkdir(parents=True, exist_ok=True)
    if not any(data_dir.rglob("train-images-idx3-ubyte*")):
        import_idx_dataset("mnist", SHARED_MNIST, data_dir)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)

    def ws_url(self, job_id: str) -> str:
        return f"ws://127.0.0.1:{self.port}/api/jobs/{job_id}/stream?since=0"

    def post(self, job: dict[str, Any]) -> str:
        answer = self.http.post("/api/jobs", json=job)
        if answer.status_code != 201:
            raise RuntimeError(f"job refused ({answer.status_code}): {answer.text[:500]}")
        return answer.json()["id"]

    def wait_quiet(self, timeout: float = 180.0) -> None:
        """Until the server and its workers (a refilling warm pool) stop using the CPU."""
        deadline, calm = time.monotonic() + timeout, 0
        before = _tree_cpu(self.proc.pid)
        while calm < 2:
            if time.monotonic() > deadline:
                print(f"warning: the server was still busy after {timeout:.0f} s; measuring anyway", flush=True)
                return
            time.sleep(0.25)
            now = _tree_cpu(self.proc.pid)
            calm = calm + 1 if now - before < 0.03 else 0
            before = now

    def stop(self) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(data_dir: Path, warm: int = 1, running: int = 1, env: dict[str, str] | None = None) -> Server:
    """`running` jobs at once (default one: the worker and the plain script get the same threads);
    `env`: more settings (an executor, say)."""
    port = _free_port()
    env = {
        **os.environ,
        "TORCHPLAY_DATA_DIR": str(data_dir),
        "TORCHPLAY_MAX_RUNNING_JOBS": str(running),
        "TORCHPLAY_WARM_WORKERS": str(warm),
        "TORCHPLAY_MAX_EPOCHS": "1000000",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / f"server-{port}.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "torchplay", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    server = Server(proc, port)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited; see {data_dir}/server-{port}.log")
        try:
            if server.http.get("/api/health", timeout=1).status_code == 200:
                server.wait_quiet()
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("server did not start in 120 s")


def _own_cpu(pid: int) -> float:
    """CPU seconds used so far by `pid` alone (the server's event loop, not its workers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_cpu(root: int) -> float:
    """CPU seconds used so far by `root` and every descendant (Linux /proc)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


@dataclass
class Watched:
    """What one viewer saw of a job: every event, with its arrival (perf_counter and wall clock)."""

    posted: float
    events: list[dict[str, Any]] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)

    def first(self, kind: str) -> float | None:
        for event, at in zip(self.events, self.arrivals, strict=True):
            if event["type"] == kind:
                return at - self.posted
        return None

    @property
    def done(self) -> dict[str, Any] | None:
        return next((e for e in reversed(self.events) if e["type"] == "done"), None)


def run_job(server: Server, job: dict[str, Any], timeout: float = 900) -> Watched:
    """POST a job and watch its stream until `done`, receiving every event."""
    posted = time.perf_counter()
    job_id = server.post(job)
    watched = Watched(posted)
    with connect(server.ws_url(job_id), open_timeout=30, close_timeout=5, max_size=None) as ws:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                frame = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
            except ConnectionClosedOK:
                break
            at, wall = time.perf_counter(), time.time()
            for event in json.loads(frame):
                watched.events.append(event)
                watched.arrivals.append(at)
                watched.walls.append(wall)
    if watched.done is None:
        raise RuntimeError(f"job {job_id} did not finish")
    if watched.done["status"] != "completed":
        raise RuntimeError(f"job {job_id} {watched.done['status']}: {watched.done.get('error')}")
    return watched


def run_plain(job: dict[str, Any], data_dir: Path, loader: str = "slice") -> dict[str, Any]:
    path = data_dir / "plain-job.json"
    path.write_text(json.dumps(job))
    command = [sys.executable, "-m", "benchmarks.plain", str(path), "--data-dir", str(data_dir)]
    command += ["--threads", str(THREADS), "--loader", loader]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"plain script failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fan_out(server: Server, job: dict[str, Any], viewers: int, timeout: float = 600) -> dict[str, Any]:
    """Start a job and attach `viewers` WebSocket clients at once; each must see `done`."""
    result: dict[str, Any] = {}

    frames = [0]

    async def watch(job_id: str) -> bool:
        async with aconnect(server.ws_url(job_id), open_timeout=60, close_timeout=5, max_size=None) as ws:
            seen_done = False
            try:
                async for frame in ws:
                    frames[0] += 1
                    if '"type":"done"' in frame:
                        seen_done = True
            except ConnectionClosedOK:
                pass
            return seen_done

    async def main() -> None:
        cpu_before = _own_cpu(server.proc.pid)
        job_id = server.post(job)
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(watch(job_id) for _ in range(viewers)), return_exceptions=True), timeout
        )
        result["server_cpu_s"] = _own_cpu(server.proc.pid) - cpu_before
        result["frames"] = frames[0]
        result["with_done"] = sum(1 for o in outcomes if o is True)
        result["errors"] = [repr(o) for o in outcomes if isinstance(o, BaseException)][:3]
        result["job_id"] = job_id

    thread = threading.Thread(target=lambda: asyncio.run(main()))
    thread.start()
    thread.join()
    epochs = server.http.get(f"/api/jobs/{result['job_id']}/metrics").json()
    result["train_s"] = epochs[-1]["elapsed_s"]
    return result
