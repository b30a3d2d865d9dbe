"""Adversarial learning (GAN): a generator learns to draw samples a discriminator cannot
tell from data.

Per batch, the discriminator takes one step on real data against generated samples, then
the generator one step on the non-saturating loss (its fakes labelled real), both with
`BCEWithLogitsLoss`, as in PyTorch's DCGAN tutorial. The job's optimizer, scheduler,
gradient clipping and mixed precision apply to each net separately; the epoch loop around
it is every job's (stop/pause/step/set, checkpoints of both nets, optimizers and RNGs).

Epoch events: `train_loss` is the generator's loss, `val_loss` is null (a GAN has no
held-out loss worth stopping on), `metrics` holds `d_loss` and `g_loss` (epoch means;
`d_loss` sums the real and fake halves) and `d_real`/`d_fake`, the discriminator's mean
probability that real and generated samples are real (both near 0.5 at equilibrium).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from torchplay.models import build_model
from torchplay.planning import PlannedJob
from torchplay.spec import GanSpec
from torchplay.training import amp, optim
from torchplay.training.checkpoint import RunState
from torchplay.training.learner import EpochResult, LearnerBase, TrainedEpoch
from torchplay.training.snapshots import SnapshotContext

if TYPE_CHECKING:
    from torchplay.training.loop import EpochLoop

NETS = ("generator", "discriminator")


class AdversarialLearner(LearnerBase):
    def __init__(self, plan: PlannedJob, device: torch.device, data_dir: Path) -> None:
        super().__init__(plan, device, data_dir)
        assert isinstance(self.job.model, GanSpec), "planning gives task 'gan' a GanSpec"
        self.latent_dim = self.job.model.latent_dim
        self.models: dict[str, nn.Module] = {net: build_model(plan.spec(net), device) for net in NETS}
        self.optimizers = {
            net: optim.build_optimizer(self.job.optimizer, model.parameters(), device)
            for net, model in self.models.items()
        }
        self.schedulers = self.build_schedulers(self.optimizers)
        self.per_batch = self.batch_schedulers(self.schedulers)
        self.loss_fn = nn.BCEWithLogitsLoss()
        self.noise = torch.Generator(device=device).manual_seed(self.job.seed + 1)
        self.run_state = RunState(
            self.models, self.optimizers, self.schedulers, {"shuffle": self.shuffle, "noise": self.noise}
        )
        self.snapshots = SnapshotContext(self.models, self.data, self.objective, self.latent_dim)

    def train_epoch(self, loop: EpochLoop) -> TrainedEpoch | None:
        x = self.data.x_train
        n, bs = len(x), self.batch_size
        generator, discriminator = self.models["generator"], self.models["discriminator"]
        opt_g, opt_d = self.optimizers["generator"], self.optimizers["discriminator"]
        clip = self.job.grad_clip
        loss_fn = self.loss_fn
        autocast = amp.autocast(self.job.amp, self.device)  # a no-op off CUDA
        control = loop.control
        generator.train()
        discriminator.train()
        order = torch.randperm(n, device=self.device, generator=self.shuffle) if bs < n and self.job.shuffle else None
        # Accumulated on the device and read once per epoch (no per-batch host sync).
        totals = torch.zeros(4, device=self.device)  # d_loss, g_loss, d_real, d_fake (sums)
        for start in range(0, n, bs):
            if control.poll():
                return None
            if control.changes:
                loop.apply_changes()
            real = x if order is None else x[order[start : start + bs]]
            m = len(real)
            ones = torch.ones(m, 1, device=self.device)
            zeros = torch.zeros(m, 1, device=self.device)
            z = torch.randn(m, self.latent_dim, device=self.device, generator=self.noise)
            with autocast:
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
            with autocast:
                g_loss = loss_fn(discriminator(fake), ones)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            if clip:
                nn.utils.clip_grad_norm_(generator.parameters(), clip)
            opt_g.step()
            for scheduler in self.per_batch:
                scheduler.step()

            with torch.no_grad():
                totals += torch.stack(
                    [d_loss * m, g_loss * m, torch.sigmoid(d_real).sum(), torch.sigmoid(d_fake).sum()]
                ).float()
        d_loss_mean, g_loss_mean, d_real_mean, d_fake_mean = (totals / n).tolist()
        return TrainedEpoch(
            {"d_loss": d_loss_mean, "g_loss": g_loss_mean}, metrics={"d_real": d_real_mean, "d_fake": d_fake_mean}
        )

    def evaluate(self, trained: TrainedEpoch) -> EpochResult:
        g_loss = trained.losses["g_loss"]
        return EpochResult(g_loss, None, {**trained.losses, **trained.metrics}, g_loss)
