"""The GAN loop: a generator learns to draw samples a discriminator cannot tell from data.

Same contract as `Trainer`: plain-dict events (`status`, `epoch`, `snapshot`, `changed`),
the same `Control` (stop/pause/step/set between batches and epochs), divergence as an
error. Per batch, the discriminator takes one step on real data against generated
samples, then the generator one step on the non-saturating loss (its fakes labelled
real), both with `BCEWithLogitsLoss`, as in PyTorch's DCGAN tutorial. The job's
optimizer, scheduler and gradient clipping apply to each net separately. Checkpoints hold
both nets, both optimizers and both RNGs, so a GAN resumes after a restart like any job.

Epoch events: `train_loss` is the generator's loss, `val_loss` is null (a GAN has no
held-out loss worth stopping on), `metrics` holds `d_loss` and `g_loss` (epoch means;
`d_loss` sums the real and fake halves) and `d_real`/`d_fake`, the discriminator's mean
probability that real and generated samples are real (both near 0.5 at equilibrium).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from torchplay import data
from torchplay.models import build_model
from torchplay.spec import GanSpec
from torchplay.training import optim
from torchplay.training.control import Control
from torchplay.training.devices import resolve_device
from torchplay.training.objectives import Objective
from torchplay.training.plan import JobPlan
from torchplay.training.snapshots import SnapshotContext, choose_kind, take_snapshot
from torchplay.training.trainer import (
    SNAPSHOT_INTERVAL_S,
    Checkpointing,
    Diverged,
    Emit,
    EpochControl,
    RunState,
    _to_device,
)

NETS = ("generator", "discriminator")


class GanTrainer(EpochControl, Checkpointing):
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
        assert isinstance(self.job.model, GanSpec), "plan_job gives task 'gan' a GanSpec"
        self.latent_dim = self.job.model.latent_dim
        self.emit = emit
        self.control = control
        self.device = torch.device(resolve_device(self.job.device))
        self.objective = Objective("gan", "BCEWithLogitsLoss")
        ref = self.job.dataset
        self.data = _to_device(
            data.load_dataset(ref.name, ref.params, ref.seed or 0, ref.test_fraction, data_dir),
            self.device,
            self.objective,
        )
        torch.manual_seed(self.job.seed)
        self.models = {name: build_model(plan.models[name], self.device) for name in NETS}
        self.optimizers = {
            name: optim.build_optimizer(self.job.optimizer, model.parameters(), self.device)
            for name, model in self.models.items()
        }
        n = len(self.data.x_train)
        self.batch_size = min(self.job.batch_size or n, n)
        steps = math.ceil(n / self.batch_size)
        self.schedulers = {
            name: optim.build_scheduler(self.job.scheduler, opt, self.job.epochs, steps)
            for name, opt in self.optimizers.items()
        }
        self.loss_fn = nn.BCEWithLogitsLoss()
        self.shuffle = torch.Generator(device=self.device).manual_seed(self.job.seed)
        self.noise = torch.Generator(device=self.device).manual_seed(self.job.seed + 1)
        self.snapshots = SnapshotContext(self.models, self.data, self.objective, self.latent_dim)
        self.snapshot_kind = choose_kind(self.snapshots)
        self._start_checkpointing(checkpoint_dir, resume_from)  # a GAN keeps no counters of its own

    def _run_state(self) -> RunState:
        return RunState(self.models, self.optimizers, self.schedulers, {"shuffle": self.shuffle, "noise": self.noise})

    def run(self) -> str:
        self.emit({"type": "status", "status": "running", "device": str(self.device)})
        started = time.perf_counter() - self.elapsed_before  # elapsed_s continues across a resume
        last_snapshot = -math.inf
        epochs = self.job.epochs
        for epoch in range(self.start_epoch, epochs + 1):
            if self._hold() == "stop":
                return "stopped"
            sums = self._train_epoch()
            if sums is None:
                return "stopped"
            for name in ("d_loss", "g_loss"):
                if not math.isfinite(sums[name]):
                    kind = "NaN" if math.isnan(sums[name]) else "inf"
                    raise Diverged(f"diverged: {name} is {kind} at epoch {epoch}")
            lr = self.optimizers["generator"].param_groups[0]["lr"]
            self._step_epoch_schedulers(sums["g_loss"])
            self.emit(
                {
                    "type": "epoch",
                    "epoch": epoch,
                    "epochs": epochs,
                    "train_loss": sums["g_loss"],
                    "val_loss": None,
                    "metrics": sums,
                    "lr": lr,
                    "elapsed_s": round(time.perf_counter() - started, 4),
                }
            )
            now = time.perf_counter()
            due = epoch % self.job.snapshot_every == 0 and now - last_snapshot >= SNAPSHOT_INTERVAL_S
            if self.snapshot_kind and (due or epoch in (self.start_epoch, epochs)):
                self.emit(
                    {
                        "type": "snapshot",
                        "epoch": epoch,
                        "kind": self.snapshot_kind,
                        "data": take_snapshot(self.snapshot_kind, self.snapshots),
                    }
                )
                last_snapshot = now
            self._checkpoint_if_due(epoch, started, {})
            if self.control.step_once:
                self.control.step_once, self.control.paused = False, True
        return "completed"

    def _apply_changes(self) -> None:
        changes = self.control.take_changes()
        if changes:
            applied = {}
            for optimizer in self.optimizers.values():
                applied = optim.apply_live_changes(optimizer, changes)
            if applied:
                self.emit({"type": "changed", "values": applied})

    def _train_epoch(self) -> dict[str, float] | None:
        x = self.data.x_train
        n, bs = len(x), self.batch_size
        generator, discriminator = self.models["generator"], self.models["discriminator"]
        opt_g, opt_d = self.optimizers["generator"], self.optimizers["discriminator"]
        per_batch = [s for s in self.schedulers.values() if s is not None and optim.steps_per_batch(s)]
        clip = self.job.grad_clip
        loss_fn = self.loss_fn
        generator.train()
        discriminator.train()
        order = torch.randperm(n, device=self.device, generator=self.shuffle) if bs < n else None
        # Accumulated on the device and read once per epoch (no per-batch host sync).
        totals = torch.zeros(4, device=self.device)  # d_loss, g_loss, d_real, d_fake (sums)
        for start in range(0, n, bs):
            if self.control.poll():
                return None
            if self.control.changes:
                self._apply_changes()
            real = x if order is None else x[order[start : start + bs]]
            m = len(real)
            ones = torch.ones(m, 1, device=self.device)
            zeros = torch.zeros(m, 1, device=self.device)
            z = torch.randn(m, self.latent_dim, device=self.device, generator=self.noise)
            fake = generator(z)

            # Discriminator: real → 1, generated → 0 (fakes detached: G is not updated here).
            d_real = discriminator(real)
            d_fake = discriminator(fake.detach())
            d_loss = loss_fn(d_real, ones) + loss_fn(d_fake, zeros)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            if clip:
                nn.utils.clip_grad_norm_(discriminator.parameters(), clip)
            opt_d.step()

            # Generator: make the updated discriminator call its fakes real.
            g_loss = loss_fn(discriminator(fake), ones)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            if clip:
                nn.utils.clip_grad_norm_(generator.parameters(), clip)
            opt_g.step()
            for scheduler in per_batch:
                scheduler.step()

            with torch.no_grad():
                totals += torch.stack(
                    [d_loss * m, g_loss * m, torch.sigmoid(d_real).sum(), torch.sigmoid(d_fake).sum()]
                )
        d_loss_mean, g_loss_mean, d_real_mean, d_fake_mean = (totals / n).tolist()
        return {"d_loss": d_loss_mean, "g_loss": g_loss_mean, "d_real": d_real_mean, "d_fake": d_fake_mean}

    def _step_epoch_schedulers(self, monitored: float) -> None:
        for scheduler in self.schedulers.values():
            if scheduler is None or optim.steps_per_batch(scheduler):
                continue
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(monitored)
            else:
                scheduler.step()
