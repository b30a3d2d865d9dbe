"""Store: a real SQLite file in WAL mode; event batches and job rows change together."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from torchplay.jobs.store import Store


def test_jobs_and_events_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.create_job("a", "first", 3, {"epochs": 3})
    store.append(
        "a",
        [(1, "status", '{"seq":1,"type":"status"}'), (2, "epoch", '{"seq":2,"type":"epoch","epoch":1}')],
        {"status": "running", "epoch": 1},
    )
    job = store.get_job("a")
    assert job is not None and job["status"] == "running" and job["epoch"] == 1 and job["last_seq"] == 2
    assert job["request"] == {"epochs": 3}
    assert store.events("a", "epoch") == [{"seq": 2, "type": "epoch", "epoch": 1}]
    assert [seq for seq, _ in store.replay("a", 1)] == [2]
    store.close()
    # Nothing is lost on reopen, and the file is in WAL mode.
    reopened = Store(tmp_path / "db.sqlite3")
    assert reopened.get_job("a")["last_seq"] == 2  # type: ignore[index]
    assert [j["status"] for j in reopened.unfinished_jobs()] == ["running"]
    mode = sqlite3.connect(tmp_path / "db.sqlite3").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_failed_batch_leaves_no_partial_write(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.create_job("a", "first", 3, {})
    store.append("a", [(1, "status", "{}")], {"status": "running"})
    with pytest.raises(sqlite3.IntegrityError):  # seq 2 twice: the whole batch must roll back
        store.append("a", [(2, "epoch", "{}"), (2, "epoch", "{}")], {"epoch": 1})
    job = store.get_job("a")
    assert job is not None and job["epoch"] == 0 and job["last_seq"] == 1
    assert [seq for seq, _ in store.replay("a", 0)] == [1]


def test_replay_keeps_only_latest_snapshot(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.create_job("a", "first", 3, {})
    rows = [(1, "snapshot", "{}"), (2, "epoch", "{}"), (3, "snapshot", "{}"), (4, "done", "{}")]
    store.append("a", rows, {"status": "completed"})
    assert [seq for seq, _ in store.replay("a", 0)] == [2, 3, 4]
    assert store.list_jobs()[0]["id"] == "a"
    assert store.delete_job("a") and store.get_job("a") is None
