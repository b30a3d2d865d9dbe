"""A training step compiled whole: forward, gradients and the SGD update in one graph.

For tiny models (the tutorial's 1→2→1 net at batch 1) a step is mostly Python and
dispatcher overhead, not arithmetic. `torch.compile` of the forward alone does not help
(autograd and the optimizer stay eager); compiling forward, `torch.func` gradients and
the update together turns each step into one call of generated code, about a third of the
plain loop's time per step (`python -m benchmarks.step_variants`).

It covers plain SGD (no momentum, weight decay or scheduler) on a model without buffers,
which is what the long batch-1 tutorials use. Results match the eager step to float
rounding, not bit for bit, so it is opt-in (`compile: true`) or automatic only for long
runs (`compile: null` past `AUTO_COMPILE_STEPS`). When the group stops being plain SGD
(a live change switches momentum on) the eager step takes over for that step.
"""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import nn

from torchplay.training.fast_step import TrainStep, is_plain_sgd

# Compiling costs a few seconds (more on first use in a process); past this many steps the
# run saves far more than that. The tutorial's 5000-epoch step net is 300 000 steps.
AUTO_COMPILE_STEPS = 100_000


def wanted(setting: bool | None, steps: int) -> bool:
    """Whether the job asks for a compiled step: `compile` true, or null and a long run."""
    return setting is True or (setting is None and steps >= AUTO_COMPILE_STEPS)


def unsupported_reason(step: TrainStep) -> str | None:
    """Why this step cannot be compiled whole, or None if it can."""
    if not step.plain_sgd or not is_plain_sgd(step.optimizer.param_groups[0]):
        return "only plain SGD (no momentum, weight decay, scheduler or clipping) is compiled"
    if any(True for _ in step.model.buffers()):
        return "models with buffers (BatchNorm) are not compiled"
    if any(p.dtype != torch.float32 for p in step.params):
        return "only float32 models are compiled"
    return None


class CompiledStep:
    """Drop-in for `TrainStep`: `(xb, yb) -> (loss, output)`, updating the model's weights."""

    def __init__(self, eager: TrainStep) -> None:
        self.eager = eager
        self.optimizer = eager.optimizer  # the trainer rebuilds its step when the optimizer changes
        names = [name for name, p in eager.model.named_parameters() if p.requires_grad]
        # Detached aliases share storage with the parameters: updating them updates the model.
        self._weights = [p.detach() for p in eager.params]
        self._lr_value: float | None = None
        self._lr = torch.zeros((), device=self._weights[0].device)
        self._compiled = torch.compile(_make_step(eager.model, eager.loss_fn, names), fullgraph=True)

    def __call__(self, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        group = self.optimizer.param_groups[0]
        if not is_plain_sgd(group):
            return self.eager(xb, yb)
        if group["lr"] != self._lr_value:  # a live change or the first step: one fill, no recompile
            self._lr_value = group["lr"]
            self._lr.fill_(group["lr"])
        loss, out, grads = self._compiled(self._weights, self._lr, xb, yb)
        for param, grad in zip(self.eager.params, grads, strict=True):
            param.grad = grad  # as after backward(): the epoch event reports gradient norms
        return loss, out

    def warm_up(self, xb: torch.Tensor, yb: torch.Tensor) -> float:
        """Compile now, on a batch's shapes, without changing the weights; returns seconds."""
        saved = [w.clone() for w in self._weights]
        started = time.perf_counter()
        self._compiled(self._weights, torch.zeros_like(self._lr), xb, yb)  # lr 0: weights unchanged
        seconds = time.perf_counter() - started
        with torch.no_grad():
            for weight, value in zip(self._weights, saved, strict=True):
                weight.copy_(value)
        return seconds


def _make_step(model: nn.Module, loss_fn: nn.Module, names: list[str]) -> Any:
    from torch.func import functional_call, grad_and_value

    def loss_and_output(weights: dict[str, torch.Tensor], xb: torch.Tensor, yb: torch.Tensor) -> Any:
        out = functional_call(model, weights, (xb,))
        return loss_fn(out, yb), out

    def step(weights: list[torch.Tensor], lr: torch.Tensor, xb: torch.Tensor, yb: torch.Tensor) -> Any:
        grads, (loss, out) = grad_and_value(loss_and_output, has_aux=True)(
            dict(zip(names, weights, strict=True)), xb, yb
        )
        ordered = [grads[name] for name in names]
        for weight, grad in zip(weights, ordered, strict=True):
            weight.sub_(grad * lr)  # SGD: p ← p − lr·g
        return loss, out.detach(), ordered

    return step
