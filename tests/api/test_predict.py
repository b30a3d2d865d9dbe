"""`POST /api/jobs/{id}/predict` over a real server: outputs, probabilities, and refusals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Server, spiral_job


@pytest.fixture(scope="module")
def trained_job(server: Server) -> dict[str, Any]:
    with server.client() as client:
        job = client.post("/api/jobs", json=spiral_job(epochs=5)).json()
    return server.wait_status(job["id"], ("completed", "failed"), timeout=120)


def test_predict_gives_outputs_and_class_probabilities(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    assert trained_job["status"] == "completed", trained_job
    response = client.post(f"/api/jobs/{trained_job['id']}/predict", json={"inputs": [[0.0, 0.0], [0.5, -0.5]]})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["input_shape"] == [2]
    assert len(answer["outputs"]) == 2 and len(answer["outputs"][0]) == 2
    assert answer["classes"] == ["0", "1"]
    for row in answer["probabilities"]:
        assert sum(row) == pytest.approx(1.0, abs=1e-5)
    assert all(label in answer["classes"] for label in answer["predicted"])


@pytest.mark.parametrize(
    ("inputs", "received"),
    [([[1.0, 2.0, 3.0]], "[1, 3]"), ([1.0, 2.0], "[2]"), ([[[1.0, 2.0]]], "[1, 1, 2]")],
)
def test_wrong_shapes_are_422_naming_expected_and_received(
    client: httpx.Client, trained_job: dict[str, Any], inputs: list[Any], received: str
) -> None:
    response = client.post(f"/api/jobs/{trained_job['id']}/predict", json={"inputs": inputs})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "inputs"]
    assert "[n, 2]" in detail["msg"] and received in detail["msg"]


def test_ragged_and_non_numeric_inputs_are_422(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    for inputs in ([[1.0, 2.0], [1.0]], [["a", "b"]], []):
        response = client.post(f"/api/jobs/{trained_job['id']}/predict", json={"inputs": inputs})
        assert response.status_code == 422, (inputs, response.text)


def test_too_many_rows_is_422(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    response = client.post(f"/api/jobs/{trained_job['id']}/predict", json={"inputs": [[0.0, 0.0]] * 1025})
    assert response.status_code == 422
    assert "1,024" in response.json()["detail"][0]["msg"]


def test_unknown_job_is_404(client: httpx.Client) -> None:
    assert client.post("/api/jobs/ffffffffffff/predict", json={"inputs": [[0.0, 0.0]]}).status_code == 404


def test_a_job_that_has_not_finished_is_409(client: httpx.Client) -> None:
    job = client.post("/api/jobs", json=spiral_job(epochs=100000)).json()
    try:
        response = client.post(f"/api/jobs/{job['id']}/predict", json={"inputs": [[0.0, 0.0]]})
        assert response.status_code == 409
        assert client.get(f"/api/jobs/{job['id']}/export", params={"format": "state_dict"}).status_code == 409
        assert client.get(f"/api/jobs/{job['id']}/export").status_code == 200  # code: any time
    finally:
        client.delete(f"/api/jobs/{job['id']}")
