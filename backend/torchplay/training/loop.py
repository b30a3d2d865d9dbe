"""The epoch loop every job runs, whatever it learns.

A `Learner` (`training/learner.py`) knows how to train one epoch (supervised: batches of
inputs and targets; adversarial: a generator against a discriminator) and how to evaluate
it. The loop owns
everything between epochs, the same for all of them: stop and pause, live changes,
divergence, the epoch-stepped schedulers, the epoch and snapshot events and their
cadence, early stopping, and checkpoints (and the way back into one after a restart).

It knows nothing of HTTP, processes or storage: whoever runs it passes `emit` (called
with one event at a time) and a `Control`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import torch

from torchplay.planning import PlannedJob
from torchplay.spec.events import ChangedEvent, EpochEvent, StatusEvent
from torchplay.spec.snapshots import SNAPSHOT_KINDS
from torchplay.spec.wire import EventBase
from torchplay.training import amp, checkpoint, internals, optim
from torchplay.training.control import Control
from torchplay.training.learner import Learner
from torchplay.training.snapshots import take_snapshot

Emit = Callable[[EventBase], None]

SNAPSHOT_INTERVAL_S = 0.1  # at most ~10 snapshots a second, whatever snapshot_every says


class Diverged(Exception):
    pass


class EpochLoop:
    def __init__(
        self,
        plan: PlannedJob,
        learner: Learner,
        emit: Emit,
        control: Control,
        device: torch.device,
        checkpoint_dir: Path | None = None,
        resume_from: dict[str, Any] | None = None,
    ) -> None:
        self.plan, self.job, self.learner = plan, plan.request, learner
        self.emit, self.control, self.device = emit, control, device
        self.checkpoint_dir = checkpoint_dir  # None: no checkpoints (in-process runs, the CLI)
        self.last_checkpoint = -math.inf
        self.start_epoch = 1
        self.elapsed_before = 0.0  # seconds the run had trained before this process took it up
        self.resumed: dict[str, Any] = {}  # what the first status event says about a resume
        counters = self._restore(resume_from)
        self.best_val = float(counters.get("best_val", math.inf))
        self.stale = int(counters.get("stale", 0))
        self.snapshot_event = SNAPSHOT_KINDS[plan.snapshot_kind] if plan.snapshot_kind else None
        scheduler = self.job.scheduler
        self.epoch_schedulers = [
            s for s in learner.run_state.schedulers.values() if s is not None and scheduler.steps_every == "epoch"
        ] if scheduler is not None else []  # fmt: skip
        self.plateau = scheduler is not None and scheduler.monitors_loss

    def announce(self, status: Literal["running", "paused"] = "running", **fields: Any) -> None:
        """A status event: where the job trains, and any note on how."""
        self.emit(StatusEvent(status=status, device=str(self.device), **fields))

    def run(self) -> Literal["completed", "stopped"]:
        """Train to the end; return how it ended (divergence raises `Diverged`)."""
        fields = amp.status_fields(self.job.amp, self.device)
        notes = [note for note in (fields.pop("note", None), self.resumed.get("note")) if note]
        if notes:
            fields["note"] = "; ".join(notes)
        if self.resumed.get("epoch") is not None:
            fields["resumed_from"] = self.resumed["epoch"]
        self.announce(**fields)
        started = time.perf_counter() - self.elapsed_before  # elapsed_s continues across a resume
        last_snapshot = -math.inf
        epochs = self.job.epochs
        optimizer = next(iter(self.learner.run_state.optimizers.values()))  # the one whose lr is reported
        for epoch in range(self.start_epoch, epochs + 1):
            if self._hold():
                return "stopped"
            trained = self.learner.train_epoch(self)
            if trained is None:
                return "stopped"
            for name, value in trained.losses.items():
                if not math.isfinite(value):
                    raise Diverged(f"diverged: {name} is {'NaN' if math.isnan(value) else 'inf'} at epoch {epoch}")
            result = self.learner.evaluate(trained)
            lr = optimizer.param_groups[0]["lr"]
            self._step_schedulers(result.monitored)
            self.emit(
                EpochEvent(
                    epoch=epoch,
                    epochs=epochs,
                    train_loss=result.train_loss,
                    val_loss=result.val_loss,
                    metrics=result.metrics,
                    lr=lr,
                    elapsed_s=round(time.perf_counter() - started, 4),
                    time=round(time.time(), 4),  # wall clock: lets a viewer measure delivery delay
                    layer_norms=self._layer_norms(),
                    threads=torch.get_num_threads(),
                )
            )
            now = time.perf_counter()
            due = epoch % self.job.snapshot_every == 0 and now - last_snapshot >= SNAPSHOT_INTERVAL_S
            if self.snapshot_event is not None and (due or epoch in (self.start_epoch, epochs)):
                kind = self.snapshot_event.model_fields["kind"].default
                data = take_snapshot(kind, self.learner.snapshots)
                self.emit(self.snapshot_event.model_validate({"epoch": epoch, "data": data}))
                last_snapshot = now
            if self.job.early_stopping and result.val_loss is not None:
                if result.val_loss < self.best_val:
                    self.best_val, self.stale = result.val_loss, 0
                else:
                    self.stale += 1
                if self.stale >= self.job.early_stopping:
                    return "completed"
            self._checkpoint_if_due(epoch, started)
            if self.control.step_once:  # `step`: one epoch, then pause again
                self.control.step_once, self.control.paused = False, True
        return "completed"

    # --- between epochs -----------------------------------------------------------------------

    def _hold(self) -> bool:
        """Honour stop and pause (announcing a pause), live changes and the thread count;
        True to stop."""
        if self.control.poll():
            return True
        if self.control.paused:
            self.announce("paused")
            self.control.wait_while_paused()
            if self.control.stopping:
                return True
            self.announce("running")
        self.apply_changes()
        self._follow_threads()
        return False

    def _follow_threads(self) -> None:
        """The thread count the owner asked for (the cores shared by the jobs running now);
        changed only here, between epochs, never under a running kernel."""
        wanted = self.control.threads
        if wanted is not None and wanted != torch.get_num_threads():
            torch.set_num_threads(wanted)

    def apply_changes(self) -> None:
        """Live hyperparameter changes, to every optimizer (a GAN's two alike)."""
        changes = self.control.take_changes()
        if not changes:
            return
        applied: dict[str, Any] = {}
        for opt in self.learner.run_state.optimizers.values():
            applied = optim.apply_live_changes(opt, changes)
        if applied:
            self.emit(ChangedEvent(values=applied))

    def _step_schedulers(self, monitored: float) -> None:
        for scheduler in self.epoch_schedulers:
            if self.plateau:
                scheduler.step(monitored)
            else:
                scheduler.step()

    def _layer_norms(self) -> list[dict[str, Any]]:
        models = self.learner.run_state.models
        if len(models) == 1:
            return internals.layer_norms(next(iter(models.values())))
        return [{**norms, "net": net} for net, model in models.items() for norms in internals.layer_norms(model)]

    # --- checkpoints --------------------------------------------------------------------------

    def _restore(self, resume_from: dict[str, Any] | None) -> dict[str, Any]:
        """With `resume_from` (from the job manager after a restart: the epoch, and a note on
        why an older checkpoint than the newest was chosen), load that checkpoint into the
        learner and return the loop's counters saved with it ({} for a fresh run)."""
        if resume_from is None:
            return {}
        if resume_from.get("epoch") is None:  # every checkpoint damaged: from scratch, and say so
            self.resumed = {"note": resume_from.get("note")}
            return {}
        if self.checkpoint_dir is None:
            raise ValueError("resume needs the job's checkpoint folder")
        restored = checkpoint.load(self.checkpoint_dir, int(resume_from["epoch"]), self.learner.run_state)
        self.start_epoch = restored.epoch + 1
        self.resumed = {"epoch": restored.epoch, "note": resume_from.get("note")}
        # A fork that changed the optimizer's settings: the checkpoint's are the parent's.
        for optimizer in self.learner.run_state.optimizers.values():
            for group in optimizer.param_groups:
                group.update({k: v for k, v in resume_from.get("settings", {}).items() if k in group})
        self.elapsed_before = float(restored.state.pop("elapsed_s", 0.0))
        return restored.state

    def _checkpoint_if_due(self, epoch: int, started: float) -> None:
        """`started`: the run's `perf_counter` origin, so the checkpoint keeps its elapsed time."""
        if self.checkpoint_dir is None or epoch % self.plan.checkpoint_every or epoch >= self.job.epochs:
            return
        if time.perf_counter() - self.last_checkpoint < checkpoint.MIN_INTERVAL_S:
            return
        self.last_checkpoint = time.perf_counter()
        run = self.learner.run_state
        if not checkpoint.all_finite(run.models):  # never keep a diverged state to resume from
            return
        counters = {"elapsed_s": time.perf_counter() - started, "best_val": self.best_val, "stale": self.stale}
        checkpoint.save(self.checkpoint_dir, epoch, run, counters)
