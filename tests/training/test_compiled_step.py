"""The compiled training step: the same learning as the eager step, reported, and opt-in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from tests.inprocess import train
from tests.training.tutorial import STEP_X, STEP_Y, step_job, tutorial_net
from torchplay.spec import JobCreate
from torchplay.training import compiled_step as cs
from torchplay.training.fast_step import TrainStep


def _seeded_net() -> nn.Sequential:
    torch.manual_seed(0)
    return tutorial_net()


def _train(make_step: Any, lr_at: dict[int, float]) -> tuple[list[float], nn.Module]:
    """Three epochs of batch-1 SGD over the step data; `lr_at` changes lr before a step."""
    model = _seeded_net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    step = make_step(TrainStep(model, nn.MSELoss(), optimizer))
    losses, k = [], 0
    for _ in range(3):
        for i in range(len(STEP_X)):
            if k in lr_at:
                optimizer.param_groups[0]["lr"] = lr_at[k]
            loss, out = step(STEP_X[i : i + 1], STEP_Y[i : i + 1])
            assert out.shape == (1, 1)
            losses.append(float(loss.detach()))
            k += 1
    return losses, model


def test_compiled_step_learns_like_the_eager_step_and_follows_lr_changes() -> None:
    changes = {70: 0.5, 130: 0.05}
    eager_losses, eager_model = _train(lambda step: step, changes)
    compiled_losses, compiled_model = _train(cs.CompiledStep, changes)
    assert compiled_losses == pytest.approx(eager_losses, rel=1e-5, abs=1e-7)
    for eager, compiled in zip(eager_model.parameters(), compiled_model.parameters(), strict=True):
        torch.testing.assert_close(compiled, eager, rtol=1e-5, atol=1e-6)
        assert compiled.grad is not None  # the epoch event's gradient norms need it
    assert eager_losses[-1] < eager_losses[0]


def test_warm_up_compiles_without_moving_the_weights() -> None:
    model = _seeded_net()
    before = [p.detach().clone() for p in model.parameters()]
    step = cs.CompiledStep(TrainStep(model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1)))
    assert step.warm_up(STEP_X[:1], STEP_Y[:1]) > 0
    for old, new in zip(before, model.parameters(), strict=True):
        assert torch.equal(old, new)


def _job(**overrides: Any) -> dict[str, Any]:
    return step_job(**{"epochs": 30, **overrides})


def _events(request: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    events = train(request, tmp_path)
    assert events[-1]["type"] == "done" and events[-1]["status"] == "completed", events[-1]
    return events


def test_a_compiled_job_says_so_and_trains_like_an_eager_one(tmp_path: Path) -> None:
    compiled = _events(_job(compile=True), tmp_path)
    eager = _events(_job(compile=False), tmp_path)
    notes = [e for e in compiled if e["type"] == "status" and "compiled" in e]
    assert len(notes) == 1 and notes[0]["compiled"] is True and notes[0]["compile_s"] > 0, notes
    assert "torch.compile" in notes[0]["note"]
    assert not [e for e in eager if "compiled" in e]
    losses = [[e["train_loss"] for e in run if e["type"] == "epoch"] for run in (compiled, eager)]
    assert len(losses[0]) == 30
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    assert losses[0][-1] < losses[0][0]


def test_asking_to_compile_what_cannot_be_says_why_and_trains_eagerly(tmp_path: Path) -> None:
    events = _events(_job(compile=True, optimizer={"type": "Adam", "lr": 0.01}, epochs=2), tmp_path)
    notes = [e for e in events if e["type"] == "status" and "compiled" in e]
    assert len(notes) == 1 and notes[0]["compiled"] is False
    assert "plain SGD" in notes[0]["note"]


def test_automatic_compilation_is_for_long_runs_only() -> None:
    assert not cs.wanted(None, cs.AUTO_COMPILE_STEPS - 1)
    assert cs.wanted(None, cs.AUTO_COMPILE_STEPS)
    assert not cs.wanted(False, 10**9)
    assert cs.wanted(True, 1)


def test_compile_must_be_a_boolean_or_null() -> None:
    with pytest.raises(ValueError, match="compile"):
        JobCreate.model_validate(_job(compile="yes"))
