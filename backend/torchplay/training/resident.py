"""Where a job's dataset lives while it trains, decided once when the job starts.

Data that fits the device's budget is moved there once, targets in the loss's format: the
loop then batches by slicing resident tensors, with no host copy per batch. Data that does
not fit (a GPU smaller than the dataset) stays on the host in pinned (page-locked) memory,
and each batch is copied with `non_blocking=True`, overlapping the copy with the kernels
still queued. On the CPU (and MPS, which shares the host's memory) the host is the device:
the data is always resident.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from torchplay import data
from torchplay.data.base import LoadedDataset
from torchplay.planning import PlannedJob
from torchplay.planning.memory import DATASET_COPIES, MB
from torchplay.training.objectives import Objective

# Of the GPU's free memory when the job starts, the share its data may take: the rest is
# for the weights, the optimizer, one batch's activations and the allocator's slack.
RESIDENT_SHARE = 0.5
SPLITS = ("x_train", "y_train", "x_test", "y_test")


@dataclass
class PlacedData:
    data: LoadedDataset  # resident: on the device; streamed: pinned host tensors
    on_device: bool
    data_bytes: int  # the four splits' tensors (a target that is its input counted once)
    budget_bytes: int | None  # what the device allowed (None: no limit, the host is the device)

    @property
    def reported(self) -> bool | None:
        """What the job's status says: None where nothing was decided (the host is the device)."""
        return None if self.budget_bytes is None else self.on_device


def fits_on_device(data_bytes: int, budget_bytes: int | None) -> bool:
    """Whether a dataset of `data_bytes` stays resident: with its shuffled copy made each
    epoch it must fit the budget (None: no budget, the host is the device)."""
    return budget_bytes is None or data_bytes * DATASET_COPIES <= budget_bytes


def device_budget(device: torch.device, limit_mb: int | None = None) -> int | None:
    """Bytes the data may take on `device`: a share of the GPU's free memory (and of the
    job's own limit, if it has one); None off CUDA."""
    if device.type != "cuda":
        return None
    free, _total = torch.cuda.mem_get_info(device)
    if limit_mb:
        free = min(free, limit_mb * MB)
    return int(free * RESIDENT_SHARE)


def dataset_bytes(loaded: LoadedDataset) -> int:
    tensors = {id(t): t for t in (getattr(loaded, split) for split in SPLITS)}
    return sum(t.nelement() * t.element_size() for t in tensors.values())


def load_placed(
    plan: PlannedJob,
    objective: Objective,
    device: torch.device,
    data_dir: Path,
    budget_bytes: int | None = None,
) -> PlacedData:
    """The job's dataset, resident on `device` when it fits `budget_bytes` (default: the
    device's own budget), else pinned on the host for streamed batches."""
    loaded = _load(plan, data_dir)
    size = dataset_bytes(loaded)
    if budget_bytes is None:
        budget_bytes = device_budget(device, plan.memory_budget_mb)
    on_device = fits_on_device(size, budget_bytes)
    _move(loaded, objective, device if on_device else torch.device("cpu"))
    if not on_device and device.type == "cuda":  # page-locked: the copies can run asynchronously
        pinned: dict[int, torch.Tensor] = {}
        for split in SPLITS:
            tensor = getattr(loaded, split)
            # A target that is its input (autoencoders) stays one tensor, pinned once.
            if id(tensor) not in pinned:
                pinned[id(tensor)] = tensor.pin_memory()
            setattr(loaded, split, pinned[id(tensor)])
    return PlacedData(loaded, on_device, size, budget_bytes)


def load_resident(plan: PlannedJob, objective: Objective, device: torch.device, data_dir: Path) -> LoadedDataset:
    """The dataset on `device` whatever its size (one step, which reads one batch)."""
    loaded = _load(plan, data_dir)
    _move(loaded, objective, device)
    return loaded


def _load(plan: PlannedJob, data_dir: Path) -> LoadedDataset:
    ref = plan.request.dataset
    return data.load_dataset(ref.name, ref.params, plan.data_seed, ref.test_fraction, data_dir)


def _move(loaded: LoadedDataset, objective: Objective, home: torch.device) -> None:
    loaded.x_train, loaded.x_test = loaded.x_train.to(home), loaded.x_test.to(home)
    loaded.y_train = objective.targets(loaded.x_train, loaded.y_train)
    loaded.y_test = objective.targets(loaded.x_test, loaded.y_test)
