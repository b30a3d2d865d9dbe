"""The early-stopping verdicts at a rung: median stopping and successive halving."""

from __future__ import annotations

import math

from torchplay.spec.sweep import EarlyStopping
from torchplay.sweeps import rung_verdict

MEDIAN = EarlyStopping(rule="median", at_epochs=[5])
HALVING = EarlyStopping(rule="halving", at_epochs=[5])


def test_median_waits_for_min_reported_values_then_stops_what_is_worse_than_their_median() -> None:
    assert rung_verdict(MEDIAN, 5, [], 9.0) is None
    assert rung_verdict(MEDIAN, 5, [1.0], 9.0) is None  # min_reported is 2
    assert rung_verdict(MEDIAN, 5, [1.0, 3.0], 2.0) is None  # equal to the median: continues
    reason = rung_verdict(MEDIAN, 5, [1.0, 3.0], 2.5)
    assert reason is not None and "median" in reason and "epoch 5" in reason and "2.5" in reason
    assert rung_verdict(MEDIAN, 5, [1.0, 3.0, 5.0], 2.9) is None


def test_halving_keeps_the_better_half_of_all_values_at_the_rung() -> None:
    assert rung_verdict(HALVING, 5, [1.0, 2.0], 1.5) is None  # 2nd of 3: ceil(3/2) = 2 kept
    assert rung_verdict(HALVING, 5, [1.0, 2.0], 2.5) is not None  # 3rd of 3
    assert rung_verdict(HALVING, 5, [1.0, 2.0, 3.0], 2.0) is None  # 2nd of 4 (ties with 2.0 kept)
    assert rung_verdict(HALVING, 5, [1.0, 2.0, 3.0], 2.1) is not None  # 3rd of 4


def test_a_diverged_member_stops_at_the_rung() -> None:
    assert rung_verdict(MEDIAN, 5, [], None) is not None
    assert rung_verdict(HALVING, 5, [1.0, 2.0], math.nan) is not None
