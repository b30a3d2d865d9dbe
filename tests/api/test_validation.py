"""Bad specs are refused with 422 before any job starts, `loc` pointing at the field; the
catalogues and validation routes answer over a real server. (Which requests are refused,
and where `loc` points, is planning's and is tested in-process in tests/planning.)"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.conftest import spiral_job
from tests.planning.test_plan_job import INFERRED_TOO_BIG, MLP

# One refusal of each origin: the request model (pydantic), and planning (shapes, limits).
REFUSED: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("size as a string", spiral_job(model={"layers": [{"type": "Linear", "out_features": "16"}]}),
     ["model", "layers", 0, "out_features"]),
    ("fewer class scores than classes", spiral_job(model={"layers": [{"type": "Linear", "out_features": 1}]}),
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


# What PyTorch runs but a learner may not expect: a job (201) and a validation (200), each
# with a warning whose loc names the field.
SIGMOID_OUT = [
    {"type": "Linear", "out_features": 4},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 1},
    {"type": "Sigmoid"},
]
WARNED: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("MSELoss on 0/1 targets", spiral_job(task="binary", loss="MSELoss", model={"layers": SIGMOID_OUT}), ["loss"]),
    ("L1Loss on 0/1 targets", spiral_job(task="binary", loss="L1Loss", model={"layers": SIGMOID_OUT}), ["loss"]),
    ("more scores than classes", spiral_job(model={"layers": [*MLP[:2], {"type": "Linear", "out_features": 5}]}),
     ["model", "layers", 2, "out_features"]),
    ("summed loss over batches", spiral_job(loss_params={"reduction": "sum"}), ["loss_params", "reduction"]),
    ("batches unshuffled", spiral_job(shuffle=False), ["shuffle"]),
    ("cross-entropy on float targets",
     {**spiral_job(dataset={"name": "plane", "params": {"samples": 50}}, loss="CrossEntropyLoss"),
      "model": {"layers": [{"type": "Linear", "out_features": 1}]}}, ["loss"]),
]  # fmt: skip


@pytest.mark.parametrize(("why", "body", "loc"), WARNED, ids=[case[0] for case in WARNED])
def test_an_unusual_valid_choice_is_a_job_with_a_warning(
    client: httpx.Client, why: str, body: dict[str, Any], loc: list[Any]
) -> None:
    response = client.post("/api/jobs", json={**body, "epochs": 1})
    assert response.status_code == 201, response.text
    job = response.json()
    assert loc in [w["loc"] for w in job["warnings"]], (why, job["warnings"])
    # Each in English and 简体中文, for the page's two languages.
    assert all(w["msg"] and re.search(r"[\u4e00-\u9fff]", w["msg_zh"] or "") for w in job["warnings"]), job["warnings"]
    assert loc in [w["loc"] for w in client.get(f"/api/jobs/{job['id']}").json()["warnings"]]
    client.post(f"/api/jobs/{job['id']}/stop")
    fields = {k: v for k, v in body.items() if k in ("model", "dataset", "task", "loss", "loss_params", "shuffle")}
    fields.setdefault("task", job["request"]["task"])  # naming the job's choices checks them
    checked = client.post("/api/models/validate", json={**fields, "batch_size": body.get("batch_size", 32)})
    assert checked.status_code == 200, checked.text
    assert loc in [w["loc"] for w in checked.json()["warnings"]], why
    unfit = {"classification": "MSELoss", "binary": "CrossEntropyLoss", "regression": "NLLLoss"}[fields["task"]]
    assert client.post("/api/models/validate", json={**fields, "loss": unfit}).status_code == 422


# The loss keywords torch takes, and refusals only where torch would raise.
def test_loss_keywords_reach_the_job_and_misplaced_ones_are_422(client: httpx.Client) -> None:
    smoothing = client.post("/api/jobs", json=spiral_job(epochs=1, loss_params={"label_smoothing": 0.1}))
    assert smoothing.status_code == 201, smoothing.text
    assert smoothing.json()["request"]["loss_params"]["label_smoothing"] == 0.1
    client.post(f"/api/jobs/{smoothing.json()['id']}/stop")
    refused = [
        (spiral_job(loss_params={"delta": 2.0}), ["loss_params", "delta"]),  # CrossEntropyLoss takes no delta
        (spiral_job(loss_params={"reduction": "none"}), ["loss_params", "reduction"]),
        (spiral_job(task="binary", loss="BCEWithLogitsLoss", model={"layers": SIGMOID_OUT[:3]},
                    loss_params={"pos_weight": [1.0, 2.0]}), ["loss_params", "pos_weight"]),
        (spiral_job(loss="MSELoss"), ["loss"]),  # class indices against scores: torch raises
        (spiral_job(loss_report="median"), ["loss_report"]),
    ]  # fmt: skip
    for body, loc in refused:
        response = client.post("/api/jobs", json=body)
        assert response.status_code == 422, (loc, response.text)
        assert loc in [d["loc"] for d in response.json()["detail"]], response.json()
