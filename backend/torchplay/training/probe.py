"""A look inside the network once an epoch: a fixed small batch pushed through it layer by layer.

The probe is `PROBE_ROWS` training rows picked once (evenly spaced, so ordered sets give
every class, and no random draw disturbs the run's seeded shuffling). Once an epoch it
runs forward without gradients in eval mode (no dropout, no batch-norm statistics
updated) and measures what the doctor needs about each activation layer's output:

- ReLU-like layers: the fraction of *dead* neurons, zero for every probe row (a neuron is
  one output value; in a feature map, one channel);
- squashing layers (Sigmoid, Tanh): the fraction of outputs in the flat tails, where the
  slope is under 5 % of its peak and almost no gradient flows back.

When asked, the same pass also histograms every layer's output, weights and last-step
gradients (`histograms.py`). Everything stays on the device until one host read, so the
cost is one small forward pass, whatever the epoch's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from torchplay.training import histograms

PROBE_ROWS = 128  # enough rows to tell a dead neuron from a quiet one; few enough to cost ~nothing
PROBE_VALUES = 1 << 20  # and at most this many input values (image sets get fewer rows)

# Slope under 5 % of its peak: sigmoid' = s(1-s) < 0.0125, tanh' = 1-t² < 0.05.
_SIGMOID_FLAT = 0.0127
_TANH_FLAT = 0.975

DYING = (nn.ReLU, nn.ReLU6)  # exactly zero below 0: a neuron can stop for good
SQUASHING = (nn.Sigmoid, nn.Tanh)


@dataclass(frozen=True)
class LayerReading:
    layer: int  # index among the model's top-level layers
    type: str  # the torch.nn class name
    dead: float | None = None  # ReLU-like: fraction of neurons zero on every probe row
    saturated: float | None = None  # Sigmoid/Tanh: fraction of outputs in the flat tails
    nonfinite: bool = False  # the output held NaN or ±inf


@dataclass(frozen=True)
class LayerHistograms:
    layer: int
    activation: histograms.Histogram
    weight: histograms.Histogram | None = None
    grad: histograms.Histogram | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"layer": self.layer, "activation": self.activation.to_json()}
        if self.weight is not None:
            out["weight"] = self.weight.to_json()
        if self.grad is not None:
            out["grad"] = self.grad.to_json()
        return out


@dataclass(frozen=True)
class Reading:
    layers: list[LayerReading]
    histograms: list[LayerHistograms] = field(default_factory=list)


def pick_rows(x: torch.Tensor, rows: int = PROBE_ROWS) -> torch.Tensor:
    """Indices of the probe rows: up to `rows` of `x`'s, evenly spaced (deterministic, no RNG)."""
    per_row = max(1, x[0].numel()) if len(x) else 1
    rows = max(1, min(rows, len(x), PROBE_VALUES // per_row))
    return torch.linspace(0, len(x) - 1, rows, device=x.device).round().long()


class Probe:
    def __init__(self, model: nn.Sequential, x: torch.Tensor, y: torch.Tensor | None = None) -> None:
        self.model = model
        self.index = pick_rows(x)
        self.x = x[self.index]
        self.y = y[self.index] if y is not None else None
        self.shown = set(histograms.shown_layers(len(model)))

    def loss(self, loss_fn: nn.Module) -> float | None:
        """The model's loss on the probe rows now (before training: where it starts from)."""
        if self.y is None:
            return None
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                return float(loss_fn(self.model(self.x), self.y))
        finally:
            self.model.train(was_training)

    def look(self, with_histograms: bool = False) -> Reading:
        """This epoch's reading of every layer (and, when asked, its histograms)."""
        stats: list[torch.Tensor] = []  # per layer [dead or -1, saturated or -1, nonfinite]
        pending: list[torch.Tensor] = []
        kinds: list[tuple[int, bool, bool]] = []  # (layer, has weights, has grads) per histogrammed layer
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                y = self.x
                for index, layer in enumerate(self.model):
                    y = layer(y)
                    stats.append(_measure(layer, y))
                    if with_histograms and index in self.shown:
                        kinds.append(self._pend(index, layer, y, pending))
        finally:
            self.model.train(was_training)
        values = torch.stack(stats).cpu().tolist()  # one host read for the statistics ...
        read = histograms.read(pending)  # ... and one for the histograms
        layers = [
            LayerReading(
                index,
                type(layer).__name__,
                dead if dead >= 0 else None,
                saturated if saturated >= 0 else None,
                bool(nonfinite),
            )
            for index, (layer, (dead, saturated, nonfinite)) in enumerate(zip(self.model, values, strict=True))
        ]
        return Reading(layers, _assemble(kinds, read))

    def _pend(
        self, index: int, layer: nn.Module, y: torch.Tensor, pending: list[torch.Tensor]
    ) -> tuple[int, bool, bool]:
        pending.append(histograms.pending(y))
        weights, grads = histograms.parameters_of(layer), histograms.gradients_of(layer)
        if weights is not None:
            pending.append(histograms.pending(weights))
        if grads is not None:
            pending.append(histograms.pending(grads))
        return index, weights is not None, grads is not None


def _measure(layer: nn.Module, y: torch.Tensor) -> torch.Tensor:
    """[dead fraction or -1, saturated fraction or -1, 1 if non-finite] for one layer's output."""
    none = torch.tensor(-1.0, device=y.device)
    dead = saturated = none
    if isinstance(layer, DYING) and y.dim() >= 2 and len(y):
        # A neuron is one output value; in a feature map, a whole channel (a dark image border
        # keeps some pixels of every channel at zero, which is not a dead filter).
        alive = (y > 0).transpose(0, 1).flatten(1).any(1) if y.dim() == 4 else (y > 0).flatten(1).any(0)
        dead = alive.logical_not().float().mean()
    elif isinstance(layer, nn.Sigmoid):
        saturated = ((y < _SIGMOID_FLAT) | (y > 1 - _SIGMOID_FLAT)).float().mean()
    elif isinstance(layer, nn.Tanh):
        saturated = (y.abs() > _TANH_FLAT).float().mean()
    nonfinite = (~torch.isfinite(y)).any().float() if y.is_floating_point() else torch.zeros((), device=y.device)
    return torch.stack([dead.float(), saturated.float(), nonfinite])


def _assemble(kinds: list[tuple[int, bool, bool]], read: list[histograms.Histogram]) -> list[LayerHistograms]:
    out, k = [], 0
    for index, has_weights, has_grads in kinds:
        activation = read[k]
        weight = read[k + 1] if has_weights else None
        grad = read[k + 1 + has_weights] if has_grads else None
        k += 1 + has_weights + has_grads
        out.append(LayerHistograms(index, activation, weight, grad))
    return out
