"""The tutorials' examples trained in-process: real torch, real data, real events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.inprocess import train
from tests.training.tutorial import step_job
from torchplay.training import Control


def _run(request: dict[str, Any], tmp_path: Path, control: Control | None = None) -> list[dict[str, Any]]:
    events = train(request, tmp_path, control)
    return events


def _epochs(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "epoch"]


def test_two_two_one_regression_with_sgd_full_batch(tmp_path: Path) -> None:
    events = _run(
        {
            "dataset": {"name": "random-regression", "params": {"samples": 10, "features": 2}, "test_fraction": 0},
            "model": {
                "layers": [
                    {"type": "Linear", "out_features": 2},
                    {"type": "ReLU"},
                    {"type": "Linear", "out_features": 1},
                ]
            },
            "loss": "MSELoss",
            "optimizer": {"type": "SGD", "lr": 0.01},
            "epochs": 100,
            "batch_size": None,
        },
        tmp_path,
    )
    epochs = _epochs(events)
    assert [e["epoch"] for e in epochs] == list(range(1, 101))
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"]
    assert all(e["val_loss"] is None for e in epochs)  # test_fraction 0: no validation
    assert events[0] == {"type": "status", "status": "running", "device": "cpu"}
    assert events[-1] == {"type": "done", "status": "completed", "error": None}


def test_step_function_sigmoid_net_with_bce_batch_one(tmp_path: Path) -> None:
    events = _run(step_job(loss="BCELoss", epochs=40), tmp_path)
    epochs = _epochs(events)
    assert epochs[-1]["train_loss"] < 0.8 * epochs[0]["train_loss"]
    snapshots = [e for e in events if e["type"] == "snapshot"]
    assert snapshots and snapshots[-1]["kind"] == "curve"
    curve = snapshots[-1]["data"]
    assert len(curve["x"]) == len(curve["prediction"]) == 200
    assert len(curve["data"]["x"]) == 60


def test_spiral_mlp_reaches_ninety_percent(tmp_path: Path) -> None:
    events = _run(
        {
            "dataset": {"name": "spiral", "test_fraction": 0.2},
            "model": {
                "layers": [
                    {"type": "Linear", "out_features": 32},
                    {"type": "Tanh"},
                    {"type": "Linear", "out_features": 32},
                    {"type": "Tanh"},
                    {"type": "Linear", "out_features": 2},
                ]
            },
            "optimizer": {"type": "Adam", "lr": 0.01},
            "epochs": 150,
            "batch_size": 32,
            "snapshot_every": 50,
        },
        tmp_path,
    )
    last = _epochs(events)[-1]
    assert last["metrics"]["accuracy"] >= 0.9, last
    boundary = [e for e in events if e["type"] == "snapshot"][-1]
    assert boundary["kind"] == "decision_boundary"
    probabilities = boundary["data"]["probabilities"]
    assert len(probabilities) == 2 and len(probabilities[0]) >= 50 and len(probabilities[0][0]) >= 50
    assert abs(probabilities[0][10][10] + probabilities[1][10][10] - 1) < 1e-2


def test_same_seed_same_first_epoch(tmp_path: Path) -> None:
    request = {
        "dataset": {"name": "moons"},
        "model": {
            "layers": [{"type": "Linear", "out_features": 8}, {"type": "ReLU"}, {"type": "Linear", "out_features": 2}]
        },
        "epochs": 2,
    }
    first = _epochs(_run(request, tmp_path))[0]
    again = _epochs(_run(request, tmp_path))[0]
    assert first["train_loss"] == again["train_loss"]


def test_regression_on_plane_gets_a_scatter_snapshot(tmp_path: Path) -> None:
    events = _run(
        {"dataset": {"name": "plane"}, "model": {"layers": [{"type": "Linear", "out_features": 1}]}, "epochs": 3},
        tmp_path,
    )
    snapshot = next(e for e in events if e["type"] == "snapshot")
    assert snapshot["kind"] == "scatter"
    assert len(snapshot["data"]["actual"]) == len(snapshot["data"]["predicted"]) > 0


def test_stop_command_ends_the_job_stopped(tmp_path: Path) -> None:
    control = Control()
    control.send({"op": "stop"})
    events = _run(
        {"dataset": {"name": "circle"}, "model": {"layers": [{"type": "Linear", "out_features": 2}]}, "epochs": 1000},
        tmp_path,
        control,
    )
    assert events[-1]["status"] == "stopped"
    assert len(_epochs(events)) == 0


def test_huge_learning_rate_diverges(tmp_path: Path) -> None:
    events = _run(
        {
            "dataset": {"name": "random-regression", "params": {"samples": 50}},
            "model": {
                "layers": [
                    {"type": "Linear", "out_features": 16},
                    {"type": "ReLU"},
                    {"type": "Linear", "out_features": 1},
                ]
            },
            "optimizer": {"type": "SGD", "lr": 1e6},
            "epochs": 50,
        },
        tmp_path,
    )
    assert events[-1]["status"] == "failed"
    assert events[-1]["error"].startswith("diverged: loss is")


@pytest.mark.parametrize("optimizer", [
    {"type": "SGD", "lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-4},
    {"type": "RMSprop", "lr": 0.01},
    {"type": "AdamW", "lr": 0.01},
])  # fmt: skip
def test_every_optimizer_learns_xor(tmp_path: Path, optimizer: dict[str, Any]) -> None:
    events = _run(
        {
            "dataset": {"name": "xor"},
            "model": {
                "layers": [
                    {"type": "Linear", "out_features": 16},
                    {"type": "ReLU"},
                    {"type": "Linear", "out_features": 2},
                ]
            },
            "optimizer": optimizer,
            "epochs": 30,
        },
        tmp_path,
    )
    epochs = _epochs(events)
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"]


def test_sgd_with_a_scheduler_steps_lr_like_torch(tmp_path: Path) -> None:
    # The fast SGD path must not bypass optimizer.step() when a scheduler counts on it.
    events = _run(
        {
            "dataset": {"name": "circle", "params": {"samples": 64}},
            "model": {"layers": [{"type": "Linear", "out_features": 2}]},
            "optimizer": {"type": "SGD", "lr": 0.1},
            "scheduler": {"type": "StepLR", "step_size": 2, "gamma": 0.5},
            "epochs": 5,
        },
        tmp_path,
    )
    assert events[-1]["status"] == "completed", events[-1]
    assert [e["lr"] for e in _epochs(events)] == [0.1, 0.1, 0.05, 0.05, 0.025]
