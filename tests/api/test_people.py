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
from dataclasses import replace
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
        _wait(classroom, "alice", job["id"], ("completed",))
        share = alice.post(f"/api/jobs/{job['id']}/shares", json={}).json()
    return {"job": job, "share": share}


def _wait(people: People, name: str, job_id: str, statuses: tuple[str, ...]) -> dict[str, Any]:
    return replace(people.server, token=people.tokens[name]).wait_status(job_id, statuses, timeout=180)


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
        job = dave.post("/api/jobs", json=spiral_job(epochs=100000)).json()
        url = f"ws://127.0.0.1:{server.port}/api/jobs/{job['id']}/stream?token={token}"
        with connect(url, open_timeout=10) as ws:
            ws.recv(timeout=60)
            subprocess.run([sys.executable, "-m", "torchplay", "users", "revoke", "dave"], env=env, check=True)
            revoked_at = time.monotonic()
            assert dave.get("/api/me").status_code == 401  # at once
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        assert time.monotonic() - revoked_at < 4.0  # the stream, within USER_CHECK_S
    with classroom.client("admin") as admin:
        assert admin.post(f"/api/jobs/{job['id']}/stop").status_code == 202


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


# --- share links -----------------------------------------------------------------------------


def test_a_share_link_reads_its_job_and_refuses_every_control(classroom: People, alices_job: dict[str, Any]) -> None:
    job_id, share = alices_job["job"]["id"], alices_job["share"]
    assert share["url"] == f"/?token={share['token']}#job={job_id}" and not share["allow_weights"]
    with http(classroom.server, share["token"]) as viewer:
        assert viewer.get("/api/me").json() == {
            "name": None,
            "admin": False,
            "anonymous": True,
            "shared_jobs": [job_id],
        }
        assert viewer.get(f"/api/jobs/{job_id}").json()["id"] == job_id
        assert [m["epoch"] for m in viewer.get(f"/api/jobs/{job_id}/metrics").json()] == [1, 2, 3]
        assert [j["id"] for j in viewer.get("/api/jobs").json()] == [job_id]
        reads = {("GET", "/api/jobs/{job_id}"), ("GET", "/api/jobs/{job_id}/metrics")}
        for method, path in JOB_OPERATIONS:
            answer = _call(viewer, method, path, job_id, share["id"])
            if (method, path) in reads:
                continue
            if method != "GET" or path.endswith(("/export", "/shares", "/one-step")):
                assert answer.status_code in (403, 404), (method, path, answer.status_code, answer.text)
        assert viewer.post("/api/jobs", json=spiral_job(epochs=1)).status_code == 403
        assert viewer.post(f"/api/jobs/{job_id}/fork", json={"epoch": 1}).status_code == 403  # no account
        # Another job is not opened by this link.
        with classroom.client("alice") as alice:
            other = alice.post("/api/jobs", json=spiral_job(epochs=1)).json()
        assert viewer.get(f"/api/jobs/{other['id']}").status_code == 404
    events = Server(classroom.server.proc, classroom.server.port, classroom.server.data_dir, share["token"]).stream(
        job_id
    )
    assert events[-1]["type"] == "done"


def test_weights_only_with_allow_weights_and_an_expired_link_is_out(
    classroom: People, alices_job: dict[str, Any]
) -> None:
    job_id = alices_job["job"]["id"]
    with classroom.client("alice") as alice:
        weights = alice.post(f"/api/jobs/{job_id}/shares", json={"allow_weights": True}).json()
        brief = alice.post(f"/api/jobs/{job_id}/shares", json={"expires_in_s": 1.5}).json()
        assert alice.post(f"/api/jobs/{job_id}/shares", json={"expires_in_s": -1}).status_code == 422
        assert {s["id"] for s in alice.get(f"/api/jobs/{job_id}/shares").json()} >= {weights["id"], brief["id"]}
    with http(classroom.server, weights["token"]) as viewer:
        assert viewer.get(f"/api/jobs/{job_id}/export", params={"format": "state_dict"}).status_code == 200
    with http(classroom.server, alices_job["share"]["token"]) as viewer:
        refused = viewer.get(f"/api/jobs/{job_id}/export", params={"format": "state_dict"})
        assert refused.status_code == 403 and "allow_weights" in refused.text
    with http(classroom.server, brief["token"]) as viewer:
        assert viewer.get(f"/api/jobs/{job_id}").status_code == 200
        time.sleep(1.6)
        assert viewer.get(f"/api/jobs/{job_id}").status_code == 401
    forged = weights["token"][:-2] + ("AA" if not weights["token"].endswith("AA") else "BB")
    with http(classroom.server, forged) as viewer:
        assert viewer.get(f"/api/jobs/{job_id}").status_code == 401


def test_a_revoked_link_stops_at_once_even_mid_stream(classroom: People) -> None:
    with classroom.client("alice") as alice:
        job = alice.post("/api/jobs", json=spiral_job(epochs=2000, snapshot_every=50)).json()
        share = alice.post(f"/api/jobs/{job['id']}/shares", json={}).json()
        url = f"ws://127.0.0.1:{classroom.server.port}/api/jobs/{job['id']}/stream?token={share['token']}"
        with connect(url, open_timeout=10) as ws:
            seen = 0
            while seen < 3:  # frames flow: the job trains and the viewer watches
                seen += sum(e["type"] == "epoch" for e in json.loads(ws.recv(timeout=60)))
            revoked_at = time.monotonic()
            assert alice.delete(f"/api/jobs/{job['id']}/shares/{share['id']}").status_code == 204
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=10)
            took = time.monotonic() - revoked_at
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403, closed.value
        assert took < 2.0, took
        with http(classroom.server, share["token"]) as viewer:
            assert viewer.get(f"/api/jobs/{job['id']}").status_code == 401
        assert alice.get(f"/api/jobs/{job['id']}/shares").json() == []
        assert alice.delete(f"/api/jobs/{job['id']}").status_code == 204


# --- forks ----------------------------------------------------------------------------------------


def test_a_fork_resumes_from_the_chosen_checkpoint_and_continues_the_parents_metrics(classroom: People) -> None:
    parent_request = spiral_job(
        epochs=60, checkpoint_every=1, dataset={"name": "spiral", "params": {"samples": 3000}, "test_fraction": 0.2}
    )
    with classroom.client("alice") as alice:
        parent = alice.post("/api/jobs", json=parent_request).json()
        share = alice.post(f"/api/jobs/{parent['id']}/shares", json={}).json()
    _wait(classroom, "alice", parent["id"], ("completed",))
    # Bob sees it through the share link, and forks it as himself.
    with classroom.client("bob") as bob:
        bob.headers["X-Torchplay-Share"] = share["token"]
        checkpoints = bob.get(f"/api/jobs/{parent['id']}/checkpoints").json()
        assert checkpoints, "a 60-epoch job of a few seconds keeps checkpoints"
        epoch = checkpoints[0]
        assert 1 <= epoch < 60
        missing = next(e for e in range(1, 60) if e not in checkpoints)
        bad = bob.post(f"/api/jobs/{parent['id']}/fork", json={"epoch": missing})
        assert bad.status_code == 409 and "checkpoints:" in bad.text
        assert (
            bob.post(f"/api/jobs/{parent['id']}/fork", json={"epoch": epoch, "changes": {"model": {}}}).status_code
            == 422
        )
        too_short = bob.post(f"/api/jobs/{parent['id']}/fork", json={"epoch": epoch, "changes": {"epochs": epoch}})
        assert too_short.status_code == 422 and too_short.json()["detail"][0]["loc"] == ["body", "changes", "epochs"]
        made = bob.post(f"/api/jobs/{parent['id']}/fork", json={"epoch": epoch, "changes": {"name": "bob's copy"}})
        assert made.status_code == 201, made.text
        fork = made.json()
        assert fork["owner"] == "bob" and fork["forked_from"] == {"job": parent["id"], "epoch": epoch}
        assert fork["request"]["name"] == "bob's copy" and fork["request"]["epochs"] == 60
    fork_events = replace(classroom.server, token=classroom.tokens["bob"]).stream(fork["id"])
    with classroom.client("alice") as alice:
        theirs = {m["epoch"]: m for m in alice.get(f"/api/jobs/{parent['id']}/metrics").json()}
        assert alice.get(f"/api/jobs/{fork['id']}").status_code == 404  # Bob's now, not Alice's
    epochs = [e for e in fork_events if e["type"] == "epoch"]
    assert [e["epoch"] for e in epochs] == list(range(1, 61)), "the history continues the parent's"
    for e in epochs[:epoch]:  # the parent's own epochs, now the fork's
        assert e["job_id"] == fork["id"]
        assert (e["train_loss"], e["val_loss"], e["metrics"]) == (
            theirs[e["epoch"]]["train_loss"],
            theirs[e["epoch"]]["val_loss"],
            theirs[e["epoch"]]["metrics"],
        )
    status = next(e for e in fork_events if e["type"] == "status" and e["status"] == "running")
    assert status["resumed_from"] == epoch and parent["id"] in status["note"]
    assert status["note_zh"] == f"从任务 {parent['id']} 的第 {epoch} 轮分叉而来"
    # Its first epoch trained picks up where the checkpoint was: the parent's next epoch,
    # the same weights, optimizer state and RNG (so nearly the same loss), not a fresh start.
    first = epochs[epoch]
    assert first["train_loss"] == pytest.approx(theirs[epoch + 1]["train_loss"], rel=1e-3)
    assert first["train_loss"] < theirs[1]["train_loss"]
    assert fork_events[-1]["type"] == "done" and fork_events[-1]["status"] == "completed"

    # Changed settings: the optimizer's lr is the fork's own from its first epoch on.
    with classroom.client("alice") as alice:
        optimizer = {"type": "Adam", "lr": 0.0005}
        wrong = alice.post(
            f"/api/jobs/{parent['id']}/fork", json={"epoch": epoch, "changes": {"optimizer": {"type": "SGD"}}}
        )
        assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"][-1] == "type"
        slower = alice.post(
            f"/api/jobs/{parent['id']}/fork", json={"epoch": epoch, "changes": {"optimizer": optimizer}}
        )
        assert slower.status_code == 201, slower.text
    slow_events = replace(classroom.server, token=classroom.tokens["alice"]).stream(slower.json()["id"])
    assert [e["lr"] for e in slow_events if e["type"] == "epoch"][epoch] == 0.0005


def test_a_fork_without_an_epoch_takes_the_newest_checkpoint_of_a_running_job(classroom: People) -> None:
    # A fast job replaces its checkpoints many times a second: the newest is chosen as the
    # fork is made, so no fork finds its checkpoint pruned in between.
    with classroom.client("alice") as alice:
        parent = alice.post("/api/jobs", json=spiral_job(epochs=500_000, checkpoint_every=1)).json()
        _wait(classroom, "alice", parent["id"], ("running",))
        deadline = time.monotonic() + 120
        while not alice.get(f"/api/jobs/{parent['id']}/checkpoints").json():
            assert time.monotonic() < deadline, "no checkpoint yet"
            time.sleep(0.1)
        seen: list[int] = []
        while len(seen) < 3 or seen[-1] == seen[0]:  # checkpoints come at most once a second
            assert len(seen) < 40, seen
            time.sleep(0.25)
            made = alice.post(f"/api/jobs/{parent['id']}/fork", json={"changes": {"epochs": 1_000_000}})
            assert made.status_code == 201, made.text
            fork = made.json()
            assert fork["forked_from"]["job"] == parent["id"]
            seen.append(fork["forked_from"]["epoch"])
            assert alice.delete(f"/api/jobs/{fork['id']}").status_code == 204
        assert seen == sorted(seen) and seen[-1] > seen[0], f"each fork from the newest at the time: {seen}"
        too_short = alice.post(f"/api/jobs/{parent['id']}/fork", json={"changes": {"epochs": 2}})
        assert too_short.status_code == 422 and "epochs must be more than" in too_short.text, too_short.text
        assert alice.delete(f"/api/jobs/{parent['id']}").status_code == 204


# --- uploads ---------------------------------------------------------------------------------


def test_an_upload_is_listed_to_its_owner_and_to_whom_a_job_on_it_is_shared(classroom: People) -> None:
    table = b"a,b,label\n" + b"".join(b"%d,%d,%s\n" % (i, i % 7, b"yes" if i % 2 else b"no") for i in range(60))
    with classroom.client("alice") as alice, classroom.client("bob") as bob, classroom.client("admin") as admin:
        made = alice.post("/api/datasets", files={"file": ("grades.csv", table, "text/csv")}, data={"target": "label"})
        assert made.status_code == 201, made.text
        name = made.json()["name"]
        assert re.fullmatch(r"csv-[0-9a-f]{32}", name), "a name nobody guesses"

        def listed(client: httpx.Client) -> set[str]:
            return {row["name"] for row in client.get("/api/datasets").json()}

        assert name in listed(alice) and name in listed(admin)
        assert name not in listed(bob) and "spiral" in listed(bob), "Bob sees the built-in sets, not Alice's upload"
        wrong = bob.post("/api/jobs", json=spiral_job(dataset={"name": "csv-" + "0" * 32}))
        assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["dataset", "name"]
        assert name not in wrong.text, "an unknown name's message lists no one's uploads"

        layers = [{"type": "Linear", "out_features": 4}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]
        request = {"dataset": {"name": name}, "model": {"layers": layers}, "epochs": 2}
        job = alice.post("/api/jobs", json=request)
        assert job.status_code == 201, job.text
        share = alice.post(f"/api/jobs/{job.json()['id']}/shares", json={}).json()
        bob.headers["X-Torchplay-Share"] = share["token"]
        assert name in listed(bob), "a job shared with Bob brings the set it trains on"
        with http(classroom.server, share["token"]) as viewer:
            assert name in listed(viewer)
        assert alice.delete(f"/api/jobs/{job.json()['id']}").status_code == 204
        del bob.headers["X-Torchplay-Share"]
        assert name not in listed(bob)


# --- fair share ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_slot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[People]:
    env = {
        "TORCHPLAY_TOKEN": ADMIN_TOKEN,
        "TORCHPLAY_MAX_RUNNING_JOBS": "1",
        "TORCHPLAY_MAX_QUEUED_PER_USER": "3",
        "TORCHPLAY_WARM_WORKERS": "1",
    }
    server = start_server(tmp_path_factory.mktemp("one-slot"), env=env)
    try:
        yield People(server)
    finally:
        server.stop()


def test_per_user_queue_limit_is_a_429_naming_it_and_owners_take_turns(one_slot: People) -> None:
    with one_slot.client("alice") as alice, one_slot.client("bob") as bob:
        blocker = alice.post("/api/jobs", json=spiral_job(epochs=100000)).json()
        _wait(one_slot, "alice", blocker["id"], ("running",))
        queued = [alice.post("/api/jobs", json=spiral_job(epochs=2, name=f"a{n}")).json() for n in range(3)]
        over = alice.post("/api/jobs", json=spiral_job(epochs=2))
        assert over.status_code == 429 and "max_queued_per_user=3" in over.json()["detail"], over.text
        bobs = bob.post("/api/jobs", json=spiral_job(epochs=2, name="b0"))
        assert bobs.status_code == 201, "Bob's room is his own"
        waiting = alice.get(f"/api/jobs/{queued[0]['id']}").json()
        assert waiting["status"] == "queued" and "max_running_jobs=1" in waiting["queue_reason"]

        assert alice.post(f"/api/jobs/{blocker['id']}/stop").status_code == 202
        ids = [job["id"] for job in queued] + [bobs.json()["id"]]
        for job_id in ids:
            _wait(one_slot, "admin", job_id, ("completed",))
        with one_slot.client("admin") as admin:
            started = sorted(ids, key=lambda job_id: admin.get(f"/api/jobs/{job_id}").json()["started_at"])
        # Alice's job had the slot: Bob's turn is next, not after her three queued ones.
        assert started == [ids[3], ids[0], ids[1], ids[2]], started
