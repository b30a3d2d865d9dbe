"""Where a job's data lives while it trains, and that the hot loop never waits on the host.

These run on the CPU: the placement rule is a pure function of sizes and budget; a zero
budget sends the CPU job down the streamed path (pinned on CUDA, plain host tensors here)
so its arithmetic can be compared with the resident path's; and a torch function mode
counts every call that would make a GPU wait for the host (`.item()`, `.tolist()`,
`.cpu()`, `bool(t)`...), per batch and per epoch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from torch.overrides import TorchFunctionMode

from tests.conftest import spiral_job
from tests.inprocess import planned
from torchplay.planning.memory import DATASET_COPIES
from torchplay.training import device_tuning
from torchplay.training.control import Control
from torchplay.training.loop import EpochLoop
from torchplay.training.resident import dataset_bytes, device_budget, fits_on_device
from torchplay.training.snapshots import take_snapshot
from torchplay.training.supervised import SupervisedLearner

CPU = torch.device("cpu")
# Calls that copy a tensor's value to the host: on CUDA each one waits for the queued kernels.
HOST_SYNCS = {"item", "tolist", "cpu", "numpy", "__bool__", "__float__", "__int__", "__index__"}


class SyncCounter(TorchFunctionMode):
    """`host`: tensors that stay on the host on CUDA too (reading them waits for nothing)."""

    def __init__(self, host: set[int] | None = None) -> None:
        super().__init__()
        self.calls: list[str] = []
        self.host = host or set()

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        name = getattr(func, "__name__", "")
        if name in HOST_SYNCS and not (args and id(args[0]) in self.host):
            self.calls.append(name)
        return func(*args, **(kwargs or {}))


def _host_steps(optimizer: torch.optim.Optimizer) -> set[int]:
    """Adam's step counters: torch keeps them on the CPU even for CUDA weights (unless
    fused or capturable) precisely so that reading them is no sync."""
    return {id(state["step"]) for state in optimizer.state.values() if "step" in state}


def _learner(tmp_path: Path, budget: int | None = None, **overrides: Any) -> SupervisedLearner:
    return SupervisedLearner(planned(spiral_job(device="cpu", **overrides)), CPU, tmp_path, data_budget=budget)


def _run(learner: SupervisedLearner) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    loop = EpochLoop(learner.plan, learner, lambda e: events.append(json.loads(e.to_json())), Control(), CPU)
    assert loop.run() == "completed"
    return events


# --- the placement rule ------------------------------------------------------------------


def test_data_fits_with_its_shuffled_copy_or_is_streamed() -> None:
    mb = 2**20
    assert fits_on_device(100 * mb, None)  # no budget: the host is the device
    assert fits_on_device(100 * mb, 100 * mb * DATASET_COPIES)
    assert not fits_on_device(100 * mb, 100 * mb * DATASET_COPIES - 1)  # one byte short: streamed
    assert not fits_on_device(100 * mb, 150 * mb)  # the data fits, its shuffled copy does not
    assert not fits_on_device(1, 0)
    assert fits_on_device(0, 0)  # nothing to hold


def test_off_cuda_there_is_no_device_budget() -> None:
    assert device_budget(CPU) is None
    assert device_budget(torch.device("meta")) is None


def test_a_target_that_is_its_input_is_counted_once(tmp_path: Path) -> None:
    learner = _learner(tmp_path)
    data = learner.data
    both = dataset_bytes(data)
    assert both == sum(t.nelement() * t.element_size() for t in (data.x_train, data.y_train, data.x_test, data.y_test))
    data.y_train, data.y_test = data.x_train, data.x_test  # as an autoencoder's are
    assert dataset_bytes(data) == sum(t.nelement() * t.element_size() for t in (data.x_train, data.x_test))


# --- resident against streamed -----------------------------------------------------------


def test_data_that_does_not_fit_is_streamed_and_trains_the_same(tmp_path: Path) -> None:
    resident = _learner(tmp_path, epochs=4)
    streamed = _learner(tmp_path, budget=0, epochs=4)
    assert not resident.streamed and streamed.streamed
    # Snapshots read a resident sample of the streamed data, the first rows of each split.
    assert torch.equal(streamed.snapshots.data.x_test, streamed.data.x_test[: len(streamed.snapshots.data.x_test)])
    runs = [_run(resident), _run(streamed)]
    assert "data_on_device" not in runs[0][0]  # nothing was decided: the host is the device
    assert runs[1][0]["data_on_device"] is False  # the budget was too small: said so
    losses = [[(e["train_loss"], e["val_loss"], e["metrics"]) for e in run if e["type"] == "epoch"] for run in runs]
    assert len(losses[0]) == 4 and losses[0] == losses[1]  # the same batches in the same order, bit for bit
    # Which epochs get a snapshot depends on the clock (at most ~10 a second); the first and last always do.
    snapshots = [{e["epoch"]: e["data"] for e in run if e["type"] == "snapshot"} for run in runs]
    common = snapshots[0].keys() & snapshots[1].keys()
    assert {1, 4} <= common and all(snapshots[0][epoch] == snapshots[1][epoch] for epoch in common)


def test_a_big_enough_budget_keeps_the_data_resident(tmp_path: Path) -> None:
    learner = _learner(tmp_path, budget=1 << 40, epochs=1)
    assert not learner.streamed and learner.data_on_device is True
    assert _run(learner)[0]["data_on_device"] is True


# --- no host sync per batch --------------------------------------------------------------


@pytest.mark.parametrize("budget", [None, 0], ids=["resident", "streamed"])
def test_an_epoch_syncs_with_the_host_a_fixed_number_of_times_whatever_its_batches(
    tmp_path: Path, budget: int | None
) -> None:
    counts = []
    for batch_size in (80, 10):  # 4 batches, then 32
        learner = _learner(tmp_path, budget, batch_size=batch_size, epochs=1)
        learner.eval_rows = 8  # and evaluation in 10 chunks
        loop = EpochLoop(learner.plan, learner, lambda _e: None, Control(), CPU)
        learner.train_epoch(loop)  # the optimizer's state exists from the first step on
        with SyncCounter(_host_steps(learner.optimizer)) as counter:
            trained = learner.train_epoch(loop)
            assert trained is not None
            learner.evaluate(trained)
        counts.append(counter.calls)
    assert counts[0] == counts[1]  # 8× the batches, not one sync more
    assert len(counts[0]) <= 5, counts[0]  # the epoch's loss, the held-out loss and the two accuracies


def test_the_counter_sees_a_sync_in_the_loop() -> None:
    """The detector itself: a per-batch `.item()` is what it must catch."""
    with SyncCounter() as counter:
        for value in torch.arange(5.0):
            _ = value.item()
    assert counter.calls.count("item") == 5


@pytest.mark.parametrize(
    ("kind", "job"),
    [
        ("decision_boundary", {}),
        (
            "images",
            {
                "dataset": {"name": "shapes", "params": {"samples": 200}},
                "model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 5}]},
            },
        ),
    ],
)
def test_a_snapshot_is_copied_to_the_host_in_one_go(tmp_path: Path, kind: str, job: dict[str, Any]) -> None:
    learner = _learner(tmp_path, **job)
    assert learner.plan.snapshot_kind == kind
    with SyncCounter() as counter:
        data = take_snapshot(kind, learner.snapshots)
    # One copy of every float and one of every integer, however many fields the kind has.
    assert counter.calls.count("cpu") == 2 and counter.calls.count("tolist") >= 4
    assert isinstance(data["classes"], list) and not any(isinstance(v, torch.Tensor) for v in data.values())


# --- cuDNN ---------------------------------------------------------------------------------


def test_cudnn_autotunes_convolution_nets_on_cuda_only() -> None:
    conv = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.Flatten())
    mlp = torch.nn.Sequential(torch.nn.Linear(4, 2))
    before = torch.backends.cudnn.benchmark
    try:
        device_tuning.tune_for(torch.device("cuda"), [conv])
        assert torch.backends.cudnn.benchmark is True
        device_tuning.tune_for(torch.device("cuda"), [mlp])  # a pooled worker's next job: off again
        assert torch.backends.cudnn.benchmark is False
        device_tuning.tune_for(CPU, [conv])  # the CPU has no cuDNN: the flag is left alone
        assert torch.backends.cudnn.benchmark is False
    finally:
        torch.backends.cudnn.benchmark = before
