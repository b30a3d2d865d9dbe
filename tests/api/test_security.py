"""What a browser may ask of a real server: foreign Host names (DNS rebinding), foreign
Origins and cross-site requests, and the body types; the headers on every answer.

Raw clients that set Host and Origin themselves, against a real `torchplay serve`."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import Server, spiral_job, start_server
from torchplay.api.security import BrowserPolicy
from torchplay.settings import Settings

PROXY = "proxy.example"  # TORCHPLAY_ALLOWED_HOSTS: any port
PINNED = "pinned.example:9443"  # only this port
PROXY_ORIGIN = "https://app.example"  # TORCHPLAY_ALLOWED_ORIGINS
CSV = b"a,b,label\n" + b"".join(f"{i},{i % 7},{'yes' if i % 2 else 'no'}\n".encode() for i in range(40))


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"TORCHPLAY_ALLOWED_HOSTS": f"{PROXY}, {PINNED}", "TORCHPLAY_ALLOWED_ORIGINS": PROXY_ORIGIN}
    server = start_server(tmp_path_factory.mktemp("edge"), env=env)
    yield server
    server.stop()


@pytest.fixture
def http(edge: Server) -> Iterator[httpx.Client]:
    with edge.client() as client:
        yield client


def _own_origin(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}"


def test_a_foreign_host_is_refused_everywhere(edge: Server, http: httpx.Client) -> None:
    for path in ("/", "/api/jobs", "/api/system", "/vendor/plotly.min.js", "/docs", "/api/nowhere"):
        for host in ("evil.example", f"evil.example:{edge.port}", f"localhost.evil.example:{edge.port}", "", "a:b:c"):
            answer = http.get(path, headers={"Host": host})
            assert answer.status_code == 400, (path, host, answer.status_code)
            assert "TORCHPLAY_ALLOWED_HOSTS" in answer.json()["detail"], (path, host)
            if host:
                assert repr(host) in answer.json()["detail"]
    # Nothing behind the check ran: a job post with a foreign Host creates nothing.
    before = len(http.get("/api/jobs").json())
    assert http.post("/api/jobs", json=spiral_job(epochs=1), headers={"Host": "evil.example"}).status_code == 400
    assert len(http.get("/api/jobs").json()) == before


def test_loopback_bound_and_listed_hosts_are_served(edge: Server, http: httpx.Client) -> None:
    port = edge.port
    served = [f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", f"LocalHost:{port}", "localhost", PROXY]
    served += [f"{PROXY}:8443", PINNED]
    for host in served:
        for path in ("/", "/api/jobs", "/api/system"):
            answer = http.get(path, headers={"Host": host})
            assert answer.status_code == 200, (path, host, answer.text)
    assert http.get("/api/system", headers={"Host": "pinned.example:9444"}).status_code == 400
    assert http.get("/api/system", headers={"Host": "pinned.example"}).status_code == 400


def _raw_ws(server: Server, job_id: str, host: str, origin: str | None) -> Any:
    """A WebSocket to the server whose handshake names `host` (the URL's) and `origin`."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    url = f"ws://{host}/api/jobs/{job_id}/stream"
    return connect(url, sock=sock, origin=origin, open_timeout=10)  # type: ignore[arg-type]


def test_a_websocket_from_a_rebound_name_is_refused(edge: Server, http: httpx.Client) -> None:
    job = http.post("/api/jobs", json=spiral_job(epochs=2)).json()
    for host, origin in [
        ("evil.example", "http://evil.example"),  # DNS rebinding: same-origin with itself
        (f"evil.example:{edge.port}", f"http://evil.example:{edge.port}"),
        (f"127.0.0.1:{edge.port}", "http://evil.example"),
        (f"127.0.0.1:{edge.port}", "null"),
        (f"127.0.0.1:{edge.port}", f"http://localhost:{edge.port}"),  # another name: another origin
    ]:
        with pytest.raises(InvalidStatus) as refused:
            _raw_ws(edge, job["id"], host, origin).close()
        assert refused.value.response.status_code == 403, (host, origin)
    for host, origin in [
        (f"127.0.0.1:{edge.port}", _own_origin(edge)),
        (f"localhost:{edge.port}", f"http://localhost:{edge.port}"),
        (f"{PROXY}:{edge.port}", PROXY_ORIGIN),
        (f"127.0.0.1:{edge.port}", None),  # scripts send no Origin
    ]:
        with _raw_ws(edge, job["id"], host, origin) as ws:
            assert ws.recv(timeout=30).startswith("["), (host, origin)


@pytest.fixture
def running_job(edge: Server, http: httpx.Client) -> Iterator[str]:
    job = http.post("/api/jobs", json=spiral_job(epochs=100_000)).json()
    edge.wait_status(job["id"], ("running",))
    yield job["id"]
    http.delete(f"/api/jobs/{job['id']}")


def _form_stop(http: httpx.Client, job_id: str, headers: dict[str, str]) -> httpx.Response:
    """What `<form method=post enctype=text/plain>` sends: no preflight, an empty body."""
    return http.post(f"/api/jobs/{job_id}/stop", content=b"", headers={"Content-Type": "text/plain", **headers})


def test_a_cross_site_stop_changes_nothing(edge: Server, http: httpx.Client, running_job: str) -> None:
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": f"http://localhost.evil.example:{edge.port}"},
        {"Origin": "null"},
        {"Origin": _own_origin(edge), "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        for call in ("stop", "pause"):
            answer = http.post(f"/api/jobs/{running_job}/{call}", headers={"Content-Type": "text/plain", **headers})
            assert answer.status_code == 403, (call, headers, answer.text)
            assert "refused" in answer.json()["detail"]
        assert http.delete(f"/api/jobs/{running_job}", headers=headers).status_code == 403
    time.sleep(1.0)  # a stop that got through would have landed by now
    assert http.get(f"/api/jobs/{running_job}").json()["status"] == "running"


@pytest.mark.parametrize("headers", [{"Origin": "page"}, {"Origin": PROXY_ORIGIN}, {}], ids=["own", "listed", "none"])
def test_the_pages_own_and_originless_stops_work(
    edge: Server, http: httpx.Client, running_job: str, headers: dict[str, str]
) -> None:
    if headers.get("Origin") == "page":
        headers = {"Origin": _own_origin(edge), "Sec-Fetch-Site": "same-origin"}
    assert _form_stop(http, running_job, headers).status_code == 202
    assert edge.wait_status(running_job, ("stopped",))["status"] == "stopped"


def _dataset_names(http: httpx.Client) -> set[str]:
    return {row["name"] for row in http.get("/api/datasets").json()}


def _upload(http: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    files = {"file": ("rows.csv", CSV, "text/csv")}
    return http.post("/api/datasets", files=files, data={"target": "label"}, headers=headers)


def test_a_cross_site_upload_stores_nothing(edge: Server, http: httpx.Client) -> None:
    folder = edge.data_dir / "datasets" / "uploads"
    before, stored = _dataset_names(http), sorted(folder.glob("*")) if folder.exists() else []
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        answer = _upload(http, headers)
        assert answer.status_code == 403, (headers, answer.text)
    assert _dataset_names(http) == before
    assert (sorted(folder.glob("*")) if folder.exists() else []) == stored

    for headers in ({"Origin": _own_origin(edge)}, {}):
        answer = _upload(http, headers)
        assert answer.status_code == 201, (headers, answer.text)
        assert answer.json()["name"] in _dataset_names(http)


def test_a_body_must_be_of_the_type_the_route_reads(edge: Server, http: httpx.Client) -> None:
    before = len(http.get("/api/jobs").json())
    body = json.dumps(spiral_job(epochs=1)).encode()  # valid JSON, sent as something else
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
        answer = http.post("/api/jobs", content=body, headers={"Content-Type": content_type})
        assert answer.status_code == 415, (content_type, answer.status_code)
        assert "application/json" in answer.json()["detail"]
    assert len(http.get("/api/jobs").json()) == before
    assert (
        http.patch("/api/jobs/abcdef", content=b'{"lr": 0.1}', headers={"Content-Type": "text/plain"}).status_code
        == 415
    )
    validate = {"model": {"layers": [{"type": "Linear", "out_features": 2}]}, "input_shape": [2]}
    assert http.post("/api/models/validate", data={"x": "1"}).status_code == 415
    # The upload is the one form route; JSON there is the wrong type.
    answer = http.post("/api/datasets", json={"file": "a,b\n1,2\n", "target": "b"})
    assert answer.status_code == 415 and "multipart/form-data" in answer.json()["detail"]
    # The right types still pass, parameters and case aside.
    answer = http.post(
        "/api/models/validate",
        content=json.dumps(validate).encode(),
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
    )
    assert answer.status_code == 200, answer.text


def test_every_answer_carries_the_security_headers(edge: Server, http: httpx.Client) -> None:
    answers = {
        "page": http.get("/"),
        "script": http.get("/js/app.js"),
        "api": http.get("/api/system"),
        "404": http.get("/api/nowhere"),
        "422": http.post("/api/jobs", json={}),
        "refused host": http.get("/", headers={"Host": "evil.example"}),
        "refused origin": http.post("/api/jobs", json={}, headers={"Origin": "http://evil.example"}),
    }
    for what, answer in answers.items():
        assert answer.headers["x-content-type-options"] == "nosniff", what
        assert answer.headers["referrer-policy"] == "no-referrer", what
        policy = dict(
            directive.strip().split(" ", 1) for directive in answer.headers["content-security-policy"].split(";")
        )
        assert policy["script-src"] == "'self'", what  # no inline scripts, no eval, no CDN
        assert policy["frame-ancestors"] == "'none'", what
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'", what
    docs = http.get("/docs").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs and "object-src 'none'" in docs


def test_the_bound_host_is_allowed_and_a_wildcard_bind_is_not_a_name() -> None:
    token = "t" * 16
    bound = BrowserPolicy.from_settings(Settings(host="192.0.2.7", token=token))
    assert bound.allows_host("192.0.2.7:8000") and bound.allows_host("192.0.2.7")
    assert not bound.allows_host("192.0.2.8:8000")
    v6 = BrowserPolicy.from_settings(Settings(host="2001:db8::7", token=token))
    assert v6.allows_host("[2001:db8::7]:8000") and not v6.allows_host("[2001:db8::8]:8000")
    for wildcard in ("0.0.0.0", "::"):
        everywhere = BrowserPolicy.from_settings(Settings(host=wildcard, token=token))
        assert not everywhere.allows_host(f"{wildcard}:8000") and not everywhere.allows_host("[::]:8000")
        assert everywhere.allows_host("localhost:8000") and not everywhere.allows_host("evil.example")
    anything = BrowserPolicy.from_settings(Settings(host="0.0.0.0", token=token, allowed_hosts="*"))
    assert anything.allows_host("any.example:1")
    assert not anything.allows_origin("http://evil.example", "any.example:1")  # Origin is still checked
