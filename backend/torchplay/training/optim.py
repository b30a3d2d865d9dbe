"""Optimizer and scheduler construction from their specs (torch names, torch keywords).

When a scheduler steps, and which arguments it takes from the run, are entries on its
spec class (`steps_every`, `monitors_loss`, `from_run`): the exported script reads them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import nn
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

from torchplay.spec.job import _Optimizer, _Scheduler

# Fields a learner may change while training runs (PATCH /api/jobs/{id}).
LIVE_FIELDS = ("lr", "momentum", "weight_decay")

Scheduler = LRScheduler | ReduceLROnPlateau


def build_optimizer(spec: _Optimizer, params: Iterable[nn.Parameter], device: torch.device) -> torch.optim.Optimizer:
    kwargs = spec.model_dump(exclude={"type"})
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    cls = getattr(torch.optim, spec.type)
    # foreach fuses the per-parameter updates into a few kernels: fewer launches per step.
    if spec.type != "Adagrad" or device.type != "cpu":
        kwargs["foreach"] = True
    optimizer: torch.optim.Optimizer = cls(params, **kwargs)
    return optimizer


def build_scheduler(
    spec: _Scheduler | None, optimizer: torch.optim.Optimizer, epochs: int, steps_per_epoch: int
) -> Scheduler | None:
    if spec is None:
        return None
    kwargs = spec.model_dump(exclude={"type"})
    run = {"epochs": epochs, "steps_per_epoch": steps_per_epoch}
    for name, source in spec.from_run.items():
        if kwargs.get(name) is None:
            kwargs[name] = run[source]
    scheduler: Scheduler = getattr(torch.optim.lr_scheduler, spec.type)(optimizer, **kwargs)
    return scheduler


def apply_live_changes(optimizer: torch.optim.Optimizer, changes: dict[str, Any]) -> dict[str, Any]:
    """Set safe hyperparameters on every param group; return what was applied."""
    applied = {}
    for key, value in changes.items():
        if key in LIVE_FIELDS and key in optimizer.param_groups[0]:
            for group in optimizer.param_groups:
                group[key] = value
            applied[key] = value
    return applied
