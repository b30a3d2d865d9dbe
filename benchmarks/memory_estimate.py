"""`python -m benchmarks.memory_estimate [--case NAME]`: planning's memory estimate against
the peak resident memory of a real training worker.

Each case runs in a fresh local worker process, as the server starts them (`worker_main`:
import torch, warm up, take one job, train it); as the job ends, the worker's peak resident
memory is read from the kernel (`VmHWM`). The estimate is the plan's `memory_mb`. The goal
is a ratio measured / estimate between 0.5 and 2.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import queue
import tempfile
from typing import Any

from torchplay.jobs.memory_watch import peak_rss_mb
from torchplay.planning import PlannedJob, plan_job
from torchplay.spec import JobCreate
from torchplay.spec.limits import Limits

CASES: dict[str, dict[str, Any]] = {
    "mlp": {
        "dataset": {"name": "random-classes", "params": {"samples": 40_000, "features": 784, "classes": 10}},
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 1024},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 1024},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 10},
            ]
        },
        "batch_size": 4096,
    },
    "cnn": {
        "dataset": {"name": "shapes", "params": {"samples": 4000}},
        "model": {
            "layers": [
                {"type": "Conv2d", "out_channels": 32, "kernel_size": 3, "padding": 1},
                {"type": "ReLU"},
                {"type": "MaxPool2d", "kernel_size": 2},
                {"type": "Conv2d", "out_channels": 64, "kernel_size": 3, "padding": 1},
                {"type": "ReLU"},
                {"type": "MaxPool2d", "kernel_size": 2},
                {"type": "Flatten"},
                {"type": "Linear", "out_features": 5},
            ]
        },
        "batch_size": 512,
    },
    "lstm": {
        "dataset": {"name": "sequence-classes", "params": {"samples": 4000, "length": 200}},
        "model": {
            "layers": [
                {"type": "LSTM", "hidden_size": 128},
                {"type": "Linear", "out_features": 4},
            ]
        },
        "batch_size": 512,
    },
    "transformer": {
        "dataset": {"name": "sequence-classes", "params": {"samples": 2000, "length": 200}},
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 64},
                {"type": "PositionalEncoding"},
                {"type": "TransformerEncoderLayer", "nhead": 4, "dim_feedforward": 256},
                {"type": "Flatten"},
                {"type": "Linear", "out_features": 4},
            ]
        },
        "batch_size": 128,
    },
}


def _request(case: str) -> dict[str, Any]:
    return {**CASES[case], "epochs": 2, "seed": 0, "snapshot_every": 1}


def planned(request: dict[str, Any]) -> PlannedJob:
    """The job planned under a memory limit that refuses nothing: its estimate is `memory_mb`."""
    return plan_job(JobCreate.model_validate(request), Limits(max_train_memory_mb=1_000_000))


def measured_peak_mb(request: dict[str, Any]) -> tuple[float, str]:
    """Train `request` in a fresh local worker process (the server's own `worker_main`); its
    peak resident memory (the kernel's high-water mark, read as the job ends), and how it ended."""
    from torchplay.jobs.worker import Assignment, Lifetime, worker_main

    ctx = mp.get_context("spawn")
    inbox, events, commands = ctx.Queue(), ctx.Queue(), ctx.Queue()
    plan = planned(request).model_copy(update={"memory_budget_mb": None})  # measure; never stop
    with tempfile.TemporaryDirectory() as data_dir:
        counter = ctx.RawValue("q", 0)
        args = (inbox, events, counter, commands, data_dir, Lifetime(max_jobs=1, max_growth_mb=0), os.getpid())
        worker = ctx.Process(target=worker_main, args=args, daemon=True)
        worker.start()
        assert worker.pid is not None
        inbox.put(Assignment("be7c4", plan, None, threads=1))  # a job id as the server makes them: hex
        peak = 0.0
        while True:
            with contextlib.suppress(OSError):  # gone: it had ended, its last look stands
                peak = peak_rss_mb(worker.pid)  # a high-water mark: looks in between miss nothing
            try:
                event = events.get(timeout=0.05)
            except queue.Empty:
                if not worker.is_alive():  # it died without a last word: say so, never wait on
                    raise RuntimeError(f"the worker exited with {worker.exitcode} before the job ended") from None
                continue
            if getattr(event, "type", None) == "done":  # events, and the worker's own words (ready, ended)
                worker.join(30)
                return peak, f"{event.status} {event.error or ''}".strip()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory_estimate", description=__doc__)
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="only this case (repeatable)")
    args = parser.parse_args()
    print(f"{'case':<12} {'params':>10} {'estimate MB':>12} {'measured MB':>12} {'measured/estimate':>18}  status")
    worst = 1.0
    for case in args.case or list(CASES):
        request = _request(case)
        plan = planned(request)
        assert plan.memory_mb is not None
        estimate = plan.memory_mb
        peak, status = measured_peak_mb(request)
        ratio = peak / estimate
        worst = max(worst, ratio, 1 / ratio)
        print(f"{case:<12} {plan.total_params:>10,} {estimate:>12,.0f} {peak:>12,.0f} {ratio:>18.2f}  {status}")
    print(f"\nworst factor either way: {worst:.2f} (goal: under 2)")


if __name__ == "__main__":
    main()
