"""What the epoch loop asks of the doctor once an epoch, within a bounded share of the time.

The loop hands over what it has (losses, the epoch event's layer norms, how long the epoch
took); this returns the new findings and, on the epochs `histograms.due` picks, the
histogram set. The probe's forward pass is the only real work: it runs only while the
time spent here stays under `BUDGET` of the time spent training, so a tiny network whose
epoch lasts a few milliseconds is looked at every few epochs instead of every one, and a
big one every epoch (its probe is small next to its epoch).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from torchplay.training import histograms
from torchplay.training.doctor import Doctor, Vitals, constant_guess_loss
from torchplay.training.findings import Finding
from torchplay.training.objectives import Objective
from torchplay.training.probe import LayerHistograms, Probe

BUDGET = 0.05  # the doctor and histograms may take 5 % of the training time


@dataclass(frozen=True)
class Examined:
    findings: list[Finding]
    histograms: list[LayerHistograms] | None  # None: no set this epoch


@dataclass
class Diagnostics:
    model: nn.Sequential
    probe: Probe
    doctor: Doctor
    epochs: int
    spent_s: float = 0.0  # time taken here so far
    trained_s: float = 0.0  # time the loop spent training and evaluating so far
    histograms_owed: bool = field(default=False)  # a due set was put off by the budget

    @classmethod
    def start(
        cls, model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, objective: Objective, epochs: int
    ) -> Diagnostics:
        """Before the first step: pick the probe rows and measure where the loss starts."""
        began = time.perf_counter()
        probe = Probe(model, x, y)
        doctor = Doctor(constant_guess_loss(objective, y), probe.loss(objective.make_loss(y.device, mean=True)))
        return cls(model, probe, doctor, epochs, spent_s=time.perf_counter() - began)

    def after_epoch(
        self, epoch: int, train_loss: float, val_loss: float | None, norms: list[dict[str, Any]], epoch_s: float
    ) -> Examined:
        """`epoch_s`: how long the epoch took to train and evaluate (what the budget is measured against)."""
        began = time.perf_counter()
        self.trained_s += epoch_s
        self.histograms_owed |= histograms.due(epoch, self.epochs)
        within = self.spent_s <= BUDGET * self.trained_s
        reading = None
        if within or epoch in (1, self.epochs):  # the first and last epochs are always looked at
            reading = self.probe.look(with_histograms=self.histograms_owed)
        findings = self.doctor.examine(Vitals(epoch, train_loss, val_loss, norms, reading))
        sets = None
        if reading is not None and self.histograms_owed:
            sets, self.histograms_owed = reading.histograms, False
        self.spent_s += time.perf_counter() - began
        return Examined(findings, sets)
