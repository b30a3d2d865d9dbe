"""Bad specs are refused with 422 before any job starts, and `loc` points at the field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import spiral_job

MLP = [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]


def _with_layers(layers: list[dict[str, Any]]) -> dict[str, Any]:
    return spiral_job(model={"layers": layers})


BAD: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("unknown layer type", _with_layers([{"type": "Linearr", "out_features": 2}]), ["model", "layers", 0]),
    (
        "unknown layer field",
        _with_layers([{"type": "Linear", "out_features": 2, "units": 3}]),
        ["model", "layers", 0, "units"],
    ),
    ("missing required size", _with_layers([{"type": "Linear"}]), ["model", "layers", 0, "out_features"]),
    (
        "explicit in_features wrong",
        _with_layers([*MLP[:2], {"type": "Linear", "in_features": 8, "out_features": 2}]),
        ["model", "layers", 2, "in_features"],
    ),
    (
        "zero out_features",
        _with_layers([{"type": "Linear", "out_features": 0}]),
        ["model", "layers", 0, "out_features"],
    ),
    (
        "negative out_features",
        _with_layers([{"type": "Linear", "out_features": -4}]),
        ["model", "layers", 0, "out_features"],
    ),
    (
        "size as a string",
        _with_layers([{"type": "Linear", "out_features": "16"}]),
        ["model", "layers", 0, "out_features"],
    ),
    (
        "size as a float",
        _with_layers([{"type": "Linear", "out_features": 2.5}]),
        ["model", "layers", 0, "out_features"],
    ),
    ("empty layers", _with_layers([]), ["model", "layers"]),
    ("layers not a list", spiral_job(model={"layers": {"type": "ReLU"}}), ["model", "layers"]),
    ("no type", _with_layers([{"out_features": 2}]), ["model", "layers", 0]),
    ("dropout p above 1", _with_layers([*MLP[:2], {"type": "Dropout", "p": 1.5}, MLP[2]]), ["model", "layers", 2, "p"]),
    (
        "wrong output size for classes",
        _with_layers([{"type": "Linear", "out_features": 3}]),
        ["model", "layers", 0, "out_features"],
    ),
    ("lr zero", spiral_job(optimizer={"type": "SGD", "lr": 0}), ["optimizer", "lr"]),
    ("lr negative", spiral_job(optimizer={"type": "Adam", "lr": -0.1}), ["optimizer", "lr"]),
    ("unknown optimizer", spiral_job(optimizer={"type": "Adamax", "lr": 0.1}), ["optimizer"]),
    (
        "unknown optimizer field",
        spiral_job(optimizer={"type": "SGD", "lr": 0.1, "nesterovv": True}),
        ["optimizer", "nesterovv"],
    ),
    ("epochs zero", spiral_job(epochs=0), ["epochs"]),
    ("epochs negative", spiral_job(epochs=-5), ["epochs"]),
    ("batch size zero", spiral_job(batch_size=0), ["batch_size"]),
    ("unknown loss", spiral_job(loss="HingeLoss"), ["loss"]),
    ("loss does not fit task", spiral_job(loss="MSELoss"), ["loss"]),
    ("unknown dataset", spiral_job(dataset={"name": "imagenet"}), ["dataset", "name"]),
    (
        "unknown dataset param",
        spiral_job(dataset={"name": "spiral", "params": {"colour": 3}}),
        ["dataset", "params", "colour"],
    ),
    ("negative noise", spiral_job(dataset={"name": "spiral", "params": {"noise": -1}}), ["dataset", "params", "noise"]),
    (
        "test fraction too big",
        spiral_job(dataset={"name": "spiral", "test_fraction": 0.95}),
        ["dataset", "test_fraction"],
    ),
    ("unknown top-level field", {**spiral_job(), "epochz": 3}, ["epochz"]),
    ("missing model", {k: v for k, v in spiral_job().items() if k != "model"}, ["model"]),
    ("device not here", spiral_job(device="cuda:7"), ["device"]),
    ("sequence layer fed a flat tensor", _with_layers([{"type": "LSTM", "hidden_size": 4}]), ["model", "layers", 0]),
    ("conv fed a flat tensor", _with_layers([{"type": "Conv2d", "out_channels": 4}]), ["model", "layers", 0]),
]


@pytest.mark.parametrize(("why", "body", "loc"), BAD, ids=[case[0] for case in BAD])
def test_bad_job_is_422_with_loc(client: httpx.Client, why: str, body: dict[str, Any], loc: list[Any]) -> None:
    before = len(client.get("/api/jobs").json())
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    assert any(error["loc"] == loc for error in detail), (why, detail)
    assert all(error["msg"] for error in detail)
    assert len(client.get("/api/jobs").json()) == before  # nothing was queued


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
