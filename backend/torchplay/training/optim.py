"""Optimizer and scheduler construction from their specs (torch names, torch keywords)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

from torchplay.spec.job import _Optimizer, _Scheduler

# Fields a learner may change while training runs (PATCH /api/jobs/{id}).
LIVE_FIELDS = ("lr", "momentum", "weight_decay")


def build_optimizer(spec: _Optimizer, params: Any, device: torch.device) -> torch.optim.Optimizer:
    kwargs = spec.model_dump(exclude={"type"})
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    cls = getattr(torch.optim, spec.type)  # type: ignore[attr-defined]
    # foreach fuses the per-parameter updates into a few kernels: fewer launches per step.
    if spec.type != "Adagrad" or device.type != "cpu":  # type: ignore[attr-defined]
        kwargs["foreach"] = True
    return cls(params, **kwargs)


def build_scheduler(
    spec: _Scheduler | None, optimizer: torch.optim.Optimizer, epochs: int, steps_per_epoch: int
) -> LRScheduler | ReduceLROnPlateau | None:
    if spec is None:
        return None
    kwargs = spec.model_dump(exclude={"type"})
    name = spec.type  # type: ignore[attr-defined]
    if name == "CosineAnnealingLR" and kwargs["T_max"] is None:
        kwargs["T_max"] = epochs
    if name == "OneCycleLR":
        kwargs.update(epochs=epochs, steps_per_epoch=steps_per_epoch)
    return getattr(torch.optim.lr_scheduler, name)(optimizer, **kwargs)


def steps_per_batch(scheduler: object) -> bool:
    """OneCycleLR advances every batch; the others once per epoch."""
    return type(scheduler).__name__ == "OneCycleLR"


def apply_live_changes(optimizer: torch.optim.Optimizer, changes: dict[str, Any]) -> dict[str, Any]:
    """Set safe hyperparameters on every param group; return what was applied."""
    applied = {}
    for key, value in changes.items():
        if key in LIVE_FIELDS and key in optimizer.param_groups[0]:
            for group in optimizer.param_groups:
                group[key] = value
            applied[key] = value
    return applied


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
