"""The CUDA path: skipped without a CUDA device (CPU-only torch, or no GPU here).

A job trains on the GPU with its data resident; the epoch loop syncs with the host a fixed
number of times whatever its batches (torch's own sync debug mode counts them); bf16
autocast trains; a dataset streamed from pinned memory trains like a resident one; and
a GPU run's losses and snapshots match the CPU's within float tolerance.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.conftest import spiral_job
from tests.inprocess import planned, train
from torchplay.training.control import Control
from torchplay.training.loop import EpochLoop
from torchplay.training.supervised import SupervisedLearner

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
CUDA = torch.device("cuda:0")
CNN = {
    "name": "cnn",
    "dataset": {"name": "shapes", "params": {"samples": 512}, "test_fraction": 0.25},
    "model": {
        "layers": [
            {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1},
            {"type": "ReLU"},
            {"type": "MaxPool2d", "kernel_size": 2},
            {"type": "Flatten"},
            {"type": "Linear", "out_features": 10},
        ]
    },
    "epochs": 2,
    "batch_size": 64,
}


def _epochs(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "epoch"]


def test_a_job_trains_on_cuda_with_its_data_resident(tmp_path: Path) -> None:
    events = train(spiral_job(device="cuda", epochs=5), tmp_path)
    assert events[0]["device"] == "cuda:0" and events[0]["data_on_device"] is True
    losses = [e["train_loss"] for e in _epochs(events)]
    assert len(losses) == 5 and all(math.isfinite(x) for x in losses) and losses[-1] < losses[0]
    assert events[-1]["status"] == "completed"


def test_the_data_stays_on_the_device_and_batches_never_sync(tmp_path: Path) -> None:
    counts = []
    for batch_size in (80, 10):  # 4 batches an epoch, then 32
        learner = SupervisedLearner(planned(spiral_job(device="cuda", batch_size=batch_size)), CUDA, tmp_path)
        assert learner.data.x_train.device.type == "cuda" and learner.data.y_test.device.type == "cuda"
        learner.eval_rows = 8
        loop = EpochLoop(learner.plan, learner, lambda _e: None, Control(), CUDA)
        learner.train_epoch(loop)  # first use: the allocator and the optimizer's state
        torch.cuda.synchronize()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            try:
                trained = learner.train_epoch(loop)
                assert trained is not None
                learner.evaluate(trained)
            finally:
                torch.cuda.set_sync_debug_mode("default")
        counts.append(sum("synchroniz" in str(w.message) for w in caught))
    assert counts[0] == counts[1] and counts[0] <= 5, counts


def test_amp_bf16_trains_a_convolution_net(tmp_path: Path) -> None:
    events = train({**CNN, "device": "cuda", "amp": "bf16"}, tmp_path)
    assert events[0]["amp"] == "bf16" and events[0]["data_on_device"] is True
    assert torch.backends.cudnn.benchmark is True  # a convolution net: cuDNN picks its algorithms
    assert all(math.isfinite(e["train_loss"]) for e in _epochs(events))
    assert events[-1]["status"] == "completed"


def test_data_over_budget_streams_from_pinned_memory_and_trains_alike(tmp_path: Path) -> None:
    plan = planned(spiral_job(device="cuda", batch_size=None, epochs=5, optimizer={"type": "SGD", "lr": 0.1}))
    streamed = SupervisedLearner(plan, CUDA, tmp_path, data_budget=0)
    assert streamed.streamed and streamed.data.x_train.is_pinned() and streamed.data_on_device is False
    assert streamed.snapshots.data.x_train.device.type == "cuda"  # snapshots are computed on the device
    resident = SupervisedLearner(plan, CUDA, tmp_path)
    runs = []
    for learner in (resident, streamed):
        events: list[Any] = []
        EpochLoop(plan, learner, events.append, Control(), CUDA).run()
        runs.append([e.train_loss for e in events if e.type == "epoch"])
    assert runs[0] == pytest.approx(runs[1], rel=1e-5)  # full batch: the same rows, in the same order


def test_a_gpu_run_matches_the_cpu_within_tolerance(tmp_path: Path) -> None:
    # Full batch: no shuffle, whose generator differs between devices.
    job = spiral_job(batch_size=None, epochs=10, optimizer={"type": "SGD", "lr": 0.1})
    cpu, gpu = (train({**job, "device": device}, tmp_path) for device in ("cpu", "cuda"))
    cpu_losses, gpu_losses = ([e["train_loss"] for e in _epochs(run)] for run in (cpu, gpu))
    assert gpu_losses == pytest.approx(cpu_losses, rel=1e-4, abs=1e-5)
    last = [next(e for e in reversed(run) if e["type"] == "snapshot")["data"] for run in (cpu, gpu)]
    assert last[0]["train"] == last[1]["train"]  # the same points
    cpu_probs, gpu_probs = (torch.tensor(snapshot["probabilities"]) for snapshot in last)
    assert torch.allclose(cpu_probs, gpu_probs, atol=2e-3)
