"""Who am I, share links to a job, and forks: the routes of a server people share.

Who may call them was decided before they run (`api.access`): share links are made,
listed and revoked by the job's owner (or an admin); a fork by any user who can see the job.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from torchplay.api.deps import AccountsDep, CallerDep, ManagerDep, SettingsDep, ViewersDep
from torchplay.planning import plan_under
from torchplay.spec import JobCreate
from torchplay.spec.records import JobPublic

router = APIRouter(tags=["people"])

MAX_SHARE_S = 366 * 86400.0
FORK_SETTINGS = ("lr", "momentum", "weight_decay")  # put over the checkpoint's optimizer state


class Me(BaseModel):
    name: str | None = Field(description="The user's name; null for a visitor who came by a share link.")
    admin: bool = Field(description="Sees and controls every job.")
    anonymous: bool = Field(description="No user: only the jobs of the share links presented.")
    shared_jobs: list[str] = Field(description="Jobs opened to this caller by share links.")


class ShareCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    expires_in_s: float | None = Field(None, gt=0, le=MAX_SHARE_S, description="Seconds until it stops working.")
    allow_weights: bool = Field(False, description="Whether viewers may download the trained model.")


class SharePublic(BaseModel):
    id: str
    job_id: str
    created_by: str
    created_at: float = Field(description="Unix time.")
    expires_at: float | None = Field(description="Unix time it stops working; null: until revoked.")
    allow_weights: bool


class ShareCreated(SharePublic):
    token: str = Field(description="Shown once: the bearer token of the link.")
    url: str = Field(description="The page's address for it, relative to the server.")


class ForkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    epoch: int | None = Field(
        default=None,
        ge=1,
        description="The parent's checkpoint epoch to continue from; left out, the newest good "
        "checkpoint at the moment of the fork.",
    )
    changes: dict[str, Any] = Field(
        default_factory=dict, description="Job request fields to change (not the model: the weights are its)."
    )


@router.get("/api/me", response_model=Me)
async def me(caller: CallerDep) -> dict[str, Any]:
    return {
        "name": caller.name,
        "admin": caller.admin,
        "anonymous": caller.name is None,
        "shared_jobs": sorted(set(caller.shares.values())),
    }


@router.post("/api/jobs/{job_id}/shares", status_code=201, response_model=ShareCreated)
async def create_share(
    job_id: str, body: ShareCreate, manager: ManagerDep, accounts: AccountsDep, caller: CallerDep
) -> dict[str, Any]:
    manager.stored(job_id, with_request=False)  # 404 for an unknown job
    token = accounts.add_share(job_id, caller.name or "admin", body.expires_in_s, body.allow_weights)
    share = accounts.share_for(token)
    assert share is not None
    return share.public() | {"token": token, "url": f"/?token={token}#job={job_id}"}


@router.get("/api/jobs/{job_id}/shares", response_model=list[SharePublic])
async def list_shares(job_id: str, manager: ManagerDep, accounts: AccountsDep) -> list[dict[str, Any]]:
    manager.stored(job_id, with_request=False)
    return [share.public() for share in accounts.shares(job_id)]


@router.delete("/api/jobs/{job_id}/shares/{share_id}", status_code=204)
async def revoke_share(
    job_id: str, share_id: str, manager: ManagerDep, accounts: AccountsDep, viewers: ViewersDep
) -> Response:
    manager.stored(job_id, with_request=False)  # 404 for an unknown job, as every job route
    share = accounts.share(share_id)
    if share is None or share.job_id != job_id:
        raise HTTPException(404, f"job {job_id} has no share link {share_id!r}")
    accounts.revoke_share(share_id)
    viewers.revoke(share_id)  # its open streams end now
    return Response(status_code=204)


@router.get("/api/jobs/{job_id}/checkpoints", response_model=list[int])
async def job_checkpoints(job_id: str, manager: ManagerDep) -> list[int]:
    """The epochs a fork may start from: good checkpoints the stored history reaches."""
    job = manager.stored(job_id, with_request=False)
    return await manager.files.checkpoints(job_id, job["epoch"])


@router.post("/api/jobs/{job_id}/fork", status_code=201, response_model=JobPublic)
async def fork_job(
    job_id: str, body: ForkRequest, manager: ManagerDep, settings: SettingsDep, caller: CallerDep
) -> dict[str, Any]:
    """A new job of the caller's from the parent's checkpoint at `epoch` (or its newest), with
    the parent's settings and `changes`; its history continues the parent's."""
    if caller.name is None:
        raise HTTPException(403, "forking needs a user account: a share link alone cannot own jobs")
    parent = manager.stored(job_id)
    if "model" in body.changes:
        raise HTTPException(
            422,
            [{"loc": ["body", "changes", "model"], "msg": "a fork keeps the parent's model", "type": "not_allowed"}],
        )
    merged = {**parent["request"], **body.changes}
    try:
        request = JobCreate.model_validate(merged)
    except ValidationError as exc:
        raise HTTPException(
            422,
            [
                {"loc": ["body", "changes", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ],
        ) from None
    if body.epoch is not None and request.epochs <= body.epoch:
        raise HTTPException(
            422,
            [
                {
                    "loc": ["body", "changes", "epochs"],
                    "msg": f"a fork continues after epoch {body.epoch}: epochs must be more than that "
                    f"(the parent's is {request.epochs})",
                    "type": "too_small",
                }
            ],
        )
    before_optimizer, optimizer = parent["request"]["optimizer"], request.optimizer.model_dump(mode="json")
    if optimizer["type"] != before_optimizer["type"]:
        raise HTTPException(
            422,
            [
                {
                    "loc": ["body", "changes", "optimizer", "type"],
                    "msg": f"a fork keeps the parent's optimizer ({before_optimizer['type']}) and its state; "
                    "change its lr, momentum or weight_decay instead",
                    "type": "not_allowed",
                }
            ],
        )
    changed = {k: v for k, v in optimizer.items() if k in FORK_SETTINGS and v != before_optimizer.get(k)}
    plan = await run_in_threadpool(plan_under, settings, request, manager.executor.devices())
    before = parent.get("plan") or {}
    if plan.input_shape != before.get("input_shape") or plan.output_shape != before.get("output_shape"):
        raise HTTPException(
            422,
            [
                {
                    "loc": ["body", "changes", "dataset"],
                    "msg": "the changed dataset gives other input or output shapes than the parent's model takes",
                    "type": "shape_mismatch",
                }
            ],
        )
    return await manager.fork(job_id, body.epoch, plan, caller.name, changed)
