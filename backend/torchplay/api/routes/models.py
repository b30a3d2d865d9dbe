"""Model validation without a job: shapes and parameter counts as the designer edits."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from torchplay.api import schemas
from torchplay.api.deps import SettingsDep
from torchplay.models.printing import module_text
from torchplay.planning import DatasetPlan, ModelPlan, plan_dataset, plan_networks
from torchplay.planning.devices import available_devices, device_kind
from torchplay.planning.job import output_checks, task_and_loss
from torchplay.planning.memory import planned_memory
from torchplay.spec import DatasetRef, SpecError
from torchplay.spec.errors import SpecWarning
from torchplay.spec.job import (
    DEFAULT_BATCH_SIZE,
    AnyModelSpec,
    GanSpec,
    JobCreate,
    LossName,
    LossParams,
    LossReport,
    OptimizerSpec,
    Task,
    default_optimizer,
)

router = APIRouter(prefix="/api/models", tags=["models"])


class ValidateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: AnyModelSpec
    dataset: DatasetRef | None = Field(None, description="Take the input shape from this dataset…")
    input_shape: list[int] | None = Field(None, min_length=1, max_length=4, description="…or give it directly.")
    # What the memory estimate depends on besides the model and the data, as in a job.
    batch_size: int | None = Field(DEFAULT_BATCH_SIZE, ge=1, description="Samples per step; null = full batch.")
    optimizer: OptimizerSpec = Field(default_factory=default_optimizer)
    # With a dataset, the job's choices the warnings are about (as in a job; defaults alike);
    # naming any of them checks the loss and the output against the task, as a job would.
    task: Task | None = Field(None, description="Default: the dataset's task.")
    loss: LossName | None = Field(None, description="Default: the task's usual loss.")
    loss_params: LossParams = Field(default_factory=LossParams)
    loss_report: LossReport = "epoch_mean"
    shuffle: bool = True


@router.post("/validate", response_model=schemas.ModelValidation | schemas.GanValidation)
def validate(body: ValidateRequest, settings: SettingsDep) -> dict[str, Any]:
    limits = settings.limits
    rows, test_fraction = 0, 0.0
    dataset: DatasetPlan | None = None  # planned when the input shape comes from it
    if body.input_shape is not None:
        if any(size < 1 or size > 1_000_000 for size in body.input_shape):
            raise SpecError(("input_shape",), "every size must be between 1 and 1,000,000")
        input_shape = body.input_shape
    elif body.dataset is not None:
        dataset = plan_dataset(body.dataset.name, body.dataset.params, limits, settings.data_dir)
        input_shape, rows, test_fraction = dataset.input_shape, dataset.samples, body.dataset.test_fraction
    else:
        raise SpecError(("dataset",), "give a dataset or an input_shape")
    job: JobCreate | None = None
    warnings: list[SpecWarning] = []
    choices = body.model_fields_set & {"task", "loss", "loss_params", "loss_report", "shuffle"}
    if dataset is not None and body.dataset is not None and choices:  # a job's choices here: checked, warned about
        job = JobCreate.model_validate(
            body.model_dump(include={"task", "loss", "loss_params", "loss_report", "shuffle", "batch_size"})
            | {"dataset": body.dataset, "model": body.model, "optimizer": body.optimizer},
        )
        task, _loss, warnings = task_and_loss(job, dataset)
    nets = plan_networks(body.model, input_shape, limits)
    if job is not None and dataset is not None:
        warnings += output_checks(job, dataset, nets, task)
    kind = device_kind("auto", available_devices())  # as a job with the default device
    memory = planned_memory(
        nets,
        limits,
        kind,
        optimizer=body.optimizer,
        batch_size=body.batch_size,
        rows=rows,
        test_fraction=test_fraction,
        sample_values=math.prod(input_shape),
    )
    memory_mb = {
        "memory_mb": memory.device_mb if kind == "cuda" else memory.total_mb,
        "warnings": [w.model_dump() for w in warnings],
    }
    if isinstance(body.model, GanSpec):
        return {
            "generator": _report(nets["generator"]),
            "discriminator": _report(nets["discriminator"]),
            "total_params": sum(plan.total_params for plan in nets.values()),
        } | memory_mb
    return _report(nets["model"]) | memory_mb


def _report(plan: ModelPlan) -> dict[str, Any]:
    text, formulas = module_text(plan.spec)
    return {
        "input_shape": plan.input_shape,
        "output_shape": plan.output_shape,
        "layers": [layer.model_dump() | {"formula": f} for layer, f in zip(plan.layers, formulas, strict=True)],
        "module_text": text,
        "total_params": plan.total_params,
        "model": plan.spec.model_dump(),
    }
