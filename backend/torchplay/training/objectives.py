"""What a task means for the loop: target format, loss, prediction and metrics.

The loop stays task-agnostic: it asks the objective to turn raw dataset targets into
what the loss wants, and to count correct predictions on device (no per-batch sync).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

# Losses whose inputs are probabilities, not logits: predictions need no squashing.
_PROBABILITY_LOSSES = {"BCELoss"}


@dataclass
class Objective:
    task: str
    loss_name: str

    @property
    def counts_accuracy(self) -> bool:
        return self.task in ("classification", "binary")

    def make_loss(self) -> nn.Module:
        return getattr(nn, self.loss_name)()

    def prepare_targets(self, y: torch.Tensor) -> torch.Tensor:
        """Dataset targets → the loss's format (done once, on the whole resident tensor)."""
        if self.task == "binary":
            return y.float().reshape(-1, 1)
        return y

    def correct(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Number of correct predictions in a batch, as a device tensor."""
        if self.task == "binary":
            threshold = 0.5 if self.loss_name in _PROBABILITY_LOSSES else 0.0
            return ((output > threshold).float() == target).sum()
        return (output.argmax(dim=1) == target).sum()

    def probabilities(self, output: torch.Tensor) -> torch.Tensor:
        """Class probabilities (batch, classes) from model outputs, for snapshots and predict."""
        if self.task == "binary":
            p = output if self.loss_name in _PROBABILITY_LOSSES else torch.sigmoid(output)
            p = p.reshape(-1, 1)
            return torch.cat([1 - p, p], dim=1)
        if self.loss_name == "NLLLoss":
            return output.exp()
        return torch.softmax(output, dim=1)
