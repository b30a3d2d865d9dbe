"""Users and share links, in the server's SQLite file (tables of their own).

- A user's token is made here, shown once, and stored only as its SHA-256: the token is 32
  random bytes, so a plain hash is as good as a slow one, and a stolen database file gives
  no one a way in. Presented tokens are hashed and compared with `secrets.compare_digest`.
- A share link's token names its row and carries an HMAC (the server's own secret, made
  once and kept in the same file) over the job, the expiry and what it allows: a token
  cannot be edited into another job's or a longer-lived one. Its row is its life: deleting
  it revokes the link at once.

Opened by the server and by `torchplay users …` in another process at the same time: WAL,
and each statement is its own transaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torchplay.people.caller import ADMIN

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    admin INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS shares (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL,
    allow_weights INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS shares_by_job ON shares (job_id);
CREATE TABLE IF NOT EXISTS server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

USER_PREFIX = "tpu_"
SHARE_PREFIX = "tps_"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")


class UserError(ValueError):
    """A user name or command that cannot be carried out; the message is for people."""


@dataclass(frozen=True)
class Share:
    id: str
    job_id: str
    created_by: str
    created_at: float
    expires_at: float | None
    allow_weights: bool

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "job_id": self.job_id,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "allow_weights": self.allow_weights,
        }


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO server_secrets (name, value) VALUES ('share_key', ?)", (secrets.token_hex(32),)
            )
            self._key = bytes.fromhex(
                self._db.execute("SELECT value FROM server_secrets WHERE name = 'share_key'").fetchone()[0]
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- users ---------------------------------------------------------------------------

    def add_user(self, name: str, admin: bool = False) -> str:
        """A new user; returns their token, which is stored nowhere (only its hash is)."""
        if not NAME_PATTERN.fullmatch(name):
            raise UserError(
                f"user name {name[:60]!r}: use 1 to 40 lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        if name == ADMIN:
            raise UserError(f"{ADMIN!r} is the holder of TORCHPLAY_TOKEN; choose another name")
        token = USER_PREFIX + secrets.token_urlsafe(32)
        try:
            with self._lock:
                self._db.execute(
                    "INSERT INTO users (name, token_sha256, admin, created_at) VALUES (?, ?, ?, ?)",
                    (name, _sha256(token), int(admin), time.time()),
                )
        except sqlite3.IntegrityError:
            raise UserError(f"user {name!r} exists; revoke it first to give it a new token") from None
        return token

    def revoke_user(self, name: str) -> None:
        with self._lock:
            gone = self._db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount
        if not gone:
            raise UserError(f"no user {name!r}")

    def users(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT name, admin, created_at FROM users ORDER BY name").fetchall()
        return [{"name": row["name"], "admin": bool(row["admin"]), "created_at": row["created_at"]} for row in rows]

    def has_users(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def has_user(self, name: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is not None

    def user_for(self, token: str) -> tuple[str, bool] | None:
        """(name, admin) of the user holding `token`, else None."""
        if not token.startswith(USER_PREFIX):
            return None
        digest = _sha256(token)
        with self._lock:
            row = self._db.execute(
                "SELECT name, admin, token_sha256 FROM users WHERE token_sha256 = ?", (digest,)
            ).fetchone()
        if row is None or not secrets.compare_digest(row["token_sha256"].encode(), digest.encode()):
            return None
        return row["name"], bool(row["admin"])

    # --- share links -----------------------------------------------------------------------

    def add_share(self, job_id: str, created_by: str, expires_in_s: float | None, allow_weights: bool) -> str:
        """A new share link's token for `job_id`."""
        share = Share(
            secrets.token_hex(8),
            job_id,
            created_by,
            time.time(),
            None if expires_in_s is None else time.time() + expires_in_s,
            allow_weights,
        )
        with self._lock:
            self._db.execute(
                "INSERT INTO shares (id, job_id, created_by, created_at, expires_at, allow_weights)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (share.id, job_id, created_by, share.created_at, share.expires_at, int(allow_weights)),
            )
        return f"{SHARE_PREFIX}{share.id}.{self._signature(share)}"

    def shares(self, job_id: str) -> list[Share]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM shares WHERE job_id = ? ORDER BY created_at", (job_id,)).fetchall()
        return [_share(row) for row in rows]

    def share(self, share_id: str) -> Share | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM shares WHERE id = ?", (share_id,)).fetchone()
        return _share(row) if row else None

    def revoke_share(self, share_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM shares WHERE id = ?", (share_id,))

    def forget_job(self, job_id: str) -> None:
        """A deleted job's share links go with it."""
        with self._lock:
            self._db.execute("DELETE FROM shares WHERE job_id = ?", (job_id,))

    def share_for(self, token: str) -> Share | None:
        """The live (not revoked, not expired) share link whose token this is, else None."""
        if not token.startswith(SHARE_PREFIX):
            return None
        share_id, _, signature = token.removeprefix(SHARE_PREFIX).partition(".")
        share = self.share(share_id) if share_id.isalnum() else None
        if share is None or not hmac.compare_digest(signature.encode(), self._signature(share).encode()):
            return None
        if share.expires_at is not None and time.time() >= share.expires_at:
            return None
        return share

    def _signature(self, share: Share) -> str:
        message = f"{share.id}:{share.job_id}:{share.expires_at!r}:{int(share.allow_weights)}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _share(row: sqlite3.Row) -> Share:
    return Share(
        row["id"], row["job_id"], row["created_by"], row["created_at"], row["expires_at"], bool(row["allow_weights"])
    )
