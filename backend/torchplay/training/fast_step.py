"""One training step with as little Python around the arithmetic as torch allows.

Tiny models (the tutorial's 1→2→1 net, batch 1) spend most of a step in Python, not in
arithmetic: `Module.__call__` hook checks, the optimizer's profiling wrapper and grouping,
`zero_grad`'s loop. `TrainStep` skips what a plain loop pays for but does not use, and
keeps the math identical (the same kernels in the same order, bit for bit):

- a hook-free `nn.Sequential` is run by calling each child's `forward` directly;
- plain SGD (no momentum, no weight decay) gets its gradients from `torch.autograd.grad`
  and applies them with the one `torch._foreach_add_` that `SGD(foreach=True)` runs;
- everything else falls back to `zero_grad(set_to_none=True)` / `backward()` / `step()`.

What was tried and not kept is in docs/performance.md.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn.modules import module as _module

Forward = Callable[[torch.Tensor], torch.Tensor]


class TrainStep:
    def __init__(
        self,
        model: nn.Module,
        loss_fn: nn.Module,
        optimizer: torch.optim.Optimizer,
        grad_clip: float | None = None,
        scheduled: bool = False,
    ) -> None:
        self.model, self.loss_fn, self.optimizer, self.grad_clip = model, loss_fn, optimizer, grad_clip
        self.params: list[torch.Tensor] = [p for p in model.parameters() if p.requires_grad]
        self.forward = _direct_forward(model)
        self.loss = loss_fn.forward if not _has_hooks(loss_fn) else loss_fn
        # A scheduler counts `optimizer.step()` calls (and warns without them): keep the real step.
        self.plain_sgd = (
            isinstance(optimizer, torch.optim.SGD)
            and len(optimizer.param_groups) == 1
            and not grad_clip
            and not scheduled
        )

    def __call__(self, xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Forward, backward and update on one batch; returns (loss, output), both attached."""
        out = self.forward(xb)
        loss = self.loss(out, yb)
        group = self.optimizer.param_groups[0]
        # Checked every step: a live PATCH may switch momentum on, a scheduler may move lr.
        if self.plain_sgd and is_plain_sgd(group):
            grads = torch.autograd.grad(loss, self.params, allow_unused=True)
            for param, grad in zip(self.params, grads, strict=True):
                param.grad = grad  # as after backward(): the epoch event reports gradient norms
            if all(g is not None for g in grads):
                with torch.no_grad():
                    torch._foreach_add_(self.params, list(grads), alpha=-group["lr"])  # SGD's own update
            else:  # a parameter outside the graph: SGD skips it, so let SGD do the step
                self.optimizer.step()
            return loss, out
        for param in self.params:  # zero_grad(set_to_none=True) without its profiler scope
            param.grad = None
        loss.backward()
        if self.grad_clip:
            nn.utils.clip_grad_norm_(self.params, self.grad_clip)
        self.optimizer.step()
        return loss, out


def is_plain_sgd(group: dict) -> bool:
    return (
        not group["momentum"]
        and not group["weight_decay"]
        and not group.get("maximize", False)
        and not group.get("differentiable", False)
        and not isinstance(group["lr"], torch.Tensor)
    )


def _has_hooks(module: nn.Module) -> bool:
    return bool(
        module._forward_hooks
        or module._forward_pre_hooks
        or module._backward_hooks
        or getattr(module, "_backward_pre_hooks", None)
    )


def _global_hooks() -> bool:
    return any(
        getattr(_module, name, None)
        for name in (
            "_global_forward_hooks",
            "_global_forward_pre_hooks",
            "_global_backward_hooks",
            "_global_backward_pre_hooks",
        )
    )


def _direct_forward(model: nn.Module) -> Forward:
    """`model` itself, or for a hook-free Sequential the chain of its children's forwards."""
    if type(model) is not nn.Sequential or _has_hooks(model) or _global_hooks():
        return model
    layers = [child.forward if not _has_hooks(child) else child for child in model]

    def forward(x: torch.Tensor) -> torch.Tensor:
        for layer in layers:
            x = layer(x)
        return x

    return forward
