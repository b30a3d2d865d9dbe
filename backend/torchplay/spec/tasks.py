"""What each task asks of its targets and its loss: one table, read by the trainer and the
exported script alike (neither decides it again)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from torchplay.spec.job import LOSS_KEYWORDS, LossParams

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
    losses: tuple[str, ...]  # the usual losses for these targets; the first is the task's default
    targets: Targets
    correct: Correct | None  # None: the task has no accuracy
    # Losses that run on these targets too, though they are not the usual choice: each with
    # what the plan's warning says about it. A loss in neither would crash in torch.
    unusual: dict[str, tuple[str, str]] = field(default_factory=dict)  # loss → (en, zh)

    @property
    def accepted(self) -> tuple[str, ...]:
        return (*self.losses, *self.unusual)


_REGRESSION_LOSSES = ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss")

_ON_PROBABILITIES = (
    "{loss} on 0/1 targets runs (tutorials do it with a Sigmoid output), but its gradient fades "
    "where the sigmoid saturates; BCEWithLogitsLoss on a plain output (or BCELoss after a Sigmoid) "
    "is the usual choice",
    "{loss} 用在 0/1 目标上可以运行（教程里配合 Sigmoid 输出这样做），但在 sigmoid 饱和处梯度会变得很小；"
    "通常的选择是普通输出配 BCEWithLogitsLoss（或 Sigmoid 之后配 BCELoss）",
)

TASKS: dict[str, TaskRule] = {
    "regression": TaskRule(
        _REGRESSION_LOSSES,
        "values",
        None,
        {
            "CrossEntropyLoss": (
                "CrossEntropyLoss on float targets reads each row as class probabilities "
                "(they should be ≥ 0 and add up to 1); for values to fit, use MSELoss",
                "CrossEntropyLoss 用在浮点目标上时，会把每一行当作类别概率（应当 ≥ 0 且和为 1）；要拟合数值，请用 MSELoss",
            ),
        },
    ),
    "classification": TaskRule(("CrossEntropyLoss", "NLLLoss"), "classes", "argmax"),
    "binary": TaskRule(
        ("BCEWithLogitsLoss", "BCELoss"),
        "column",
        "threshold",
        {
            name: (_ON_PROBABILITIES[0].format(loss=name), _ON_PROBABILITIES[1].format(loss=name))
            for name in ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss")
        },
    ),
    "reconstruction": TaskRule(_REGRESSION_LOSSES, "inputs", None),
    "gan": TaskRule(("BCEWithLogitsLoss",), "inputs", None),
}
LOSSES_BY_TASK: dict[str, tuple[str, ...]] = {task: rule.losses for task, rule in TASKS.items()}
ACCEPTED_LOSSES_BY_TASK: dict[str, tuple[str, ...]] = {task: rule.accepted for task, rule in TASKS.items()}

# Losses whose inputs are probabilities, not logits: predictions need no squashing, and a
# binary hit is an output over 0.5 rather than over 0 (a regression loss on 0/1 targets
# compares the output itself with them).
PROBABILITY_LOSSES = frozenset({"BCELoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss"})


def threshold(loss: str) -> float:
    """Where a binary model's single output flips from class 0 to class 1."""
    return 0.5 if loss in PROBABILITY_LOSSES else 0.0


def loss_kwargs(loss: str, params: LossParams) -> dict[str, Any]:
    """The keyword arguments the loss's constructor gets: the ones set, torch's defaults left out."""
    kwargs: dict[str, Any] = {"reduction": params.reduction} if params.reduction != "mean" else {}
    for name, losses in LOSS_KEYWORDS.items():
        value = getattr(params, name)
        if value is not None and loss in losses:
            kwargs[name] = value
    return kwargs
