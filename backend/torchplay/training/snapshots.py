"""Prediction snapshots: what the model currently does, small enough to stream.

Each kind is one function registered with the rule that picks it; the first rule that
matches a job decides its kind. A new kind is one `@snapshot(...)` function here and one
chart module on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from torchplay.data.base import LoadedDataset
from torchplay.training.objectives import Objective

MAX_POINTS = 500  # per split: enough to see the data, small enough for ~10 frames/s
GRID = 60  # decision-boundary resolution (≥ 50×50)


@dataclass
class SnapshotContext:
    models: dict[str, nn.Module]  # "model", or "generator"/"discriminator"
    data: LoadedDataset  # tensors already on the job's device
    objective: Objective
    latent_dim: int = 0

    @property
    def model(self) -> nn.Module:
        return self.models["model"]


Maker = Callable[[SnapshotContext], dict[str, Any]]
Rule = Callable[[SnapshotContext], bool]
_KINDS: list[tuple[str, Rule, Maker]] = []


def snapshot(kind: str, when: Rule) -> Callable[[Maker], Maker]:
    def register(make: Maker) -> Maker:
        _KINDS.append((kind, when, make))
        return make

    return register


def choose_kind(ctx: SnapshotContext) -> str | None:
    return next((kind for kind, when, _ in _KINDS if when(ctx)), None)


def take_snapshot(kind: str, ctx: SnapshotContext) -> dict[str, Any]:
    """Run the kind's maker with every model in eval mode, then restore training mode."""
    make = next(make for name, _, make in _KINDS if name == kind)
    modes = {name: model.training for name, model in ctx.models.items()}
    for model in ctx.models.values():
        model.eval()
    try:
        with torch.no_grad():
            return make(ctx)
    finally:
        for name, model in ctx.models.items():
            model.train(modes[name])


def _rows(x: torch.Tensor, limit: int = MAX_POINTS) -> torch.Tensor:
    return x[:limit]


def _round(t: torch.Tensor, digits: int = 4) -> list[Any]:
    return torch.round(t.float().cpu(), decimals=digits).tolist()


def _predict(ctx: SnapshotContext, x: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    return torch.cat([ctx.model(x[i : i + chunk]) for i in range(0, len(x), chunk)]) if len(x) else x


# --- kinds -------------------------------------------------------------------------------


@snapshot("curve", lambda c: c.objective.task == "regression" and c.data.input_shape == (1,))
def curve(ctx: SnapshotContext) -> dict[str, Any]:
    """1-D regression: the model's curve over the data's x range, with the data."""
    x_all = torch.cat([ctx.data.x_train, ctx.data.x_test])
    lo, hi = x_all.min().item(), x_all.max().item()
    pad = (hi - lo) * 0.05 or 1.0
    grid = torch.linspace(lo - pad, hi + pad, 200, device=x_all.device).unsqueeze(1)
    return {
        "x": _round(grid.squeeze(1)),
        "prediction": _round(_predict(ctx, grid).reshape(-1)),
        "data": {"x": _round(_rows(ctx.data.x_train).reshape(-1)), "y": _round(_rows(ctx.data.y_train).reshape(-1))},
        "test": {"x": _round(_rows(ctx.data.x_test).reshape(-1)), "y": _round(_rows(ctx.data.y_test).reshape(-1))},
    }


@snapshot(
    "decision_boundary",
    lambda c: c.objective.task in ("classification", "binary") and c.data.input_shape == (2,),
)
def decision_boundary(ctx: SnapshotContext) -> dict[str, Any]:
    """2-D classification: class probabilities over a GRID×GRID plane, plus the points."""
    x_all = torch.cat([ctx.data.x_train, ctx.data.x_test])
    lo, hi = x_all.min(dim=0).values, x_all.max(dim=0).values
    pad = (hi - lo) * 0.1 + 1e-3
    xs = torch.linspace((lo[0] - pad[0]).item(), (hi[0] + pad[0]).item(), GRID, device=x_all.device)
    ys = torch.linspace((lo[1] - pad[1]).item(), (hi[1] + pad[1]).item(), GRID, device=x_all.device)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")  # rows over ys, columns over xs
    points = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)
    probs = ctx.objective.probabilities(_predict(ctx, points))  # (GRID*GRID, classes)
    probs = probs.T.reshape(-1, GRID, GRID)  # (classes, rows, cols)
    labels = lambda y: y.reshape(-1).long().tolist()
    return {
        "xs": _round(xs),
        "ys": _round(ys),
        "probabilities": _round(probs, 3),
        "classes": ctx.data.classes,
        "train": {"x": _round(_rows(ctx.data.x_train)), "y": labels(_rows(ctx.data.y_train))},
        "test": {"x": _round(_rows(ctx.data.x_test)), "y": labels(_rows(ctx.data.y_test))},
    }


@snapshot("scatter", lambda c: c.objective.task == "regression")
def scatter(ctx: SnapshotContext) -> dict[str, Any]:
    """Any other regression: predicted against actual on held-out data (train if none)."""
    x, y = (ctx.data.x_test, ctx.data.y_test) if len(ctx.data.x_test) else (ctx.data.x_train, ctx.data.y_train)
    x, y = _rows(x, 1000), _rows(y, 1000)
    return {"actual": _round(y.reshape(-1)), "predicted": _round(_predict(ctx, x).reshape(-1))}
