"""A server people share: users with their own tokens, jobs only their owners (and admins)
see and control, read-only share links, fair turns in the queue, forks.

Real uvicorn servers, real users made by the real CLI against the server's data dir, real
HTTP and WebSocket clients."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import ROOT, Server, spiral_job, start_server
from torchplay.api import create_app
from torchplay.settings import Settings

ADMIN_TOKEN = "the-teachers-long-admin-token"
NO_SUCH_JOB = "0123456789ab"


def _job_operations() -> list[tuple[str, str]]:
    """Every (method, path) of the API that names a job, from the app's own schema: a route
    added later is in this list without anyone touching the test."""
    paths = create_app(Settings()).openapi()["paths"]
    return sorted((method.upper(), path) for path, methods in paths.items() for method in methods if "{job_id}" in path)


JOB_OPERATIONS = _job_operations()


def add_user(data_dir: Path, name: str, admin: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TORCHPLAY_DATA_DIR": str(data_dir), "PYTHONPATH": f"{ROOT / 'backend'}:{ROOT}"}
    command = [sys.executable, "-m", "torchplay", "users", "add", name, *(["--admin"] if admin else [])]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def http(server: Server, token: str | None, **headers: str) -> httpx.Client:
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, headers={**auth, **headers}, timeout=30)


class People:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.tokens = {"admin": ADMIN_TOKEN}
        for name in ("alice", "bob"):
            made = add_user(server.data_dir, name)
            assert made.returncode == 0, made.stderr
            self.tokens[name] = made.stdout.strip()

    def client(self, name: str) -> httpx.Client:
        return http(self.server, self.tokens[name])


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[People]:
    server = start_server(tmp_path_factory.mktemp("classroom"), env={"TORCHPLAY_TOKEN": ADMIN_TOKEN})
    try:
        yield People(server)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def alices_job(classroom: People) -> dict[str, Any]:
    """A finished job of Alice's, with a share link (so every route has a real id to name)."""
    with classroom.client("alice") as alice:
        job = alice.post("/api/jobs", json=spiral_job(epochs=3)).json()
        assert job["owner"] == "alice"
        _wait(alice, job["id"], ("completed",))
        share = alice.post(f"/api/jobs/{job['id']}/shares", json={}).json()
    return {"job": job, "share": share}


def _wait(client: httpx.Client, job_id: str, statuses: tuple[str, ...], timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not reach {statuses}: {job}")


def _call(client: httpx.Client, method: str, path: str, job_id: str, share_id: str) -> httpx.Response:
    concrete = path.replace("{job_id}", job_id).replace("{share_id}", share_id)
    body: dict[str, Any] = {}
    if method in ("POST", "PATCH"):
        body = {"json": {"epoch": 1, "inputs": [[0.0, 0.0]], "lr": 0.1}}
    return client.request(method, concrete, **body)


# --- users ------------------------------------------------------------------------------


def test_users_add_prints_only_the_token_and_stores_only_its_hash(tmp_path: Path) -> None:
    made = add_user(tmp_path, "carol", admin=True)
    assert made.returncode == 0, made.stderr
    token = made.stdout.removesuffix("\n")
    assert re.fullmatch(r"tpu_[A-Za-z0-9_-]{40,}", token), made.stdout  # the token alone, one line
    assert "carol" not in made.stdout and token not in made.stderr
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("torchplay.sqlite3*"))
    assert token.encode() not in raw, "the token itself is never stored"
    with sqlite3.connect(tmp_path / "torchplay.sqlite3") as db:
        rows = db.execute("SELECT name, token_sha256, admin FROM users").fetchall()
    assert rows == [("carol", hashlib.sha256(token.encode()).hexdigest(), 1)]

    again = add_user(tmp_path, "carol")
    assert again.returncode == 2 and again.stdout == "" and "exists" in again.stderr
    assert add_user(tmp_path, "admin").returncode == 2  # the name of TORCHPLAY_TOKEN's holder
    assert add_user(tmp_path, "Bad Name!").returncode == 2


def test_who_am_i_and_a_revoked_user_is_out_at_once(classroom: People) -> None:
    server = classroom.server
    with classroom.client("alice") as alice, classroom.client("admin") as admin:
        assert alice.get("/api/me").json() == {"name": "alice", "admin": False, "anonymous": False, "shared_jobs": []}
        assert admin.get("/api/me").json()["admin"] is True
    with http(server, None) as nobody, http(server, "tpu_made-up") as stranger:
        assert nobody.get("/api/jobs").status_code == 401  # users exist: no more zero-setup
        assert stranger.get("/api/me").status_code == 401
    made = add_user(server.data_dir, "dave")
    token = made.stdout.strip()
    with http(server, token) as dave:
        assert dave.get("/api/me").json()["name"] == "dave"
        env = {**os.environ, "TORCHPLAY_DATA_DIR": str(server.data_dir)}
        listed = subprocess.run(
            [sys.executable, "-m", "torchplay", "users", "list"], env=env, capture_output=True, text=True, check=True
        )
        assert listed.stdout.split("\n")[:3] == ["alice", "bob", "dave"] and "tpu_" not in listed.stdout
        subprocess.run([sys.executable, "-m", "torchplay", "users", "revoke", "dave"], env=env, check=True)
        assert dave.get("/api/me").status_code == 401


def test_loopback_without_users_or_token_stays_zero_setup(server: Server) -> None:
    with server.client() as client:
        assert client.get("/api/me").json() == {"name": "admin", "admin": True, "anonymous": False, "shared_jobs": []}


# --- ownership -----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), JOB_OPERATIONS, ids=[f"{m} {p}" for m, p in JOB_OPERATIONS])
def test_another_users_job_is_a_404_on_every_route(
    classroom: People, alices_job: dict[str, Any], method: str, path: str
) -> None:
    job_id, share_id = alices_job["job"]["id"], alices_job["share"]["id"]
    with classroom.client("bob") as bob:
        theirs = _call(bob, method, path, job_id, share_id)
        missing = _call(bob, method, path, NO_SUCH_JOB, share_id)
    assert theirs.status_code == 404, (method, path, theirs.status_code, theirs.text)
    assert missing.status_code == 404
    # Not even the wording tells Bob that the job exists.
    assert theirs.json() == {"detail": f"no job {job_id!r}"}
    assert missing.json() == {"detail": f"no job {NO_SUCH_JOB!r}"}
    for owner in ("alice", "admin"):
        with classroom.client(owner) as client:
            if method == "DELETE":
                continue  # deleting is checked once, below, on a job of its own
            mine = _call(client, method, path, job_id, share_id)
            assert mine.status_code not in (401, 403, 404) or path.endswith("/shares/{share_id}"), (
                owner,
                method,
                path,
                mine.status_code,
                mine.text,
            )


def test_another_users_stream_is_no_job_and_lists_hold_only_ones_own(
    classroom: People, alices_job: dict[str, Any]
) -> None:
    job_id = alices_job["job"]["id"]
    url = f"ws://127.0.0.1:{classroom.server.port}/api/jobs/{job_id}/stream"
    with (
        connect(f"{url}?token={classroom.tokens['bob']}", open_timeout=10) as ws,
        pytest.raises(ConnectionClosed) as closed,
    ):
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404
    assert closed.value.rcvd.reason == f"no job {job_id!r}"
    with connect(f"{url}?token={classroom.tokens['alice']}", open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=30))[0]["job_id"] == job_id

    with classroom.client("bob") as bob, classroom.client("admin") as admin, classroom.client("alice") as alice:
        bobs = bob.post("/api/jobs", json=spiral_job(epochs=2)).json()
        assert bobs["owner"] == "bob"
        assert job_id not in {j["id"] for j in bob.get("/api/jobs").json()}
        assert {j["owner"] for j in bob.get("/api/jobs").json()} == {"bob"}
        assert {job_id, bobs["id"]} <= {j["id"] for j in admin.get("/api/jobs").json()}
        assert bobs["id"] not in {j["id"] for j in alice.get("/api/jobs").json()}
        # Delete: Bob's try is a 404 and changes nothing; the admin may.
        assert alice.delete(f"/api/jobs/{bobs['id']}").status_code == 404
        assert bob.get(f"/api/jobs/{bobs['id']}").status_code == 200
        assert admin.delete(f"/api/jobs/{bobs['id']}").status_code == 204


def test_sweeps_belong_to_their_creator_and_so_do_their_members(classroom: People) -> None:
    sweep = {"name": "lr", "base": spiral_job(epochs=2), "axes": {"optimizer.lr": [0.01, 0.02]}}
    with classroom.client("alice") as alice, classroom.client("bob") as bob:
        made = alice.post("/api/sweeps", json=sweep)
        assert made.status_code == 201, made.text
        created = made.json()
        assert alice.get(f"/api/sweeps/{created['id']}").json()["owner"] == "alice"
        for member in created["members"]:
            assert alice.get(f"/api/jobs/{member}").json()["owner"] == "alice"
            assert bob.get(f"/api/jobs/{member}").status_code == 404
        for method, suffix in (("GET", ""), ("POST", "/stop"), ("DELETE", "")):
            refused = bob.request(method, f"/api/sweeps/{created['id']}{suffix}")
            assert refused.status_code == 404, (method, suffix, refused.text)
        assert created["id"] not in {s["id"] for s in bob.get("/api/sweeps").json()}
        assert alice.delete(f"/api/sweeps/{created['id']}").status_code == 204
