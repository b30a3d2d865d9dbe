"""Overfit one batch: a network that can learn memorises it; a broken one cannot, and says why."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from tests.training.sick import mlp
from torchplay import data
from torchplay.training.overfit import PASS_FRACTION, overfit_batch


def _spiral(tmp_path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    loaded = data.load_dataset("spiral", {"samples": 500}, 0, 0.2, tmp_path)
    return loaded.x_train, loaded.y_train


def test_a_healthy_network_memorises_one_batch(tmp_path: Path) -> None:
    x, y = _spiral(tmp_path)
    torch.manual_seed(0)
    model = mlp([16, 16, 2])
    before = [p.detach().clone() for p in model.parameters()]
    result = overfit_batch(model, nn.CrossEntropyLoss(), lambda p: torch.optim.Adam(p, lr=0.01), x, y)
    assert result.passed and result.finding is None
    assert result.final_loss <= PASS_FRACTION * result.start_loss
    assert result.rows == 32 and result.steps < 500  # stopped as soon as it passed
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))  # a copy trained


def test_a_dead_network_cannot_and_the_finding_says_so(tmp_path: Path) -> None:
    x, y = _spiral(tmp_path)
    torch.manual_seed(0)
    model = mlp([16, 16, 2], nn.ReLU)
    with torch.no_grad():
        model[0].bias.fill_(-5.0)
    result = overfit_batch(model, nn.CrossEntropyLoss(), lambda p: torch.optim.Adam(p, lr=0.01), x, y)
    assert not result.passed and result.steps == 500
    assert result.finding is not None and result.finding.kind == "cannot_overfit"
    event = result.finding.to_event()
    assert "32" in event["explanation"]["en"] and "32" in event["explanation"]["zh"]
    assert result.losses[0] == result.start_loss and len(result.losses) > 2
