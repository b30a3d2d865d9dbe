"""A worker's watch on its own memory: a job that outgrows its budget is failed, cleanly.

The estimate refuses what is plainly too big before it runs; this catches what the
estimate missed, before the machine's out-of-memory killer picks a victim (perhaps the
server). The peak is the kernel's high-water mark (`VmHWM`), so a spike between two looks
still counts; a CUDA job is judged by what torch allocated on its GPU.
"""

from __future__ import annotations

import contextlib
import resource
import sys
import threading
from collections.abc import Callable
from pathlib import Path

MB = 2**20
WATCH_INTERVAL_S = 0.1


def peak_rss_mb(pid: int | None = None) -> float:
    """A process's peak resident memory so far (default: this one's)."""
    try:
        for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MB
    except OSError:
        if pid is not None:
            raise
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, KiB elsewhere
    return peak / MB if sys.platform == "darwin" else peak * 1024 / MB


def over_budget_message(used_mb: float, budget_mb: float) -> str:
    return f"used {used_mb:,.0f} MB, over the job's budget of {budget_mb:,.0f} MB"


def reset_peak(device: str) -> None:
    """Start the high-water mark again (a pooled worker, before its next job): an earlier
    job's peak is not this one's."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.reset_peak_memory_stats(device)
        return
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # Linux: resets VmHWM to the current RSS


def watch_memory(
    budget_mb: float, device: str, on_over: Callable[[str], None], until: threading.Event | None = None
) -> None:
    """Look at the peak every `WATCH_INTERVAL_S` from a daemon thread; once it passes
    `budget_mb`, call `on_over(message)` (once) and stop looking; stop too once `until` is set
    (the job ended)."""
    if device.startswith("cuda"):
        import torch

        def used() -> float:
            return torch.cuda.max_memory_allocated(device) / MB
    else:
        used = peak_rss_mb
    done = until or threading.Event()

    def watch() -> None:
        while not done.wait(WATCH_INTERVAL_S):
            now = used()
            if now > budget_mb:
                on_over(over_budget_message(now, budget_mb))
                return

    threading.Thread(target=watch, daemon=True, name="memory-watch").start()
