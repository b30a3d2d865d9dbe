"""What every dataset provides: a catalogue entry and, when loaded, resident tensors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict

Task = Literal["regression", "classification", "binary", "reconstruction", "gan"]


class DatasetParams(BaseModel):
    """Base of every dataset's parameter model: unknown names are errors, and values are
    taken as JSON gives them (`true` is not 1, `"100"` is not 100; 2 is a fine float)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class NoParams(DatasetParams):
    """For datasets that take no parameters (e.g. `step`, `mnist`)."""


# Generated arrays beyond this many numbers would not fit comfortably in a worker's memory.
MAX_VALUES = 50_000_000


def check_values(values: int) -> None:
    """For `model_validator`s: refuse parameters that would generate more than `MAX_VALUES`."""
    if values > MAX_VALUES:
        raise ValueError(f"that would generate {values:,} numbers; at most {MAX_VALUES:,}")


class DatasetUnavailable(Exception):
    """The dataset cannot be loaded here (e.g. MNIST with no network and no cache).

    The message says how to fix it; the API answers it with a 4xx."""


@dataclass
class LoadedDataset:
    """Tensors kept resident so the trainer can batch by slicing.

    - `x_*`: float32, shape (n, *input_shape).
    - `y_*`: classification → int64 (n,); regression → float32 (n, targets);
      reconstruction and gan → the same tensor as `x_*` (targets are the inputs).
    `x_test`/`y_test` have 0 rows when `test_fraction` is 0.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    task: Task
    input_shape: tuple[int, ...]
    classes: list[str] | None = None
    # Shown as-is by snapshots, e.g. the 1-D `curve` wants the x range of the data.
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def target_size(self) -> int:
        """Output units a model needs: classes for classification, else target columns."""
        if self.task == "classification":
            return len(self.classes or []) or int(self.y_train.max().item()) + 1
        if self.y_train.dim() == 1:
            return 1
        return int(torch.tensor(self.y_train.shape[1:]).prod().item())


@dataclass(frozen=True)
class DatasetEntry:
    """One row of the catalogue (`GET /api/datasets`); the registry is a dict of these."""

    name: str
    task: Task
    description: str
    params_model: type[BaseModel]
    # (validated params) -> input shape, so `features`/`window` can change it.
    input_shape: Callable[[BaseModel], tuple[int, ...]]
    # (validated params, seed, test_fraction, data_dir) -> tensors.
    load: Callable[[BaseModel, int, float, Path], LoadedDataset]
    classes: Callable[[BaseModel], list[str] | None] = lambda _p: None
    # (validated params) -> rows before the split, so a job's memory can be estimated unloaded.
    samples: Callable[[BaseModel], int] = lambda params: int(getattr(params, "samples", 0))
    download: bool = False
    # (validated params, seed, data_dir) -> the small JSON the page draws (see `preview`).
    preview: Callable[[BaseModel, int, Path], dict[str, Any]] | None = None
    # The plain numpy generator `(**params, rng) -> (x, y)` (GAN sets: `-> x`), so its source
    # can be exported; None for downloaded and uploaded sets.
    generate: Callable[..., Any] | None = None
    # Image sets: inputs are (pixel in [0, 1] - mean) / std. A drawing for predict, or a
    # picture in a snapshot, is scaled the same way. None for sets that are not images.
    normalization: dict[str, float] | None = None
    # (validated params) -> values per regression target row (what a regression net outputs).
    target_width: Callable[[Any], int] = lambda _p: 1
    # (validated params) -> torch's own draws of the data, for params with `draw: "torch"`.
    torch_draws: Callable[[Any], list[Any]] | None = None
    # The description in 简体中文 (built-in sets: `descriptions_zh.DATASETS_ZH`'s line).
    description_zh: str | None = None
    # An upload's: the user who uploaded it (None: a built-in set, or uploaded without users).
    owner: str | None = None
