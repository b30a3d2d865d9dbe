"""What the server offers: layers, datasets, training options, devices and limits."""

from __future__ import annotations

import json
from typing import Any

import torch
from fastapi import APIRouter, HTTPException, Query
from pydantic import ValidationError

import torchplay
from torchplay import data
from torchplay.api import schemas
from torchplay.api.deps import CallerDep, ManagerDep, SettingsDep
from torchplay.api.guards import nests_deeper, too_deep
from torchplay.jobs import JobError
from torchplay.planning import plan_dataset
from torchplay.planning.devices import available_devices, default_device
from torchplay.spec import LOSSES_BY_TASK, JobCreate, lifecycle
from torchplay.spec.catalogue import layer_catalogue, optimizer_catalogue, scheduler_catalogue
from torchplay.spec.tasks import ACCEPTED_LOSSES_BY_TASK

router = APIRouter(prefix="/api", tags=["catalogue"])


@router.get("/health", response_model=schemas.Health)
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/layers", response_model=list[schemas.LayerKind])
def layers() -> list[dict[str, Any]]:
    return layer_catalogue()


@router.get("/system", response_model=schemas.System)
def system(settings: SettingsDep, manager: ManagerDep) -> dict[str, Any]:
    return {
        "version": torchplay.__version__,
        "torch_version": torch.__version__,
        "devices": list(available_devices()),
        "default_device": default_device(),
        "executor": manager.executor.name,
        "cluster": manager.executor.describe(),
        "limits": settings.limits.model_dump(),
        "training": {
            "tasks": list(LOSSES_BY_TASK),
            "losses": sorted({loss for losses in LOSSES_BY_TASK.values() for loss in losses}),
            "losses_by_task": LOSSES_BY_TASK,
            "accepted_losses_by_task": ACCEPTED_LOSSES_BY_TASK,
            "default_loss": {task: losses[0] for task, losses in LOSSES_BY_TASK.items()},
            "optimizers": optimizer_catalogue(),
            "schedulers": scheduler_catalogue(),
        },
        "lifecycle": lifecycle.describe(),
        "job_schema": JobCreate.model_json_schema(),
    }


@router.get("/datasets", response_model=list[schemas.Dataset])
def datasets(settings: SettingsDep, caller: CallerDep, manager: ManagerDep) -> list[dict[str, Any]]:
    """The built-in sets, the caller's own uploads (an admin: every upload), and the uploads
    the jobs shared with the caller train on."""
    shared: set[str] = set()
    for job_id in set(caller.shares.values()):
        try:
            shared.add(manager.stored(job_id)["request"]["dataset"]["name"])
        except JobError:  # deleted since the link was made
            continue
    return data.catalogue(settings.data_dir, lambda upload: caller.owns(upload.owner) or upload.name in shared)


@router.get("/datasets/{name}/preview", response_model=schemas.DatasetPreview)
def preview(
    name: str,
    settings: SettingsDep,
    params: str = Query("{}", max_length=10_000, description="The dataset's params as JSON."),
    seed: int = Query(0, ge=0, le=2**32 - 1),
) -> dict[str, Any]:
    if nests_deeper(params.encode(), settings.max_json_depth):
        raise HTTPException(422, [too_deep(("query", "params"), settings.max_json_depth)])
    try:
        parsed = json.loads(params)
    except json.JSONDecodeError as exc:
        raise HTTPException(
            422, [{"loc": ["query", "params"], "msg": f"not valid JSON: {exc.msg}", "type": "json_invalid"}]
        ) from None
    if not isinstance(parsed, dict):
        raise HTTPException(422, [{"loc": ["query", "params"], "msg": "must be a JSON object", "type": "dict_type"}])
    plan = plan_dataset(name, parsed, settings.limits, settings.data_dir)
    try:
        return data.preview(plan.name, plan.params.model_dump(), seed, settings.data_dir)
    except data.DatasetUnavailable as exc:
        raise HTTPException(409, str(exc)) from None
    except ValidationError as exc:
        raise HTTPException(422, str(exc)) from None
