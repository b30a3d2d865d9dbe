"""Event intake: a batch of a job's events numbered, serialised once and stored with the
job row it changes, in one transaction."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from torchplay.jobs.store import UNFINISHED, Store, now_iso
from torchplay.spec.events import DoneEvent, EpochEvent, StatusEvent
from torchplay.spec.wire import EventBase


@dataclass
class Intake:
    rows: list[tuple[int, str, str]]  # (seq, type, JSON): as stored, as viewers get them
    fields: dict[str, Any]  # what changed in the job row

    @property
    def finished(self) -> bool:
        return self.fields.get("status") not in (None, *UNFINISHED)


class EventIntake:
    def __init__(self, store: Store) -> None:
        self.store = store

    def take(self, job_id: str, events: list[EventBase]) -> Intake | None:
        """Store one batch; None when the job is gone (deleted while its worker still talked)."""
        job = self.store.get_job(job_id, with_request=False)
        if job is None:
            return None
        seq = job["last_seq"]
        rows: list[tuple[int, str, str]] = []
        fields: dict[str, Any] = {}
        for event in events:
            seq += 1
            rows.append((seq, event.type, event.numbered(seq, job_id).to_json()))
            fields.update(_job_fields(event, job))
        self.store.append(job_id, rows, fields)
        return Intake(rows, fields)


def _job_fields(event: EventBase, job: dict[str, Any]) -> dict[str, Any]:
    """How one event changes the job row."""
    if isinstance(event, EpochEvent):
        return {
            "epoch": event.epoch,
            "train_loss": _finite(event.train_loss),
            "val_loss": _finite(event.val_loss),
            "metrics": {k: _finite(v) for k, v in event.metrics.items()},
            "threads": event.threads,
        }
    if isinstance(event, StatusEvent):
        fields: dict[str, Any] = {"status": event.status, "device": event.device}
        if event.status == "running" and not job.get("started_at"):
            fields["started_at"] = now_iso()
        return fields
    if isinstance(event, DoneEvent):
        return {"status": event.status, "error": event.error, "finished_at": now_iso()}
    return {}


def _finite(value: float | None) -> float | None:
    """NaN and inf are stored as null, as on the wire."""
    return value if value is not None and math.isfinite(value) else None
