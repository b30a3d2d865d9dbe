"""One training step laid open, for a design before it trains or for a job.

The step runs in the thread pool (plain `def` routes): one batch of at most 64 rows of a
planned (so size-checked) job is small next to an epoch. Moving it to the predict
process, once there is one, changes only these two calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException

from torchplay.api import schemas
from torchplay.api.deps import ManagerDep, SettingsDep
from torchplay.planning import PlannedJob, plan_under
from torchplay.spec import JobCreate
from torchplay.training.one_step import OneStepUnavailable, one_step

router = APIRouter(tags=["models"])


@router.post("/api/models/one-step", response_model=schemas.OneStep)
def design_step(body: JobCreate, settings: SettingsDep) -> dict[str, Any]:
    """One step of a job request from its seeded initialisation, nothing stored."""
    return _step(plan_under(settings, body), settings.data_dir, None)


@router.get("/api/jobs/{job_id}/one-step", response_model=schemas.OneStep)
def job_step(job_id: str, manager: ManagerDep, settings: SettingsDep) -> dict[str, Any]:
    """One step of a stored job: from its trained weights once it has them, else from its
    seeded initialisation."""
    manager.stored(job_id)  # JobError(404) for an unknown id
    return _step(manager.plan(job_id), settings.data_dir, manager.files.folder(job_id))


def _step(plan: PlannedJob, data_dir: Path, folder: Path | None) -> dict[str, Any]:
    try:
        return one_step(plan, data_dir, folder)
    except OneStepUnavailable as exc:
        raise HTTPException(409, str(exc)) from None
    except (KeyError, FileNotFoundError):  # an uploaded CSV deleted since the job was planned
        raise HTTPException(409, f"the dataset {plan.request.dataset.name!r} is no longer stored here") from None
