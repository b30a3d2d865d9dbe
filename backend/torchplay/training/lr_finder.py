"""The learning-rate range test: which learning rate to train with, measured instead of guessed.

On a throwaway copy of the model (the caller's stays untouched) and a fresh optimizer of
the job's kind, the learning rate rises exponentially from `start_lr` to `end_lr` over
`steps` batches, one step each. The loss, smoothed, first stays flat (too small a rate to
move), then falls, then shoots up once steps overshoot; the test stops there. The
suggestion is the rate where the smoothed loss fell fastest, capped at a tenth of the rate
at its minimum (fastai's rule of thumb), which trains well and stays clear of the blow-up.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
from torch import nn

from torchplay.training.fast_step import TrainStep

MakeOptimizer = Callable[[Iterable[nn.Parameter]], torch.optim.Optimizer]

STEPS = 200  # a few hundred batches: enough points for a smooth curve, a second or so on small nets
START_LR = 1e-6
END_LR = 10.0
SMOOTHING = 0.9  # exponential moving average of the loss (bias-corrected): ~10 steps of memory, little lag
BLOW_UP = 4.0  # stop once the smoothed loss is 4× its minimum: past here is only divergence
CLIMB = 0.1  # the loss 10 % above its minimum so far: steps have started to overshoot
SKIP_START = 0.1  # the first tenth of the curve is the average warming up, not a slope to trust


@dataclass(frozen=True)
class RangeTest:
    lrs: list[float]
    losses: list[float]  # smoothed loss at each lr
    suggested_lr: float | None  # None when the loss never fell
    min_loss_lr: float | None  # the rate at the smoothed loss's minimum
    stopped: str  # "diverged" (the loss blew up) or "end" (reached end_lr)

    def to_json(self) -> dict[str, object]:
        return {
            "lrs": [float(f"{lr:.4g}") for lr in self.lrs],
            "losses": [float(f"{loss:.5g}") for loss in self.losses],
            "suggested_lr": self.suggested_lr,
            "min_loss_lr": self.min_loss_lr,
            "stopped": self.stopped,
        }


def range_test(
    model: nn.Module,
    loss_fn: nn.Module,
    make_optimizer: MakeOptimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    *,
    steps: int = STEPS,
    start_lr: float = START_LR,
    end_lr: float = END_LR,
    seed: int = 0,
    grad_clip: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> RangeTest:
    """Run the test on a copy of `model` with batches of (x, y); see the module docstring."""
    trial = copy.deepcopy(model)
    trial.train()
    optimizer = make_optimizer(trial.parameters())
    step = TrainStep(trial, loss_fn, optimizer, grad_clip)
    growth = (end_lr / start_lr) ** (1 / max(1, steps - 1))
    shuffle = torch.Generator(device=x.device).manual_seed(seed)
    n, bs = len(x), min(batch_size, len(x))
    order = torch.randperm(n, device=x.device, generator=shuffle)
    lrs: list[float] = []
    raw: list[torch.Tensor] = []  # losses stay on the device: one host read at the end
    position = 0
    for i in range(steps):
        if should_stop():
            break
        lr = start_lr * growth**i
        for group in optimizer.param_groups:
            group["lr"] = lr
        if position + bs > n:  # a new pass over the data, freshly shuffled
            order, position = torch.randperm(n, device=x.device, generator=shuffle), 0
        index = order[position : position + bs]
        position += bs
        loss, _ = step(x[index], y[index])
        lrs.append(lr)
        raw.append(loss.detach().float())
        if i % 20 == 19 and not torch.isfinite(loss).item():  # a NaN ends it (checked now and then: no sync per step)
            break
    values = torch.stack(raw).cpu().tolist() if raw else []
    return _read_curve(lrs, values)


def _read_curve(lrs: list[float], raw: list[float]) -> RangeTest:
    """Smooth the raw losses, cut at the blow-up, and pick the suggestion."""
    smoothed: list[float] = []
    average, best = 0.0, math.inf
    stopped = "end"
    edge = None  # where the loss starts to climb
    for i, value in enumerate(raw):
        if not math.isfinite(value):
            stopped = "diverged"
            break
        average = SMOOTHING * average + (1 - SMOOTHING) * value
        loss = average / (1 - SMOOTHING ** (i + 1))
        smoothed.append(loss)
        warm = i > len(raw) * SKIP_START
        if warm and edge is None and loss > (1 + CLIMB) * best:
            edge = i
        best = min(best, loss)
        if warm and loss > BLOW_UP * best:
            stopped = "diverged"
            break
    lrs = lrs[: len(smoothed)]
    if len(smoothed) < 3:
        return RangeTest(lrs, smoothed, None, None, stopped)
    lowest = min(range(len(smoothed)), key=smoothed.__getitem__)
    top = lrs[edge] if edge is not None else lrs[-1]
    return RangeTest(lrs, smoothed, float(f"{top / 10:.3g}"), float(f"{lrs[lowest]:.3g}"), stopped)
