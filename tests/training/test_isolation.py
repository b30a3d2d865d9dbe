"""A pooled worker's reset between jobs: the cheap part before a job, the slow part after one."""

from __future__ import annotations

import gc
from typing import Any

import torch

from torchplay.training.isolation import ProcessState


def _full_collections(action: Any) -> int:
    seen: list[int] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            seen.append(1)

    enabled = gc.isenabled()
    gc.disable()  # only the collections asked for, not those the allocator happens to trigger
    gc.callbacks.append(callback)
    try:
        action()
    finally:
        gc.callbacks.remove(callback)
        if enabled:
            gc.enable()
    return len(seen)


def test_a_fresh_start_resets_state_without_a_collection_and_tidy_collects() -> None:
    state = ProcessState.capture()
    threads = torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(123)
    try:
        # What the next job's first epoch waits for: state put back, no full collection.
        assert _full_collections(lambda: state.fresh_start(threads)) == 0
        assert torch.get_default_dtype() == torch.float32
        assert torch.initial_seed() == 0
        # What runs when a job has ended, while the worker waits for the next one.
        assert _full_collections(ProcessState.tidy) == 1
    finally:
        torch.set_default_dtype(state.default_dtype)
