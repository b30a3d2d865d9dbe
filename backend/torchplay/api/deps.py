"""Dependencies as `Annotated` aliases, so route signatures read like prose."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from torchplay.api.access import ShareViewers, caller
from torchplay.jobs import JobManager
from torchplay.jobs.inference_process import InferenceProcess
from torchplay.people import Accounts, Caller
from torchplay.settings import Settings
from torchplay.sweeps.service import Sweeps


# `async`, though they do no I/O: a plain function would cost each request a trip through
# the thread pool, which a burst of job creates needs for planning.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_manager(request: Request) -> JobManager:
    return request.app.state.manager


async def get_inference(request: Request) -> InferenceProcess:
    return request.app.state.inference


async def get_sweeps(request: Request) -> Sweeps:
    return request.app.state.sweeps


async def get_caller(request: Request) -> Caller:
    """Who is asking: found once, for every route, by `api.access.AccessGuard`, which has
    already refused what this caller may not do with the job or sweep a path names."""
    return caller(request.scope)


async def get_accounts(request: Request) -> Accounts:
    return request.app.state.accounts


async def get_viewers(request: Request) -> ShareViewers:
    return request.app.state.viewers


SettingsDep = Annotated[Settings, Depends(get_settings)]
ManagerDep = Annotated[JobManager, Depends(get_manager)]
InferenceDep = Annotated[InferenceProcess, Depends(get_inference)]
SweepsDep = Annotated[Sweeps, Depends(get_sweeps)]
CallerDep = Annotated[Caller, Depends(get_caller)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]
ViewersDep = Annotated[ShareViewers, Depends(get_viewers)]
