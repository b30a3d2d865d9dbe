"""The wire vocabulary: pydantic models for model specs and job requests (no torch here)."""

from torchplay.spec.errors import SpecError
from torchplay.spec.job import (
    OPTIMIZERS,
    SCHEDULERS,
    DatasetRef,
    GanSpec,
    JobCreate,
    ModelSpec,
)
from torchplay.spec.layers import LAYERS, LayerBase, LayerSpec
from torchplay.spec.tasks import LOSSES_BY_TASK, TASKS

__all__ = [
    "LAYERS",
    "LOSSES_BY_TASK",
    "OPTIMIZERS",
    "SCHEDULERS",
    "TASKS",
    "DatasetRef",
    "GanSpec",
    "JobCreate",
    "LayerBase",
    "LayerSpec",
    "ModelSpec",
    "SpecError",
]
