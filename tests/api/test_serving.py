"""What one connection may claim from a real `torchplay serve`: header bytes, a seat among
max_connections, a WebSocket cursor that SQLite can hold."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import psutil
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import Server, spiral_job, start_server

HALF_OPEN = 300


@pytest.fixture(scope="module")
def serving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("serving"))
    yield server
    server.stop()


def test_half_open_connections_do_not_stop_health(serving: Server) -> None:
    # A new connection per request: the server must still accept and answer newcomers.
    fresh = httpx.Client(base_url=serving.url, timeout=10, limits=httpx.Limits(max_keepalive_connections=0))
    half_open = []
    try:
        for _ in range(HALF_OPEN):  # connected, the request line and half a header sent, never finished
            sock = socket.create_connection(("127.0.0.1", serving.port), timeout=10)
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Unfinished: aaa")
            half_open.append(sock)
        took = []
        for _ in range(5):
            started = time.perf_counter()
            answer = fresh.get("/api/health")
            took.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
        print(f"\n/api/health with {HALF_OPEN} half-open connections: {', '.join(f'{t * 1000:.0f}' for t in took)} ms")
        assert max(took) < 1.0
    finally:
        fresh.close()
        for sock in half_open:
            sock.close()


def test_endless_header_is_refused_with_bounded_memory(serving: Server) -> None:
    process = psutil.Process(serving.proc.pid)
    before = process.memory_info().rss
    sock = socket.create_connection(("127.0.0.1", serving.port), timeout=10)
    sent = 0
    try:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ")
        chunk = b"a" * 2**20
        with pytest.raises(OSError):  # the server answers and closes long before 200 MB
            for _ in range(200):
                sock.sendall(chunk)
                sent += len(chunk)
        answer = sock.recv(200)
    finally:
        sock.close()
    grown = process.memory_info().rss - before
    print(f"\nendless header: refused after {sent / 2**20:.0f} MiB sent, server RSS +{grown / 2**20:.1f} MiB")
    assert answer.startswith(b"HTTP/1.1 400"), answer
    assert grown < 50 * 2**20


@pytest.mark.parametrize("since", [str(2**63), "-" + "9" * 30, "ten", "1e3"])
def test_out_of_range_since_closes_with_a_reason(serving: Server, since: str) -> None:
    with serving.client() as client:
        job = client.post("/api/jobs", json=spiral_job(epochs=2)).json()
    url = serving.ws_url(job["id"]).replace("since=0", f"since={since}")
    with connect(url, open_timeout=10) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert "since" in closed.value.rcvd.reason
