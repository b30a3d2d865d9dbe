"""Export downloads, network internals and presets over a real server."""

from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server, spiral_job


@pytest.fixture(scope="module")
def trained_job(server: Server) -> dict[str, Any]:
    with server.client() as client:
        job = client.post("/api/jobs", json=spiral_job(epochs=3)).json()
    return server.wait_status(job["id"], ("completed", "failed"), timeout=120)


def test_python_export_is_a_named_download(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    response = client.get(f"/api/jobs/{trained_job['id']}/export", params={"format": "python"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/x-python")
    assert f'filename="spiral_mlp_{trained_job["id"][:8]}.py"' in response.headers["content-disposition"]
    ast.parse(response.text)  # valid Python
    assert "class SpiralMlp(nn.Module)" in response.text


def test_a_hostile_job_name_exports_a_script_that_only_trains(client: httpx.Client, tmp_path: Path) -> None:
    # Closes the docstring, starts a line of code, reopens a string and leaves a trailing
    # backslash; run as the README says, the script must only train.
    name = 'x"""\nimport pathlib; pathlib.Path("owned").write_text("1")\n"""\\'
    job = client.post("/api/jobs", json=spiral_job(name=name, epochs=1)).json()
    response = client.get(f"/api/jobs/{job['id']}/export", params={"format": "python"})
    assert response.status_code == 200, response.text
    (tmp_path / "exported.py").write_bytes(response.content)
    run = subprocess.run(
        [sys.executable, "exported.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Epoch [1/1], Loss: " in run.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exported.py"]  # no "owned"


def test_an_upload_holding_inf_is_a_409_not_a_broken_script(server: Server, client: httpx.Client) -> None:
    upload = client.post(
        "/api/datasets", files={"file": ("t.csv", b"x,y\n1,0.5\n2,1.5\n3,2.5\n", "text/csv")}, data={"target": "y"}
    )
    assert upload.status_code == 201, upload.text
    meta_file = server.data_dir / "datasets" / "uploads" / upload.json()["name"] / "meta.json"
    meta_file.write_text(json.dumps({**json.loads(meta_file.read_text()), "mean": [math.inf]}))  # stored by other means
    job = client.post(
        "/api/jobs",
        json={"dataset": {"name": upload.json()["name"]}, "model": {"layers": [{"type": "Linear", "out_features": 1}]}},
    )
    assert job.status_code == 201, job.text
    response = client.get(f"/api/jobs/{job.json()['id']}/export", params={"format": "python"})
    assert response.status_code == 409, response.text
    assert "cannot be written as Python" in response.json()["detail"]


@pytest.mark.parametrize(("fmt", "suffix"), [("state_dict", ".safetensors"), ("torchscript", ".torchscript.pt")])
def test_weight_exports_download(client: httpx.Client, trained_job: dict[str, Any], fmt: str, suffix: str) -> None:
    response = client.get(f"/api/jobs/{trained_job['id']}/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    assert suffix in response.headers["content-disposition"] and len(response.content) > 100


def test_onnx_export_or_a_clear_4xx(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    response = client.get(f"/api/jobs/{trained_job['id']}/export", params={"format": "onnx"})
    if response.status_code == 200:
        assert response.headers["content-disposition"].endswith('.onnx"')
    else:  # a server without the extra names it
        assert response.status_code == 424 and "pip install torchplay[onnx]" in response.json()["detail"]


def test_unknown_format_and_job(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    assert client.get(f"/api/jobs/{trained_job['id']}/export", params={"format": "pickle"}).status_code == 422
    assert client.get("/api/jobs/ffffffffffff/export").status_code == 404


def test_internals_of_a_2d_classifier(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    response = client.get(f"/api/jobs/{trained_job['id']}/internals")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [layer["name"] for layer in body["layers"]["model"]] == ["fc1", "tanh1", "fc2", "tanh2", "fc3"]
    shown = body["neurons"]["layers"]
    assert [layer["name"] for layer in shown] == ["tanh1", "tanh2"]
    grid = len(body["neurons"]["x"])
    assert len(shown[0]["neurons"]) == 16 and len(shown[0]["neurons"][0]) == grid
    assert body["feature_maps"] is None


def test_epoch_events_carry_layer_norms(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    epochs = client.get(f"/api/jobs/{trained_job['id']}/metrics").json()
    norms = epochs[0]["layer_norms"]
    assert [entry["layer"] for entry in norms] == [0, 2, 4]  # the layers with parameters
    assert all(entry["weight"] > 0 and entry["grad"] >= 0 for entry in norms)


def test_presets_list_both_languages_and_validate(client: httpx.Client) -> None:
    presets = client.get("/api/presets").json()
    ids = [preset["id"] for preset in presets]
    assert {"regression-2-2-1", "mnist-cnn", "gan-ring", "transformer-sequences", "lstm-sine"} <= set(ids)
    for preset in presets:
        assert preset["note"]["en"] and preset["note"]["zh"] and preset["title"]["zh"]
        if preset["request"]["dataset"]["name"] == "mnist":
            continue  # validating MNIST needs no download, but keep this test offline-proof
        body = {"model": preset["request"]["model"], "dataset": preset["request"]["dataset"]}
        if "generator" in preset["request"]["model"]:
            continue
        assert client.post("/api/models/validate", json=body).status_code == 200, preset["id"]
    assert client.get("/api/presets/spiral-mlp").json()["request"]["dataset"]["name"] == "spiral"
    assert client.get("/api/presets/nope").status_code == 404


def test_snapshot_history_is_thinned_keeping_first_and_last(client: httpx.Client, trained_job: dict[str, Any]) -> None:
    every = client.get(f"/api/jobs/{trained_job['id']}/snapshots").json()
    assert every and all(event["type"] == "snapshot" for event in every)
    assert [e["epoch"] for e in every] == sorted(e["epoch"] for e in every)
    two = client.get(f"/api/jobs/{trained_job['id']}/snapshots", params={"limit": 2}).json()
    assert len(every) >= 2  # the first and the last epoch always get one
    assert [e["seq"] for e in two] == [every[0]["seq"], every[-1]["seq"]]
    assert client.get("/api/jobs/ffffffffffff/snapshots").status_code == 404
