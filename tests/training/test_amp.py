"""`amp: "bf16"`: autocast on CUDA; elsewhere ignored, and the status event says so."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch
from pydantic import ValidationError

from tests.conftest import spiral_job
from tests.inprocess import train
from torchplay.spec import JobCreate


def _run(request: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    events = train(request, tmp_path)
    return events


def test_amp_on_cpu_is_ignored_with_a_note(tmp_path: Path) -> None:
    plain = _run(spiral_job(device="cpu", epochs=2), tmp_path)
    mixed = _run(spiral_job(device="cpu", epochs=2, amp="bf16"), tmp_path)
    assert "amp" not in plain[0]  # jobs that did not ask hear nothing about it
    assert mixed[0]["amp"] is None and "CUDA only" in mixed[0]["note"] and "cpu" in mixed[0]["note"]
    assert "只在 CUDA 上起作用" in mixed[0]["note_zh"]
    losses = [[e["train_loss"] for e in events if e["type"] == "epoch"] for events in (plain, mixed)]
    assert losses[0] == losses[1]  # float32 all the same, bit for bit
    assert mixed[-1]["status"] == "completed"


def test_only_bf16_is_accepted() -> None:
    with pytest.raises(ValidationError) as caught:
        JobCreate.model_validate(spiral_job(amp="fp16"))
    assert caught.value.errors()[0]["loc"] == ("amp",)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine (CPU-only torch or no device)")
def test_amp_bf16_on_cuda_trains(tmp_path: Path) -> None:
    events = _run(spiral_job(device="cuda", epochs=5, amp="bf16"), tmp_path)
    assert events[0]["device"] == "cuda:0" and events[0]["amp"] == "bf16"
    losses = [e["train_loss"] for e in events if e["type"] == "epoch"]
    assert len(losses) == 5 and all(math.isfinite(x) for x in losses)
    assert events[-1]["status"] == "completed"
