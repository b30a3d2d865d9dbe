"""Compact fixed-bin histograms of weights, gradients and activations, per layer.

Each histogram is `BINS` equal bins between the tensor's finite minimum and maximum, plus
a count of non-finite values: a few hundred bytes whatever the tensor's size, drawn by the
page as a TensorBoard-like distribution over epochs (each epoch's column rescaled onto the
chart's common value axis). All of one epoch's histograms are computed on the device and
read back with a single host transfer (`read`).

How many epochs get a set is bounded by `due`: a job keeps at most about `MAX_SETS`
whatever its length, so a 100 000-epoch run stores as many as a 100-epoch one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

BINS = 32
MAX_SETS = 100  # histogram sets per job, at most (plus the last epoch's)
MAX_LAYERS = 48  # layers that get histograms in a deep network (spread evenly over its depth)

_BIG = torch.finfo(torch.float32).max


@dataclass(frozen=True)
class Histogram:
    lo: float  # the smallest finite value (the first bin's left edge)
    hi: float  # the largest finite value (the last bin's right edge)
    counts: list[int]  # BINS counts, equal widths between lo and hi
    nonfinite: int  # NaN and ±inf values, in no bin

    def to_json(self) -> dict[str, float | int | list[int]]:
        return {"lo": _round(self.lo), "hi": _round(self.hi), "counts": self.counts, "nonfinite": self.nonfinite}


def due(epoch: int, epochs: int) -> bool:
    """Whether this epoch gets a histogram set: every `ceil(epochs / MAX_SETS)` epochs and
    the first and last, so the count per job stays ≤ MAX_SETS + 2."""
    every = max(1, math.ceil(epochs / MAX_SETS))
    return epoch == 1 or epoch == epochs or epoch % every == 0


def shown_layers(count: int) -> list[int]:
    """Indices of the layers to histogram: all of them, or `MAX_LAYERS` spread evenly
    (first and last included) in a deeper network."""
    if count <= MAX_LAYERS:
        return list(range(count))
    return sorted({round(i * (count - 1) / (MAX_LAYERS - 1)) for i in range(MAX_LAYERS)})


def pending(values: torch.Tensor, bins: int = BINS) -> torch.Tensor:
    """The histogram of `values` as a device tensor `[lo, hi, nonfinite, count₀ … count_bins-1]`,
    not yet read back: stack many and `read` them at once."""
    v = values.detach().flatten().float()
    if not v.numel():
        return torch.zeros(bins + 3, device=v.device)
    finite = torch.isfinite(v)
    lo = torch.where(finite, v, _BIG).amin()
    hi = torch.where(finite, v, -_BIG).amax()
    width = (hi - lo).clamp_min(torch.finfo(torch.float32).tiny)
    index = ((v - lo) / width * bins).floor().clamp(0, bins - 1)
    index = torch.where(finite, index, bins).long()  # non-finite values go to an extra bin
    counts = torch.bincount(index, minlength=bins + 1).float()
    return torch.cat([lo[None], hi[None], counts[bins:], counts[:bins]])


def read(rows: list[torch.Tensor]) -> list[Histogram]:
    """Pending histograms → `Histogram`s, with one host transfer for all of them."""
    if not rows:
        return []
    out = []
    for lo, hi, nonfinite, *counts in torch.stack(rows).double().cpu().tolist():
        if nonfinite and not any(counts):  # nothing finite: no range to speak of
            lo = hi = 0.0
        out.append(Histogram(lo, hi, [round(c) for c in counts], round(nonfinite)))
    return out


def parameters_of(layer: nn.Module) -> torch.Tensor | None:
    """All of a layer's trainable values (weights and biases) as one flat tensor."""
    params = [p.detach().flatten() for p in layer.parameters() if p.requires_grad]
    return torch.cat(params) if params else None


def gradients_of(layer: nn.Module) -> torch.Tensor | None:
    """The last step's gradients of a layer's trainable values (None before the first step)."""
    grads = [p.grad.detach().flatten() for p in layer.parameters() if p.requires_grad and p.grad is not None]
    return torch.cat(grads) if grads else None


def _round(value: float) -> float:
    return float(f"{value:.6g}")
