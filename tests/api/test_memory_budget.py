"""A worker that outgrows its memory budget fails its job with the numbers, and the server
and the other jobs carry on (a real server, real worker processes, a budget set low)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server, spiral_job, start_server

BUDGET_MB = 700  # above a worker with torch and a small job (~350 MB), far below the big job


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[Server]:
    server = start_server(tmp_path / "data", env={"TORCHPLAY_TRAIN_MEMORY_BUDGET_MB": str(BUDGET_MB)})
    yield server
    server.stop()


# 20 M parameters with Adam (~320 MB) and 4096-row batches through 4096-wide layers: ~1 GB.
BIG = {
    "dataset": {"name": "random-classes", "params": {"samples": 8192, "features": 784, "classes": 10}},
    "model": {
        "layers": [
            {"type": "Linear", "out_features": 4096},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": 4096},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": 10},
        ]
    },
    "batch_size": 4096,
    "epochs": 50,
}


def test_a_job_over_its_budget_fails_while_another_completes(tight: Server) -> None:
    with tight.client() as client:
        big = client.post("/api/jobs", json=BIG)
        small = client.post("/api/jobs", json=spiral_job(epochs=10))
        assert big.status_code == small.status_code == 201, (big.text, small.text)
        assert big.json()["memory_mb"] > BUDGET_MB  # admitted: under max_train_memory_mb, over the budget
        failed = tight.wait_status(big.json()["id"], ("failed", "completed"), timeout=120)
        assert failed["status"] == "failed", failed
        assert failed["error"].startswith("used ") and f"over the job's budget of {BUDGET_MB} MB" in failed["error"]
        assert tight.wait_status(small.json()["id"], ("completed", "failed"), timeout=120)["status"] == "completed"
        assert client.get("/api/health").status_code == 200
