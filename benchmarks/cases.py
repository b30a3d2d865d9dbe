"""The benchmark cases: one job request each, trained by torchplay and by the plain loop."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    name: str
    job: dict[str, Any]
    repeats: int = 3
    dataloader: bool = False  # also time the plain loop with DataLoader(TensorDataset)
    note: str = ""

    def request(self, device: str) -> dict[str, Any]:
        job = copy.deepcopy(self.job)
        job["device"] = device
        job.setdefault("name", f"bench-{self.name}")
        job.setdefault("seed", 0)
        return job


def _linear(*widths: int, act: str = "ReLU") -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = []
    for i, width in enumerate(widths):
        layers.append({"type": "Linear", "out_features": width})
        if i < len(widths) - 1:
            layers.append({"type": act})
    return layers


TUTORIAL_CNN = [
    {"type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
    {"type": "ReLU"},
    {"type": "MaxPool2d", "kernel_size": 2},
    {"type": "Conv2d", "out_channels": 32, "kernel_size": 3, "padding": 1},
    {"type": "ReLU"},
    {"type": "MaxPool2d", "kernel_size": 2},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 10},
]

STEP_NET = [
    {"type": "Linear", "out_features": 2},
    {"type": "Sigmoid"},
    {"type": "Linear", "out_features": 1},
    {"type": "Sigmoid"},
]


def all_cases(quick: bool) -> list[Case]:
    """Full cases, or (`--quick`) the same cases made smaller and repeated less."""
    reps = 2 if quick else 3
    mnist = {"name": "mnist", "test_fraction": 0.1}
    cases = [
        Case(
            "mnist-mlp",
            {
                "dataset": mnist,
                "model": {"layers": [{"type": "Flatten"}, *_linear(256, 10)]},
                "loss": "CrossEntropyLoss",
                "optimizer": {"type": "Adam", "lr": 0.001},
                "epochs": 1,
                "batch_size": 64,
            },
            reps,
            dataloader=True,
            note="784-256-10, batch 64, 1 epoch of 60 000 + eval on 10 000",
        ),
        Case(
            "mnist-cnn",
            {
                "dataset": mnist
                if not quick
                else {"name": "shapes", "params": {"samples": 6000}, "test_fraction": 0.1},
                "model": {
                    "layers": copy.deepcopy(TUTORIAL_CNN[:-1])
                    + [{"type": "Linear", "out_features": 5 if quick else 10}]
                },
                "loss": "CrossEntropyLoss",
                "optimizer": {"type": "Adam", "lr": 0.001},
                "epochs": 1,
                "batch_size": 64,
            },
            2 if quick else 3,
            note="tutorial CNN on 60 000×1×28×28, batch 64, 1 epoch" if not quick else "tutorial CNN, 5 400×1×28×28",
        ),
        Case(
            "step-1-2-1",
            {
                "dataset": {"name": "step", "test_fraction": 0},
                "model": {"layers": copy.deepcopy(STEP_NET)},
                "loss": "MSELoss",
                "optimizer": {"type": "SGD", "lr": 0.1},
                "epochs": 200 if quick else 5000,
                "batch_size": 1,
            },
            reps,
            note=f"1→2→1 sigmoid, batch 1, {200 if quick else 5000} epochs × 60 steps",
        ),
        Case(
            "spiral-mlp",
            {
                "dataset": {"name": "spiral", "params": {"samples": 1000}, "test_fraction": 0.2},
                "model": {"layers": _linear(16, 16, 2, act="Tanh")},
                "optimizer": {"type": "Adam", "lr": 0.01},
                "epochs": 50 if quick else 200,
                "batch_size": 32,
            },
            reps,
            note="2-16-16-2 tanh, batch 32, decision-boundary snapshots",
        ),
        Case(
            "shapes-cnn",
            {
                "dataset": {"name": "shapes", "params": {"samples": 2000 if quick else 4000}, "test_fraction": 0.2},
                "model": {"layers": copy.deepcopy(TUTORIAL_CNN[:-1]) + [{"type": "Linear", "out_features": 5}]},
                "loss": "CrossEntropyLoss",
                "optimizer": {"type": "Adam", "lr": 0.001},
                "epochs": 2 if quick else 3,
                "batch_size": 64,
            },
            reps,
            note="tutorial CNN on shapes (5 classes)",
        ),
        Case(
            "lstm-sine",
            {
                "dataset": {"name": "sine-forecast", "params": {"samples": 1000}, "test_fraction": 0.2},
                "model": {"layers": [{"type": "LSTM", "hidden_size": 32}, {"type": "Linear", "out_features": 1}]},
                "loss": "MSELoss",
                "optimizer": {"type": "Adam", "lr": 0.01},
                "epochs": 5 if quick else 20,
                "batch_size": 32,
            },
            reps,
            note="LSTM(32) → Linear on 20-step windows, batch 32",
        ),
    ]
    return cases


@dataclass
class LatencyPlan:
    starts: int = 20  # request → first epoch event, each with a warm pool
    stream_epochs: int = 300  # epochs whose delivery delay gives the p95
    viewers: int = 500
    fanout_repeats: int = 2
    job: dict[str, Any] = field(default_factory=dict)


def latency_plan(quick: bool) -> LatencyPlan:
    tiny = {
        "name": "bench-latency",
        "dataset": {"name": "step", "test_fraction": 0},
        "model": {"layers": copy.deepcopy(STEP_NET)},
        "loss": "MSELoss",
        "optimizer": {"type": "SGD", "lr": 0.1},
        "epochs": 3,
        "batch_size": 60,
        "seed": 0,
    }
    if quick:
        return LatencyPlan(starts=3, stream_epochs=50, viewers=100, fanout_repeats=1, job=tiny)
    return LatencyPlan(job=tiny)
