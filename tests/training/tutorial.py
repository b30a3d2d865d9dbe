"""The tutorial's 1→2→1 sigmoid net on the step data, shared by the training tests."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

# The step set as tensors: x from −30 to 29, y = 1, then 0.5, then 0.
STEP_X = torch.arange(-30, 30, dtype=torch.float32).reshape(-1, 1)
STEP_Y = torch.where(STEP_X <= -10, 1.0, torch.where(STEP_X <= 10, 0.5, 0.0))


def tutorial_net() -> nn.Sequential:
    return nn.Sequential(nn.Linear(1, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())


def step_job(**overrides: Any) -> dict[str, Any]:
    """The same net and data as a job request: batch 1, MSE, plain SGD unless overridden."""
    job: dict[str, Any] = {
        "dataset": {"name": "step", "test_fraction": 0},
        "model": {
            "layers": [
                {"type": "Linear", "out_features": 2},
                {"type": "Sigmoid"},
                {"type": "Linear", "out_features": 1},
                {"type": "Sigmoid"},
            ]
        },
        "loss": "MSELoss",
        "optimizer": {"type": "SGD", "lr": 0.1},
        "batch_size": 1,
    }
    return job | overrides
