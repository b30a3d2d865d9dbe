"""The training doctor's checks as actions: the learning-rate finder and overfit-one-batch,
for a design before it trains or for a stored job (from its seeded initialisation).

Each runs in the thread pool (plain `def` routes), like one step: bounded work on a planned,
size-checked job, never on the event loop. At most `CONCURRENT` run at once on a server;
another asks again later (429) rather than piling up CPU work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException

from torchplay.api import schemas
from torchplay.api.deps import ManagerDep, SettingsDep
from torchplay.planning import PlannedJob, plan_under
from torchplay.spec import JobCreate
from torchplay.training.checks import CheckUnavailable, check_overfit, find_lr

router = APIRouter(tags=["models"])

CONCURRENT = 2
_running = threading.BoundedSemaphore(CONCURRENT)

Check = Callable[[PlannedJob, Path], dict[str, Any]]


@router.post("/api/models/lr-finder", response_model=schemas.LrFinder)
def design_lr_finder(body: JobCreate, settings: SettingsDep) -> dict[str, Any]:
    """The learning-rate range test of a job request's network and optimizer, nothing stored."""
    return _run(find_lr, plan_under(settings, body), settings.data_dir)


@router.post("/api/jobs/{job_id}/lr-finder", response_model=schemas.LrFinder)
def job_lr_finder(job_id: str, manager: ManagerDep, settings: SettingsDep) -> dict[str, Any]:
    """The range test of a stored job's network and optimizer, from its seeded initialisation."""
    manager.stored(job_id)  # JobError(404) for an unknown id
    return _run(find_lr, manager.plan(job_id), settings.data_dir)


@router.post("/api/models/overfit-batch", response_model=schemas.OverfitBatch)
def design_overfit(body: JobCreate, settings: SettingsDep) -> dict[str, Any]:
    """Overfit one batch of a job request's data with its network and optimizer."""
    return _run(check_overfit, plan_under(settings, body), settings.data_dir)


def _run(check: Check, plan: PlannedJob, data_dir: Path) -> dict[str, Any]:
    if not _running.acquire(blocking=False):
        raise HTTPException(429, f"{CONCURRENT} checks are running on this server; try again in a moment")
    try:
        return check(plan, data_dir)
    except CheckUnavailable as exc:
        raise HTTPException(409, str(exc)) from None
    except (KeyError, FileNotFoundError):  # an uploaded CSV deleted since the job was planned
        raise HTTPException(409, f"the dataset {plan.request.dataset.name!r} is no longer stored here") from None
    finally:
        _running.release()
