"""Networks built to be sick (and healthy ones), trained by a plain torch loop under the doctor's eye."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from torchplay import data
from torchplay.training import internals
from torchplay.training.doctor import Doctor, Vitals, constant_guess_loss
from torchplay.training.findings import Finding
from torchplay.training.objectives import Objective
from torchplay.training.probe import Probe

CLASSIFY = Objective("classification", "CrossEntropyLoss")


def mlp(widths: list[int], activation: type[nn.Module] = nn.Tanh, inputs: int = 2) -> nn.Sequential:
    """Linear layers of these widths with `activation` between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, width in enumerate(widths):
        layers.append(nn.Linear(inputs, width))
        inputs = width
        if i < len(widths) - 1:
            layers.append(activation())
    return nn.Sequential(*layers)


@dataclass
class Watched:
    findings: list[Finding]
    accuracy: float  # on the held-out split after the last epoch
    losses: list[float]

    def kinds(self) -> list[tuple[str, int | None]]:
        return [(f.kind, f.layer) for f in self.findings]

    def first(self, kind: str) -> Finding:
        found = [f for f in self.findings if f.kind == kind]
        assert found, f"no {kind} finding in {self.kinds()}"
        return found[0]


def watch(
    model: nn.Sequential,
    optimizer: Callable[[list[nn.Parameter]], torch.optim.Optimizer],
    epochs: int,
    tmp_path: Path,
    samples: int = 500,
    test_fraction: float = 0.2,
    batch_size: int = 32,
    seed: int = 0,
) -> Watched:
    """Train `model` on the spiral as the trainer does, and let the doctor examine every epoch."""
    loaded = data.load_dataset("spiral", {"samples": samples}, seed, test_fraction, tmp_path)
    x, y, x_test, y_test = loaded.x_train, loaded.y_train, loaded.x_test, loaded.y_test
    loss_fn = CLASSIFY.make_loss()
    opt = optimizer(list(model.parameters()))
    probe = Probe(model, x, y)
    doctor = Doctor(constant_guess_loss(CLASSIFY, y), probe.loss(loss_fn))
    shuffle = torch.Generator().manual_seed(seed)
    losses: list[float] = []
    accuracy = 0.0
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(x), generator=shuffle)
        total = 0.0
        for start in range(0, len(x), batch_size):
            index = order[start : start + batch_size]
            loss = loss_fn(model(x[index]), y[index])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(index)
        losses.append(total / len(x))
        model.eval()
        with torch.no_grad():
            out = model(x_test)
            val_loss = loss_fn(out, y_test).item()
            accuracy = (out.argmax(1) == y_test).float().mean().item()
        doctor.examine(Vitals(epoch, losses[-1], val_loss, internals.layer_norms(model), probe.look()))
    return Watched(doctor.found, accuracy, losses)
