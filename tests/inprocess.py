"""Jobs planned and trained in-process, by the functions a server's workers run: no server.

`train` collects the events as a viewer receives them (their JSON, as dicts)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from torchplay.planning import PlannedJob, plan_job
from torchplay.spec import JobCreate
from torchplay.spec.limits import Limits
from torchplay.training import Control, run_job


def planned(request: dict[str, Any] | JobCreate, data_dir: Path | None = None) -> PlannedJob:
    job = request if isinstance(request, JobCreate) else JobCreate.model_validate(request)
    return plan_job(job, Limits(), data_dir)


def train(
    request: dict[str, Any] | JobCreate | PlannedJob,
    data_dir: Path,
    control: Control | None = None,
    *,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Every event of the run, oldest first; `options` go to `run_job` (resume_from, …)."""
    plan = request if isinstance(request, PlannedJob) else planned(request, data_dir)
    events: list[dict[str, Any]] = []

    def collect(event: Any) -> None:
        events.append(json.loads(event.to_json()))
        if on_event is not None:
            on_event(events[-1])

    run_job(plan, collect, control, data_dir=data_dir, **options)
    return events
