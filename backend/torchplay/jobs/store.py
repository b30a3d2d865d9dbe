"""Jobs and their event logs in one SQLite file (WAL: readers never block the writer).

Every change is one transaction: an event batch and the job row it updates land
together, so a reader never sees an epoch event the job row does not reflect.
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from torchplay.jobs.replay import LATEST_ONLY, Row, replayed
from torchplay.people.caller import ADMIN
from torchplay.spec.lifecycle import ACTIVE, JobStatus

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    epoch INTEGER NOT NULL DEFAULT 0,
    epochs INTEGER NOT NULL,
    train_loss REAL,
    val_loss REAL,
    metrics TEXT NOT NULL DEFAULT '{}',
    device TEXT,
    threads INTEGER,
    error TEXT,
    request TEXT NOT NULL,
    plan TEXT,
    last_seq INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    forked_from TEXT
);
CREATE TABLE IF NOT EXISTS events (
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sweeps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL,
    members TEXT NOT NULL,
    owner TEXT
);
CREATE TABLE IF NOT EXISTS sweep_rungs (
    sweep_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    job_id TEXT NOT NULL,
    value REAL,
    stopped_by TEXT,
    PRIMARY KEY (sweep_id, epoch, job_id)
);
"""

_SUMMARY = (
    "id, name, status, created_at, started_at, finished_at, epoch, epochs, train_loss, val_loss, metrics, device, "
    "threads, error, owner, forked_from"
)
UNFINISHED = tuple(status.value for status in JobStatus if status in ACTIVE)  # the lifecycle table's


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
            if "plan" not in columns:  # a data dir from before jobs stored their plan
                self._db.execute("ALTER TABLE jobs ADD COLUMN plan TEXT")
            if "threads" not in columns:  # … or their thread count
                self._db.execute("ALTER TABLE jobs ADD COLUMN threads INTEGER")
            for column in ("owner", "forked_from"):  # … or who owns them (NULL: the admin)
                if column not in columns:
                    self._db.execute(f"ALTER TABLE jobs ADD COLUMN {column} TEXT")
            if "owner" not in {row[1] for row in self._db.execute("PRAGMA table_info(sweeps)")}:
                self._db.execute("ALTER TABLE sweeps ADD COLUMN owner TEXT")

    def close(self) -> None:
        """Fold the write-ahead log into the database first: a copied data folder is then
        complete in its one .sqlite3 file."""
        with self._lock:
            # If it cannot run, the log stays, and SQLite replays it at the next open: nothing is lost.
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

    # --- jobs ----------------------------------------------------------------------------

    def create_job(
        self,
        job_id: str,
        name: str,
        epochs: int,
        request: dict[str, Any],
        plan: dict[str, Any],
        owner: str | None = None,
        forked_from: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A queued job: its normalised request, what planning decided about it, its owner."""
        with self._lock:
            self._db.execute(
                "INSERT INTO jobs (id, name, status, created_at, epochs, request, plan, owner, forked_from)"
                " VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    name,
                    now_iso(),
                    epochs,
                    json.dumps(request),
                    json.dumps(plan),
                    owner,
                    json.dumps(forked_from) if forked_from else None,
                ),
            )
        job = self.get_job(job_id)
        assert job is not None
        return job

    def get_job(self, job_id: str, with_request: bool = True) -> dict[str, Any] | None:
        columns = _SUMMARY + (", request, plan" if with_request else "") + ", last_seq"
        with self._lock:
            row = self._db.execute(f"SELECT {columns} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def list_jobs(self, owner: str | None = None, also: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Every job, newest first; with `owner`, only theirs (None stored: the admin's, `admin`)
        and the jobs in `also`."""
        if owner is None:
            return self._jobs("ORDER BY created_at DESC, rowid DESC", with_request=False)
        marks = ",".join("?" * len(also))
        clause = "WHERE COALESCE(owner, ?) = ?" + (f" OR id IN ({marks})" if also else "")
        return self._jobs(f"{clause} ORDER BY created_at DESC, rowid DESC", (ADMIN, owner, *also), with_request=False)

    def unfinished_jobs(self) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(UNFINISHED))
        return self._jobs(f"WHERE status IN ({marks}) ORDER BY created_at", UNFINISHED)

    def jobs_without_plan(self) -> list[dict[str, Any]]:
        return self._jobs("WHERE plan IS NULL")

    def _jobs(self, clauses: str, params: tuple[Any, ...] = (), with_request: bool = True) -> list[dict[str, Any]]:
        columns = _SUMMARY + (", request, plan" if with_request else "") + ", last_seq"
        with self._lock:
            rows = self._db.execute(f"SELECT {columns} FROM jobs {clauses}", params).fetchall()
        return [_job(row) for row in rows]

    def update_job(self, job_id: str, **fields: Any) -> None:
        with self._lock:
            self._update(job_id, fields)

    def delete_job(self, job_id: str) -> bool:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM events WHERE job_id = ?", (job_id,))
            deleted = self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount
            self._db.execute("COMMIT")
        return bool(deleted)

    def rewind(self, job_id: str, keep_seq: int, fields: dict[str, Any]) -> None:
        """Drop events after `keep_seq` (work a resume will redo) and reset the row, in one
        transaction. `last_seq` stays: numbering continues, so no seq is ever reused."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.execute("DELETE FROM events WHERE job_id = ? AND seq > ?", (job_id, keep_seq))
                self._update(job_id, fields)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # --- events --------------------------------------------------------------------------

    def append(self, job_id: str, events: list[tuple[int, str, str]], job_fields: dict[str, Any]) -> None:
        """Store (seq, type, json) rows and the job row's new state in one transaction."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT INTO events (job_id, seq, type, body) VALUES (?, ?, ?, ?)",
                    [(job_id, seq, kind, body) for seq, kind, body in events],
                )
                self._update(job_id, {**job_fields, "last_seq": events[-1][0]} if events else job_fields)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def copy_history(self, parent_id: str, child_id: str, through_seq: int, kinds: tuple[str, ...]) -> int:
        """Copy the parent's events of `kinds` up to `through_seq` into the (new, empty) child,
        numbered afresh as the child's own; returns the child's last seq."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT type, body FROM events WHERE job_id = ? AND seq <= ? AND type IN ({','.join('?' * len(kinds))})"
                " ORDER BY seq",
                (parent_id, through_seq, *kinds),
            ).fetchall()
            copied = []
            for seq, (kind, body) in enumerate(rows, start=1):
                event = json.loads(body)
                event["seq"], event["job_id"] = seq, child_id
                copied.append((child_id, seq, kind, json.dumps(event, separators=(",", ":"))))
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT INTO events (job_id, seq, type, body) VALUES (?, ?, ?, ?)", copied)
                self._update(child_id, {"last_seq": len(copied)})
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return len(copied)

    def replay(self, job_id: str, since: int) -> list[Row]:
        """Events after `since` as a viewer catching up gets them (`jobs.replay`)."""
        (latest,) = LATEST_ONLY
        with self._lock:
            small = self._db.execute(
                "SELECT seq, body FROM events WHERE job_id = ? AND seq > ? AND type != ? ORDER BY seq",
                (job_id, since, latest),
            ).fetchall()
            newest = self._db.execute(
                "SELECT seq, body FROM events WHERE job_id = ? AND seq > ? AND type = ? ORDER BY seq DESC LIMIT 1",
                (job_id, since, latest),
            ).fetchone()
        return replayed([(row[0], row[1]) for row in small], (newest[0], newest[1]) if newest else None)

    def event_bodies(self, job_id: str, kind: str, limit: int | None = None, newest: bool = False) -> list[str]:
        """The JSON text of a job's events of one kind, oldest first (newest first if asked)."""
        order = "DESC" if newest else "ASC"
        sql = f"SELECT body FROM events WHERE job_id = ? AND type = ? ORDER BY seq {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql, (job_id, kind)).fetchall()
        return [row[0] for row in rows]

    def events(self, job_id: str, kind: str, limit: int | None = None, newest: bool = False) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self.event_bodies(job_id, kind, limit, newest)]

    def epoch_event(self, job_id: str, epoch: int) -> dict[str, Any] | None:
        """The job's `epoch` event of that epoch, looked for from the newest back (a fork's
        checkpoint is recent: a long job's whole history is never read for it)."""
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM events WHERE job_id = ? AND type = 'epoch' AND json_extract(body, '$.epoch') = ? "
                "ORDER BY seq DESC LIMIT 1",
                (job_id, epoch),
            ).fetchone()
        return json.loads(row[0]) if row else None

    # --- sweeps ------------------------------------------------------------------------

    def create_sweep(
        self, sweep_id: str, name: str, body: dict[str, Any], members: list[dict[str, Any]], owner: str | None = None
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO sweeps (id, name, created_at, body, members, owner) VALUES (?, ?, ?, ?, ?, ?)",
                (sweep_id, name, now_iso(), json.dumps(body), json.dumps(members), owner),
            )

    def get_sweep(self, sweep_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM sweeps WHERE id = ?", (sweep_id,)).fetchone()
            stops = self._db.execute(
                "SELECT job_id, stopped_by FROM sweep_rungs WHERE sweep_id = ? AND stopped_by IS NOT NULL", (sweep_id,)
            ).fetchall()
        if row is None:
            return None
        sweep = dict(row)
        sweep["owner"] = sweep.get("owner") or ADMIN
        sweep["body"], sweep["members"] = json.loads(sweep["body"]), json.loads(sweep["members"])
        sweep["stopped"] = {job_id: reason for job_id, reason in stops}
        return sweep

    def list_sweeps(self) -> list[dict[str, Any]]:
        with self._lock:
            ids = [row[0] for row in self._db.execute("SELECT id FROM sweeps ORDER BY created_at DESC, rowid DESC")]
        return [sweep for sweep in map(self.get_sweep, ids) if sweep is not None]

    def delete_sweep(self, sweep_id: str) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM sweep_rungs WHERE sweep_id = ?", (sweep_id,))
            self._db.execute("DELETE FROM sweeps WHERE id = ?", (sweep_id,))
            self._db.execute("COMMIT")

    def rung_values(self, sweep_id: str, epoch: int) -> list[float]:
        """The finite values members recorded at a rung, in the order they reached it."""
        with self._lock:
            rows = self._db.execute(
                "SELECT value FROM sweep_rungs WHERE sweep_id = ? AND epoch = ? AND value IS NOT NULL ORDER BY rowid",
                (sweep_id, epoch),
            ).fetchall()
        return [row[0] for row in rows]

    def record_rung(self, sweep_id: str, epoch: int, job_id: str, value: float | None, stopped_by: str | None) -> None:
        """A member's value at a rung, once (a resumed member passing it again changes nothing)."""
        finite = value if value is not None and math.isfinite(value) else None
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO sweep_rungs (sweep_id, epoch, job_id, value, stopped_by) VALUES (?, ?, ?, ?, ?)",
                (sweep_id, epoch, job_id, finite, stopped_by),
            )

    def _update(self, job_id: str, fields: dict[str, Any]) -> None:
        if not fields:
            return
        fields = {k: json.dumps(v) if k in _JSON_COLUMNS else v for k, v in fields.items()}
        assignments = ", ".join(f"{key} = ?" for key in fields)
        self._db.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*fields.values(), job_id))


_JSON_COLUMNS = ("metrics", "request", "plan")


def _job(row: sqlite3.Row) -> dict[str, Any]:
    job = dict(row)
    job["metrics"] = json.loads(job["metrics"] or "{}")
    job["owner"] = job.get("owner") or ADMIN  # kept from before jobs had owners
    job["forked_from"] = json.loads(job["forked_from"]) if job.get("forked_from") else None
    if "request" in job:
        job["request"] = json.loads(job["request"])
    if "plan" in job:
        job["plan"] = json.loads(job["plan"]) if job["plan"] else None
    return job
