"""Builds the FastAPI app: routers, guards, error shapes, the page; nothing else."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import plotly
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

import torchplay
from torchplay.api.access import AccessGuard, ShareViewers
from torchplay.api.errors import COMMON_ERRORS, STATE_ERRORS
from torchplay.api.guards import AllowedMethods, BodyLimit, JsonDepth
from torchplay.api.routes import (
    autograd,
    catalogue,
    doctor,
    export,
    jobs,
    models,
    one_step,
    people,
    stream,
    sweeps,
    uploads,
)
from torchplay.api.security import BrowserGuard, BrowserPolicy
from torchplay.data import DatasetUnavailable
from torchplay.jobs import JobError, JobFiles, JobManager, Store, make_executor
from torchplay.jobs.inference_process import InferenceProcess
from torchplay.jobs.legacy import plan_legacy_jobs
from torchplay.people import Accounts
from torchplay.planning import plan_under, warm_up_planning
from torchplay.settings import Settings
from torchplay.spec import SpecError
from torchplay.spec.errors import clean_loc
from torchplay.spec.tags import UNION_TAGS
from torchplay.sweeps.service import Sweeps


def frontend_dir() -> Path:
    """The page: inside the installed package (wheel), else the checkout's frontend/."""
    packaged = Path(torchplay.__file__).parent / "frontend"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "frontend"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store(settings.db_path)
        manager = JobManager(
            store,
            make_executor(settings),
            JobFiles(settings.data_dir, settings.keep_checkpoints),
            settings.max_queued_jobs,
            settings.max_queued_per_user,
            settings.max_running_per_user,
        )
        app.state.manager = manager
        app.state.accounts = Accounts(settings.db_path)
        app.state.viewers = ShareViewers()
        app.state.inference = InferenceProcess(settings.inference_threads, settings.predict_timeout_s)
        app.state.sweeps = Sweeps(manager, store)

        await asyncio.to_thread(
            plan_legacy_jobs, store, functools.partial(plan_under, settings)
        )  # jobs kept before plans were (once)
        await manager.start()
        app.state.sweeps.start()
        # In the background: the server answers at once, and is fast by the first validation.
        warming = asyncio.get_running_loop().run_in_executor(None, warm_up_planning)
        try:
            yield
        finally:
            warming.cancel()
            await asyncio.to_thread(app.state.inference.close)
            await manager.close()
            store.close()
            app.state.accounts.close()

    app = FastAPI(title="torchplay", version=torchplay.__version__, lifespan=lifespan)
    app.state.settings = settings
    routers = (
        catalogue.router,
        models.router,
        jobs.router,
        people.router,
        sweeps.router,
        stream.router,
        export.router,
        uploads.router,
        autograd.router,
        one_step.router,
        doctor.router,
    )
    for router in routers:
        app.include_router(router, responses={**COMMON_ERRORS, **STATE_ERRORS})
    _add_error_handlers(app)

    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> FileResponse:
        return FileResponse(plotly_js, media_type="text/javascript")

    app.mount("/", StaticFiles(directory=frontend_dir(), html=True, check_dir=False), name="page")
    app.add_middleware(JsonDepth, max_depth=settings.max_json_depth)
    app.add_middleware(AllowedMethods, router=app.router)
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes)
    app.add_middleware(AccessGuard, token=settings.token)
    # Outermost (added last): a foreign Host or Origin is refused before anything else runs.
    app.add_middleware(BrowserGuard, policy=BrowserPolicy.from_settings(settings))
    return app


def _add_error_handlers(app: FastAPI) -> None:
    def unprocessable(errors: list[dict[str, Any]]) -> JSONResponse:
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return unprocessable(
            [{"loc": clean_loc(e["loc"], UNION_TAGS), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        )

    @app.exception_handler(SpecError)
    async def spec_invalid(_: Request, exc: SpecError) -> JSONResponse:
        return unprocessable(exc.errors)

    @app.exception_handler(JobError)
    async def job_refused(_: Request, exc: JobError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(DatasetUnavailable)
    async def dataset_unavailable(_: Request, exc: DatasetUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)
