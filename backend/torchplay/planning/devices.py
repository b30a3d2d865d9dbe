"""Which torch devices exist, what a job's `device` asks of its runner, and where it runs.

Planning turns a job's `device` into the kind of device its executor must provide
(`device_kind`); the runner turns that into a torch device on its own machine
(`placement`). `auto` means cuda if there is one, then mps, then cpu.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Literal, cast

import torch

DeviceKind = Literal["cpu", "cuda", "mps"]


@functools.cache
def available_devices() -> tuple[str, ...]:
    """Devices a job may name here, best first after "cpu" (cached: probing CUDA is slow)."""
    found = ["cpu"]
    if torch.cuda.is_available():
        found += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        found.append("mps")
    return tuple(found)


@functools.cache
def gpu_memory_mb() -> int | None:
    """The smallest local GPU's memory, or None without CUDA here."""
    if not torch.cuda.is_available():
        return None
    sizes = [torch.cuda.get_device_properties(i).total_memory for i in range(torch.cuda.device_count())]
    return min(sizes) // 2**20


def device_kind(name: str, devices: Sequence[str]) -> DeviceKind:
    """The kind of device a job named `name` needs, given the devices its runner offers."""
    if name == "auto":
        return "cuda" if "cuda" in devices else "mps" if "mps" in devices else "cpu"
    return cast(DeviceKind, name.split(":", 1)[0])


def placement(name: str, kind: DeviceKind, pinned: bool = True) -> str:
    """The torch device to train on: `cuda:N` as named (when `pinned`), else the kind's first."""
    if kind == "cuda":
        return name if pinned and name.startswith("cuda:") else "cuda:0"
    return kind


def default_device() -> str:
    """What `auto` means on this machine."""
    return placement("auto", device_kind("auto", available_devices()))
