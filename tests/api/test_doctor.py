"""The training doctor over HTTP on a real server: the lr finder and overfit-one-batch routes,
findings and a rewind replayed from the stored event log, and the 4xx answers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import Server, spiral_job

SIGMOID_CHAIN = {
    "layers": [part for _ in range(10) for part in ({"type": "Linear", "out_features": 16}, {"type": "Sigmoid"})]
    + [{"type": "Linear", "out_features": 2}]
}
GAN = {
    **spiral_job(),
    "dataset": {"name": "ring"},
    "model": {
        "latent_dim": 2,
        "generator": {"layers": [{"type": "Linear", "out_features": 2}]},
        "discriminator": {"layers": [{"type": "Linear", "out_features": 1}]},
    },
}


def test_the_lr_finders_suggestion_trains_the_spiral_mlp(server: Server, client: httpx.Client) -> None:
    found = client.post("/api/models/lr-finder", json=spiral_job())
    assert found.status_code == 200, found.text
    curve = found.json()
    assert len(curve["lrs"]) == len(curve["losses"]) > 50 and curve["lrs"] == sorted(curve["lrs"])
    lr = curve["suggested_lr"]
    assert lr is not None and curve["lrs"][0] < lr < curve["min_loss_lr"]
    job = client.post("/api/jobs", json=spiral_job(optimizer={"type": "Adam", "lr": lr}, epochs=40)).json()
    done = server.wait_status(job["id"], ("completed", "failed"), timeout=180)
    assert done["status"] == "completed" and done["metrics"]["accuracy"] >= 0.9
    again = client.post(f"/api/jobs/{job['id']}/lr-finder")  # a stored job's, from its seeded weights
    assert again.status_code == 200 and again.json()["suggested_lr"] == lr
    assert client.post("/api/jobs/nope/lr-finder").status_code == 404


def test_overfit_one_batch_passes_a_healthy_net_and_explains_a_sick_one(client: httpx.Client) -> None:
    healthy = client.post("/api/models/overfit-batch", json=spiral_job())
    assert healthy.status_code == 200, healthy.text
    result = healthy.json()
    assert result["passed"] is True and result["finding"] is None
    assert result["final_loss"] <= 0.05 * result["start_loss"] and result["losses"][0] == result["start_loss"]
    sick = client.post(
        "/api/models/overfit-batch", json=spiral_job(model=SIGMOID_CHAIN, optimizer={"type": "SGD", "lr": 0.01})
    )
    result = sick.json()
    assert result["passed"] is False and result["steps"] == 500
    finding = result["finding"]
    assert finding["type"] == "finding" and finding["kind"] == "cannot_overfit"
    assert "memorise one batch" in finding["explanation"]["en"] and "批次" in finding["explanation"]["zh"]


def test_findings_and_a_rewind_replay_from_the_event_log(server: Server, client: httpx.Client) -> None:
    request = spiral_job(optimizer={"type": "Adam", "lr": 10.0}, epochs=8, doctor={"on_divergence": "rewind"})
    job = client.post("/api/jobs", json=request).json()
    assert job["request"]["doctor"] == {
        "on_finding": "continue",
        "on_divergence": "rewind",
        "rewind_lr_factor": 0.1,
        "max_rewinds": 3,
    }
    live = server.stream(job["id"])
    assert live[-1]["type"] == "done" and live[-1]["status"] == "completed"
    finding = next(e for e in live if e["type"] == "finding")
    assert finding["kind"] == "diverging" and finding["layer"] is None and finding["job_id"] == job["id"]
    assert any(e["type"] == "status" and e.get("rewound_to") == 0 for e in live)
    assert any(e["type"] == "histograms" for e in live)
    replay = server.stream(job["id"])  # a viewer arriving after the end gets the same history
    assert [e for e in replay if e["type"] in ("finding", "status", "histograms", "changed")] == [
        e for e in live if e["type"] in ("finding", "status", "histograms", "changed")
    ]
    later = server.stream(job["id"], since=finding["seq"] - 1)
    assert later[0] == finding


BAD: list[tuple[str, str, Any]] = [
    ("/api/models/lr-finder", "nan lr", {**spiral_job(), "optimizer": {"type": "SGD", "lr": "NaN"}}),
    ("/api/models/lr-finder", "unknown policy", spiral_job(doctor={"on_divergence": "explode"})),
    ("/api/models/lr-finder", "extra policy field", spiral_job(doctor={"on_finding": "pause", "sudo": True})),
    ("/api/models/overfit-batch", "factor 1", spiral_job(doctor={"rewind_lr_factor": 1.0})),
    (
        "/api/models/overfit-batch",
        "huge dataset",
        spiral_job(dataset={"name": "spiral", "params": {"samples": 10**12}}),
    ),
    ("/api/models/overfit-batch", "not an object", [1, 2]),
]


@pytest.mark.parametrize(("path", "label", "body"), BAD, ids=[label for _, label, _ in BAD])
def test_bad_bodies_are_422(client: httpx.Client, path: str, label: str, body: Any) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422, (label, response.text)


def test_a_bad_policy_names_its_field(client: httpx.Client) -> None:
    response = client.post("/api/jobs", json=spiral_job(doctor={"on_divergence": "explode"}))
    assert response.status_code == 422
    assert any(error["loc"][-2:] == ["doctor", "on_divergence"] for error in response.json()["detail"])


def test_a_gan_is_no_case_for_the_checks(client: httpx.Client) -> None:
    for path in ("/api/models/lr-finder", "/api/models/overfit-batch"):
        response = client.post(path, json=GAN)
        assert response.status_code == 409 and "single-model" in response.text


def test_patch_names_a_bad_lr(client: httpx.Client) -> None:
    headers = {"Content-Type": "application/json"}
    job_id = client.post("/api/jobs", json=spiral_job(epochs=5)).json()["id"]
    for body in ('{"lr": NaN}', '{"lr": Infinity}', '{"lr": -1}', '{"lr": "0.1"}'):
        response = client.patch(f"/api/jobs/{job_id}", content=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"][0]["loc"][-1] == "lr"  # the field, whatever the job's state
    assert client.patch("/api/jobs/no-such-job", content=json.dumps({"lr": 0.1}), headers=headers).status_code == 404
