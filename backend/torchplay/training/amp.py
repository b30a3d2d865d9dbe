"""Mixed precision: the optional job setting `amp: "bf16"`, autocast on CUDA only.

bf16 keeps float32's exponent range, so unlike fp16 it needs no GradScaler: the forward
pass and the loss run under `torch.autocast`, backward and the optimizer step outside it.
On any other device the setting is ignored rather than refused, so one spec (with
`device: "auto"`) runs everywhere; the job's `status` event says so (`amp: null` and a
`note`), and says `amp: "bf16"` when it is on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import torch

from torchplay.training.notes import Note

P = ParamSpec("P")
R = TypeVar("R")


def active(amp: str | None, device: torch.device) -> bool:
    return amp == "bf16" and device.type == "cuda"


def autocast(amp: str | None, device: torch.device) -> contextlib.AbstractContextManager[Any]:
    if not active(amp, device):
        return contextlib.nullcontext()
    return torch.autocast(device_type="cuda", dtype=torch.bfloat16)


def wrap(fn: Callable[P, R], amp: str | None, device: torch.device) -> Callable[P, R]:
    """`fn` run under autocast (or `fn` itself: the float32 hot path pays nothing)."""
    if not active(amp, device):
        return fn

    def autocasting(*args: P.args, **kwargs: P.kwargs) -> R:
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
            return fn(*args, **kwargs)

    return autocasting


def apply_to_step(step: Any, amp: str | None, device: torch.device) -> Any:
    """Autocast a `TrainStep`'s forward and loss; its backward and update stay outside."""
    if active(amp, device):
        step.forward = wrap(step.forward, amp, device)
        step.loss = wrap(step.loss, amp, device)
    return step


def status_fields(amp: str | None, device: torch.device) -> tuple[dict[str, Any], Note | None]:
    """What a `status` event says about AMP, and its note: nothing unless the job asked for it."""
    if amp is None:
        return {}, None
    if active(amp, device):
        return {"amp": amp}, None
    note = Note(
        f"amp {amp!r} applies on CUDA only; training in float32 on {device}",
        f"amp {amp!r} 只在 CUDA 上起作用；在 {device} 上以 float32 训练",
    )
    return {"amp": None}, note
