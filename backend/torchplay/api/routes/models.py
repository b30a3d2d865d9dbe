"""Model validation without a job: shapes and parameter counts as the designer edits."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from torchplay.api import schemas
from torchplay.api.deps import SettingsDep
from torchplay.planning import ModelPlan, plan_dataset, plan_networks
from torchplay.spec import DatasetRef, SpecError
from torchplay.spec.job import AnyModelSpec, GanSpec

router = APIRouter(prefix="/api/models", tags=["models"])


class ValidateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: AnyModelSpec
    dataset: DatasetRef | None = Field(None, description="Take the input shape from this dataset…")
    input_shape: list[int] | None = Field(None, min_length=1, max_length=4, description="…or give it directly.")


@router.post("/validate", response_model=schemas.ModelValidation | schemas.GanValidation)
def validate(body: ValidateRequest, settings: SettingsDep) -> dict[str, Any]:
    limits = settings.limits
    if body.input_shape is not None:
        if any(size < 1 or size > 1_000_000 for size in body.input_shape):
            raise SpecError(("input_shape",), "every size must be between 1 and 1,000,000")
        input_shape = body.input_shape
    elif body.dataset is not None:
        input_shape = plan_dataset(body.dataset.name, body.dataset.params, limits, settings.data_dir).input_shape
    else:
        raise SpecError(("dataset",), "give a dataset or an input_shape")
    nets = plan_networks(body.model, input_shape, limits)
    if isinstance(body.model, GanSpec):
        return {
            "generator": _report(nets["generator"]),
            "discriminator": _report(nets["discriminator"]),
            "total_params": sum(plan.total_params for plan in nets.values()),
        }
    return _report(nets["model"])


def _report(plan: ModelPlan) -> dict[str, Any]:
    return {
        "input_shape": plan.input_shape,
        "output_shape": plan.output_shape,
        "layers": [layer.model_dump() for layer in plan.layers],
        "total_params": plan.total_params,
        "model": plan.spec.model_dump(),
    }
