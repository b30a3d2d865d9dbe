"""Sweeps through a real server: members planned as a whole, trained, judged, deleted."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import Server, spiral_job, start_server
from torchplay.spec.sweep import EarlyStopping
from torchplay.sweeps import rung_verdict


def _wait_done(client: httpx.Client, sweep_id: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sweep = client.get(f"/api/sweeps/{sweep_id}").json()
        if sweep["status"] == "done":
            return sweep
        time.sleep(0.2)
    raise AssertionError(f"sweep {sweep_id} did not finish: {sweep}")


def test_a_3x3_grid_makes_nine_member_jobs_with_exactly_the_requested_values(server: Server) -> None:
    lrs, widths = [0.003, 0.01, 0.03], [4, 8, 12]
    body = {
        "name": "grid",
        "base": spiral_job(epochs=2),
        "axes": {"optimizer.lr": lrs, "model.layers.0.out_features": widths},
    }
    with server.client() as client:
        created = client.post("/api/sweeps", json=body)
        assert created.status_code == 201, created.text
        sweep_id, member_ids = created.json()["id"], created.json()["members"]
        assert len(member_ids) == 9 and len(set(member_ids)) == 9
        seen = set()
        for job_id in member_ids:
            request = client.get(f"/api/jobs/{job_id}").json()["request"]
            seen.add((request["optimizer"]["lr"], request["model"]["layers"][0]["out_features"]))
            assert request["name"].startswith("grid · lr=")
        assert seen == {(lr, w) for lr in lrs for w in widths}
        sweep = _wait_done(client, sweep_id)
        assert [m["id"] for m in sweep["members"]] == member_ids
        assert all(m["status"] == "completed" and m["epoch"] == 2 for m in sweep["members"])
        assert {
            (m["values"]["optimizer.lr"], m["values"]["model.layers.0.out_features"]) for m in sweep["members"]
        } == seen
        assert sweep_id in [s["id"] for s in client.get("/api/sweeps").json()]


def test_one_invalid_member_rejects_the_whole_sweep_naming_the_axis_value(server: Server) -> None:
    base = spiral_job(epochs=2)
    # The second layer's in_features is typed: only the width 16 fits it.
    base["model"]["layers"][2]["in_features"] = 16
    body = {"base": base, "axes": {"optimizer.lr": [0.01, 0.1], "model.layers.0.out_features": [16, 7]}}
    with server.client() as client:
        before = len(client.get("/api/jobs").json())
        refused = client.post("/api/sweeps", json=body)
        assert refused.status_code == 422, refused.text
        error = refused.json()["detail"][0]
        assert error["loc"][:3] == ["axes", "model.layers.0.out_features", 1], error
        assert "out_features=7" in error["msg"], error
        assert len(client.get("/api/jobs").json()) == before  # no member was created


def test_a_sweep_over_the_member_or_queue_limit_is_refused_whole(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", env={"TORCHPLAY_MAX_SWEEP_MEMBERS": "4", "TORCHPLAY_MAX_QUEUED_JOBS": "3"})
    try:
        with server.client() as client:
            too_many = client.post("/api/sweeps", json={"base": spiral_job(), "axes": {"seed": [1, 2, 3, 4, 5]}})
            assert too_many.status_code == 422 and "max_sweep_members=4" in too_many.text
            no_room = client.post("/api/sweeps", json={"base": spiral_job(), "axes": {"seed": [1, 2, 3, 4]}})
            assert no_room.status_code == 429 and "max_queued_jobs=3" in no_room.text, no_room.text
            assert client.get("/api/jobs").json() == []
    finally:
        server.stop()


def test_early_stopping_stops_the_members_the_rule_says_and_no_others(tmp_path: Path) -> None:
    # One at a time, so members reach the rung in the order they were made.
    server = start_server(tmp_path / "data", env={"TORCHPLAY_MAX_RUNNING_JOBS": "1"})
    rule = {"rule": "median", "at_epochs": [4], "metric": "val_loss", "min_reported": 2}
    lrs = [0.03, 0.03, 1e-6, 0.03, 1e-6]  # the tiny learning rates cannot keep up
    body = {"base": spiral_job(epochs=12, seed=1), "axes": {"optimizer.lr": lrs}, "early_stopping": rule}
    try:
        with server.client() as client:
            created = client.post("/api/sweeps", json=body)
            assert created.status_code == 201, created.text
            sweep = _wait_done(client, created.json()["id"])
            members = sweep["members"]
            # The rule replayed over what the members recorded at epoch 4, in their order.
            earlier: list[float] = []
            expected = []
            for member in members:
                value = next(
                    e["val_loss"] for e in client.get(f"/api/jobs/{member['id']}/metrics").json() if e["epoch"] == 4
                )
                verdict = rung_verdict(EarlyStopping.model_validate(rule), 4, earlier, value)
                expected.append(verdict is not None)
                if value is not None:  # every finite value counts at the rung, stopped or not
                    earlier.append(value)
            stopped = [m["stopped_by"] is not None for m in members]
            assert stopped == expected, members
            assert stopped == [False, False, True, False, True]  # the 4th equals the median: it continues
            for member, was_stopped in zip(members, stopped, strict=True):
                if was_stopped:
                    assert member["status"] == "stopped" and member["epoch"] < 12, member
                    assert "median rule at epoch 4" in member["stopped_by"]
                else:
                    assert member["status"] == "completed" and member["epoch"] == 12, member
    finally:
        server.stop()


def test_stopping_and_deleting_a_sweep_act_on_every_member_and_remove_their_files(server: Server) -> None:
    body = {"base": spiral_job(epochs=400), "axes": {"seed": [1, 2, 3]}}
    with server.client() as client:
        created = client.post("/api/sweeps", json=body).json()
        members = created["members"]
        server.wait_status(members[0], ("running",))
        stopped = client.post(f"/api/sweeps/{created['id']}/stop")
        assert stopped.status_code == 202
        sweep = _wait_done(client, created["id"])
        assert {m["status"] for m in sweep["members"]} == {"stopped"}
        folders = [server.data_dir / "jobs" / job_id for job_id in members]
        assert client.delete(f"/api/sweeps/{created['id']}").status_code == 204
        assert client.get(f"/api/sweeps/{created['id']}").status_code == 404
        for job_id, folder in zip(members, folders, strict=True):
            assert client.get(f"/api/jobs/{job_id}").status_code == 404
            assert not folder.exists()
