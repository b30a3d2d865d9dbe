"""The doctor's checks on a planned job before (or beside) training: the learning-rate
range test and overfit-one-batch, each on a throwaway copy of the job's seeded network.

Both run on the CPU with a bounded amount of work (`lr_finder.STEPS` batches, at most
`MAX_ROWS` rows each; `overfit.STEPS` steps on one batch), on a plan that was already
size-checked, so a request costs about as much as a few epochs of a small job.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from torchplay.models import build_model
from torchplay.planning import PlannedJob
from torchplay.training import optim
from torchplay.training.lr_finder import range_test
from torchplay.training.objectives import Objective
from torchplay.training.overfit import overfit_batch
from torchplay.training.resident import load_resident

MAX_ROWS = 256  # rows per range-test batch, whatever the job's batch size


class CheckUnavailable(Exception):
    """The check does not apply to this job (a GAN: two nets, two losses)."""


def find_lr(plan: PlannedJob, data_dir: Path) -> dict[str, Any]:
    """The range test of the job's network and optimizer: the loss-vs-lr curve and a suggested lr."""
    model, loss_fn, make, x, y = _setup(plan, data_dir)
    batch = min(plan.request.batch_size or len(x), MAX_ROWS)
    result = range_test(model, loss_fn, make, x, y, batch, seed=plan.request.seed, grad_clip=plan.request.grad_clip)
    return result.to_json()


def check_overfit(plan: PlannedJob, data_dir: Path) -> dict[str, Any]:
    """Overfit one batch with the job's optimizer; failing it comes with the finding that says why."""
    model, loss_fn, make, x, y = _setup(plan, data_dir)
    result = overfit_batch(model, loss_fn, make, x, y, grad_clip=plan.request.grad_clip)
    out = result.to_json() | {"finding": result.finding.to_event() if result.finding else None}
    # A loss that overflowed is null on the wire (the finding's evidence spells it "nan").
    out["start_loss"], out["final_loss"] = _finite(result.start_loss), _finite(result.final_loss)
    out["losses"] = [_finite(loss) for loss in result.losses]
    return out


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _setup(plan: PlannedJob, data_dir: Path) -> tuple[nn.Module, nn.Module, Any, torch.Tensor, torch.Tensor]:
    if "model" not in plan.models:
        raise CheckUnavailable("this check is for single-model jobs; a GAN trains two nets in turn")
    objective = Objective.of(plan)
    device = torch.device("cpu")
    loaded = load_resident(plan, objective, device, data_dir)
    torch.manual_seed(plan.request.seed)  # as the trainer does right before it builds the net
    model = build_model(plan.spec("model"), device)
    spec = plan.request.optimizer

    def make(params: Iterable[nn.Parameter]) -> torch.optim.Optimizer:
        return optim.build_optimizer(spec, params, device)

    return model, objective.make_loss(), make, loaded.x_train, loaded.y_train
