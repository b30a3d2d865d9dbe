"""Sweeps over the job manager: members created as one batch, summarised, stopped and
deleted together, and judged by the early-stopping rule as their epochs arrive.

Like the manager, its state lives on the event loop's thread: every method is called
there (routes are `async`; epoch events reach it through the manager's observer hook).
"""

from __future__ import annotations

import secrets
from typing import Any

from torchplay.jobs.errors import JobError
from torchplay.jobs.manager import JobManager
from torchplay.jobs.store import UNFINISHED, Store
from torchplay.people.caller import ADMIN
from torchplay.planning import PlannedJob
from torchplay.spec.events import EpochEvent
from torchplay.spec.sweep import EarlyStopping, SweepCreate
from torchplay.sweeps.members import Member
from torchplay.sweeps.stopping import rung_verdict


class Sweeps:
    def __init__(self, manager: JobManager, store: Store) -> None:
        self.manager = manager
        self.store = store
        self._rules: dict[str, tuple[str, EarlyStopping]] = {}  # member job → (sweep, its rule)
        manager.observe_epochs(self._on_epochs)

    def start(self) -> None:
        """Rules of sweeps with members still to train (kept across a restart)."""
        for sweep in self.store.list_sweeps():
            rule = sweep["body"].get("early_stopping")
            if rule is None:
                continue
            for member in sweep["members"]:
                self._rules[member["id"]] = (sweep["id"], EarlyStopping.model_validate(rule))

    def create(
        self, sweep: SweepCreate, members: list[Member], plans: list[PlannedJob], owner: str = ADMIN
    ) -> dict[str, Any]:
        """Every member queued (owned by the sweep's owner), or none: room for all of them is
        checked first."""
        self.manager.admission.check_room(len(plans), owner)
        sweep_id = secrets.token_hex(6)
        rows = []
        for member, plan in zip(members, plans, strict=True):
            job = self.manager.create(plan, owner)
            rows.append({"id": job["id"], "values": member.values})
            if sweep.early_stopping is not None:
                self._rules[job["id"]] = (sweep_id, sweep.early_stopping)
        self.store.create_sweep(sweep_id, sweep.name, sweep.model_dump(mode="json", exclude={"base"}), rows, owner)
        return {"id": sweep_id, "members": [row["id"] for row in rows]}

    def get(self, sweep_id: str) -> dict[str, Any]:
        sweep = self._stored(sweep_id)
        members = []
        for row in sweep["members"]:
            job = self.store.get_job(row["id"], with_request=False)
            if job is None:  # deleted on its own
                continue
            members.append(
                {
                    "id": row["id"],
                    "values": row["values"],
                    "status": job["status"],
                    "epoch": job["epoch"],
                    "train_loss": job["train_loss"],
                    "val_loss": job["val_loss"],
                    "metrics": job["metrics"],
                    "stopped_by": sweep["stopped"].get(row["id"]),
                }
            )
        body = sweep["body"]
        active = any(m["status"] in UNFINISHED for m in members)
        return {
            "id": sweep["id"],
            "name": sweep["name"],
            "created_at": sweep["created_at"],
            "owner": sweep["owner"],
            "status": "running" if active else "done",
            "axes": body["axes"],
            "mode": body["mode"],
            "early_stopping": body.get("early_stopping"),
            "members": members,
        }

    def list_sweeps(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Every sweep, or only `owner`'s."""
        return [self.get(sweep["id"]) for sweep in self.store.list_sweeps() if owner in (None, sweep["owner"])]

    def owner(self, sweep_id: str) -> str:
        return str(self._stored(sweep_id)["owner"])

    def stop(self, sweep_id: str) -> dict[str, Any]:
        for row in self._stored(sweep_id)["members"]:
            job = self.store.get_job(row["id"], with_request=False)
            if job is not None and job["status"] in UNFINISHED:
                self.manager.stop(row["id"])
        return self.get(sweep_id)

    async def delete(self, sweep_id: str) -> None:
        """The members first (their folders too), then the sweep."""
        for row in self._stored(sweep_id)["members"]:
            self._rules.pop(row["id"], None)
            if self.store.get_job(row["id"], with_request=False) is not None:
                await self.manager.delete(row["id"])
        self.store.delete_sweep(sweep_id)

    def _stored(self, sweep_id: str) -> dict[str, Any]:
        sweep = self.store.get_sweep(sweep_id)
        if sweep is None:
            raise JobError(404, f"no sweep {sweep_id!r}")
        return sweep

    def _on_epochs(self, job_id: str, epochs: list[EpochEvent]) -> None:
        """A member's epochs arrived: at a rung epoch, record its value and apply the rule."""
        if job_id not in self._rules:
            return
        sweep_id, rule = self._rules[job_id]
        for event in epochs:
            if event.epoch not in rule.at_epochs:
                continue
            value = getattr(event, rule.metric)
            earlier = self.store.rung_values(sweep_id, event.epoch)
            verdict = rung_verdict(rule, event.epoch, earlier, value)
            self.store.record_rung(sweep_id, event.epoch, job_id, value, verdict)
            if verdict is not None:
                del self._rules[job_id]
                job = self.store.get_job(job_id, with_request=False)
                if job is not None and job["status"] in UNFINISHED:
                    self.manager.stop(job_id)
                return
