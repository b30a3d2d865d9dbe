"""The training doctor: each epoch's vitals in, findings out, each with its evidence.

It reads only what an epoch already produced — the losses, the per-layer weight and
gradient norms of the epoch event (`internals.layer_norms`), and the probe's reading of
the activations (`probe.py`) — so examining an epoch costs a few list operations.

Every threshold below was set against networks built to be sick and healthy ones that
must get no finding (tests/training/test_doctor.py). Two references make them scale-free:
the loss a *constant guess* scores on the training targets (class frequencies, the mean)
and the loss the network started from. A condition must hold `PERSIST` epochs in a row
(one noisy epoch is not a finding), except divergence, which cannot wait. Each finding is
reported once per run (`restart` after a rewind lets divergence be found again).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from torchplay.spec.events import FindingKind
from torchplay.training.findings import Evidence, Finding, wire_number
from torchplay.training.objectives import Objective
from torchplay.training.probe import Reading

PERSIST = 2  # epochs in a row a layer's condition must hold
# A layer's condition is a finding only while the loss struggles: healthy ReLU nets on 2-D
# sets keep 30-55 % of a layer's neurons dead and still learn perfectly.
STRUGGLING = 0.5  # loss above half a constant guess's: not yet learned
DEAD = 0.6  # most of a ReLU layer's neurons dead: its width is mostly gone
SATURATED = 0.5  # half a squashing layer's outputs in the flat tails
VANISH = 1e-4  # a layer's gradient/weight ratio under 1/10 000 of the output layer's
EXPLODE_RATIO = 10.0  # a gradient 10× the weights it updates (an SGD step at lr 0.1 would replace them)
DIVERGE = 3.0  # loss over 3× max(start, constant guess): thrown away from where it began
# Stalled: over STALL_WINDOW epochs the best loss improved by under 0.1 %, and either it sits
# at a constant guess's (learned nothing) or it does not move at all. A tanh net on the
# spiral plateaus for ~10 epochs at 0.66 (4 % under the guess, wobbling 0.5 %) and then
# learns: that is no finding.
STALL_WINDOW = 10
STALL_CHANGE = 1e-3
STALL_AT_GUESS = 0.01  # within 1 % of the constant guess's loss
STALL_STILL = 5e-4  # or spread over the window under 0.05 %
OVERFIT_PERSIST = 3
OVERFIT_WORSE = 1.1  # validation loss 10 % above its best ...
OVERFIT_GAP = 0.1  # ... and above the training loss by more than 10 % of a constant guess and the training loss itself
_SEEN_BY_PROBE = ("dead_relu", "saturation")


@dataclass(frozen=True)
class Vitals:
    """What one epoch tells the doctor."""

    epoch: int
    train_loss: float
    val_loss: float | None
    norms: list[dict[str, Any]]  # the epoch event's layer_norms: layer, weight, grad
    reading: Reading | None = None  # the probe's look at the activations (None: not this epoch)


@dataclass
class Doctor:
    guess_loss: float | None = None  # what a constant guess scores (`constant_guess_loss`)
    initial_loss: float | None = None  # the untrained network's loss (`Probe.loss`)
    found: list[Finding] = field(default_factory=list)
    _reported: set[tuple[str, int | None]] = field(default_factory=set)
    _streaks: dict[tuple[str, int | None], int] = field(default_factory=dict)
    _losses: list[float] = field(default_factory=list)
    _best_val: float = math.inf

    def examine(self, vitals: Vitals) -> list[Finding]:
        """This epoch's new findings (also appended to `found`)."""
        divergence = self._divergence(vitals)
        candidates: list[tuple[FindingKind, int | None, Evidence, int]] = [divergence] if divergence else []
        if math.isfinite(vitals.train_loss):
            self._losses.append(vitals.train_loss)
            candidates += self._layers(vitals) + self._gradients(vitals) + self._run(vitals)
        current = {(kind, layer) for kind, layer, _, _ in candidates}
        for key in list(self._streaks):
            # The condition broke, its streak starts again (an epoch without a look at the
            # activations says nothing about them).
            if key not in current and (vitals.reading is not None or key[0] not in _SEEN_BY_PROBE):
                del self._streaks[key]
        new = []
        for kind, layer, evidence, persist in candidates:
            key = (kind, layer)
            self._streaks[key] = self._streaks.get(key, 0) + 1
            if self._streaks[key] >= persist and key not in self._reported:
                self._reported.add(key)
                new.append(Finding(kind, layer, vitals.epoch, evidence))
        self.found += new
        return new

    def restart(self) -> None:
        """After a rewind: the loss history starts again, and divergence can be found again."""
        self._losses.clear()
        self._streaks.clear()
        self._reported = {key for key in self._reported if key[0] not in ("diverging", "exploding_gradient")}

    # --- the rules ----------------------------------------------------------------------------

    @property
    def _reference(self) -> float | None:
        known = [v for v in (self.initial_loss, self.guess_loss) if v is not None and math.isfinite(v)]
        return max(known) if known else (self._losses[0] if self._losses else None)

    def _struggling(self, loss: float) -> bool:
        reference = self.guess_loss if self.guess_loss is not None else self.initial_loss
        return reference is None or loss > STRUGGLING * reference

    def _divergence(self, vitals: Vitals) -> tuple[FindingKind, int | None, Evidence, int] | None:
        loss = vitals.train_loss
        broken = [layer.layer for layer in (vitals.reading.layers if vitals.reading else []) if layer.nonfinite]
        broken += [n["layer"] for n in vitals.norms if not _finite(n.get("weight")) or not _finite(n.get("grad"))]
        if not math.isfinite(loss) or broken:
            evidence: Evidence = {"loss": wire_number(loss), "nonfinite": True}
            return "diverging", min(broken) if broken else None, evidence, 1
        reference = self._reference
        if reference is not None and reference > 0 and loss > DIVERGE * reference:
            times = round(loss / reference, 1)
            return "diverging", None, {"loss": loss, "reference": reference, "times": times}, 1
        return None

    def _layers(self, vitals: Vitals) -> list[tuple[FindingKind, int | None, Evidence, int]]:
        if vitals.reading is None or not self._struggling(vitals.train_loss):
            return []
        out: list[tuple[FindingKind, int | None, Evidence, int]] = []
        last = len(vitals.reading.layers) - 1
        for layer in vitals.reading.layers:
            if layer.dead is not None and layer.dead >= DEAD:
                out.append(("dead_relu", layer.layer, {"dead_fraction": round(layer.dead, 4)}, PERSIST))
            # An output Sigmoid that is sure of its answers is doing its job: only hidden layers count.
            if layer.saturated is not None and layer.saturated >= SATURATED and layer.layer < last:
                evidence: Evidence = {
                    "saturated_fraction": round(layer.saturated, 4),
                    "activation": layer.type,
                    "loss": vitals.train_loss,
                }
                out.append(("saturation", layer.layer, evidence, PERSIST))
        return out

    def _gradients(self, vitals: Vitals) -> list[tuple[FindingKind, int | None, Evidence, int]]:
        ratios = [(n["layer"], n["grad"] / n["weight"]) for n in vitals.norms if _finite(n.get("grad")) and n["weight"]]
        if len(ratios) < 2:
            return []
        reference, top = ratios[-1]  # the output layer: the gradient before any layer scaled it
        if top <= 0:
            return []
        # Behind a dead or saturated layer little gradient flows: that is its finding, not this one's.
        blocked = [
            layer.layer
            for layer in (vitals.reading.layers if vitals.reading else [])
            if (layer.dead or 0.0) >= DEAD or (layer.saturated or 0.0) >= SATURATED
        ]
        out: list[tuple[FindingKind, int | None, Evidence, int]] = []
        for index, ratio in ratios[:-1]:
            if ratio < VANISH * top and not any(b > index for b in blocked):
                evidence: Evidence = {"shrink": top / ratio} if ratio > 0 else {"shrink": "inf", "nonfinite": True}
                out.append(("vanishing_gradient", index, {**evidence, "reference": reference}, PERSIST))
                break  # the earliest layer says it; the later ones follow from it
        for index, ratio in ratios:
            if ratio > EXPLODE_RATIO:
                out.append(("exploding_gradient", index, {"ratio": ratio}, PERSIST))
                break  # the earliest, as for vanishing: a stable place to say it
        return out

    def _run(self, vitals: Vitals) -> list[tuple[FindingKind, int | None, Evidence, int]]:
        out: list[tuple[FindingKind, int | None, Evidence, int]] = []
        losses, loss = self._losses, vitals.train_loss
        if len(losses) > STALL_WINDOW:
            window = losses[-STALL_WINDOW:]
            before, recent = min(losses[:-STALL_WINDOW]), min(window)
            guess = self.guess_loss
            at_guess = guess is not None and abs(loss - guess) <= STALL_AT_GUESS * guess
            still = max(window) - min(window) <= STALL_STILL * abs(loss)
            reference = self._reference
            diverged = reference is not None and loss > DIVERGE * reference  # stuck far up is divergence's finding
            if recent > before * (1 - STALL_CHANGE) and (at_guess or still) and not diverged:
                evidence: Evidence = {"loss": loss, "window": STALL_WINDOW, "guess": wire_number(self.guess_loss)}
                out.append(("stalled", None, evidence, 1))
        val = vitals.val_loss
        if val is not None and math.isfinite(val):
            gap = val - loss
            wide = gap > max(OVERFIT_GAP * (self.guess_loss or 0.0), loss)
            if wide and val > OVERFIT_WORSE * self._best_val:
                evidence = {"val_loss": val, "best_val": self._best_val, "loss": loss}
                out.append(("overfitting", None, evidence, OVERFIT_PERSIST))
            self._best_val = min(self._best_val, val)
        return out


def constant_guess_loss(objective: Objective, y: torch.Tensor) -> float | None:
    """The loss of the best constant prediction on targets `y` (in the loss's format): class
    frequencies for a classifier, the base rate for a binary one, the mean (median for L1)
    for regression. The scale against which "high", "stalled" and "diverging" are judged."""
    if not len(y):
        return None
    loss_fn: nn.Module = objective.make_loss(y.device, mean=True)
    name = objective.loss_name
    with torch.no_grad():
        if name in ("CrossEntropyLoss", "NLLLoss") and not y.is_floating_point():
            freq = torch.bincount(y.flatten().long()).float() / y.numel()
            guess = freq.clamp_min(1e-12).log().expand(len(y), -1)  # log-probabilities: logits for CE, inputs for NLL
        elif name in ("BCELoss", "BCEWithLogitsLoss"):
            rate = y.float().mean(0, keepdim=True).clamp(1e-6, 1 - 1e-6)
            guess = (rate if name == "BCELoss" else torch.logit(rate)).expand_as(y)
        elif y.is_floating_point():
            centre = y.median(0, keepdim=True).values if name == "L1Loss" else y.mean(0, keepdim=True)
            guess = centre.expand_as(y)
        else:
            return None
        value = float(loss_fn(guess, y))
    return value if math.isfinite(value) else None


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
