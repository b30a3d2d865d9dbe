"""The loop's view of the doctor: looks within a time budget, histogram sets on their cadence."""

from __future__ import annotations

import torch
from torch import nn

from tests.training.sick import CLASSIFY, mlp
from torchplay.training import internals
from torchplay.training.diagnostics import BUDGET, Diagnostics


def _setup(epochs: int) -> tuple[nn.Sequential, Diagnostics]:
    torch.manual_seed(0)
    model = mlp([8, 8, 2], nn.ReLU)
    x, y = torch.randn(200, 2), torch.randint(0, 2, (200,))
    model(x).sum().backward()  # gradients, as after a step
    return model, Diagnostics.start(model, x, y, CLASSIFY, epochs)


def test_short_epochs_are_looked_at_within_the_budget() -> None:
    model, diagnostics = _setup(epochs=40)
    norms = internals.layer_norms(model)
    sets = [diagnostics.after_epoch(epoch, 0.6, 0.6, norms, epoch_s=1e-4).histograms for epoch in range(1, 41)]
    assert sets[0] is not None and sets[-1] is not None  # the first and the last epoch, always
    assert sum(s is not None for s in sets) < 20  # in between, only as often as the budget allows
    assert diagnostics.spent_s <= BUDGET * diagnostics.trained_s + 0.05  # ≤ the budget, plus the two forced looks


def test_long_epochs_get_every_due_set() -> None:
    model, diagnostics = _setup(epochs=250)
    norms = internals.layer_norms(model)
    due = [e for e in range(1, 251) if diagnostics.after_epoch(e, 0.6, 0.6, norms, epoch_s=10.0).histograms]
    assert due == [1, *range(3, 250, 3), 250]  # every ceil(250 / 100) = 3 epochs, and the first and last
    assert diagnostics.spent_s < BUDGET * diagnostics.trained_s


def test_a_put_off_set_comes_at_the_next_look() -> None:
    model, diagnostics = _setup(epochs=10)
    norms = internals.layer_norms(model)
    assert diagnostics.after_epoch(1, 0.6, 0.6, norms, epoch_s=1e-6).histograms is not None  # forced
    assert diagnostics.after_epoch(2, 0.6, 0.6, norms, epoch_s=1e-6).histograms is None  # over budget
    late = diagnostics.after_epoch(3, 0.6, 0.6, norms, epoch_s=1e3)  # a long epoch: budget again
    assert late.histograms is not None and {h.layer for h in late.histograms} == {0, 1, 2, 3, 4}
