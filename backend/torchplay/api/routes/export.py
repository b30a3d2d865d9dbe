"""Taking a model out: export (code and weights), predict, the network's internals, and presets.

The routes only translate HTTP: the work is in `torchplay.export`, and predict and
internals run in the inference process (`torchplay.jobs.inference_process`), so the
server's memory never holds a trained model or its activations.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from torchplay import presets
from torchplay.api import schemas
from torchplay.api.deps import InferenceDep, ManagerDep, SettingsDep
from torchplay.api.errors import ErrorOut
from torchplay.api.responses import JSONText, json_array
from torchplay.export import (
    ExportUnavailable,
    NonFiniteNumber,
    export_weights,
    notebook,
    notebook_filename,
    python_script,
    script_filename,
)
from torchplay.export.notebook import MEDIA_TYPE as NOTEBOOK_MEDIA_TYPE
from torchplay.jobs.inference_process import InferenceUnavailable
from torchplay.planning import PlannedJob
from torchplay.spec import lifecycle
from torchplay.spec.snapshots import SnapshotEvent
from torchplay.training import inference

router = APIRouter(tags=["export"])

Format = Literal["python", "ipynb", "torchscript", "onnx", "state_dict"]


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inputs: list[Any] = Field(
        description="A batch of inputs, each shaped like the job's input_shape; at most max_predict_rows "
        "rows (GET /api/system). GAN jobs: latent vectors."
    )


def _job(manager: ManagerDep, job_id: str) -> dict[str, Any]:
    return manager.stored(job_id)  # JobError(404) for an unknown id; safe in the thread pool


def _trained(manager: ManagerDep, job_id: str) -> PlannedJob:
    """The plan of a job whose status says it has a trained model."""
    job = _job(manager, job_id)
    if not lifecycle.allows(job["status"], "predict"):
        raise HTTPException(
            409, f"job {job_id} is {job['status']}; a trained model exists once it is {_trained_statuses()}"
        )
    return manager.plan(job_id)


async def _inferred(answer: Awaitable[str]) -> JSONText:
    """The inference process's answer, or the HTTP error its failure means."""
    try:
        return JSONText(await answer)
    except inference.NotTrained as exc:
        raise HTTPException(409, str(exc)) from None
    except inference.InputError as exc:
        raise HTTPException(422, [{"loc": ["body", "inputs"], "msg": str(exc), "type": "shape_mismatch"}]) from None
    except InferenceUnavailable as exc:
        raise HTTPException(503, str(exc)) from None


_INFERENCE_ERRORS: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorOut, "description": "The inference process took over predict_timeout_s or died; retry."}
}


_DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A download (Content-Disposition: attachment): the Python script, the notebook, "
        "or the trained model.",
        "content": {
            "text/x-python": {"schema": {"type": "string"}},
            NOTEBOOK_MEDIA_TYPE: {"schema": {"type": "object"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.get("/api/jobs/{job_id}/export", response_class=Response, responses=_DOWNLOADS)
def export_job(
    job_id: str,
    manager: ManagerDep,
    settings: SettingsDep,
    format: Annotated[
        Format, Query(description="python, ipynb (any time); torchscript, onnx, state_dict (trained)")
    ] = "python",
) -> Response:
    job = _job(manager, job_id)
    filename = script_filename(job["request"], job_id)
    plan = manager.plan(job_id)
    if format in ("python", "ipynb"):
        try:
            if format == "ipynb":
                text = notebook(plan, settings.data_dir, job_id)
                filename, media_type = notebook_filename(job["request"], job_id), NOTEBOOK_MEDIA_TYPE
            else:
                text, media_type = python_script(plan, settings.data_dir, job_id), "text/x-python; charset=utf-8"
        except (KeyError, FileNotFoundError):  # an uploaded CSV deleted since the job ran
            raise HTTPException(409, f"job {job_id}'s dataset is no longer stored here") from None
        except NonFiniteNumber as exc:  # a stored upload holding inf or NaN
            raise HTTPException(409, f"job {job_id}'s dataset cannot be written as Python: {exc}") from None
        return _download(text.encode(), filename, media_type)
    if not lifecycle.allows(job["status"], "export_weights"):
        raise HTTPException(409, f"job {job_id} is {job['status']}; {format} export needs a {_trained_statuses()} job")
    try:
        download = export_weights(plan, manager.files.folder(job_id), format, filename.removesuffix(".py"))
    except ExportUnavailable as exc:
        raise HTTPException(424, str(exc)) from None
    except inference.NotTrained as exc:
        raise HTTPException(409, str(exc)) from None
    return _download(download.content, download.filename, download.media_type)


@router.post("/api/jobs/{job_id}/predict", response_model=schemas.Prediction, responses=_INFERENCE_ERRORS)
async def predict(
    job_id: str, body: PredictRequest, manager: ManagerDep, settings: SettingsDep, process: InferenceDep
) -> Response:
    if len(body.inputs) > settings.max_predict_rows:
        message = f"{len(body.inputs):,} rows is over the limit of {settings.max_predict_rows:,} rows per request"
        raise HTTPException(
            422, [{"loc": ["body", "inputs"], "msg": f"{message} (max_predict_rows)", "type": "too_long"}]
        )
    plan = await run_in_threadpool(_trained, manager, job_id)
    return await _inferred(process.predict(plan, manager.files.folder(job_id), body.inputs))


@router.get("/api/jobs/{job_id}/internals", response_model=schemas.Internals, responses=_INFERENCE_ERRORS)
async def job_internals(job_id: str, manager: ManagerDep, settings: SettingsDep, process: InferenceDep) -> Response:
    """Layer names, hidden neurons over the plane (2-D data), feature maps (CNNs). The
    per-epoch weight and gradient norms are in the epoch events (`layer_norms`)."""
    plan = await run_in_threadpool(_trained, manager, job_id)
    return await _inferred(process.internals(plan, manager.files.folder(job_id), Path(settings.data_dir)))


@router.get("/api/jobs/{job_id}/snapshots", response_model=list[SnapshotEvent])
def job_snapshots(
    job_id: str,
    manager: ManagerDep,
    limit: Annotated[int, Query(ge=2, le=1000, description="At most this many, evenly spread")] = 100,
) -> Response:
    """The stored prediction snapshots, oldest first, for the history scrubber: thinned to
    `limit`, always keeping the first and the last."""
    snapshots = manager.events(job_id, "snapshot")
    if len(snapshots) > limit:
        step = (len(snapshots) - 1) / (limit - 1)
        snapshots = [snapshots[round(i * step)] for i in range(limit)]
    return json_array(snapshots)


@router.get("/api/presets", response_model=list[schemas.Preset])
def list_presets() -> list[dict[str, Any]]:
    return presets.catalogue()


@router.get("/api/presets/{preset_id}", response_model=schemas.Preset)
def get_preset(preset_id: str) -> dict[str, Any]:
    if preset_id not in presets.PRESETS:
        raise HTTPException(404, f"no preset {preset_id!r}; see GET /api/presets")
    return presets.PRESETS[preset_id].public()


def _trained_statuses() -> str:
    return " or ".join(lifecycle.allowed_in("predict"))  # "completed or stopped"


def _download(content: bytes, filename: str, media_type: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
