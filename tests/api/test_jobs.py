"""Jobs end to end over a real server: REST lifecycle and the WebSocket stream."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import psutil
from websockets.sync.client import connect

from tests.conftest import Server, spiral_job
from torchplay.planning.memory import RUNTIME_MB


def _seqs(events: list[dict[str, Any]]) -> list[int]:
    return [e["seq"] for e in events]


def test_job_streams_status_epochs_snapshots_done(server: Server, client: httpx.Client) -> None:
    created = client.post("/api/jobs", json=spiral_job(epochs=15))
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["status"] == "queued" and job["id"] and job["created_at"]
    assert job["request"]["loss"] == "CrossEntropyLoss" and job["request"]["task"] == "classification"
    assert job["request"]["model"]["layers"][0]["in_features"] == 2  # inferred and filled in
    planned = {"input_shape": [2], "output_shape": [2], "classes": ["0", "1"], "snapshot_kind": "decision_boundary"}
    assert job == {**job, **planned, "total_params": 354, "warnings": []}
    assert job["memory_mb"] >= RUNTIME_MB  # estimated at create: a torch worker at least

    events = server.stream(job["id"])
    assert _seqs(events) == sorted(set(_seqs(events)))  # strictly increasing
    assert events[0]["type"] == "status" and events[0]["status"] == "running" and events[0]["device"] == "cpu"
    epochs = [e for e in events if e["type"] == "epoch"]
    assert [e["epoch"] for e in epochs] == list(range(1, 16))
    assert all(e["job_id"] == job["id"] for e in events)
    assert {"train_loss", "val_loss", "metrics", "lr", "elapsed_s", "epochs"} <= set(epochs[0])
    assert "accuracy" in epochs[-1]["metrics"]
    assert any(e["type"] == "snapshot" and e["kind"] == "decision_boundary" for e in events)
    assert events[-1]["type"] == "done" and events[-1]["status"] == "completed"

    record = client.get(f"/api/jobs/{job['id']}").json()
    assert record["status"] == "completed" and record["epoch"] == 15
    assert record == {**record, **planned, "total_params": 354}
    assert record["train_loss"] == epochs[-1]["train_loss"]
    metrics = client.get(f"/api/jobs/{job['id']}/metrics").json()
    assert [m["epoch"] for m in metrics] == list(range(1, 16))
    snapshot = client.get(f"/api/jobs/{job['id']}/snapshot").json()
    assert snapshot["kind"] == "decision_boundary"
    listed = client.get("/api/jobs").json()
    assert listed[0]["id"] == job["id"] and "request" not in listed[0]


def test_late_viewer_gets_history_without_gaps(server: Server, client: httpx.Client) -> None:
    job = client.post(
        "/api/jobs", json=spiral_job(epochs=150, dataset={"name": "spiral", "params": {"samples": 1000}})
    ).json()
    first: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: first.extend(server.stream(job["id"])))
    reader.start()
    # Join mid-run: once some epochs exist, but before the end.
    deadline = time.monotonic() + 60
    while client.get(f"/api/jobs/{job['id']}").json()["epoch"] < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    late = server.stream(job["id"])
    reader.join(60)
    for events in (first, late):
        epochs = [e["epoch"] for e in events if e["type"] == "epoch"]
        assert epochs == list(range(1, 151)), "every epoch, in order, exactly once"
        assert _seqs(events) == sorted(set(_seqs(events)))
        assert events[-1]["type"] == "done"
    # The replay skips superseded snapshots but never an epoch.
    assert client.get(f"/api/jobs/{job['id']}").json()["status"] == "completed"


def test_since_resumes_after_a_seq(server: Server, client: httpx.Client) -> None:
    job = client.post("/api/jobs", json=spiral_job(epochs=5)).json()
    everything = server.stream(job["id"])
    cut = everything[3]["seq"]
    rest = server.stream(job["id"], since=cut)
    assert all(e["seq"] > cut for e in rest)
    assert [e["epoch"] for e in rest if e["type"] == "epoch"] == [
        e["epoch"] for e in everything if e["type"] == "epoch" and e["seq"] > cut
    ]


def test_stop_within_a_second_and_the_worker_takes_the_next_job(server: Server, client: httpx.Client) -> None:
    long = spiral_job(epochs=100_000, dataset={"name": "spiral", "params": {"samples": 5000}})
    job = client.post("/api/jobs", json=long).json()
    running = server.wait_status(job["id"], ("running",))
    pid = running["worker_pid"]
    assert pid and psutil.pid_exists(pid)
    asked = time.monotonic()
    assert client.post(f"/api/jobs/{job['id']}/stop").status_code == 202
    stopped = server.wait_status(job["id"], ("stopped",), timeout=5)
    took = time.monotonic() - asked
    assert stopped["status"] == "stopped" and took < 1.0, took
    assert stopped["worker_pid"] is None
    assert client.post(f"/api/jobs/{job['id']}/stop").status_code == 409
    # The worker stopped training that job, not killed: it lives on in the pool, and the next
    # job runs on a pooled worker (that one, or another that is ready while it tidies up).
    assert psutil.pid_exists(pid)
    pooled = {child.pid for child in psutil.Process(server.proc.pid).children()}
    following = client.post("/api/jobs", json=long).json()
    assert server.wait_status(following["id"], ("running",))["worker_pid"] in pooled
    assert client.post(f"/api/jobs/{following['id']}/stop").status_code == 202
    server.wait_status(following["id"], ("stopped",), timeout=5)


def test_delete_removes_the_job(server: Server, client: httpx.Client) -> None:
    job = client.post("/api/jobs", json=spiral_job(epochs=2)).json()
    server.wait_status(job["id"], ("completed",))
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 204
    assert client.get(f"/api/jobs/{job['id']}").status_code == 404
    assert client.get(f"/api/jobs/{job['id']}/metrics").status_code == 404
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 404


def test_unknown_job_stream_is_refused(server: Server) -> None:
    with connect(server.ws_url("nope"), open_timeout=5) as ws:
        try:
            ws.recv(timeout=5)
            raise AssertionError("expected the server to close")
        except Exception as exc:  # closed by the server with our code
            assert "4404" in str(exc) or "no job" in str(exc)


def test_frames_are_json_arrays(server: Server, client: httpx.Client) -> None:
    job = client.post("/api/jobs", json=spiral_job(epochs=3)).json()
    with connect(server.ws_url(job["id"]), open_timeout=5) as ws:
        frame = ws.recv(timeout=30)
    assert isinstance(json.loads(frame), list)
