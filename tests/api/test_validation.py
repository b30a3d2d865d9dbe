"""Bad specs are refused with 422 before any job starts, `loc` pointing at the field; the
catalogues and validation routes answer over a real server. (Which requests are refused,
and where `loc` points, is planning's and is tested in-process in tests/planning.)"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import spiral_job
from tests.planning.test_plan_job import INFERRED_TOO_BIG, MLP

# One refusal of each origin: the request model (pydantic), and planning (shapes, limits).
REFUSED: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("size as a string", spiral_job(model={"layers": [{"type": "Linear", "out_features": "16"}]}),
     ["model", "layers", 0, "out_features"]),
    ("wrong output size for classes", spiral_job(model={"layers": [{"type": "Linear", "out_features": 3}]}),
     ["model", "layers", 0, "out_features"]),
    ("inferred size over the bound", spiral_job(model={"layers": INFERRED_TOO_BIG}), ["model", "layers", 4, "in_features"]),
    ("device not here", spiral_job(device="cuda:7"), ["device"]),
]  # fmt: skip


@pytest.mark.parametrize(("why", "body", "loc"), REFUSED, ids=[case[0] for case in REFUSED])
def test_bad_job_is_422_with_loc(client: httpx.Client, why: str, body: dict[str, Any], loc: list[Any]) -> None:
    before = len(client.get("/api/jobs").json())
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    assert any(error["loc"] == loc for error in detail), (why, detail)
    assert all(error["msg"] for error in detail)
    assert len(client.get("/api/jobs").json()) == before  # nothing was queued


def test_validate_refuses_an_inferred_size_over_the_bound(client: httpx.Client) -> None:
    response = client.post(
        "/api/models/validate", json={"model": {"layers": INFERRED_TOO_BIG}, "dataset": {"name": "spiral"}}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["model", "layers", 4, "in_features"]


def test_validate_reports_shapes_and_total(client: httpx.Client) -> None:
    response = client.post("/api/models/validate", json={"model": {"layers": MLP}, "dataset": {"name": "spiral"}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["input_shape"] == [2] and body["output_shape"] == [2]
    assert [layer["output_shape"] for layer in body["layers"]] == [[16], [16], [2]]
    assert [layer["params"] for layer in body["layers"]] == [48, 0, 34]
    assert body["total_params"] == 82


def test_validate_with_input_shape_points_at_layer(client: httpx.Client) -> None:
    layers = [
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 10},
        {"type": "Linear", "in_features": 11, "out_features": 2},
    ]
    response = client.post("/api/models/validate", json={"model": {"layers": layers}, "input_shape": [1, 28, 28]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["model", "layers", 2, "in_features"]


def test_catalogues(client: httpx.Client) -> None:
    layers = {layer["type"]: layer for layer in client.get("/api/layers").json()}
    assert {"Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Dropout", "Flatten", "Identity"} <= set(
        layers
    )
    linear = {p["name"]: p for p in layers["Linear"]["params"]}
    assert linear["in_features"]["inferred"] and not linear["in_features"]["required"]
    assert linear["out_features"]["required"] and linear["out_features"]["minimum"] == 1
    residual = {p["name"]: p for p in layers["Residual"]["params"]}
    assert residual["layers"]["type"] == "layers" and residual["layers"]["required"]
    datasets = {d["name"]: d for d in client.get("/api/datasets").json()}
    assert {
        "random-regression",
        "random-classes",
        "step",
        "circle",
        "xor",
        "gaussian",
        "spiral",
        "moons",
        "plane",
        "sine",
    } <= set(datasets)
    assert datasets["spiral"]["task"] == "classification" and datasets["spiral"]["input_shape"] == [2]
    assert "properties" in datasets["spiral"]["params"]
    system = client.get("/api/system").json()
    assert "cpu" in system["devices"] and system["limits"]["max_params"] == 50_000_000
    lifecycle = system["lifecycle"]
    assert lifecycle["active"] == ["queued", "running", "paused"] and lifecycle["trained"] == ["completed", "stopped"]
    assert lifecycle["actions"]["running"] == ["change", "delete", "pause", "step", "stop"]
    assert lifecycle["actions"]["interrupted"] == ["delete", "resume"]
    schema = system["job_schema"]  # the training form is rendered from it
    assert schema["required"] == ["dataset", "model"] and "early_stopping" in schema["properties"]
    assert {o["type"] for o in system["training"]["optimizers"]} >= {"SGD", "Adam", "AdamW", "RMSprop"}


def test_preview_points_and_bad_params(client: httpx.Client) -> None:
    preview = client.get("/api/datasets/spiral/preview", params={"params": '{"samples": 100}'}).json()
    assert preview["kind"] == "points" and len(preview["x"]) == 100
    assert client.get("/api/datasets/spiral/preview", params={"params": "{nope"}).status_code == 422
    assert client.get("/api/datasets/nope/preview").status_code == 422


def test_every_dataset_preview_is_an_answer_the_api_describes(client: httpx.Client) -> None:
    # The route validates what it sends against its response model: a preview of a shape
    # the OpenAPI document does not describe would be a 500 here.
    kinds = set()
    for dataset in client.get("/api/datasets").json():
        if dataset["download"]:
            continue
        answer = client.get(f"/api/datasets/{dataset['name']}/preview", params={"params": "{}"})
        assert answer.status_code == 200, (dataset["name"], answer.text)
        kinds.add(answer.json()["kind"])
    assert kinds >= {"points", "curve", "images", "series"}


def test_a_job_too_big_for_memory_is_422_and_validate_says_so(client: httpx.Client) -> None:
    from tests.planning.test_memory import WIDE_CONVS

    created = client.post("/api/jobs", json={**WIDE_CONVS, "epochs": 1})
    assert created.status_code == 422, created.text
    (error,) = created.json()["detail"]
    assert error["loc"] == ["batch_size"] and "memory" in error["msg"] and "max_train_memory_mb=" in error["msg"]
    checked = client.post("/api/models/validate", json={**WIDE_CONVS, "optimizer": {"type": "SGD"}})
    assert checked.status_code == 422 and checked.json()["detail"][0]["loc"] == ["batch_size"]
    # The same model a few images at a time fits: what PyTorch can run is not refused.
    small = client.post("/api/models/validate", json={**WIDE_CONVS, "batch_size": 4})
    assert small.status_code == 200, small.text
    bigger = client.post("/api/models/validate", json={**WIDE_CONVS, "batch_size": 128}).json()["memory_mb"]
    assert small.json()["memory_mb"] < bigger  # the estimate follows the batch size it is given
