"""CSV upload over the real server: stored under a server-made name, trained end to end,
and refused with a readable 4xx when the file cannot be a dataset."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.conftest import Server, start_server

MAX_UPLOAD = 20_000  # bytes: small, so the too-big case needs no large file


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("upload-data"), env={"TORCHPLAY_MAX_UPLOAD_BYTES": str(MAX_UPLOAD)})
    yield running
    running.stop()


@pytest.fixture
def http(upload_server: Server) -> Iterator[httpx.Client]:
    with upload_server.client() as client:
        yield client


def _table(rows: int = 200, seed: int = 0) -> bytes:
    """Two numeric features on very different scales and a text label: 'yes' above a line."""
    rng = np.random.default_rng(seed)
    height, weight = rng.normal(170, 10, rows), rng.normal(0.07, 0.02, rows)
    label = np.where((height - 170) / 10 + (weight - 0.07) / 0.02 > 0, "yes", "no")
    lines = ["height,weight,label", *(f"{h:.2f},{w:.4f},{c}" for h, w, c in zip(height, weight, label, strict=True))]
    return ("\n".join(lines) + "\n").encode()


def _upload(http: httpx.Client, content: bytes, target: str = "label", filename: str = "people.csv") -> httpx.Response:
    return http.post("/api/datasets", files={"file": (filename, content, "text/csv")}, data={"target": target})


def test_upload_then_train_end_to_end(upload_server: Server, http: httpx.Client) -> None:
    answer = _upload(http, _table(), filename="../../escape.csv")
    assert answer.status_code == 201, answer.text
    entry = answer.json()
    assert entry["name"].startswith("csv-") and entry["task"] == "classification"
    assert entry["input_shape"] == [2] and entry["classes"] == ["no", "yes"]
    assert set(entry) >= {"name", "task", "input_shape", "classes", "params", "download", "description"}
    assert entry in http.get("/api/datasets").json()
    # The client's file name is a label only: nothing is written outside the uploads folder.
    stored = [p.name for p in (upload_server.data_dir / "datasets" / "uploads").iterdir()]
    assert entry["name"] in stored and all(name.startswith(("csv-", ".incoming-")) for name in stored)
    assert not (upload_server.data_dir.parent / "escape.csv").exists()

    job = http.post(
        "/api/jobs",
        json={
            "dataset": {"name": entry["name"]},
            "model": {
                "layers": [
                    {"type": "Linear", "out_features": 8},
                    {"type": "ReLU"},
                    {"type": "Linear", "out_features": 2},
                ]
            },
            "optimizer": {"type": "Adam", "lr": 0.05},
            "epochs": 30,
        },
    )
    assert job.status_code == 201, job.text
    events = upload_server.stream(job.json()["id"])
    assert events[-1]["type"] == "done" and events[-1]["status"] == "completed", events[-1]
    last = [e for e in events if e["type"] == "epoch"][-1]
    assert last["metrics"]["accuracy"] >= 0.9, last


def test_numeric_target_with_many_values_is_regression(http: httpx.Client) -> None:
    rows = "\n".join(f"{i},{i * 0.37:.3f}" for i in range(50))
    answer = _upload(http, f"x,y\n{rows}\n".encode(), target="y")
    assert answer.status_code == 201, answer.text
    assert answer.json()["task"] == "regression" and answer.json()["classes"] is None


@pytest.mark.parametrize(
    ("content", "target", "field", "says"),
    [
        (b"a,b,label\n1,2,x\n3,4\n5,6,y\n", "label", "file", "line 3 has 2 fields, the header has 3"),
        (b"a,b,label\n1,2,x\n3,oops,y\n", "label", "file", "column 'b', line 3: 'oops' is not a number"),
        (b"a,b,label\n1,2,x\n3,1e308,y\n", "label", "file", "column 'b', line 3: '1e308' is too large for float32"),
        (b"", "label", "file", "the file is empty"),
        (b"a,b,label\n1,2,x\n3,4,y\n", "price", "target", "unknown target column 'price'"),
    ],
    ids=["ragged", "non-numeric", "beyond-float32", "empty", "unknown-target"],
)
def test_unusable_csv_is_a_422_naming_the_problem(
    http: httpx.Client, content: bytes, target: str, field: str, says: str
) -> None:
    answer = _upload(http, content, target=target)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", field]
    assert says in error["msg"], error["msg"]


def test_missing_target_field_is_a_422(http: httpx.Client) -> None:
    answer = http.post("/api/datasets", files={"file": ("t.csv", b"a,b\n1,2\n3,4\n", "text/csv")})
    assert answer.status_code == 422
    assert any(error["loc"][-1] == "target" for error in answer.json()["detail"])


def test_file_over_the_upload_limit_is_a_413(upload_server: Server, http: httpx.Client) -> None:
    big = _table(rows=2000)
    assert len(big) > MAX_UPLOAD
    answer = _upload(http, big)
    assert answer.status_code == 413, answer.text
    assert "max_upload_bytes" in answer.json()["detail"]
    assert http.get("/api/health").status_code == 200  # and the server still answers


def test_chunked_upload_over_the_limit_is_a_413(upload_server: Server) -> None:
    # No Content-Length: the guard counts the multipart body while it streams in.
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="target"\r\n\r\nlabel\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = _table(rows=2000)

    def chunks() -> Iterator[bytes]:
        yield head
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]
        yield tail

    with upload_server.client() as http:
        answer = http.post(
            "/api/datasets", content=chunks(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
    assert answer.status_code == 413, answer.text
    assert "max_upload_bytes" in answer.json()["detail"]


def test_nothing_is_stored_for_a_refused_upload(upload_server: Server, http: httpx.Client) -> None:
    folder: Path = upload_server.data_dir / "datasets" / "uploads"
    before = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    assert _upload(http, b"a,b,label\n1,2,x\n3,4\n").status_code == 422
    after = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    assert after == before
