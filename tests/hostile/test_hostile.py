"""A corpus of hostile requests against a real server: each gets a 4xx whose message
names the problem, and afterwards the server still answers and still trains."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import PeakRss, Server, spiral_job, start_server

MAX_SAMPLES = 10_000  # small, so the row-count bomb is a small file
A_JOB = "{job}"  # stands for a real job of the caller's: one that is not there is a 404 before its body is read


@dataclass
class Hostile:
    id: str
    method: str
    path: str
    json: Any = None
    content: bytes | None = None
    files: dict[str, Any] | None = None
    data: dict[str, str] | None = None
    params: dict[str, str] | None = None
    statuses: tuple[int, ...] = (422,)
    names: tuple[str, ...] = ()  # words the error message must contain (lower case)
    headers: dict[str, str] = field(default_factory=dict)


def job(**overrides: Any) -> dict[str, Any]:
    return spiral_job(**{"epochs": 2, **overrides})


def layers(*specs: dict[str, Any]) -> dict[str, Any]:
    return job(model={"layers": list(specs)})


def raw_job(text_for_lr: str) -> bytes:
    """A job whose lr is a bare JSON token (NaN / Infinity are not JSON, Python reads them)."""
    body = json.dumps(job(optimizer={"type": "SGD", "lr": 12345.5}))
    return body.replace("12345.5", text_for_lr).encode()


def nested_residual(depth: int) -> bytes:
    """Residual inside Residual, `depth` deep (built as text: json.dumps would recurse)."""
    head, tail = json.dumps(job()).split('"model": ', 1)
    tail = tail.split(', "optimizer"', 1)[1]
    model = '{"layers": [' + '{"type": "Residual", "layers": [' * depth + '{"type": "Linear", "out_features": 2}'
    model += "]}" * depth + "]}"
    return (head + '"model": ' + model + ', "optimizer"' + tail).encode()


def csv_upload(content: bytes, target: str = "y", filename: str = "bomb.csv") -> dict[str, Any]:
    return {"files": {"file": (filename, content, "text/csv")}, "data": {"target": target}}


LINEAR = {"type": "Linear", "out_features": 2}
JSON = {"content-type": "application/json"}

CORPUS: list[Hostile] = [
    Hostile("unknown-layer", "POST", "/api/jobs", layers({"type": "Quantum", "qubits": 3}), names=("quantum",)),
    Hostile("layer-python-path", "POST", "/api/jobs", layers({"type": "os.system"}), names=("os.system",)),
    Hostile(
        "1e12-parameters",
        "POST",
        "/api/jobs",
        layers({"type": "Linear", "out_features": 1_000_000}, {"type": "Linear", "out_features": 1_000_000}),
        names=("max_params",),
    ),
    Hostile("lr-nan-literal", "POST", "/api/jobs", content=raw_job("NaN"), headers=JSON, names=("lr", "finite")),
    Hostile("lr-inf-literal", "POST", "/api/jobs", content=raw_job("Infinity"), headers=JSON, names=("lr",)),
    Hostile("lr-minus-inf", "POST", "/api/jobs", content=raw_job("-Infinity"), headers=JSON, names=("lr",)),
    Hostile("lr-huge-exponent", "POST", "/api/jobs", content=raw_job("1e999"), headers=JSON, names=("lr",)),
    Hostile("lr-negative", "POST", "/api/jobs", job(optimizer={"type": "SGD", "lr": -0.1}), names=("lr", "greater")),
    Hostile("lr-zero", "POST", "/api/jobs", job(optimizer={"type": "Adam", "lr": 0}), names=("lr",)),
    Hostile("lr-string", "POST", "/api/jobs", job(optimizer={"type": "Adam", "lr": "0.1"}), names=("lr",)),
    Hostile("optimizer-unknown", "POST", "/api/jobs", job(optimizer={"type": "eval", "lr": 0.1}), names=("optimizer",)),
    Hostile("loss-unknown", "POST", "/api/jobs", job(loss="__import__"), names=("loss",)),
    Hostile("10000-layers", "POST", "/api/jobs", layers(*[{"type": "ReLU"}] * 10_000, LINEAR), names=("max_layers",)),
    Hostile(
        "10000-nested-residuals",
        "POST",
        "/api/jobs",
        content=nested_residual(10_000),
        headers=JSON,
        names=("max_json_depth",),
    ),
    # Shallow enough for Python's parser, deep enough for pydantic's serialiser to give up.
    Hostile(
        "200-nested-residuals",
        "POST",
        "/api/models/validate",
        content=nested_residual(200),
        headers=JSON,
        names=("max_json_depth",),
    ),
    Hostile(
        "10000-nested-arrays",
        "POST",
        "/api/jobs",
        content=b"[" * 10_000 + b"]" * 10_000,
        headers=JSON,
        names=("max_json_depth",),
    ),
    Hostile(
        "100000-nested-objects",
        "POST",
        "/api/models/validate",
        content=b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        headers=JSON,
        names=("max_json_depth",),
    ),
    Hostile(
        "20MB-body",
        "POST",
        "/api/jobs",
        content=b'{"name": "' + b"x" * 20_000_000 + b'"}',
        headers=JSON,
        statuses=(413,),
        names=("max_body_bytes",),
    ),
    Hostile("body-not-json", "POST", "/api/jobs", content=b"{'model': ", headers=JSON, statuses=(400, 422)),
    Hostile(
        "body-invalid-utf8", "POST", "/api/jobs", content=b'{"name": "\xff\xfe"}', headers=JSON, statuses=(400, 422)
    ),
    Hostile("body-is-array", "POST", "/api/jobs", [job()], names=("object",)),
    Hostile("body-is-string", "POST", "/api/jobs", "train please"),
    Hostile("body-empty-object", "POST", "/api/jobs", {}, names=("dataset", "model")),
    Hostile(
        "dataset-path-traversal",
        "POST",
        "/api/jobs",
        job(dataset={"name": "../../etc/passwd"}),
        names=("dataset", "../../etc/passwd"),
    ),
    Hostile("dataset-null-byte", "POST", "/api/jobs", job(dataset={"name": "spiral\x00.csv"}), names=("dataset",)),
    Hostile("layer-type-null-byte", "POST", "/api/jobs", layers({"type": "Linear\x00", "out_features": 2})),
    Hostile(
        "preview-path-traversal",
        "GET",
        "/api/datasets/..%2F..%2Fetc%2Fpasswd/preview",
        statuses=(404, 422),
        names=("passwd",),
    ),
    Hostile("preview-null-byte", "GET", "/api/datasets/spiral%00/preview", statuses=(404, 422), names=("spiral",)),
    Hostile(
        "preview-params-not-json",
        "GET",
        "/api/datasets/spiral/preview",
        params={"params": "{samples:"},
        names=("json",),
    ),
    Hostile(
        "preview-params-3000-deep",
        "GET",
        "/api/datasets/spiral/preview",
        params={"params": '{"samples": ' + "[" * 3000 + "]" * 3000 + "}"},
        names=("max_json_depth", "params"),
    ),
    Hostile(
        "preview-samples-string",
        "GET",
        "/api/datasets/spiral/preview",
        params={"params": '{"samples": "100"}'},
        names=("samples", "integer"),
    ),
    Hostile(
        "preview-1e12-samples",
        "GET",
        "/api/datasets/spiral/preview",
        params={"params": '{"samples": 1000000000000}'},
        names=("samples",),
    ),
    Hostile("job-id-traversal", "GET", "/api/jobs/..%2F..%2Fetc%2Fpasswd", statuses=(404,), names=("passwd",)),
    Hostile("epochs-string", "POST", "/api/jobs", job(epochs="ten"), names=("epochs",)),
    Hostile("epochs-10e30", "POST", "/api/jobs", job(epochs=10**30), names=("epochs",)),
    Hostile("epochs-float", "POST", "/api/jobs", job(epochs=2.5), names=("epochs",)),
    Hostile("batch-negative", "POST", "/api/jobs", job(batch_size=-1), names=("batch_size",)),
    Hostile("batch-1e9", "POST", "/api/jobs", job(batch_size=10**9), names=("max_batch_size",)),
    Hostile(
        "samples-1e12",
        "POST",
        "/api/jobs",
        job(dataset={"name": "spiral", "params": {"samples": 10**12}}),
        names=("samples",),
    ),
    Hostile(
        "samples-true",
        "POST",
        "/api/jobs",
        job(dataset={"name": "spiral", "params": {"samples": True}}),
        names=("samples", "integer"),
    ),
    Hostile(
        "samples-negative",
        "POST",
        "/api/jobs",
        job(dataset={"name": "spiral", "params": {"samples": -5}}),
        names=("samples",),
    ),
    Hostile(
        "test-fraction-5",
        "POST",
        "/api/jobs",
        job(dataset={"name": "spiral", "test_fraction": 5}),
        names=("test_fraction",),
    ),
    Hostile("model-is-list", "POST", "/api/jobs", job(model=[LINEAR]), names=("model",)),
    Hostile("layers-is-string", "POST", "/api/jobs", job(model={"layers": "Linear"}), names=("layers",)),
    Hostile(
        "out-features-zero", "POST", "/api/jobs", layers({"type": "Linear", "out_features": 0}), names=("out_features",)
    ),
    Hostile(
        "wrong-in-features",
        "POST",
        "/api/jobs",
        layers({"type": "Linear", "in_features": 7, "out_features": 2}),
        names=("in_features",),
    ),
    Hostile(
        "conv-on-points",
        "POST",
        "/api/jobs",
        layers({"type": "Conv2d", "out_channels": 4, "kernel_size": 3}, LINEAR),
        names=("conv2d",),
    ),
    Hostile("device-missing", "POST", "/api/jobs", job(device="cuda:99"), names=("cuda:99",)),
    Hostile("device-path", "POST", "/api/jobs", job(device="../../dev/sda"), names=("device",)),
    Hostile("seed-negative", "POST", "/api/jobs", job(seed=-1), names=("seed",)),
    Hostile("unknown-field", "POST", "/api/jobs", job(__proto__={"admin": True}), names=("__proto__",)),
    Hostile(
        "validate-huge-input-shape",
        "POST",
        "/api/models/validate",
        {"model": {"layers": [LINEAR]}, "input_shape": [10**9]},
        names=("input_shape",),
    ),
    Hostile("patch-lr-nan", "PATCH", f"/api/jobs/{A_JOB}", content=b'{"lr": NaN}', headers=JSON, names=("lr",)),
    Hostile("patch-unknown-field", "PATCH", f"/api/jobs/{A_JOB}", {"loss_fn": "rm -rf"}, names=("loss_fn",)),
    Hostile(
        "csv-row-bomb", "POST", "/api/datasets", **csv_upload(b"x,y\n" + b"1,2\n" * (MAX_SAMPLES + 5)), names=("rows",)
    ),
    Hostile(
        "csv-50MB-line",
        "POST",
        "/api/datasets",
        **csv_upload(b"x,y\n" + b"1" * 50_000_000 + b",2\n1,3\n"),
        names=("line",),
    ),
    Hostile(
        "csv-many-columns",
        "POST",
        "/api/datasets",
        **csv_upload((",".join(f"c{i}" for i in range(50_000)) + ",y\n").encode() * 3),
        names=("columns",),
    ),
    Hostile(
        "csv-long-header-line",
        "POST",
        "/api/datasets",
        **csv_upload(b"y," + b"x" * 5_000_000 + b"\n1,2\n3,4\n"),
        names=("header", "max_csv_columns"),
    ),
    Hostile(
        "csv-header-quoted-across-lines",
        "POST",
        "/api/datasets",
        **csv_upload(b'"a\nb",' + b",".join(b"c%d" % i for i in range(20_000)) + b",y\n" + b"1," * 20_002 + b"1\n"),
        names=("max_csv_columns",),
    ),
    Hostile(
        "csv-target-traversal",
        "POST",
        "/api/datasets",
        **csv_upload(b"x,y\n1,2\n3,4\n", target="../../etc/passwd"),
        names=("target",),
    ),
    Hostile("csv-binary", "POST", "/api/datasets", **csv_upload(b"\x7fELF\xff\xfe\x00\x01" * 100), names=("utf-8",)),
]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("hostile"), env={"TORCHPLAY_MAX_SAMPLES": str(MAX_SAMPLES)})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def a_job(hostile_server: Server) -> str:
    with hostile_server.client() as http:
        created = http.post("/api/jobs", json=spiral_job(epochs=2))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_the_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 30 and len({case.id for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_hostile_input_gets_a_4xx_naming_the_problem(hostile_server: Server, a_job: str, case: Hostile) -> None:
    if case.path == "/api/datasets" and case.method == "POST":
        spec = httpx.get(f"{hostile_server.url}/openapi.json", timeout=30).json()
        if "post" not in spec["paths"].get("/api/datasets", {}):
            pytest.skip("the CSV upload route (POST /api/datasets) is not in this build")
    with hostile_server.client() as http:
        answer = http.request(
            case.method,
            case.path.replace(A_JOB, a_job),
            json=case.json,
            content=case.content,
            files=case.files,
            data=case.data,
            params=case.params,
            headers=case.headers,
        )
    assert answer.status_code in case.statuses, (answer.status_code, answer.text[:500])
    assert answer.headers["content-type"].startswith("application/json")
    message = json.dumps(answer.json()["detail"]).lower()
    for name in case.names:
        assert name in message, f"the answer does not name {name!r}: {message[:500]}"


def test_server_still_serves_and_trains_after_the_corpus(hostile_server: Server) -> None:
    with hostile_server.client() as http:
        for case in CORPUS[:20]:  # once more, in one go, after everything else
            http.request(case.method, case.path, json=case.json, content=case.content, headers=case.headers)
        assert http.get("/api/health").json() == {"status": "ok"}
        created = http.post("/api/jobs", json=spiral_job(epochs=3))
        assert created.status_code == 201, created.text
    events = hostile_server.stream(created.json()["id"])
    assert [e["epoch"] for e in events if e["type"] == "epoch"] == [1, 2, 3]
    assert events[-1]["status"] == "completed"
    assert not (hostile_server.data_dir.parent / "etc").exists()


def test_oversized_websocket_message_closes_the_socket(hostile_server: Server) -> None:
    with hostile_server.client() as http:
        job = http.post("/api/jobs", json=spiral_job(epochs=100_000, snapshot_every=1_000)).json()
        try:
            with connect(hostile_server.ws_url(job["id"]), max_size=None, open_timeout=30) as ws:
                ws.send("x" * (1 << 20))  # 1 MiB against max_ws_message_bytes (64 KiB)
                with pytest.raises(ConnectionClosed) as closed:
                    while True:
                        ws.recv(timeout=30)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        finally:
            http.delete(f"/api/jobs/{job['id']}")


WIDE_COLUMNS = 3_000_000


def _wide_csv_upload(url: str) -> httpx.Request:
    header = ",".join(f"c{i}" for i in range(WIDE_COLUMNS)).encode() + b",y\n"
    content = header + b"0," * WIDE_COLUMNS + b"1\n"
    return httpx.Request("POST", f"{url}/api/datasets", **csv_upload(content, filename="wide.csv"))


@pytest.mark.parametrize("bomb", ["csv-3M-columns", "json-5M-deep"])
def test_bombs_are_refused_within_2_s_and_300_mb(hostile_server: Server, bomb: str) -> None:
    if bomb == "csv-3M-columns":
        request = _wide_csv_upload(hostile_server.url)
        limit = "max_csv_columns"
    else:
        body = b"[" * 5_000_000 + b"]" * 5_000_000  # 10 MB, just under max_body_bytes
        request = httpx.Request("POST", f"{hostile_server.url}/api/jobs", content=body, headers=JSON)
        limit = "max_json_depth"
    request.read()  # built before the clock starts: only the server's work is timed
    sampler = PeakRss(hostile_server.proc.pid)
    sampler.start()
    with httpx.Client(timeout=60) as http:
        started = time.perf_counter()
        answer = http.send(request)
        took = time.perf_counter() - started
    grown = sampler.stop()
    print(f"\n{bomb}: {answer.status_code} in {took:.2f} s, server peak RSS +{grown / 2**20:.0f} MiB")
    assert answer.status_code == 422 and limit in answer.text, answer.text[:300]
    assert took < 2.0
    assert grown < 300 * 2**20
