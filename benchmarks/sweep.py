"""`python -m benchmarks.sweep [--epochs 60] [--ray]`: a 16-member spiral sweep end to end.

A learning rate × width grid (4 × 4) of the spiral MLP is posted as one `POST /api/sweeps`
to a `torchplay serve` with 2 workers (`TORCHPLAY_MAX_RUNNING_JOBS=2`), with a WebSocket
viewer on every member as the page's small multiples have; the figure is the time from
the POST to the last member's `done` at its viewer. Against it: the same 16 jobs as plain
PyTorch loops run back to back in one process (torch imported once, timed inside), on one
thread as each worker has: for a model this small, more threads only contend (two threads on
a busy 2-core machine were many times slower). The ratio's goal is ≤ 1.2. With `--ray` the same sweep also runs on the
server's own local Ray with 2 CPUs (1 CPU per member), timed from the POST once the
cluster is up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedOK

from benchmarks import harness

LRS = [0.003, 0.01, 0.03, 0.1]
WIDTHS = [4, 8, 16, 32]


def sweep_body(epochs: int) -> dict[str, Any]:
    base = {
        "name": "spiral",
        "dataset": {"name": "spiral", "params": {"samples": 1000}, "test_fraction": 0.2},
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
        "epochs": epochs,
        "batch_size": 32,
        "device": "cpu",
    }
    return {"name": "bench", "base": base, "axes": {"optimizer.lr": LRS, "model.layers.0.out_features": WIDTHS}}


def member_jobs(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The grid's jobs in the sweep's own order, built by the sweep's own expansion."""
    from torchplay.spec.sweep import SweepCreate
    from torchplay.sweeps import expand_members

    return [member.request for member in expand_members(SweepCreate.model_validate(body), 10_000)]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__)
    parser.add_argument("--epochs", type=int, default=60, help="epochs per member (default 60)")
    parser.add_argument("--ray", action=argparse.BooleanOptionalAction, default=False, help="also on a local 2-CPU Ray")
    args = parser.parse_args()
    body = sweep_body(args.epochs)
    data_dir = harness.RESULTS / "sweep"
    report: dict[str, Any] = {"members": len(LRS) * len(WIDTHS), "epochs": args.epochs}

    server = harness.start_server(data_dir / "local", warm=2, running=2)
    try:
        report["torchplay_s"], report["failed"] = _timed_sweep(server, body)
    finally:
        server.stop()
    report["plain_back_to_back_s"] = _plain(member_jobs(body), data_dir)
    report["ratio"] = round(report["torchplay_s"] / report["plain_back_to_back_s"], 2)
    report["goal"] = 1.2

    if args.ray:
        ray_env = {
            "TORCHPLAY_EXECUTOR": "ray",
            "TORCHPLAY_RAY_ADDRESS": "local",
            "TORCHPLAY_RAY_LOCAL_CPUS": "2",
            "TORCHPLAY_RAY_CPUS_PER_JOB": "1",
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": secrets.token_hex(32),
            "RAY_USAGE_STATS_ENABLED": "0",
        }
        server = harness.start_server(data_dir / "ray", warm=0, running=2, env=ray_env)
        try:
            _wait_for_ray(server.http)
            server.wait_quiet()
            report["ray_s"], report["ray_failed"] = _timed_sweep(server, body)
        finally:
            server.stop()
        report["ray_ratio"] = round(report["ray_s"] / report["plain_back_to_back_s"], 2)
    print(json.dumps(report))


def _timed_sweep(server: harness.Server, body: dict[str, Any]) -> tuple[float, int]:
    """Seconds from the POST to the last member's `done` at its viewer; members not completed."""

    async def watch(job_id: str) -> str:
        async with connect(server.ws_url(job_id), open_timeout=60, close_timeout=5, max_size=None) as ws:
            status = "unfinished"
            try:
                async for frame in ws:
                    for event in json.loads(frame):
                        if event["type"] == "done":
                            status = event["status"]
            except ConnectionClosedOK:
                pass
            return status

    async def run() -> tuple[float, int]:
        async with httpx.AsyncClient(base_url=str(server.http.base_url), timeout=60) as http:
            posted = time.perf_counter()
            created = await http.post("/api/sweeps", json=body)
            if created.status_code != 201:
                raise RuntimeError(f"sweep refused ({created.status_code}): {created.text[:500]}")
            statuses = await asyncio.gather(*(watch(job_id) for job_id in created.json()["members"]))
            return round(time.perf_counter() - posted, 2), sum(s != "completed" for s in statuses)

    return asyncio.run(run())


def _wait_for_ray(http: httpx.Client, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cluster = http.get("/api/system").json()["cluster"]
        if cluster["connected"]:
            return
        if cluster["error"]:
            raise RuntimeError(f"the local Ray did not start: {cluster['error']}")
        time.sleep(0.5)
    raise RuntimeError("the local Ray did not start in time")


def _plain(jobs: list[dict[str, Any]], data_dir: Path) -> float:
    """The jobs one after another in one plain process (torch imported once, timed inside)."""
    paths = []
    for number, job in enumerate(jobs):
        path = data_dir / f"plain-member-{number}.json"
        path.write_text(json.dumps(job))
        paths.append(str(path))
    code = (
        "import sys, time\n"
        "where, jobs = sys.argv[1], sys.argv[2:]\n"
        "import torch, benchmarks.plain as p\n"
        "t = time.perf_counter()\n"
        "for job in jobs:\n"
        "    sys.argv = ['plain', job, '--data-dir', where, '--threads', '1']\n"
        "    p.main()\n"
        "print(time.perf_counter()-t)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(data_dir), *paths],
        cwd=harness.ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    return round(float(done.stdout.strip().splitlines()[-1]), 2)


if __name__ == "__main__":
    main()
