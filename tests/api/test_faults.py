"""Faults with real processes: kill -9 a worker, kill -9 the server and resume from the
checkpoint, a diverging run, pause/step/resume and live hyperparameter changes."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server, spiral_job, start_server
from torchplay.training import checkpoint


def _wait_epoch(client: httpx.Client, job_id: str, at_least: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["epoch"] >= at_least:
            return job
        assert job["status"] in ("queued", "running", "paused"), job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not reach epoch {at_least}")


def _long_job(**overrides: Any) -> dict[str, Any]:
    return spiral_job(epochs=100_000, snapshot_every=1_000, **overrides)


def _epochs(events: list[dict[str, Any]]) -> list[int]:
    return [e["epoch"] for e in events if e["type"] == "epoch"]


def test_worker_killed_mid_epoch_fails_only_its_job(server: Server, client: httpx.Client) -> None:
    victim = client.post("/api/jobs", json=_long_job(name="victim")).json()
    bystander = client.post("/api/jobs", json=spiral_job(name="bystander", epochs=40)).json()
    job = _wait_epoch(client, victim["id"], 2)
    pid = job["worker_pid"]
    assert pid and pid != server.proc.pid

    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    failed = server.wait_status(victim["id"], ("failed", "completed", "stopped"), timeout=30)
    latency = time.monotonic() - killed
    print(f"\nkill -9 worker → job failed in {latency:.3f} s")
    assert failed["status"] == "failed"
    assert failed["error"] == "worker exited with signal 9 (SIGKILL)"
    assert latency < 2.0, f"the job was marked failed {latency:.2f} s after its worker died"

    events = server.stream(bystander["id"])
    assert _epochs(events) == list(range(1, 41))
    assert events[-1]["type"] == "done" and events[-1]["status"] == "completed"
    done = server.stream(victim["id"])[-1]
    assert done["type"] == "done" and done["status"] == "failed" and "signal 9" in done["error"]


def test_server_killed_mid_training_then_resumed_from_checkpoint(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_server(data_dir)
    try:
        with first.client() as client:
            request = spiral_job(epochs=150, checkpoint_every=4, snapshot_every=20)
            job = client.post("/api/jobs", json=request).json()
            assert job["request"]["checkpoint_every"] == 4
            _wait_epoch(client, job["id"], 10)
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait(10)
    finally:
        first.stop()
    job_dir = data_dir / "jobs" / job["id"]
    assert list(job_dir.glob("state-*.pt")) and list(job_dir.glob("weights-*.safetensors"))
    assert not [p for p in job_dir.iterdir() if p.name.endswith(".tmp")]

    second = start_server(data_dir)
    try:
        with second.client() as client:
            record = client.get(f"/api/jobs/{job['id']}").json()
            assert record["status"] == "interrupted", record
            history = client.get(f"/api/jobs/{job['id']}/metrics").json()
            seen = [m["epoch"] for m in history]
            assert seen == list(range(1, len(seen) + 1)) and len(seen) >= 10
            last_seq = max(m["seq"] for m in history)

            resumed = client.post(f"/api/jobs/{job['id']}/resume")
            assert resumed.status_code == 202, resumed.text
            events = second.stream(job["id"])
            epochs = _epochs(events)
            assert epochs == list(range(1, 151)), "no gap and no duplicate across the restart"
            seqs = [e["seq"] for e in events]
            assert seqs == sorted(set(seqs))
            assert events[-1]["type"] == "done" and events[-1]["status"] == "completed"
            assert not [e for e in events if e.get("status") == "interrupted"]
            # Epochs up to the checkpoint are the stored ones; the rest were trained after it,
            # numbered after everything the first server had written.
            restarted = [i for i, e in enumerate(events) if e["type"] == "status" and e["status"] == "running"][1]
            checkpointed = next(e["epoch"] for e in events[restarted:] if e["type"] == "epoch") - 1
            assert checkpointed >= 4 and checkpointed % 4 == 0 and checkpointed <= seen[-1]
            by_epoch = {e["epoch"]: e for e in events if e["type"] == "epoch"}
            old = {m["epoch"]: m for m in history}
            assert all(by_epoch[e] == old[e] for e in range(1, checkpointed + 1))
            assert by_epoch[checkpointed + 1]["seq"] > last_seq
            # Training continued from the checkpoint's weights, not from scratch.
            assert by_epoch[checkpointed + 1]["train_loss"] < old[1]["train_loss"]
            assert client.get(f"/api/jobs/{job['id']}").json()["epoch"] == 150

            assert client.delete(f"/api/jobs/{job['id']}").status_code == 204
            assert not job_dir.exists(), "the job's files go with the job"
    finally:
        second.stop()


def test_graceful_shutdown_mid_training_leaves_a_resumable_job(tmp_path: Path) -> None:
    """SIGTERM (`docker stop`): the job is `interrupted` after a restart, not stopped, the
    workers' last events after the store closed are dropped without a traceback, and the
    server exits 0 with nothing left behind."""
    data_dir = tmp_path / "data"
    first = start_server(data_dir)
    try:
        with first.client() as client:
            job = client.post("/api/jobs", json=_long_job(checkpoint_every=2)).json()
            _wait_epoch(client, job["id"], 4)
    finally:
        first.stop()  # SIGTERM, then wait
    # A clean exit: multiprocessing's exit hooks ran and removed the workers' semaphores.
    assert first.proc.returncode == 0, first.proc.returncode
    log = "".join(p.read_text(errors="replace") for p in data_dir.glob("server-*.log"))
    assert "Traceback" not in log, log[-3000:]
    assert "leaked semaphore" not in log, log[-3000:]

    second = start_server(data_dir)
    try:
        with second.client() as client:
            assert client.get(f"/api/jobs/{job['id']}").json()["status"] == "interrupted"
            assert client.post(f"/api/jobs/{job['id']}/resume").status_code == 202
            assert client.post(f"/api/jobs/{job['id']}/stop").status_code == 202
            second.wait_status(job["id"], ("stopped",))
    finally:
        second.stop()


def test_huge_learning_rate_diverges_within_an_epoch(server: Server, client: httpx.Client) -> None:
    request = spiral_job(
        epochs=50,
        dataset={"name": "sine", "params": {"samples": 200}},
        model={
            "layers": [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}, {"type": "Linear", "out_features": 1}]
        },
        optimizer={"type": "SGD", "lr": 1e6},
        checkpoint_every=1,
    )
    job = client.post("/api/jobs", json=request).json()
    events = server.stream(job["id"])
    assert events[-1]["type"] == "done" and events[-1]["status"] == "failed"
    assert events[-1]["error"] == "diverged: loss is NaN at epoch 1"
    assert _epochs(events) == []
    assert not list((server.data_dir / "jobs" / job["id"]).glob("state-*")), "no diverged checkpoint"


def test_pause_step_resume(server: Server, client: httpx.Client) -> None:
    job = client.post("/api/jobs", json=_long_job()).json()
    _wait_epoch(client, job["id"], 2)
    assert client.post(f"/api/jobs/{job['id']}/pause").status_code == 202
    paused = server.wait_status(job["id"], ("paused",))
    time.sleep(0.3)
    held = client.get(f"/api/jobs/{job['id']}").json()
    assert held["status"] == "paused" and held["epoch"] == paused["epoch"], "a paused job trains no further"

    assert client.post(f"/api/jobs/{job['id']}/step").status_code == 202
    stepped = _wait_epoch(client, job["id"], held["epoch"] + 1)
    time.sleep(0.3)
    after = client.get(f"/api/jobs/{job['id']}").json()
    assert after["status"] == "paused" and after["epoch"] == held["epoch"] + 1, (stepped, after)

    assert client.post(f"/api/jobs/{job['id']}/resume").status_code == 202
    _wait_epoch(client, job["id"], held["epoch"] + 4)
    assert client.post(f"/api/jobs/{job['id']}/stop").status_code == 202
    events = server.stream(job["id"])
    statuses = [e["status"] for e in events if e["type"] == "status"]
    assert statuses[:5] == ["running", "paused", "running", "paused", "running"]
    assert events[-1]["status"] == "stopped"
    assert client.post(f"/api/jobs/{job['id']}/resume").status_code == 409


def test_live_learning_rate_change(server: Server, client: httpx.Client) -> None:
    job = client.post("/api/jobs", json=_long_job()).json()
    _wait_epoch(client, job["id"], 2)
    changed = client.patch(f"/api/jobs/{job['id']}", json={"lr": 0.002})
    assert changed.status_code == 202, changed.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        metrics = client.get(f"/api/jobs/{job['id']}/metrics").json()
        if metrics[-1]["lr"] == 0.002:
            break
        time.sleep(0.05)
    client.post(f"/api/jobs/{job['id']}/stop")
    events = server.stream(job["id"])
    change = next(e for e in events if e["type"] == "changed")
    assert change["values"] == {"lr": 0.002}
    after = [e for e in events if e["type"] == "epoch" and e["seq"] > change["seq"]]
    before = [e for e in events if e["type"] == "epoch" and e["seq"] < change["seq"]]
    assert after and all(e["lr"] == 0.002 for e in after[1:])
    assert all(e["lr"] == 0.01 for e in before)
    assert client.patch(f"/api/jobs/{job['id']}", json={"lr": -1}).status_code == 422


@pytest.mark.parametrize("op", ["pause", "step", "stop"])
def test_control_of_a_finished_job_is_409(server: Server, client: httpx.Client, op: str) -> None:
    job = client.post("/api/jobs", json=spiral_job(epochs=2)).json()
    server.stream(job["id"])
    answer = client.post(f"/api/jobs/{job['id']}/{op}")
    assert answer.status_code == 409 and "completed" in answer.json()["detail"]


@pytest.mark.parametrize(("first", "then", "ends"), [("pause", "resume", "running"), ("resume", "pause", "paused")])
def test_control_right_after_control_counts_what_was_asked(
    server: Server, client: httpx.Client, first: str, then: str, ends: str
) -> None:
    """The second call comes before the worker reports the first: it is judged by what the
    first asked for, not by the status the store still shows."""
    job = client.post("/api/jobs", json=_long_job()).json()
    _wait_epoch(client, job["id"], 2)
    if first == "resume":  # start from paused
        assert client.post(f"/api/jobs/{job['id']}/pause").status_code == 202
        server.wait_status(job["id"], ("paused",))
    try:
        answers = [client.post(f"/api/jobs/{job['id']}/{op}") for op in (first, then)]
        assert [a.status_code for a in answers] == [202, 202], [a.text for a in answers]
        server.wait_status(job["id"], (ends,))
        time.sleep(0.5)  # the worker has heard both by now
        settled = client.get(f"/api/jobs/{job['id']}").json()
        # And it stays there: a running job trains on (within a few seconds, however loaded
        # the machine), a paused one does not move in half a second.
        deadline = time.monotonic() + (10 if ends == "running" else 0.5)
        while True:
            time.sleep(0.25)
            later = client.get(f"/api/jobs/{job['id']}").json()
            if time.monotonic() > deadline or (ends == "running" and later["epoch"] > settled["epoch"]):
                break
        assert settled["status"] == later["status"] == ends
        assert (later["epoch"] > settled["epoch"]) == (ends == "running"), (settled["epoch"], later["epoch"])
        again = client.post(f"/api/jobs/{job['id']}/{then}")
        assert again.status_code == 409 and ends in again.json()["detail"]
    finally:
        client.post(f"/api/jobs/{job['id']}/stop")


def test_a_damaged_newest_checkpoint_resumes_from_the_one_before(tmp_path: Path) -> None:
    """Shut down cleanly mid-training: the data folder is complete (the SQLite log folded
    in). Damage the checkpoint a resume would take: the job resumes from the one before,
    its history says so, and stays one continuous run."""
    data_dir = tmp_path / "data"
    first = start_server(data_dir)
    try:
        with first.client() as client:
            job = client.post("/api/jobs", json=_long_job(checkpoint_every=1)).json()
            job_dir = data_dir / "jobs" / job["id"]
            deadline = time.monotonic() + 60
            while len(checkpoint.epochs(job_dir)) < 3:  # one a second at most
                assert time.monotonic() < deadline, "no three checkpoints in 60 s"
                time.sleep(0.1)
        # Another reader of the file (a backup, the sqlite3 shell) keeps SQLite from folding
        # the log in by itself when the server's connection closes.
        reader = sqlite3.connect(data_dir / "torchplay.sqlite3")
        assert reader.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    finally:
        first.stop()  # SIGTERM: a clean shutdown
    assert first.proc.returncode == 0
    wal = data_dir / "torchplay.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0, "the write-ahead log was not checkpointed"
    reader.close()

    second = start_server(data_dir)
    try:
        with second.client() as client:
            stored = client.get(f"/api/jobs/{job['id']}/metrics").json()[-1]["epoch"]
            usable = [e for e in checkpoint.epochs(job_dir) if e <= stored]
            assert len(usable) >= 2, (usable, stored)
            damaged, previous = usable[-1], usable[-2]
            weights = job_dir / f"weights-{damaged}.safetensors"
            data = bytearray(weights.read_bytes())
            data[len(data) // 2] ^= 0xFF
            weights.write_bytes(bytes(data))

            assert client.post(f"/api/jobs/{job['id']}/resume").status_code == 202
            _wait_epoch(client, job["id"], previous + 2)
            assert client.post(f"/api/jobs/{job['id']}/stop").status_code == 202
            events = second.stream(job["id"])
    finally:
        second.stop()
    resumed = [e for e in events if e["type"] == "status" and e.get("resumed_from") is not None]
    assert [e["resumed_from"] for e in resumed] == [previous]
    assert f"resumed from epoch {previous}: the checkpoint of epoch {damaged} is damaged" in resumed[0]["note"]
    after = events[events.index(resumed[0]) :]
    assert next(e["epoch"] for e in after if e["type"] == "epoch") == previous + 1
    epochs = _epochs(events)
    assert epochs == list(range(1, len(epochs) + 1)), "no gap and no duplicate across the restart"
    assert events[-1]["type"] == "done" and events[-1]["status"] == "stopped"
