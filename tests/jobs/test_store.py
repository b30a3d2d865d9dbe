"""Store: a real SQLite file in WAL mode; event batches and job rows change together."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from torchplay.jobs.store import Store


def test_jobs_and_events_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.create_job("a", "first", 3, {"epochs": 3}, {"total_params": 1})
    store.append(
        "a",
        [(1, "status", '{"seq":1,"type":"status"}'), (2, "epoch", '{"seq":2,"type":"epoch","epoch":1}')],
        {"status": "running", "epoch": 1},
    )
    job = store.get_job("a")
    assert job is not None and job["status"] == "running" and job["epoch"] == 1 and job["last_seq"] == 2
    assert job["request"] == {"epochs": 3} and job["plan"] == {"total_params": 1}
    assert store.events("a", "epoch") == [{"seq": 2, "type": "epoch", "epoch": 1}]
    assert [seq for seq, _ in store.replay("a", 1)] == [2]
    store.close()
    # Nothing is lost on reopen, and the file is in WAL mode.
    reopened = Store(tmp_path / "db.sqlite3")
    assert reopened.get_job("a")["last_seq"] == 2  # type: ignore[index]
    assert [j["status"] for j in reopened.unfinished_jobs()] == ["running"]
    mode = sqlite3.connect(tmp_path / "db.sqlite3").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_one_epochs_event_is_found_among_many(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.create_job("a", "long", 5000, {}, {})
    rows = [(n, "epoch", f'{{"seq":{n},"type":"epoch","epoch":{n},"train_loss":{1 / n}}}') for n in range(1, 5001)]
    store.append("a", rows, {"epoch": 5000})
    store.create_job("b", "other", 3, {}, {})
    store.append("b", [(1, "epoch", '{"seq":1,"type":"epoch","epoch":4990}')], {"epoch": 1})
    assert store.epoch_event("a", 4990) == {"seq": 4990, "type": "epoch", "epoch": 4990, "train_loss": 1 / 4990}
    assert store.epoch_event("a", 1)["seq"] == 1  # type: ignore[index]
    assert store.epoch_event("a", 5001) is None and store.epoch_event("c", 1) is None


def test_a_failed_batch_leaves_no_partial_write(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.create_job("a", "first", 3, {}, {})
    store.append("a", [(1, "status", "{}")], {"status": "running"})
    with pytest.raises(sqlite3.IntegrityError):  # seq 2 twice: the whole batch must roll back
        store.append("a", [(2, "epoch", "{}"), (2, "epoch", "{}")], {"epoch": 1})
    job = store.get_job("a")
    assert job is not None and job["epoch"] == 0 and job["last_seq"] == 1
    assert [seq for seq, _ in store.replay("a", 0)] == [1]


def test_replay_keeps_only_latest_snapshot(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.create_job("a", "first", 3, {}, {})
    rows = [(1, "snapshot", "{}"), (2, "epoch", "{}"), (3, "snapshot", "{}"), (4, "done", "{}")]
    store.append("a", rows, {"status": "completed"})
    assert [seq for seq, _ in store.replay("a", 0)] == [2, 3, 4]
    assert store.list_jobs()[0]["id"] == "a"
    assert store.delete_job("a") and store.get_job("a") is None


def test_a_job_stored_before_plans_were_kept_is_planned_once(tmp_path: Path) -> None:
    from tests.conftest import spiral_job
    from tests.inprocess import planned
    from torchplay.jobs.legacy import plan_legacy_jobs
    from torchplay.spec import JobCreate

    path = tmp_path / "db.sqlite3"
    old = sqlite3.connect(path)  # the jobs table as it was, without its plan column
    old.execute(
        "CREATE TABLE jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,"
        " started_at TEXT, finished_at TEXT, epoch INTEGER NOT NULL DEFAULT 0, epochs INTEGER NOT NULL,"
        " train_loss REAL, val_loss REAL, metrics TEXT NOT NULL DEFAULT '{}', device TEXT, error TEXT,"
        " request TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0)"
    )
    stored = planned(spiral_job()).request.model_dump_json(exclude={"checkpoint_every"})
    old.execute(
        "INSERT INTO jobs (id, name, status, created_at, epochs, request) VALUES ('a', 'old', 'completed', 'then', 20, ?)",
        (stored,),
    )
    old.execute(
        "INSERT INTO jobs (id, name, status, created_at, epochs, request) VALUES ('b', 'gone', 'completed', 'then', 2, ?)",
        ('{"dataset": {"name": "nope"}, "model": {"layers": [{"type": "ReLU"}]}}',),
    )
    old.commit()
    old.close()
    store = Store(path)
    calls: list[str] = []

    def plan(request: JobCreate) -> Any:
        calls.append(request.dataset.name)
        return planned(request)

    plan_legacy_jobs(store, plan)
    plan_legacy_jobs(store, plan)  # planned already: not again
    job = store.get_job("a")
    assert job is not None and job["plan"]["input_shape"] == [2] and job["request"]["checkpoint_every"] == 10
    assert (store.get_job("b") or {})["plan"] is None  # no longer plans: kept as it was
    assert calls == ["spiral", "nope", "nope"]


def test_jobs_kept_from_before_owners_are_the_admins(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as old:  # a data dir from before jobs and sweeps had owners
        old.executescript(
            "CREATE TABLE jobs (id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,"
            " started_at TEXT, finished_at TEXT, epoch INTEGER NOT NULL DEFAULT 0, epochs INTEGER NOT NULL,"
            " train_loss REAL, val_loss REAL, metrics TEXT NOT NULL DEFAULT '{}', device TEXT, error TEXT,"
            " request TEXT NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0);"
            "CREATE TABLE sweeps (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL, body TEXT NOT NULL,"
            " members TEXT NOT NULL);"
            "INSERT INTO jobs (id, name, status, created_at, epochs, request) VALUES ('old', 'o', 'completed', 'x', 1, '{}');"
            "INSERT INTO sweeps VALUES ('s', 'n', 'x', '{}', '[]');"
        )
    store = Store(path)
    store.create_job("mine", "m", 1, {}, {}, owner="alice")
    assert store.get_job("old")["owner"] == "admin"  # type: ignore[index]
    assert store.get_sweep("s")["owner"] == "admin"  # type: ignore[index]
    assert [j["id"] for j in store.list_jobs("admin")] == ["old"]
    assert [j["id"] for j in store.list_jobs("alice")] == ["mine"]
    assert {j["id"] for j in store.list_jobs("alice", also=("old",))} == {"mine", "old"}
    assert {j["id"] for j in store.list_jobs()} == {"mine", "old"}
    store.close()
