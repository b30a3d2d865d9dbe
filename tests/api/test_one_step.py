"""One step laid open over HTTP on a real server: a design, a trained job, hostile bodies."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Server, spiral_job


def test_a_design_steps_before_it_trains(client: httpx.Client) -> None:
    response = client.post("/api/models/one-step", json=spiral_job(optimizer={"type": "SGD", "lr": 0.1}))
    assert response.status_code == 200, response.text
    step = response.json()
    assert step["steps"] == ["zero_grad", "forward", "loss", "backward", "step"]
    assert step["trained"] is False and step["batch_rows"] == 32
    assert [layer["type"] for layer in step["layers"]] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert step["parameters"][0]["rule"] == "w − lr·grad"
    assert step["loss"]["name"] == "CrossEntropyLoss"


def test_a_trained_job_steps_from_its_weights(server: Server, client: httpx.Client) -> None:
    job = client.post("/api/jobs", json=spiral_job(epochs=2)).json()
    before = client.get(f"/api/jobs/{job['id']}/one-step")
    assert before.status_code == 200, before.text
    server.wait_status(job["id"], ("completed",))
    after = client.get(f"/api/jobs/{job['id']}/one-step").json()
    assert after["trained"] is True
    design = client.post("/api/models/one-step", json=spiral_job(epochs=2)).json()
    assert after["parameters"][0]["samples"] != design["parameters"][0]["samples"]  # trained, not fresh
    assert client.get("/api/jobs/nope/one-step").status_code == 404


HOSTILE: list[tuple[str, Any]] = [
    ("not an object", [1, 2, 3]),
    ("huge dataset", spiral_job(dataset={"name": "spiral", "params": {"samples": 10**12}})),
    ("huge layer", spiral_job(model={"layers": [{"type": "Linear", "out_features": 10**9}]})),
    ("unknown layer", spiral_job(model={"layers": [{"type": "__import__"}]})),
    ("deep nesting", {"model": {"layers": [[[[[[[[[[[[]]]]]]]]]]]]}}),
    ("nan lr", {**spiral_job(), "optimizer": {"type": "SGD", "lr": "NaN"}}),
    ("unknown dataset", spiral_job(dataset={"name": "../../etc/passwd"})),
    (
        "a gan",
        {
            **spiral_job(),
            "dataset": {"name": "ring"},
            "model": {
                "latent_dim": 2,
                "generator": {"layers": [{"type": "Linear", "out_features": 2}]},
                "discriminator": {"layers": [{"type": "Linear", "out_features": 1}]},
            },
        },
    ),
]


@pytest.mark.parametrize(("label", "body"), HOSTILE, ids=[label for label, _ in HOSTILE])
def test_hostile_bodies_are_4xx(client: httpx.Client, label: str, body: Any) -> None:
    response = client.post("/api/models/one-step", json=body)
    assert 400 <= response.status_code < 500, (label, response.status_code, response.text)


def test_the_server_is_alive_after_the_hostile_bodies(client: httpx.Client) -> None:
    assert client.post("/api/models/one-step", json=spiral_job()).status_code == 200


def test_validate_prints_the_model_and_its_formulas(client: httpx.Client) -> None:
    body = {"model": spiral_job()["model"], "dataset": {"name": "spiral"}}
    report = client.post("/api/models/validate", json=body).json()
    assert "(0): Linear(in_features=2, out_features=16, bias=True)" in report["module_text"]
    assert [layer["formula"] for layer in report["layers"]] == ["2 × 16 + 16", None, "16 × 16 + 16", None, "16 × 2 + 2"]
