"""The training loop: a normalised job request in, a stream of plain-dict events out.

It knows nothing of HTTP, processes or storage: whoever runs it passes `emit` (called
with one event dict at a time) and a `Control`. The same code runs in-process (tests,
`torchplay train`), in a local worker process, or inside a Ray actor.

Hot path habits: data resident on the device, batches by slicing a shuffled index,
`zero_grad(set_to_none=True)`, foreach optimizers, and no host sync per batch: losses and
correct counts accumulate on the device and are read once per epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from torchplay import data
from torchplay.data.base import LoadedDataset
from torchplay.models import build_model
from torchplay.spec import JobCreate
from torchplay.spec.limits import Limits
from torchplay.training import amp, checkpoint, compiled_step, inference, internals, optim
from torchplay.training.control import Control
from torchplay.training.devices import resolve_device
from torchplay.training.fast_step import TrainStep
from torchplay.training.objectives import Objective
from torchplay.training.plan import JobPlan, plan_job
from torchplay.training.snapshots import SnapshotContext, choose_kind, take_snapshot

Event = dict[str, Any]
Emit = Callable[[Event], None]

SNAPSHOT_INTERVAL_S = 0.1  # at most ~10 snapshots a second, whatever snapshot_every says
EVAL_CHUNK = 8192  # rows per forward pass when evaluating (bounded memory on big splits)
PREGATHER_BYTES = 64 << 20  # shuffle a training split up to this size once per epoch, not per batch
LOSS_FOLD = 1024  # batch losses kept on the device before they are summed


class Diverged(Exception):
    pass


def run_job(
    request: dict[str, Any] | JobCreate,
    emit: Emit,
    control: Control | None = None,
    data_dir: Path | None = None,
    resume_from: dict[str, Any] | None = None,
    checkpoint_dir: Path | None = None,
) -> str:
    """Train a job to the end; emit its events; return the final status.

    Never raises for a training failure: the failure becomes a `done` event with
    `status: "failed"` and a readable `error`, as the stream contract says."""
    control = control or Control()
    try:
        job = request if isinstance(request, JobCreate) else JobCreate.model_validate(request)
        # The server validated against its own limits already; here only the shapes matter.
        plan = plan_job(job, Limits.unbounded(), data_dir)
        runner = Trainer
        if plan.request.task == "gan":
            from torchplay.training.gan import GanTrainer  # imported here: gan.py builds on this module

            runner = GanTrainer  # type: ignore[assignment]
        trainer = runner(plan, emit, control, data_dir or Path("torchplay-data"), resume_from, checkpoint_dir)
        status = trainer.run()
        if checkpoint_dir is not None:  # the final model, for predict and export (before `done`)
            inference.save_final(checkpoint_dir, getattr(trainer, "models", None) or {"model": trainer.model})
        emit({"type": "done", "status": status, "error": None})
        return status
    except Diverged as exc:
        error = str(exc)
    except torch.cuda.OutOfMemoryError:
        torch.cuda.empty_cache()
        error = f"out of memory on {_device_name(request)}"
    except Exception as exc:  # a job's failure must never take its runner down
        error = f"{type(exc).__name__}: {exc}"
    emit({"type": "done", "status": "failed", "error": error})
    return "failed"


def warm_up() -> None:
    """Train a throwaway tiny job so torch's lazy set-up (meta kernels, autograd, optimizer
    paths) is paid by an idle warm worker, not by the first epoch a person waits for."""
    request = {
        "dataset": {"name": "circle", "params": {"samples": 16}, "test_fraction": 0.25},
        "model": {
            "layers": [{"type": "Linear", "out_features": 4}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]
        },
        "epochs": 2,
        "batch_size": 8,
    }
    run_job(request, lambda _event: None)


def _device_name(request: dict[str, Any] | JobCreate) -> str:
    name = request.device if isinstance(request, JobCreate) else str(request.get("device", "auto"))
    try:
        return resolve_device(name)
    except ValueError:
        return name


class EpochControl:
    """Between epochs, for every training loop: honour stop and pause, announcing a pause."""

    control: Control
    emit: Emit
    device: torch.device

    def _apply_changes(self) -> None:
        raise NotImplementedError

    def _hold(self) -> str | None:
        """Between epochs: honour pause (announcing it) and stop."""
        if self.control.poll():
            return "stop"
        if self.control.paused:
            self.emit({"type": "status", "status": "paused", "device": str(self.device)})
            self.control.wait_while_paused()
            if self.control.stopping:
                return "stop"
            self.emit({"type": "status", "status": "running", "device": str(self.device)})
        self._apply_changes()
        return None


@dataclass
class RunState:
    """Everything a loop's checkpoint holds, named: nets, and what steps and shuffles them."""

    models: dict[str, nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]
    schedulers: dict[str, Any]
    generators: dict[str, torch.Generator]  # the loop's own RNGs (shuffling, noise)


class Checkpointing:
    """Every `checkpoint_every` epochs, what a restarted server needs to continue the run;
    and the way back into it. A loop names its state in `_run_state` and its counters.
    The run's clock is kept here too: `elapsed_s` goes on from the checkpoint."""

    job: JobCreate
    checkpoint_dir: Path | None  # None: no checkpoints (in-process runs, the CLI)
    start_epoch: int
    elapsed_before: float  # seconds the run had trained before this process took it up

    def _run_state(self) -> RunState:
        raise NotImplementedError

    def _start_checkpointing(self, checkpoint_dir: Path | None, resume_from: dict[str, Any] | None) -> dict[str, Any]:
        """Set checkpointing up; with `resume_from` (from the job manager after a restart),
        load that checkpoint and return the counters saved with it ({} for a fresh run)."""
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = self.job.checkpoint_every or checkpoint.DEFAULT_EVERY
        self.last_checkpoint = -math.inf
        self.start_epoch = 1
        self.elapsed_before = 0.0
        if resume_from is None:
            return {}
        if checkpoint_dir is None:
            raise ValueError("resume needs the job's checkpoint folder")
        run = self._run_state()
        restored = checkpoint.load(
            checkpoint_dir, int(resume_from["epoch"]), run.models, run.optimizers, run.schedulers
        )
        for name, generator in run.generators.items():
            generator.set_state(restored.state.pop(name))
        self.start_epoch = restored.epoch + 1
        self.elapsed_before = float(restored.state.pop("elapsed_s", 0.0))
        return restored.state

    def _checkpoint_if_due(self, epoch: int, started: float, counters: dict[str, Any]) -> None:
        """`started`: the run's `perf_counter` origin, so the checkpoint keeps its elapsed time."""
        if self.checkpoint_dir is None or epoch % self.checkpoint_every or epoch >= self.job.epochs:
            return
        if time.perf_counter() - self.last_checkpoint < checkpoint.MIN_INTERVAL_S:
            return
        self.last_checkpoint = time.perf_counter()
        run = self._run_state()
        if not checkpoint.all_finite(run.models):  # never keep a diverged state to resume from
            return
        rngs = {name: generator.get_state() for name, generator in run.generators.items()}
        elapsed = {"elapsed_s": time.perf_counter() - started}
        state = {**rngs, **elapsed, **counters}
        checkpoint.save(self.checkpoint_dir, epoch, run.models, run.optimizers, run.schedulers, state)


class Trainer(EpochControl, Checkpointing):
    def __init__(
        self,
        plan: JobPlan,
        emit: Emit,
        control: Control,
        data_dir: Path,
        resume_from: dict[str, Any] | None = None,
        checkpoint_dir: Path | None = None,
    ) -> None:
        self.plan = plan
        self.job = plan.request
        self.emit = emit
        self.control = control
        self.device = torch.device(resolve_device(self.job.device))
        self.objective = Objective(self.job.task or "regression", self.job.loss or "MSELoss")
        ref = self.job.dataset
        self.data = _to_device(
            data.load_dataset(ref.name, ref.params, ref.seed or 0, ref.test_fraction, data_dir),
            self.device,
            self.objective,
        )
        torch.manual_seed(self.job.seed)  # weights: the same seed gives the same first epoch
        self.model = build_model(plan.models["model"], self.device)
        self.loss_fn = self.objective.make_loss()
        self.optimizer = optim.build_optimizer(self.job.optimizer, self.model.parameters(), self.device)
        n = len(self.data.x_train)
        self.batch_size = min(self.job.batch_size or n, n)
        self.steps_per_epoch = math.ceil(n / self.batch_size)
        self.scheduler = optim.build_scheduler(
            self.job.scheduler, self.optimizer, self.job.epochs, self.steps_per_epoch
        )
        self.shuffle = torch.Generator(device=self.device).manual_seed(self.job.seed)
        self.snapshots = SnapshotContext({"model": self.model}, self.data, self.objective)
        self.snapshot_kind = choose_kind(self.snapshots)
        counters = self._start_checkpointing(checkpoint_dir, resume_from)
        self.best_val = float(counters.get("best_val", math.inf))
        self.stale = int(counters.get("stale", 0))

    # --- the loop ------------------------------------------------------------------------

    def run(self) -> str:
        self.emit(
            {
                "type": "status",
                "status": "running",
                "device": str(self.device),
                **amp.status_fields(self.job.amp, self.device),
            }
        )
        started = time.perf_counter() - self.elapsed_before  # elapsed_s continues across a resume
        last_snapshot = -math.inf
        best_val, stale = self.best_val, self.stale
        epochs = self.job.epochs
        for epoch in range(self.start_epoch, epochs + 1):
            if self._hold() == "stop":
                return "stopped"
            train_loss, train_correct = self._train_epoch()
            if train_loss is None:
                return "stopped"
            if not math.isfinite(train_loss):
                raise Diverged(f"diverged: loss is {'NaN' if math.isnan(train_loss) else 'inf'} at epoch {epoch}")
            val_loss, val_correct = self._evaluate()
            lr = self.optimizer.param_groups[0]["lr"]
            self._step_epoch_scheduler(val_loss if val_loss is not None else train_loss)
            self.emit(
                {
                    "type": "epoch",
                    "epoch": epoch,
                    "epochs": epochs,
                    "train_loss": train_loss,
                    "val_loss": val_loss,
                    "metrics": self._metrics(train_correct, val_correct),
                    "lr": lr,
                    "elapsed_s": round(time.perf_counter() - started, 4),
                    "time": round(time.time(), 4),  # wall clock: lets a viewer measure delivery delay
                    "layer_norms": internals.layer_norms(self.model),  # per layer: weight and last-batch grad
                }
            )
            now = time.perf_counter()
            due = epoch % self.job.snapshot_every == 0 and now - last_snapshot >= SNAPSHOT_INTERVAL_S
            if self.snapshot_kind and (due or epoch == epochs or epoch == self.start_epoch):
                self.emit(
                    {
                        "type": "snapshot",
                        "epoch": epoch,
                        "kind": self.snapshot_kind,
                        "data": take_snapshot(self.snapshot_kind, self.snapshots),
                    }
                )
                last_snapshot = now
            if self.job.early_stopping and val_loss is not None:
                best_val, stale = (val_loss, 0) if val_loss < best_val else (best_val, stale + 1)
                if stale >= self.job.early_stopping:
                    return "completed"
            self._checkpoint_if_due(epoch, started, {"best_val": best_val, "stale": stale})
            if self.control.step_once:  # `step`: one epoch, then pause again
                self.control.step_once, self.control.paused = False, True
        return "completed"

    def _run_state(self) -> RunState:
        return RunState(
            {"model": self.model}, {"model": self.optimizer}, {"model": self.scheduler}, {"shuffle": self.shuffle}
        )

    def _apply_changes(self) -> None:
        changes = self.control.take_changes()
        if changes:
            applied = optim.apply_live_changes(self.optimizer, changes)
            if applied:
                self.emit({"type": "changed", "values": applied})

    def _train_epoch(self) -> tuple[float | None, torch.Tensor | None]:
        x, y = self.data.x_train, self.data.y_train
        n, bs = len(x), self.batch_size
        step = self._step()
        per_batch_scheduler = self.scheduler if optim.steps_per_batch(self.scheduler) else None
        correct = torch.zeros((), device=self.device) if self.objective.counts_accuracy else None
        control = self.control
        self.model.train()
        if bs < n:
            order = torch.randperm(n, device=self.device, generator=self.shuffle)
            if x.nelement() * x.element_size() <= PREGATHER_BYTES:
                # One gather per epoch, then batches are views: the same rows, fewer ops per step.
                x, y, order = x[order], y[order], None
        else:
            order = None
        # Losses stay on the device (no sync per batch) and are summed once per epoch.
        losses: list[torch.Tensor] = []
        loss_sum = torch.zeros((), device=self.device)
        for start in range(0, n, bs):
            if control.poll():
                return None, None
            if control.changes:
                self._apply_changes()
            if order is None:
                xb, yb = x[start : start + bs], y[start : start + bs]
            else:
                index = order[start : start + bs]
                xb, yb = x[index], y[index]
            loss, out = step(xb, yb)
            if per_batch_scheduler is not None:
                per_batch_scheduler.step()
            losses.append(loss.detach())
            if correct is not None:
                correct += self.objective.correct(out.detach(), yb)
            if len(losses) == LOSS_FOLD and start + bs < n:
                loss_sum += torch.stack(losses).sum() * bs
                losses.clear()
        last = n - (math.ceil(n / bs) - 1) * bs  # only the epoch's last batch can be short
        if len(losses) > 1:
            loss_sum += torch.stack(losses[:-1]).sum() * bs
        loss_sum += losses[-1] * last
        return (loss_sum / n).item(), correct

    def _step(self) -> TrainStep | compiled_step.CompiledStep:
        """The train step, built on first use (after a resume has restored the optimizer)."""
        step = self.__dict__.get("train_step")
        if step is None or step.optimizer is not self.optimizer:
            step = TrainStep(self.model, self.loss_fn, self.optimizer, self.job.grad_clip, self.scheduler is not None)
            step = amp.apply_to_step(step, self.job.amp, self.device)
            self.train_step = self._compiled(step) or step
        return self.train_step

    def _compiled(self, step: TrainStep) -> compiled_step.CompiledStep | None:
        """The whole step compiled, when the job asks for it and it applies; says how it went."""
        steps = self.job.epochs * self.steps_per_epoch
        if not compiled_step.wanted(self.job.compile, steps) or amp.active(self.job.amp, self.device):
            return None
        reason = compiled_step.unsupported_reason(step)
        if reason is None:
            try:
                compiled = compiled_step.CompiledStep(step)
                seconds = compiled.warm_up(self.data.x_train[: self.batch_size], self.data.y_train[: self.batch_size])
            except Exception as exc:  # no C++ compiler, an op inductor lacks, …: train eagerly
                reason = f"torch.compile failed ({type(exc).__name__}: {str(exc)[:200]})"
            else:
                note = f"training step compiled with torch.compile in {seconds:.1f} s"
                self.emit({"type": "status", "status": "running", "compiled": True, "compile_s": seconds, "note": note})
                return compiled
        if self.job.compile:  # asked for explicitly: say why not (automatic attempts stay quiet)
            self.emit({"type": "status", "status": "running", "compiled": False, "note": f"not compiled: {reason}"})
        return None

    def _evaluate(self) -> tuple[float | None, torch.Tensor | None]:
        x, y = self.data.x_test, self.data.y_test
        if not len(x):
            return None, None
        self.model.eval()
        loss_sum = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device) if self.objective.counts_accuracy else None
        with torch.no_grad(), amp.autocast(self.job.amp, self.device):
            for start in range(0, len(x), EVAL_CHUNK):
                xb, yb = x[start : start + EVAL_CHUNK], y[start : start + EVAL_CHUNK]
                out = self.model(xb)
                loss_sum += self.loss_fn(out, yb) * len(xb)
                if correct is not None:
                    correct += self.objective.correct(out, yb)
        self.model.train()
        return (loss_sum / len(x)).item(), correct

    def _metrics(self, train_correct: torch.Tensor | None, val_correct: torch.Tensor | None) -> dict[str, float]:
        if train_correct is None:
            return {}
        metrics = {"train_accuracy": train_correct.item() / len(self.data.x_train)}
        has_val = val_correct is not None
        metrics["accuracy"] = val_correct.item() / len(self.data.x_test) if has_val else metrics["train_accuracy"]
        return metrics

    def _step_epoch_scheduler(self, monitored: float) -> None:
        if self.scheduler is None or optim.steps_per_batch(self.scheduler):
            return
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(monitored)
        else:
            self.scheduler.step()


def _to_device(loaded: LoadedDataset, device: torch.device, objective: Objective) -> LoadedDataset:
    """Move the splits to the device once and give targets the loss's format."""
    reconstruct = objective.task == "reconstruction"
    x_train, x_test = loaded.x_train.to(device), loaded.x_test.to(device)
    loaded.x_train, loaded.x_test = x_train, x_test
    loaded.y_train = x_train if reconstruct else objective.prepare_targets(loaded.y_train.to(device))
    loaded.y_test = x_test if reconstruct else objective.prepare_targets(loaded.y_test.to(device))
    return loaded
