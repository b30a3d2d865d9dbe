"""The trainer's fast train step does the plain loop's math: same updates, same losses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from tests.inprocess import train
from tests.training.tutorial import STEP_X, STEP_Y, step_job, tutorial_net
from torchplay.data import load_dataset
from torchplay.training.fast_step import TrainStep


def _plain_losses(
    optimizer: dict[str, Any], epochs: int, batch_size: int, tmp_path: Path, seed: int = 0
) -> list[float]:
    """The loop a learner types: shuffle, slice, zero_grad, backward, step."""
    # The rows in the trainer's order (the split shuffles them), so both see the same batches.
    loaded = load_dataset("step", {}, seed, 0.0, tmp_path)
    x, y = loaded.x_train, loaded.y_train
    torch.manual_seed(seed)
    model = tutorial_net()
    kwargs = {k: v for k, v in optimizer.items() if k != "type"}
    opt = getattr(torch.optim, optimizer["type"])(model.parameters(), **kwargs)
    loss_fn = nn.MSELoss()
    shuffle = torch.Generator().manual_seed(seed)
    n, losses = len(x), []
    for _ in range(epochs):
        order = torch.randperm(n, generator=shuffle)
        total = 0.0
        for start in range(0, n, batch_size):
            index = order[start : start + batch_size]
            xb, yb = x[index], y[index]
            loss = loss_fn(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        losses.append(total / n)
    return losses


def _torchplay_losses(optimizer: dict[str, Any], epochs: int, batch_size: int, tmp_path: Path) -> list[float]:
    request = step_job(optimizer=optimizer, epochs=epochs, batch_size=batch_size, seed=0)
    events = train(request, tmp_path)
    assert events[-1]["status"] == "completed"
    return [e["train_loss"] for e in events if e["type"] == "epoch"]


@pytest.mark.parametrize(
    ("optimizer", "batch_size"),
    [
        ({"type": "SGD", "lr": 0.5}, 1),  # the fast path: autograd.grad + one foreach update
        ({"type": "SGD", "lr": 0.5}, 7),  # a short last batch (60 = 8 × 7 + 4)
        ({"type": "SGD", "lr": 0.1, "momentum": 0.9}, 4),  # the fallback: the optimizer's own step
        ({"type": "Adam", "lr": 0.01}, 5),
    ],
)
def test_trainer_losses_equal_the_plain_loop(optimizer: dict[str, Any], batch_size: int, tmp_path: Path) -> None:
    epochs = 20
    plain = _plain_losses(optimizer, epochs, batch_size, tmp_path)
    ours = _torchplay_losses(optimizer, epochs, batch_size, tmp_path)
    assert len(ours) == epochs
    assert ours == pytest.approx(plain, rel=1e-6, abs=1e-6)
    assert ours[-1] < ours[0]  # it learned something: the comparison is not between two no-ops


def test_fast_step_updates_are_bit_identical_to_sgd() -> None:
    torch.manual_seed(1)
    fast_model, plain_model = tutorial_net(), tutorial_net()
    plain_model.load_state_dict(fast_model.state_dict())
    fast_opt = torch.optim.SGD(fast_model.parameters(), lr=0.3, foreach=True)
    plain_opt = torch.optim.SGD(plain_model.parameters(), lr=0.3)
    step = TrainStep(fast_model, nn.MSELoss(), fast_opt)
    for i in range(200):
        xb, yb = STEP_X[i % 60 : i % 60 + 1], STEP_Y[i % 60 : i % 60 + 1]
        fast_loss, _ = step(xb, yb)
        plain_loss = nn.MSELoss()(plain_model(xb), yb)
        plain_opt.zero_grad(set_to_none=True)
        plain_loss.backward()
        plain_opt.step()
        assert torch.equal(fast_loss.detach(), plain_loss.detach())
    for fast, plain in zip(fast_model.parameters(), plain_model.parameters(), strict=True):
        assert torch.equal(fast, plain)


def test_fast_step_follows_a_live_switch_to_momentum() -> None:
    """PATCH momentum mid-run: the fast path must hand over to SGD's own momentum step."""
    torch.manual_seed(2)
    model = tutorial_net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.0, foreach=True)
    step = TrainStep(model, nn.MSELoss(), opt)
    step(STEP_X[:8], STEP_Y[:8])
    assert not opt.state or all("momentum_buffer" not in s or s["momentum_buffer"] is None for s in opt.state.values())
    opt.param_groups[0]["momentum"] = 0.9
    step(STEP_X[:8], STEP_Y[:8])
    assert all(opt.state[p]["momentum_buffer"] is not None for p in model.parameters())
