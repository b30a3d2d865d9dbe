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
        admission.enqueue(job_id, plan, "admin")

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
    admission.enqueue("a1", plan, "admin")
    admission.enqueue("b2", plan, "admin")
    with pytest.raises(JobError) as refused:
        admission.check_room()
    assert refused.value.status == 429 and "max_queued_jobs=2" in str(refused.value)

    assert admission.withdraw("a1") and not admission.withdraw("a1")
    assert [job_id for job_id, _ in admission.admit()] == ["b2"]
    assert not admission.withdraw("b2")  # running, not queued: the executor stops it
    admission.check_room()


def test_owners_take_turns_so_one_long_queue_starves_no_one(tmp_path: Path) -> None:
    admission = Admission(LocalExecutor(str(tmp_path), warm=0, max_per_device=1), max_queued=100)
    plan = planned(spiral_job(device="cpu"))
    for n in range(50):  # alice's loop of fifty, queued first
        admission.enqueue(f"a{n:02d}", plan, "alice")
    admission.enqueue("b00", plan, "bob")
    admission.enqueue("b01", plan, "bob")
    admission.enqueue("c00", plan, "carol")

    order = []
    for _ in range(7):
        (started,) = admission.admit()
        order.append(started[0])
        admission.release(started[0])
    # One each in turn, every owner's oldest first, while anyone else waits.
    assert order == ["a00", "b00", "c00", "a01", "b01", "a02", "a03"]


def test_per_user_limits_on_queued_and_running_jobs(tmp_path: Path) -> None:
    admission = Admission(
        LocalExecutor(str(tmp_path), warm=0, max_per_device=4),
        max_queued=100,
        max_queued_per_user=2,
        max_running_per_user=1,
    )
    plan = planned(spiral_job(device="cpu"))
    admission.enqueue("a1", plan, "alice")
    admission.enqueue("a2", plan, "alice")
    with pytest.raises(JobError) as refused:
        admission.check_room(owner="alice")
    assert refused.value.status == 429 and "max_queued_per_user=2" in str(refused.value)
    admission.check_room(owner="bob")  # another person's room is their own
    with pytest.raises(JobError):
        admission.check_room(3, owner="bob")  # a sweep of three does not fit either

    admission.enqueue("b1", plan, "bob")
    assert sorted(job_id for job_id, _ in admission.admit()) == ["a1", "b1"]  # free slots, but one each
    assert admission.reason("a2") == "alice already has 1 jobs running (limit max_running_per_user=1)"
    admission.release("a1")
    assert [job_id for job_id, _ in admission.admit()] == ["a2"]
