"""The doctor's rewind: the last good weights kept in memory, and the way back to them.

Only a job that opts in (`doctor.on_divergence: "rewind"`) pays for it: after every epoch
that did not diverge, a copy of each net's and optimizer's state stays on the device (a
clone is small next to an epoch's work). When the loss blows up, training goes back to
that copy with every learning rate cut by the policy's factor and carries on.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import torch

from torchplay.training.checkpoint import RunState


@dataclass
class LastGood:
    epoch: int = 0  # 0: the weights training started from
    models: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    optimizers: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, run: RunState, epoch: int) -> LastGood:
        kept = cls(epoch)
        kept.keep(run, epoch)
        return kept

    def keep(self, run: RunState, epoch: int) -> None:
        self.epoch = epoch
        with torch.no_grad():
            self.models = {
                name: {k: v.detach().clone() for k, v in m.state_dict().items()} for name, m in run.models.items()
            }
        self.optimizers = {name: copy.deepcopy(opt.state_dict()) for name, opt in run.optimizers.items()}

    def restore(self, run: RunState, lr_factor: float) -> float:
        """Load the kept state into `run`, with every learning rate `lr_factor` times the one
        it trained with just now; return the first optimizer's new rate."""
        lrs = {name: [g["lr"] * lr_factor for g in opt.param_groups] for name, opt in run.optimizers.items()}
        for name, model in run.models.items():
            model.load_state_dict(self.models[name])
        for name, opt in run.optimizers.items():
            opt.load_state_dict(copy.deepcopy(self.optimizers[name]))  # the copy stays for another rewind
            for group, lr in zip(opt.param_groups, lrs[name], strict=True):
                group["lr"] = lr
        for scheduler in run.schedulers.values():
            # A scheduler that computes lr from its base rates would undo the cut at its next step.
            if scheduler is not None and hasattr(scheduler, "base_lrs"):
                scheduler.base_lrs = [lr * lr_factor for lr in scheduler.base_lrs]
        return next(iter(lrs.values()))[0]
