"""The learning-rate range test: its suggestion trains the spiral MLP; the model it probes stays untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from tests.inprocess import train
from tests.training.sick import mlp
from torchplay import data
from torchplay.training.lr_finder import END_LR, START_LR, range_test

pytestmark = pytest.mark.usefixtures("one_thread")


SPIRAL = {"name": "spiral", "params": {"samples": 500, "noise": 0.03}}


def _spiral_job(lr: float, seed: int) -> dict[str, Any]:
    layers = [{"type": "Linear", "out_features": 16}, {"type": "Tanh"}] * 2 + [{"type": "Linear", "out_features": 2}]
    return {
        "dataset": SPIRAL,
        "model": {"layers": layers},
        "optimizer": {"type": "Adam", "lr": lr},
        "epochs": 100,
        "seed": seed,
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_suggested_lr_trains_the_spiral_mlp(tmp_path: Path, seed: int) -> None:
    loaded = data.load_dataset("spiral", SPIRAL["params"], seed, 0.2, tmp_path)
    torch.manual_seed(seed)
    model = mlp([16, 16, 2])
    test = range_test(
        model, nn.CrossEntropyLoss(), lambda p: torch.optim.Adam(p), loaded.x_train, loaded.y_train, 32, seed=seed
    )
    assert test.stopped == "diverged" and test.lrs[-1] < END_LR  # it went on until the loss blew up
    assert test.suggested_lr is not None and START_LR < test.suggested_lr < test.lrs[-1]
    events = train(_spiral_job(test.suggested_lr, seed), tmp_path)
    last = [e for e in events if e["type"] == "epoch"][-1]
    print(f"seed {seed}: suggested lr {test.suggested_lr}, accuracy {last['metrics']['accuracy']}")
    assert last["metrics"]["accuracy"] >= 0.9


def test_the_probed_model_is_left_as_it_was(tmp_path: Path) -> None:
    loaded = data.load_dataset("spiral", SPIRAL["params"], 0, 0.2, tmp_path)
    model = mlp([16, 16, 2])
    before = [p.detach().clone() for p in model.parameters()]
    test = range_test(
        model, nn.CrossEntropyLoss(), lambda p: torch.optim.SGD(p), loaded.x_train, loaded.y_train, 32, steps=50
    )
    assert len(test.lrs) == len(test.losses) <= 50
    assert test.lrs == sorted(test.lrs)  # rising exponentially
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert all(p.grad is None for p in model.parameters())
    json = test.to_json()
    assert json["suggested_lr"] == test.suggested_lr and len(json["lrs"]) == len(test.lrs)
