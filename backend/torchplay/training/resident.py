"""A job's dataset moved to its device once, targets in the loss's format: the loop then
batches by slicing resident tensors."""

from __future__ import annotations

from pathlib import Path

import torch

from torchplay import data
from torchplay.data.base import LoadedDataset
from torchplay.planning import PlannedJob
from torchplay.training.objectives import Objective


def load_resident(plan: PlannedJob, objective: Objective, device: torch.device, data_dir: Path) -> LoadedDataset:
    ref = plan.request.dataset
    loaded = data.load_dataset(ref.name, ref.params, plan.data_seed, ref.test_fraction, data_dir)
    loaded.x_train, loaded.x_test = loaded.x_train.to(device), loaded.x_test.to(device)
    loaded.y_train = objective.targets(loaded.x_train, loaded.y_train)
    loaded.y_test = objective.targets(loaded.x_test, loaded.y_test)
    return loaded
