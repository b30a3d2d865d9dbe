"""Who may use a server: a public bind needs a token, and with one every route and the
WebSocket refuse anyone without it (real server processes, real clients)."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import Server, free_port, spiral_job, start_server

TOKEN = "correct-horse-battery-staple-42"


def _env_without_token(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TORCHPLAY_TOKEN"}
    return {**env, "TORCHPLAY_DATA_DIR": str(data_dir)}


def test_public_bind_without_token_does_not_start(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "torchplay", "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        env=_env_without_token(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "TORCHPLAY_TOKEN" in done.stderr and "--insecure-no-auth" in done.stderr


def test_insecure_no_auth_starts_a_public_bind(tmp_path: Path) -> None:
    server = start_server(tmp_path, args=["--host", "0.0.0.0", "--insecure-no-auth"])
    try:
        assert httpx.get(f"{server.url}/api/health", timeout=10).json() == {"status": "ok"}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("guarded"), env={"TORCHPLAY_TOKEN": TOKEN})
    yield server
    server.stop()


def _operations(server: Server) -> list[tuple[str, str]]:
    spec = httpx.get(f"{server.url}/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).json()
    found = []
    for path, methods in spec["paths"].items():
        concrete = re.sub(r"\{name\}", "spiral", re.sub(r"\{job_id\}", "abcdef", path))
        found += [(method.upper(), concrete) for method in methods]
    return found


def test_every_route_refuses_a_missing_or_wrong_token(guarded: Server) -> None:
    operations = _operations(guarded)
    methods = {method for method, _ in operations}
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods and len(operations) >= 15
    wrong = TOKEN[:-1] + "x"
    with httpx.Client(base_url=guarded.url, timeout=30) as http:
        for method, path in [*operations, ("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/api/nowhere")]:
            # Each route gets a body of the type it reads (the upload: a form), so only the token decides.
            upload = (method, path) == ("POST", "/api/datasets")
            body: dict[str, Any] = {"files": {"file": ("t.csv", b"a,b\n1,2\n")}} if upload else {"json": {}}

            def call(headers: dict[str, str] | None = None, params: dict[str, str] | None = None) -> httpx.Response:
                return http.request(method, path, headers=headers, params=params, **body)  # noqa: B023

            attempts = {
                "no token": call(),
                "wrong bearer": call(headers={"Authorization": f"Bearer {wrong}"}),
                "wrong ?token": call(params={"token": wrong}),
                "bare bearer": call(headers={"Authorization": "Bearer"}),
                "basic": call(headers={"Authorization": f"Basic {TOKEN}"}),
            }
            for how, answer in attempts.items():
                assert answer.status_code == 401, (method, path, how, answer.status_code)
                assert "token" in answer.json()["detail"]
            for how, answer in {
                "bearer": call(headers={"Authorization": f"Bearer {TOKEN}"}),
                "?token": call(params={"token": TOKEN}),
            }.items():
                assert answer.status_code != 401, (method, path, how)
                assert answer.status_code < 500, (method, path, how, answer.text)
    # The page itself loads without a token: it has to be able to ask for one.
    assert httpx.get(f"{guarded.url}/", timeout=10).status_code in (200, 404)


def test_websocket_needs_the_token_and_the_same_origin(guarded: Server) -> None:
    with guarded.client() as client:
        job = client.post("/api/jobs", json=spiral_job(epochs=3)).json()
    base = f"ws://127.0.0.1:{guarded.port}/api/jobs/{job['id']}/stream"
    for url, headers in [
        (base, {}),
        (f"{base}?token=wrong", {}),
        (base, {"Authorization": "Bearer wrong"}),
        (f"{base}?token={TOKEN}", {"Origin": "http://evil.example"}),
        (f"{base}?token={TOKEN}", {"Origin": f"http://localhost.evil.example:{guarded.port}"}),
    ]:
        with pytest.raises(InvalidStatus) as refused:
            connect(url, additional_headers=headers, open_timeout=10).close()
        assert refused.value.response.status_code == 403, (url, headers)

    for offered in (["torchplay", _bearer_protocol("wrong")], ["torchplay", "bearer.%%%"], ["torchplay"]):
        with pytest.raises(InvalidStatus) as refused:
            connect(base, subprotocols=offered, open_timeout=10).close()  # type: ignore[arg-type]
        assert refused.value.response.status_code == 403, offered

    assert guarded.stream(job["id"])[-1]["type"] == "done"  # ?token= (scripts)
    same_origin = {"Authorization": f"Bearer {TOKEN}", "Origin": f"http://127.0.0.1:{guarded.port}"}
    with connect(base, additional_headers=same_origin, open_timeout=10) as ws:
        assert ws.recv(timeout=30).startswith("[")
    # What the page does: the token as a subprotocol, the URL bare; the server picks "torchplay".
    offered = ["torchplay", _bearer_protocol(TOKEN)]
    origin = f"http://127.0.0.1:{guarded.port}"
    with connect(base, subprotocols=offered, origin=origin, open_timeout=10) as ws:  # type: ignore[arg-type]
        assert ws.subprotocol == "torchplay"
        assert ws.recv(timeout=30).startswith("[")


def _bearer_protocol(token: str) -> str:
    return "bearer." + base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")
