"""Jobs over REST: create, inspect, control, delete, and read their metrics.

Routes that touch the job manager are `async`: it lives on the event loop (see
`torchplay.jobs.manager`). Reading a job's stored history happens in the thread pool.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from torchplay.api.deps import AccountsDep, CallerDep, ManagerDep, SettingsDep
from torchplay.api.responses import JSONText, json_array
from torchplay.planning import plan_under
from torchplay.spec import JobCreate
from torchplay.spec.events import EpochEvent
from torchplay.spec.records import JobPublic, JobSummary
from torchplay.spec.snapshots import SnapshotEvent

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


class JobChange(BaseModel):
    """Hyperparameters that may change while a job runs; applied from the next batch."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    lr: float | None = Field(None, gt=0.0, le=1e9, description="New learning rate.")
    momentum: float | None = Field(None, ge=0.0, lt=1.0, description="New momentum (SGD, RMSprop).")
    weight_decay: float | None = Field(None, ge=0.0, le=10.0, description="New weight decay.")


@router.post("", status_code=201, response_model=JobPublic)
async def create_job(body: JobCreate, manager: ManagerDep, settings: SettingsDep, caller: CallerDep) -> dict[str, Any]:
    # Planned once, here: it builds the model on the meta device (CPU work, in a thread).
    plan = await run_in_threadpool(plan_under, settings, body, manager.executor.devices())
    assert caller.name is not None  # a share link's POST never gets here (api.access)
    return manager.create(plan, caller.name)


@router.get("", response_model=list[JobSummary])
async def list_jobs(manager: ManagerDep, caller: CallerDep) -> list[dict[str, Any]]:
    """An admin's: every job. Anyone else's: their own, and those their share links open."""
    if caller.admin:
        return manager.list_jobs()
    return manager.list_jobs(caller.name or "", tuple(caller.shares.values()))


@router.get("/{job_id}", response_model=JobPublic)
async def get_job(job_id: str, manager: ManagerDep) -> dict[str, Any]:
    return manager.get(job_id)


@router.patch("/{job_id}", status_code=202, response_model=JobPublic)
async def change_job(job_id: str, body: JobChange, manager: ManagerDep) -> dict[str, Any]:
    values = body.model_dump(exclude_none=True)
    if not values:
        raise HTTPException(
            422, [{"loc": ["body"], "msg": "nothing to change: give lr, momentum or weight_decay", "type": "missing"}]
        )
    return manager.change(job_id, values)


@router.post("/{job_id}/stop", status_code=202, response_model=JobPublic)
async def stop_job(job_id: str, manager: ManagerDep) -> dict[str, Any]:
    return manager.stop(job_id)


@router.post("/{job_id}/pause", status_code=202, response_model=JobPublic)
async def pause_job(job_id: str, manager: ManagerDep) -> dict[str, Any]:
    return await manager.control(job_id, "pause")


@router.post("/{job_id}/resume", status_code=202, response_model=JobPublic)
async def resume_job(job_id: str, manager: ManagerDep) -> dict[str, Any]:
    return await manager.control(job_id, "resume")


@router.post("/{job_id}/step", status_code=202, response_model=JobPublic)
async def step_job(job_id: str, manager: ManagerDep) -> dict[str, Any]:
    return await manager.control(job_id, "step")


@router.delete("/{job_id}", status_code=204)
async def delete_job(job_id: str, manager: ManagerDep, accounts: AccountsDep) -> Response:
    await manager.delete(job_id)
    accounts.forget_job(job_id)
    return Response(status_code=204)


# The stored events go out as stored (JSON text): a long run's metrics are not parsed and
# re-encoded per request. The response models document them.
@router.get("/{job_id}/metrics", response_model=list[EpochEvent])
def job_metrics(job_id: str, manager: ManagerDep) -> Response:
    return json_array(manager.events(job_id, "epoch"))


@router.get("/{job_id}/snapshot", response_model=SnapshotEvent)
def job_snapshot(job_id: str, manager: ManagerDep) -> Response:
    snapshot = manager.events(job_id, "snapshot", limit=1, newest=True)
    if not snapshot:
        raise HTTPException(404, f"job {job_id} has no snapshot yet")
    return JSONText(snapshot[0])
