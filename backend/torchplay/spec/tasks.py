"""What each task asks of its targets and its loss: one table, read by the trainer and the
exported script alike (neither decides it again)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How a dataset's targets become the loss's targets:
# - "classes": class indices as stored (int64, (n,));
# - "column": one float per row, (n, 1) (binary: 0.0 / 1.0 against one logit);
# - "values": the float targets as stored (regression, (n, targets));
# - "inputs": the inputs themselves (an autoencoder rebuilds them; a GAN learns them).
Targets = Literal["classes", "column", "values", "inputs"]
# How accuracy counts a hit: the largest score is the class, or one output over a threshold.
Correct = Literal["argmax", "threshold"]


@dataclass(frozen=True)
class TaskRule:
    losses: tuple[str, ...]  # what the targets allow; the first is the task's default
    targets: Targets
    correct: Correct | None  # None: the task has no accuracy


_REGRESSION_LOSSES = ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss")

TASKS: dict[str, TaskRule] = {
    "regression": TaskRule(_REGRESSION_LOSSES, "values", None),
    "classification": TaskRule(("CrossEntropyLoss", "NLLLoss"), "classes", "argmax"),
    "binary": TaskRule(("BCEWithLogitsLoss", "BCELoss"), "column", "threshold"),
    "reconstruction": TaskRule(_REGRESSION_LOSSES, "inputs", None),
    "gan": TaskRule(("BCEWithLogitsLoss",), "inputs", None),
}
LOSSES_BY_TASK: dict[str, tuple[str, ...]] = {task: rule.losses for task, rule in TASKS.items()}

# Losses whose inputs are probabilities, not logits: predictions need no squashing, and a
# binary hit is an output over 0.5 rather than over 0.
PROBABILITY_LOSSES = frozenset({"BCELoss"})


def threshold(loss: str) -> float:
    """Where a binary model's single output flips from class 0 to class 1."""
    return 0.5 if loss in PROBABILITY_LOSSES else 0.0
