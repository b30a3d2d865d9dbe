"""Jobs kept by a torchplay that stored no plan get theirs once, when a server opens the store."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

from torchplay.jobs.store import Store
from torchplay.planning import PlannedJob
from torchplay.spec import JobCreate, SpecError


def plan_legacy_jobs(store: Store, plan: Callable[[JobCreate], PlannedJob]) -> None:
    """Plan each stored job that has no plan; one whose request no longer plans keeps none
    (its record says so, and it cannot run, predict or export)."""
    for job in store.jobs_without_plan():
        try:
            planned = plan(JobCreate.model_validate(job["request"]))
        except (ValidationError, SpecError):
            continue
        store.update_job(
            job["id"],
            request=planned.request.model_dump(mode="json"),
            plan=planned.model_dump(mode="json", exclude={"request"}),
        )
