"""How many threads a job is worth: one for batches too small to split, the share otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import spiral_job
from torchplay.planning import plan_job
from torchplay.planning.threads import threads_per_job
from torchplay.spec import JobCreate
from torchplay.spec.limits import Limits


def _max_threads(**overrides: Any) -> int | None:
    return plan_job(JobCreate.model_validate(spiral_job(**overrides)), Limits()).max_threads


def test_the_spiral_mlp_at_batch_32_is_worth_one_thread() -> None:
    assert _max_threads() == 1


def test_a_wide_model_or_a_big_batch_may_use_every_core() -> None:
    wide = [{"type": "Linear", "out_features": 1024}, {"type": "Tanh"}] * 2 + [{"type": "Linear", "out_features": 2}]
    assert _max_threads(model={"layers": wide}) is None
    assert _max_threads(dataset={"name": "spiral", "params": {"samples": 20_000}}, batch_size=8192) is None


@pytest.mark.parametrize(
    ("cores", "running", "useful", "expected"),
    [(8, 1, None, 8), (8, 2, None, 4), (8, 3, None, 2), (2, 5, None, 1), (8, 1, 1, 1), (8, 4, 1, 1), (1, 1, 4, 1)],
)
def test_threads_per_job(cores: int, running: int, useful: int | None, expected: int) -> None:
    assert threads_per_job(cores, running, useful) == expected
