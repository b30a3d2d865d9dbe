"""Which torch devices exist here, and what `device: "auto"` means."""

from __future__ import annotations

import functools

import torch


@functools.cache
def available_devices() -> tuple[str, ...]:
    """Devices a job may name, best first after "cpu" (cached: probing CUDA is slow)."""
    found = ["cpu"]
    if torch.cuda.is_available():
        found += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        found.append("mps")
    return tuple(found)


def resolve_device(name: str) -> str:
    """ "auto" → cuda, then mps, then cpu; any other name must be available."""
    if name == "auto":
        devices = available_devices()
        return "cuda:0" if "cuda" in devices else "mps" if "mps" in devices else "cpu"
    if name not in available_devices():
        raise ValueError(f"device {name!r} is not available here; available: {', '.join(available_devices())}")
    return "cuda:0" if name == "cuda" else name
