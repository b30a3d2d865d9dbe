"""Per-job settings of the device's libraries, made when the job starts.

cuDNN can time several convolution algorithms on a layer's first call and keep the
fastest for those shapes (`cudnn.benchmark`). A job's shapes never change between
batches (only the last, short one adds a second set), so convolution nets gain; other
nets call no cuDNN convolution and would only pay the timing, so it is off for them. It is
one process-wide flag: a pooled worker sets it for each job it takes.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn


def has_convolutions(models: Iterable[nn.Module]) -> bool:
    return any(isinstance(layer, nn.modules.conv._ConvNd) for model in models for layer in model.modules())


def tune_for(device: torch.device, models: Iterable[nn.Module]) -> None:
    """cuDNN autotuning on for a convolution net on CUDA, off for any other CUDA job."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = has_convolutions(models)
