"""Sweeps over REST: create a grid (or random draw) of member jobs, read, stop, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from torchplay.api.deps import CallerDep, ManagerDep, SettingsDep, SweepsDep
from torchplay.spec.sweep import SweepCreate, SweepCreated, SweepPublic
from torchplay.sweeps import plan_members

router = APIRouter(prefix="/api/sweeps", tags=["sweeps"])


@router.post("", status_code=201, response_model=SweepCreated)
async def create_sweep(
    body: SweepCreate, sweeps: SweepsDep, manager: ManagerDep, settings: SettingsDep, caller: CallerDep
) -> dict[str, Any]:
    members, plans = await run_in_threadpool(plan_members, settings, body, manager.executor.devices())
    assert caller.name is not None  # a share link's POST never gets here (api.access)
    return sweeps.create(body, members, plans, caller.name)


@router.get("", response_model=list[SweepPublic])
async def list_sweeps(sweeps: SweepsDep, caller: CallerDep) -> list[dict[str, Any]]:
    """An admin's: every sweep; anyone else's: their own."""
    return sweeps.list_sweeps(None if caller.admin else caller.name or "")


@router.get("/{sweep_id}", response_model=SweepPublic)
async def get_sweep(sweep_id: str, sweeps: SweepsDep) -> dict[str, Any]:
    return sweeps.get(sweep_id)


@router.post("/{sweep_id}/stop", status_code=202, response_model=SweepPublic)
async def stop_sweep(sweep_id: str, sweeps: SweepsDep) -> dict[str, Any]:
    return sweeps.stop(sweep_id)


@router.delete("/{sweep_id}", status_code=204)
async def delete_sweep(sweep_id: str, sweeps: SweepsDep) -> Response:
    await sweeps.delete(sweep_id)
    return Response(status_code=204)
