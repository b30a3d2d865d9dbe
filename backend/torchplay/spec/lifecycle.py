"""A job's lifecycle as one table: its statuses and what each allows.

`queued → running ⇄ paused → completed | stopped | failed`; a job running when its server
died becomes `interrupted` and may resume. The job manager refuses (409) what the table
does not allow, `GET /api/system` publishes it (`lifecycle`), and the page enables its
buttons from it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


Action = Literal["stop", "pause", "resume", "step", "change", "predict", "export_weights", "delete"]

# What each status allows. `step` while running finishes the epoch, then pauses; `resume`
# of an interrupted job continues from its last checkpoint; `predict` and the weight
# exports need the final weights, written when a job ends without failing.
ACTIONS: dict[JobStatus, frozenset[Action]] = {
    JobStatus.QUEUED: frozenset({"stop", "delete"}),
    JobStatus.RUNNING: frozenset({"pause", "step", "stop", "change", "delete"}),
    JobStatus.PAUSED: frozenset({"resume", "step", "stop", "change", "delete"}),
    JobStatus.COMPLETED: frozenset({"predict", "export_weights", "delete"}),
    JobStatus.STOPPED: frozenset({"predict", "export_weights", "delete"}),
    JobStatus.FAILED: frozenset({"delete"}),
    JobStatus.INTERRUPTED: frozenset({"resume", "delete"}),
}

ACTIVE: frozenset[JobStatus] = frozenset({JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED})
TERMINAL: frozenset[JobStatus] = frozenset(set(JobStatus) - ACTIVE)
TRAINED: frozenset[JobStatus] = frozenset(s for s, allowed in ACTIONS.items() if "predict" in allowed)


def allows(status: str, action: Action) -> bool:
    return action in ACTIONS[JobStatus(status)]


def allowed_in(action: Action) -> list[str]:
    """The statuses that allow `action`, in lifecycle order (for messages)."""
    return [status.value for status in JobStatus if action in ACTIONS[status]]


def describe() -> dict[str, Any]:
    """The table as JSON, for `GET /api/system`."""
    ordered = list(JobStatus)
    return {
        "statuses": [s.value for s in ordered],
        "active": [s.value for s in ordered if s in ACTIVE],
        "terminal": [s.value for s in ordered if s in TERMINAL],
        "trained": [s.value for s in ordered if s in TRAINED],
        "actions": {s.value: sorted(ACTIONS[s]) for s in ordered},
    }
