"""What plugs into the epoch loop: a learner trains one epoch and evaluates it.

`LearnerBase` is the set-up both learners share (resident data, batching, the shuffle
generator, seeded weights), so a supervised and an adversarial run of the same job see
the same data in the same order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import torch
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

from torchplay.planning import PlannedJob
from torchplay.training import optim
from torchplay.training.checkpoint import RunState
from torchplay.training.objectives import Objective
from torchplay.training.resident import load_placed, load_resident
from torchplay.training.snapshots import SnapshotContext

if TYPE_CHECKING:
    from torchplay.training.diagnostics import Diagnostics
    from torchplay.training.loop import EpochLoop


@dataclass
class TrainedEpoch:
    """What one epoch of training gave, before evaluation."""

    losses: dict[str, float]  # as reported; must stay finite, named as a divergence error names them
    correct: torch.Tensor | None = None  # correct training predictions, on the device (accuracy tasks)
    metrics: dict[str, float] = field(default_factory=dict)
    # The epoch's loss per sample, whatever the job reports (an epoch's sum, its last batch):
    # what the doctor judges, divided by `examined_terms` (what a summed loss adds up per
    # sample) to the mean-reduced scale its references have. None: the reported loss.
    examined_loss: float | None = None
    examined_terms: float = 1.0


@dataclass
class EpochResult:
    train_loss: float
    val_loss: float | None
    metrics: dict[str, float]
    monitored: float  # what a plateau scheduler watches: val loss, else train loss


class Learner(Protocol):
    run_state: RunState  # what a checkpoint holds and a resume restores
    snapshots: SnapshotContext
    # Resident on the training device, or batches copied from pinned host memory; None
    # where there was nothing to decide (the host is the device).
    data_on_device: bool | None

    def train_epoch(self, loop: EpochLoop) -> TrainedEpoch | None:
        """One pass over the training data; None when a stop arrived mid-epoch. Between
        batches: `loop.control.poll()` (stop) and `loop.apply_changes()` (live changes)."""
        ...

    def evaluate(self, trained: TrainedEpoch) -> EpochResult: ...

    def diagnostics(self) -> Diagnostics | None:
        """The training doctor's view of this run, set up before the first step (None: not examined)."""
        ...


class LearnerBase:
    streams = False  # whether its epochs can batch from host memory (else the data is always resident)

    def __init__(self, plan: PlannedJob, device: torch.device, data_dir: Path, data_budget: int | None = None) -> None:
        """`data_budget`: bytes the data may take on the device (default: the device's own)."""
        self.plan, self.job, self.device = plan, plan.request, device
        self.objective = Objective.of(plan)
        if self.streams:
            placed = load_placed(plan, self.objective, device, data_dir, data_budget)
            self.data, self.data_on_device = placed.data, placed.reported
            self.streamed = not placed.on_device  # batches copied from the host, one at a time
        else:
            self.data, self.streamed = load_resident(plan, self.objective, device, data_dir), False
            self.data_on_device = True if device.type == "cuda" else None
        n = len(self.data.x_train)
        self.batch_size = min(self.job.batch_size or n, n)
        self.steps_per_epoch = math.ceil(n / self.batch_size)
        # The batches' order has its own generator, seeded apart from the weights.
        self.shuffle = torch.Generator(device=self.data.x_train.device).manual_seed(self.job.seed)
        torch.manual_seed(self.job.seed)  # right before the nets are built: the same seed, the same weights

    def diagnostics(self) -> Diagnostics | None:
        return None  # a learner the doctor cannot read (two nets, two losses) is not examined

    def build_schedulers(self, optimizers: dict[str, torch.optim.Optimizer]) -> dict[str, optim.Scheduler | None]:
        return {
            name: optim.build_scheduler(self.job.scheduler, opt, self.job.epochs, self.steps_per_epoch)
            for name, opt in optimizers.items()
        }

    def batch_schedulers(self, schedulers: dict[str, optim.Scheduler | None]) -> list[LRScheduler]:
        """The schedulers stepped after every batch (the loop steps the others per epoch;
        one watching the loss never steps per batch)."""
        spec = self.job.scheduler
        if spec is None or spec.steps_every != "batch":
            return []
        return [s for s in schedulers.values() if s is not None and not isinstance(s, ReduceLROnPlateau)]
