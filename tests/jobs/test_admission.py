"""Admission in-process, against a real `LocalExecutor`'s capacity (no worker is started:
admission only asks the executor what it can run and what a job needs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import spiral_job
from tests.inprocess import planned
from torchplay.jobs import JobError
from torchplay.jobs.admission import Admission
from torchplay.jobs.local import LocalExecutor


def test_jobs_start_oldest_first_while_their_device_has_a_free_slot(tmp_path: Path) -> None:
    admission = Admission(LocalExecutor(str(tmp_path), warm=0, max_per_device=2), max_queued=10)
    plan = planned(spiral_job(device="cpu"))
    for job_id in ("a1", "b2", "c3"):
        admission.enqueue(job_id, plan)

    assert [job_id for job_id, _ in admission.admit()] == ["a1", "b2"]
    assert admission.waiting()
    assert admission.reason("a1") == "starting"  # admitted, its worker not yet reporting
    assert admission.reason("c3") == "2 jobs running on cpu (max_running_jobs=2 per device)"
    assert admission.admit() == []  # nothing freed: nothing new

    admission.release("a1")
    assert [job_id for job_id, _ in admission.admit()] == ["c3"]
    assert not admission.waiting() and admission.reason("c3") == "starting"


def test_a_withdrawn_job_never_starts_and_the_queue_is_bounded(tmp_path: Path) -> None:
    admission = Admission(LocalExecutor(str(tmp_path), warm=0, max_per_device=1), max_queued=2)
    plan = planned(spiral_job(device="cpu"))
    admission.enqueue("a1", plan)
    admission.enqueue("b2", plan)
    with pytest.raises(JobError) as refused:
        admission.check_room()
    assert refused.value.status == 429 and "max_queued_jobs=2" in str(refused.value)

    assert admission.withdraw("a1") and not admission.withdraw("a1")
    assert [job_id for job_id, _ in admission.admit()] == ["b2"]
    assert not admission.withdraw("b2")  # running, not queued: the executor stops it
    admission.check_room()
