"""What a task means for the loop: target format, loss, prediction and metrics.

The loop stays task-agnostic: it asks the objective to turn raw dataset targets into
what the loss wants, and to count correct predictions on device (no per-batch sync). The
rules themselves are `spec.tasks.TASKS`, which the exported script reads too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch
from torch import nn

from torchplay.spec.job import LossParams
from torchplay.spec.tasks import PROBABILITY_LOSSES, TASKS, TaskRule, loss_kwargs, threshold

if TYPE_CHECKING:
    from torchplay.planning import PlannedJob


@dataclass(frozen=True)
class Objective:
    task: str
    loss_name: str
    params: LossParams = field(default_factory=LossParams)

    @classmethod
    def of(cls, plan: PlannedJob) -> Objective:
        return cls(plan.task, plan.loss, plan.request.loss_params)

    @property
    def rule(self) -> TaskRule:
        return TASKS[self.task]

    @property
    def counts_accuracy(self) -> bool:
        return self.rule.correct is not None

    def make_loss(self, device: torch.device | None = None, *, mean: bool = False) -> nn.Module:
        """The job's loss with its keyword arguments; `mean`: averaged over the batch whatever
        the job's reduction (the doctor's scale, held-out losses per sample)."""
        kwargs = loss_kwargs(self.loss_name, self.params)
        if mean:
            kwargs["reduction"] = "mean"
        if "pos_weight" in kwargs:
            kwargs["pos_weight"] = torch.tensor(kwargs["pos_weight"], dtype=torch.float32, device=device)
        loss: nn.Module = getattr(nn, self.loss_name)(**kwargs)
        return loss

    @property
    def sums(self) -> bool:
        """The loss adds up its batch rather than averaging it."""
        return self.params.reduction == "sum"

    def targets(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """A split's dataset targets → the loss's format, on the inputs' device (done once,
        on the whole resident tensor)."""
        kind = self.rule.targets
        if kind == "inputs":
            return x
        y = y.to(x.device)
        if kind == "column":
            return y.float().reshape(-1, 1)
        if kind == "classes" and y.is_floating_point():  # whole-number values used as labels
            return y.reshape(-1).long()
        return y

    def correct(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Number of correct predictions in a batch, as a device tensor."""
        if self.rule.correct == "threshold":
            return ((output > threshold(self.loss_name)).float() == target).sum()
        return (output.argmax(dim=1) == target).sum()

    def probabilities(self, output: torch.Tensor) -> torch.Tensor:
        """Class probabilities (batch, classes) from model outputs, for snapshots and predict."""
        if self.task == "binary":
            p = output.clamp(0.0, 1.0) if self.loss_name in PROBABILITY_LOSSES else torch.sigmoid(output)
            p = p.reshape(-1, 1)
            return torch.cat([1 - p, p], dim=1)
        if self.loss_name == "NLLLoss":
            return output.exp()
        return torch.softmax(output, dim=1)
