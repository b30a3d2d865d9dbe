"""The inference process: answers like an in-process predict, and a request that runs past
its timeout ends with a clear error, not a hung server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from tests.aio import run_async
from tests.conftest import spiral_job
from torchplay.jobs.inference_process import InferenceProcess, InferenceUnavailable
from torchplay.models import build_model
from torchplay.planning import PlannedJob, plan_job
from torchplay.spec import JobCreate
from torchplay.spec.limits import Limits
from torchplay.training import inference


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[PlannedJob, Path]:
    """A planned job and a folder with its final weights (freshly built: training is not the point)."""
    plan = plan_job(JobCreate.model_validate(spiral_job()), Limits())
    folder = tmp_path_factory.mktemp("job")
    torch.manual_seed(0)
    inference.save_final(folder, {"model": build_model(plan.spec("model"), "cpu")})
    return plan, folder


def test_answers_as_the_model_does_in_process(trained: tuple[PlannedJob, Path]) -> None:
    plan, folder = trained
    rows = [[0.0, 0.0], [0.5, -0.5], [1.0, 2.0]]
    process = InferenceProcess(threads=1, timeout_s=60)
    try:
        text = run_async(lambda: process.predict(plan, folder, rows), timeout=120)
    finally:
        process.close()
    assert json.loads(text) == inference.predict(inference.load_trained(plan, folder), rows)


def test_a_request_past_the_timeout_is_stopped_and_named(trained: tuple[PlannedJob, Path], tmp_path: Path) -> None:
    plan, folder = trained
    process = InferenceProcess(threads=1, timeout_s=0.001)  # no model loads and runs this fast

    async def scenario() -> None:
        with pytest.raises(InferenceUnavailable, match=r"took longer than 0\.001 s \(predict_timeout_s\)"):
            await process.predict(plan, folder, [[0.0, 0.0]] * 1000)
        assert process.pid is None  # stopped: the next request starts a fresh process
        process.timeout_s = 60
        with pytest.raises(inference.NotTrained):
            await process.predict(plan, tmp_path, [[0.0, 0.0]])
        with pytest.raises(inference.InputError, match=r"\[n, 2\]"):
            await process.predict(plan, folder, [[0.0, 0.0, 0.0]])
        assert len(json.loads(await process.predict(plan, folder, [[0.0, 0.0]]))["outputs"]) == 1
        (tmp_path / "model.safetensors").write_bytes(b"not weights")
        with pytest.raises(inference.NotTrained, match=r"could not be read \(SafetensorError\)"):
            await process.predict(plan, tmp_path, [[0.0, 0.0]])

    try:
        run_async(scenario, timeout=180)
    finally:
        process.close()
