"""Supervised learning: batches of inputs and targets, one model, one loss.

Hot path habits: data resident on the device, batches by slicing a shuffled index,
`zero_grad(set_to_none=True)`, foreach optimizers, and no host sync per batch: losses and
correct counts accumulate on the device and are read once per epoch.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from torchplay.models import build_model
from torchplay.planning import PlannedJob
from torchplay.planning.memory import EVAL_CHUNK
from torchplay.training import amp, compiled_step, optim
from torchplay.training.checkpoint import RunState
from torchplay.training.diagnostics import Diagnostics
from torchplay.training.fast_step import TrainStep
from torchplay.training.learner import EpochResult, LearnerBase, TrainedEpoch
from torchplay.training.notes import Note
from torchplay.training.snapshots import SnapshotContext, snapshot_sample

if TYPE_CHECKING:
    from torchplay.training.loop import EpochLoop

PREGATHER_BYTES = 64 << 20  # shuffle a training split up to this size once per epoch, not per batch
LOSS_FOLD = 1024  # batch losses kept on the device before they are summed


class SupervisedLearner(LearnerBase):
    streams = True

    def __init__(self, plan: PlannedJob, device: torch.device, data_dir: Path, data_budget: int | None = None) -> None:
        super().__init__(plan, device, data_dir, data_budget)
        self.model = build_model(plan.spec("model"), device)
        self.loss_fn = self.objective.make_loss(device)
        # Held-out losses are per-sample means whatever the job's reduction.
        self.eval_loss_fn = self.objective.make_loss(device, mean=True)
        self.optimizer = optim.build_optimizer(self.job.optimizer, self.model.parameters(), device)
        self.schedulers = self.build_schedulers({"model": self.optimizer})
        self.scheduler = self.schedulers["model"]
        self.per_batch = self.batch_schedulers(self.schedulers)
        self.run_state = RunState(
            {"model": self.model}, {"model": self.optimizer}, self.schedulers, {"shuffle": self.shuffle}
        )
        # Plans stored before rows were sized to memory take the old fixed chunk.
        self.eval_rows = plan.eval_rows or EVAL_CHUNK
        # Streamed data: snapshots read a resident sample (their rows), never the host copy.
        shown = snapshot_sample(self.data, device) if self.streamed else self.data
        self.snapshots = SnapshotContext({"model": self.model}, shown, self.objective, chunk_rows=self.eval_rows)
        self._gathered: tuple[torch.Tensor, torch.Tensor] | None = None  # streamed: pinned shuffled splits
        self.train_step: TrainStep | compiled_step.CompiledStep | None = None

    def diagnostics(self) -> Diagnostics | None:
        return Diagnostics.start(self.model, self.data.x_train, self.data.y_train, self.objective, self.job.epochs)

    def train_epoch(self, loop: EpochLoop) -> TrainedEpoch | None:
        x, y = self.data.x_train, self.data.y_train
        n, bs = len(x), self.batch_size
        step = self._step(loop)
        per_batch_scheduler = self.per_batch[0] if self.per_batch else None
        correct = torch.zeros((), device=self.device) if self.objective.counts_accuracy else None
        control = loop.control
        self.model.train()
        order: torch.Tensor | None = None
        if bs < n and self.job.shuffle:
            order = torch.randperm(n, device=x.device, generator=self.shuffle)
            if self.streamed:
                x, y, order = *self._gather_pinned(x, y, order), None
            elif x.nelement() * x.element_size() <= PREGATHER_BYTES:
                # One gather per epoch, then batches are views: the same rows, fewer ops per step.
                x, y, order = x[order], y[order], None
        # Losses stay on the device (no sync per batch) and are added up once per epoch.
        losses: list[torch.Tensor] = []
        raw_sum = torch.zeros((), device=self.device)  # the batches' losses as the loss gave them
        for start in range(0, n, bs):
            if control.poll():
                return None
            if control.changes:
                loop.apply_changes()
            if order is None:
                xb, yb = x[start : start + bs], y[start : start + bs]
            else:
                index = order[start : start + bs]
                xb, yb = x[index], y[index]
            if self.streamed:
                xb, yb = self._to_device(xb, yb)
            loss, out = step(xb, yb)
            if per_batch_scheduler is not None:
                per_batch_scheduler.step()
            losses.append(loss.detach())
            if correct is not None:
                correct += self.objective.correct(out.detach(), yb)
            if len(losses) == LOSS_FOLD and start + bs < n:
                raw_sum += torch.stack(losses).sum()
                losses.clear()
        last = n - (math.ceil(n / bs) - 1) * bs  # only the epoch's last batch can be short
        last_loss = losses[-1]
        if len(losses) > 1:
            raw_sum += torch.stack(losses[:-1]).sum()
        if self.objective.sums:
            raw_sum += last_loss
            per_sample = raw_sum / n
        else:  # batch means weighted by their rows: the mean over the epoch's samples
            per_sample = (raw_sum * bs + last_loss * last) / n
            raw_sum += last_loss
        reported = {"epoch_mean": per_sample, "epoch_sum": raw_sum, "last_batch": last_loss}[self.job.loss_report]
        values = torch.stack([reported.float(), per_sample.float()]).tolist()  # one host sync for both
        terms = self._per_sample_terms
        return TrainedEpoch({"loss": values[0]}, correct, examined_loss=values[1], examined_terms=terms)

    def evaluate(self, trained: TrainedEpoch) -> EpochResult:
        train_loss = trained.losses["loss"]
        val_loss, val_correct = self._held_out()
        metrics: dict[str, float] = {}
        if trained.correct is not None:
            metrics["train_accuracy"] = trained.correct.item() / len(self.data.x_train)
            held_out = val_correct.item() / len(self.data.x_test) if val_correct is not None else None
            metrics["accuracy"] = metrics["train_accuracy"] if held_out is None else held_out
        return EpochResult(train_loss, val_loss, metrics, val_loss if val_loss is not None else train_loss)

    def _held_out(self) -> tuple[float | None, torch.Tensor | None]:
        x, y = self.data.x_test, self.data.y_test
        if not len(x):
            return None, None
        self.model.eval()
        loss_sum = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device) if self.objective.counts_accuracy else None
        with torch.no_grad(), amp.autocast(self.job.amp, self.device):
            for start in range(0, len(x), self.eval_rows):
                xb, yb = x[start : start + self.eval_rows], y[start : start + self.eval_rows]
                if self.streamed:
                    xb, yb = self._to_device(xb, yb)
                out = self.model(xb)
                loss_sum += self.eval_loss_fn(out, yb) * len(xb)
                if correct is not None:
                    correct += self.objective.correct(out, yb)
        self.model.train()
        return (loss_sum / len(x)).item() * self._per_sample_terms, correct

    @property
    def _per_sample_terms(self) -> float:
        """What a summed loss adds up per sample (a mean-reduced one averages them too): every
        target value for element-wise losses, one for the class losses. Held-out losses are
        scaled by it so they read like the training loss."""
        if not self.objective.sums or self.objective.loss_name in ("CrossEntropyLoss", "NLLLoss"):
            return 1.0
        y = self.data.y_train
        return float(y[0].numel()) if len(y) else 1.0

    def _gather_pinned(
        self, x: torch.Tensor, y: torch.Tensor, order: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Streamed data shuffled once per epoch into the same page-locked buffers, so every
        batch is a contiguous pinned slice that copies asynchronously."""
        if self._gathered is None:
            pin = x.is_pinned()
            gx = torch.empty(x.shape, dtype=x.dtype, pin_memory=pin)
            gy = gx if y is x else torch.empty(y.shape, dtype=y.dtype, pin_memory=pin)
            self._gathered = gx, gy
        elif self.device.type == "cuda":  # last epoch's copies may still read the buffers
            torch.cuda.current_stream(self.device).synchronize()
        gx, gy = self._gathered
        torch.index_select(x, 0, order, out=gx)
        if gy is not gx:
            torch.index_select(y, 0, order, out=gy)
        return gx, gy

    def _to_device(self, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A streamed batch onto the device, the copy queued behind the running kernels."""
        moved = xb.to(self.device, non_blocking=True)
        same = yb.data_ptr() == xb.data_ptr() and yb.shape == xb.shape  # an autoencoder's targets
        return moved, moved if same else yb.to(self.device, non_blocking=True)

    def _step(self, loop: EpochLoop) -> TrainStep | compiled_step.CompiledStep:
        """The train step, built on first use (after a resume has restored the optimizer)."""
        step = self.train_step
        if step is None or step.optimizer is not self.optimizer:
            eager = TrainStep(self.model, self.loss_fn, self.optimizer, self.job.grad_clip, self.scheduler is not None)
            eager = amp.apply_to_step(eager, self.job.amp, self.device)
            step = self.train_step = self._compiled(eager, loop) or eager
        return step

    def _compiled(self, step: TrainStep, loop: EpochLoop) -> compiled_step.CompiledStep | None:
        """The whole step compiled, when the job asks for it and it applies; says how it went."""
        steps = self.job.epochs * self.steps_per_epoch
        if not compiled_step.wanted(self.job.compile, steps) or amp.active(self.job.amp, self.device):
            return None
        reason = compiled_step.unsupported_reason(step)
        if reason is None:
            try:
                compiled = compiled_step.CompiledStep(step)
                xb, yb = self.data.x_train[: self.batch_size], self.data.y_train[: self.batch_size]
                seconds = compiled.warm_up(xb.to(self.device), yb.to(self.device))  # streamed data: a host slice
            except Exception as exc:  # no C++ compiler, an op inductor lacks, …: train eagerly
                reason = f"torch.compile failed ({type(exc).__name__}: {str(exc)[:200]})"
            else:
                note = Note(
                    f"training step compiled with torch.compile in {seconds:.1f} s",
                    f"训练步骤已用 torch.compile 编译，用时 {seconds:.1f} 秒",
                )
                loop.announce(compiled=True, compile_s=seconds, note=note)
                return compiled
        if self.job.compile:  # asked for explicitly: say why not (automatic attempts stay quiet)
            loop.announce(compiled=False, note=Note(f"not compiled: {reason}", f"未编译：{reason}"))
        return None
