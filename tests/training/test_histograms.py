"""Fixed-bin histograms: every value counted once, bounded size and cadence."""

from __future__ import annotations

import math

import torch

from torchplay.training import histograms
from torchplay.training.histograms import BINS, MAX_LAYERS, MAX_SETS


def _one(values: torch.Tensor) -> histograms.Histogram:
    [histogram] = histograms.read([histograms.pending(values)])
    return histogram


def test_counts_match_numpy_histogram_bins() -> None:
    values = torch.randn(10_000, generator=torch.Generator().manual_seed(0))
    histogram = _one(values)
    assert histogram.lo == values.min().item() and histogram.hi == values.max().item()
    assert len(histogram.counts) == BINS and sum(histogram.counts) == values.numel()
    expected = torch.histc(values, BINS, histogram.lo, histogram.hi)  # torch's own fixed-bin histogram
    assert sum(abs(a - b) for a, b in zip(histogram.counts, expected.tolist(), strict=True)) <= 2  # edge rounding


def test_non_finite_values_are_counted_apart() -> None:
    histogram = _one(torch.tensor([1.0, 2.0, math.nan, math.inf, -math.inf, 3.0]))
    assert (histogram.lo, histogram.hi, histogram.nonfinite, sum(histogram.counts)) == (1.0, 3.0, 3, 3)
    nothing_finite = _one(torch.tensor([math.nan, math.nan]))
    assert (nothing_finite.lo, nothing_finite.hi, nothing_finite.nonfinite) == (0.0, 0.0, 2)


def test_a_constant_tensor_falls_in_the_first_bin_and_an_empty_one_in_none() -> None:
    histogram = _one(torch.full((7,), 0.5))
    assert (histogram.lo, histogram.hi, histogram.counts[0], sum(histogram.counts)) == (0.5, 0.5, 7, 7)
    assert sum(_one(torch.empty(0)).counts) == 0


def test_many_histograms_read_back_in_order() -> None:
    tensors = [torch.arange(n, dtype=torch.float32) for n in (3, 10, 100)]
    read = histograms.read([histograms.pending(t) for t in tensors])
    assert [sum(h.counts) for h in read] == [3, 10, 100]
    assert [h.hi for h in read] == [2.0, 9.0, 99.0]
    assert read[2].to_json()["counts"] == read[2].counts and len(str(read[2].to_json())) < 400  # compact


def test_a_long_job_keeps_a_bounded_number_of_sets() -> None:
    for epochs in (1, 7, 100, 101, 5_000, 100_000):
        due = [epoch for epoch in range(1, epochs + 1) if histograms.due(epoch, epochs)]
        assert due[0] == 1 and due[-1] == epochs
        assert len(due) <= MAX_SETS + 2, (epochs, len(due))
    assert sum(histograms.due(e, 50) for e in range(1, 51)) == 50  # a short job: every epoch


def test_deep_networks_histogram_a_spread_of_layers() -> None:
    assert histograms.shown_layers(5) == [0, 1, 2, 3, 4]
    shown = histograms.shown_layers(1000)
    assert len(shown) == MAX_LAYERS and shown[0] == 0 and shown[-1] == 999
    assert shown == sorted(set(shown))
