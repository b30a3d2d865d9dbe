"""Overfit one batch: can this network, with this optimizer, memorise a handful of samples?

A model that can learn anything at all drives the loss on one small batch to about zero
within a few hundred steps; one that cannot has a bug (a loss that does not fit the
task, a layer that blocks the gradient, a learning rate far off), whatever the data.
The check trains a throwaway copy (the caller's model stays untouched) with the job's own
optimizer on the first `rows` training samples, and passes when the loss falls below
`PASS_FRACTION` of where it started. Failing it is a `cannot_overfit` finding.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from torchplay.training.fast_step import TrainStep
from torchplay.training.findings import Evidence, Finding, wire_number
from torchplay.training.lr_finder import MakeOptimizer

ROWS = 32  # one batch of a typical size
STEPS = 500  # a healthy small net passes in ~250; a big one is still cheap on one batch
PASS_FRACTION = 0.05  # "about zero": 5 % of the starting loss
CHECK_EVERY = 25  # steps between looks at the loss (each look is a host read)


@dataclass(frozen=True)
class OverfitResult:
    passed: bool
    steps: int  # steps taken (fewer than asked when it passed early)
    rows: int
    start_loss: float
    final_loss: float
    losses: list[float]  # the loss every CHECK_EVERY steps, for a small chart
    finding: Finding | None  # `cannot_overfit` when it failed

    def to_json(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "steps": self.steps,
            "rows": self.rows,
            "start_loss": self.start_loss,
            "final_loss": self.final_loss,
            "losses": self.losses,
        }


def overfit_batch(
    model: nn.Module,
    loss_fn: nn.Module,
    make_optimizer: MakeOptimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    rows: int = ROWS,
    steps: int = STEPS,
    grad_clip: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> OverfitResult:
    trial = copy.deepcopy(model)
    trial.train()
    step = TrainStep(trial, loss_fn, make_optimizer(trial.parameters()), grad_clip)
    xb, yb = x[:rows], y[:rows]
    with torch.no_grad():
        start = float(loss_fn(trial(xb), yb))
    losses, final, taken = [start], start, 0
    for i in range(1, steps + 1):
        if should_stop():
            break
        loss, _ = step(xb, yb)
        taken = i
        if i % CHECK_EVERY == 0 or i == steps:
            final = float(loss.detach())
            losses.append(final)
            if final <= PASS_FRACTION * start:
                break
    passed = final <= PASS_FRACTION * start
    finding = None
    if not passed:
        evidence: Evidence = {"steps": taken, "rows": len(xb), "start": wire_number(start), "loss": wire_number(final)}
        finding = Finding("cannot_overfit", None, 0, evidence)
    return OverfitResult(passed, taken, len(xb), start, final, losses, finding)
