"""The epoch loop every job runs, whatever it learns.

A `Learner` (`training/learner.py`) knows how to train one epoch (supervised: batches of
inputs and targets; adversarial: a generator against a discriminator) and how to evaluate
it. The loop owns
everything between epochs, the same for all of them: stop and pause, live changes,
divergence, the epoch-stepped schedulers, the epoch and snapshot events and their
cadence, early stopping, and checkpoints (and the way back into one after a restart).

The training doctor (`diagnostics.py`) examines every epoch: its findings and histogram
sets go out as events, and the job's `doctor` policy says what else happens — pause at a
finding, and on divergence either fail (only a non-finite loss fails; a finite blow-up is
a finding and training goes on) or rewind to the last good weights with a lower lr.

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
from torchplay.spec.events import ChangedEvent, EpochEvent, FindingEvent, HistogramsEvent, StatusEvent
from torchplay.spec.snapshots import SNAPSHOT_KINDS
from torchplay.spec.wire import EventBase
from torchplay.training import amp, checkpoint, internals, optim
from torchplay.training.control import Control
from torchplay.training.diagnostics import Diagnostics
from torchplay.training.findings import Finding
from torchplay.training.learner import EpochResult, Learner, TrainedEpoch
from torchplay.training.notes import Note, joined
from torchplay.training.rewind import LastGood
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
        self.policy = self.job.doctor
        self.diagnostics: Diagnostics | None = None
        self.last_good: LastGood | None = None  # kept only when the policy may rewind
        self.rewinds = 0
        self.pause_note: Note | None = None  # why the doctor paused the job, for the paused status

    def announce(
        self, status: Literal["running", "paused"] = "running", note: Note | None = None, **fields: Any
    ) -> None:
        """A status event: where the job trains, and any note on how."""
        if note is not None:
            fields |= note.fields()
        if self.learner.data_on_device is not None:  # said only where it was decided (CUDA)
            fields["data_on_device"] = self.learner.data_on_device
        self.emit(StatusEvent(status=status, device=str(self.device), **fields))

    def run(self) -> Literal["completed", "stopped"]:
        """Train to the end; return how it ended (divergence raises `Diverged`)."""
        fields, amp_note = amp.status_fields(self.job.amp, self.device)
        if self.resumed.get("epoch") is not None:
            fields["resumed_from"] = self.resumed["epoch"]
        self.announce(note=joined(amp_note, self.resumed.get("note")), **fields)
        self.diagnostics = self.learner.diagnostics()
        if self.policy.on_divergence == "rewind":
            self.last_good = LastGood.of(self.learner.run_state, self.start_epoch - 1)
        started = time.perf_counter() - self.elapsed_before  # elapsed_s continues across a resume
        last_snapshot = -math.inf
        epochs = self.job.epochs
        optimizer = next(iter(self.learner.run_state.optimizers.values()))  # the one whose lr is reported
        for epoch in range(self.start_epoch, epochs + 1):
            if self._hold():
                return "stopped"
            began = time.perf_counter()
            trained = self.learner.train_epoch(self)
            if trained is None:
                return "stopped"
            broken = [(name, v) for name, v in trained.losses.items() if not math.isfinite(v)]
            if broken:
                self._examine(epoch, trained, None, time.perf_counter() - began)
                name, value = broken[0]
                broke = "NaN" if math.isnan(value) else "inf"
                why = Note(f"{name} is {broke} at epoch {epoch}", f"第 {epoch} 轮的 {name} 为 {broke}")
                if not self._rewind(epoch, why):
                    raise Diverged(f"diverged: {why.en}")
                continue
            result = self.learner.evaluate(trained)
            epoch_s = time.perf_counter() - began
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
            found = self._examine(epoch, trained, result, epoch_s)
            diverging = next((f for f in found if f.kind == "diverging"), None)
            reached = Note(f"the loss reached {result.train_loss:.4g}", f"损失达到 {result.train_loss:.4g}")
            if diverging is not None and self._rewind(epoch, reached):
                found.remove(diverging)
            elif self.last_good is not None:
                self.last_good.keep(self.learner.run_state, epoch)
            if found and self.policy.on_finding == "pause":
                self.control.paused = True
                self.pause_note = Note(
                    "paused by the training doctor: " + ", ".join(_named(f) for f in found),
                    "训练医生暂停了训练：" + "，".join(_named(f, zh=True) for f in found),
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
            note, self.pause_note = self.pause_note, None
            self.announce("paused", note=note)
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

    # --- the doctor ---------------------------------------------------------------------------

    def _examine(self, epoch: int, trained: TrainedEpoch, result: EpochResult | None, epoch_s: float) -> list[Finding]:
        """The doctor's look at this epoch: its new findings and any histogram set go out as events."""
        if self.diagnostics is None:
            return []
        train_loss = result.train_loss if result is not None else next(iter(trained.losses.values()))
        if trained.examined_loss is not None:
            train_loss = trained.examined_loss / trained.examined_terms
        val_loss = result.val_loss if result is not None else None
        if val_loss is not None:
            val_loss /= trained.examined_terms
        try:
            examined = self.diagnostics.after_epoch(epoch, train_loss, val_loss, self._layer_norms(), epoch_s)
        except Exception as exc:  # the doctor must never take a run down: it stops looking, and says so
            self.diagnostics = None
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
            self.announce(note=Note(f"the training doctor stopped: {error}", f"训练医生停止了检查：{error}"))
            return []
        for finding in examined.findings:
            self.emit(FindingEvent.model_validate(finding.to_event()))
        if examined.histograms:
            layers = [h.to_json() for h in examined.histograms]
            self.emit(HistogramsEvent.model_validate({"epoch": epoch, "layers": layers}))
        return list(examined.findings)

    def _rewind(self, epoch: int, why: Note) -> bool:
        """Back to the last good weights with a lower lr, when the policy allows another; says so."""
        if self.last_good is None or self.rewinds >= self.policy.max_rewinds:
            return False
        self.rewinds += 1
        old_lr = next(iter(self.learner.run_state.optimizers.values())).param_groups[0]["lr"]
        lr = self.last_good.restore(self.learner.run_state, self.policy.rewind_lr_factor)
        if self.diagnostics is not None:
            self.diagnostics.doctor.restart()
        to = self.last_good.epoch
        start = (f"epoch {to}'s weights", f"第 {to} 轮的权重") if to else ("the starting weights", "初始权重")
        note = Note(
            f"diverged at epoch {epoch} ({why.en}): rewound to {start[0]}, lr {old_lr:.4g} → {lr:.4g}",
            f"第 {epoch} 轮发散（{why.zh}）：回到{start[1]}，学习率 {old_lr:.4g} → {lr:.4g}",
        )
        self.announce(note=note, rewound_to=to)
        self.emit(ChangedEvent(values={"lr": lr}))
        return True

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
            self.resumed = {"note": Note.from_fields(resume_from)}
            return {}
        if self.checkpoint_dir is None:
            raise ValueError("resume needs the job's checkpoint folder")
        restored = checkpoint.load(self.checkpoint_dir, int(resume_from["epoch"]), self.learner.run_state)
        self.start_epoch = restored.epoch + 1
        self.resumed = {"epoch": restored.epoch, "note": Note.from_fields(resume_from)}
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


def _named(finding: Finding, zh: bool = False) -> str:
    if finding.layer is None:
        return finding.kind
    return f"{finding.kind}（第 {finding.layer} 层）" if zh else f"{finding.kind} (layer {finding.layer})"
