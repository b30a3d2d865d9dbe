"""How a running trainer hears stop / pause / resume / step / live changes.

The owner (a worker process, a Ray actor, a CLI thread) bumps a shared counter and puts
a command on a queue; the trainer compares the counter once per batch (a plain memory
read, no lock) and drains the queue only when it moved. So control costs nothing on the
hot path and still acts within one batch.

A pooled worker keeps its counter and queue from job to job: each command names the job it
is for (`"job"`), and a command left over from an earlier job is dropped.
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from typing import Any, Protocol


class _Counter(Protocol):
    value: int


class _CommandQueue(Protocol):
    """A thread's `queue.Queue` in-process, a `multiprocessing` queue from a worker's owner."""

    def get(self, block: bool = True, timeout: float | None = None) -> Any: ...

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None: ...


def _local_queue() -> _CommandQueue:
    return queue.Queue()


@dataclass
class _LocalCounter:
    value: int = 0


@dataclass
class Control:
    counter: _Counter = field(default_factory=_LocalCounter)
    commands: _CommandQueue = field(default_factory=_local_queue)
    seen: int = 0
    stopping: bool = False
    paused: bool = False
    step_once: bool = False
    changes: dict[str, Any] = field(default_factory=dict)
    job_id: str | None = None  # commands naming another job are not for this run
    threads: int | None = None  # torch threads the owner asks for, taken at the next epoch

    def send(self, command: dict[str, Any]) -> None:
        """For in-process owners (tests, the CLI): the same path a worker's owner uses."""
        self.commands.put(command)
        self.counter.value += 1

    def poll(self) -> bool:
        """Cheap per-batch check; returns True when the trainer should stop now."""
        if self.counter.value != self.seen:
            self._drain()
        return self.stopping

    def wait_while_paused(self) -> None:
        while self.paused and not self.stopping:
            time.sleep(0.02)
            self.poll()

    def take_changes(self) -> dict[str, Any]:
        changes, self.changes = self.changes, {}
        return changes

    def _drain(self) -> None:
        """Take exactly one command per counter tick. A process queue's `put` returns before
        the item is readable, so a tick may arrive first: wait briefly for its command rather
        than count it as seen and lose it."""
        target = self.counter.value
        while self.seen < target:
            try:
                command = self.commands.get(timeout=1.0)
            except queue.Empty:
                return  # still behind: the next poll tries again
            self.seen += 1
            self._apply(command)

    def _apply(self, command: dict[str, Any]) -> None:
        if command.get("job", self.job_id) != self.job_id:
            return
        op = command.get("op")
        if op == "stop":
            self.stopping = True
        elif op == "pause":
            self.paused = True
        elif op == "resume":
            self.paused, self.step_once = False, False
        elif op == "step":
            self.paused, self.step_once = False, True
        elif op == "set":
            self.changes.update(command.get("values", {}))
        elif op == "threads":
            self.threads = max(1, int(command["threads"]))
