"""Prediction snapshots: what the model currently does, small enough to stream.

Each kind is one maker registered under the kind's name; which kind a job gets, and what
its payload holds, is `spec.snapshots` (decided when the job is planned).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from torchplay.data.base import LoadedDataset
from torchplay.training.objectives import Objective

MAX_POINTS = 500  # per split: enough to see the data, small enough for ~10 frames/s
GRID = 60  # decision-boundary resolution (≥ 50×50)
MAX_IMAGES = 16  # images per snapshot: 16 × 28×28 ints ≈ 40 kB of JSON
MAX_SERIES_EXAMPLES = 8  # forecast windows drawn one above the other
MAX_VECTOR_FEATURES = 64  # reconstruction of non-image rows: the first features only
# A confusion matrix over this many held-out rows: stable counts, and a snapshot of MNIST
# costs a fifth of an evaluation pass instead of a whole one.
MAX_CONFUSION_ROWS = 2000
MAX_BY_INDEX_ROWS = 200  # a table this small is also drawn row by row (actual vs predicted)
MAX_SCATTER_ROWS = 1000
SAMPLE_ROWS = max(MAX_POINTS, MAX_CONFUSION_ROWS, MAX_SCATTER_ROWS)  # the most rows of a split any kind reads


@dataclass
class SnapshotContext:
    models: dict[str, nn.Module]  # "model", or "generator"/"discriminator"
    data: LoadedDataset  # tensors already on the job's device
    objective: Objective
    latent_dim: int = 0
    chunk_rows: int = 4096  # rows per forward pass (the plan's `eval_rows`)

    @property
    def model(self) -> nn.Module:
        return self.models["model"]


def snapshot_sample(data: LoadedDataset, device: torch.device) -> LoadedDataset:
    """The first rows of each split that snapshots read, on `device`: a dataset streamed
    from the host still has its snapshots computed on the device from one resident copy."""
    moved: dict[int, torch.Tensor] = {}

    def head(t: torch.Tensor) -> torch.Tensor:
        if id(t) not in moved:  # a target that is its input stays one tensor
            moved[id(t)] = t[:SAMPLE_ROWS].to(device)
        return moved[id(t)]

    return dataclasses.replace(
        data, x_train=head(data.x_train), y_train=head(data.y_train), x_test=head(data.x_test), y_test=head(data.y_test)
    )


Maker = Callable[[SnapshotContext], dict[str, Any]]
_MAKERS: dict[str, Maker] = {}


def snapshot(kind: str) -> Callable[[Maker], Maker]:
    def register(make: Maker) -> Maker:
        _MAKERS[kind] = make
        return make

    return register


def take_snapshot(kind: str, ctx: SnapshotContext) -> dict[str, Any]:
    """Run the kind's maker with every model in eval mode, then restore training mode."""
    make = _MAKERS[kind]
    modes = {name: model.training for name, model in ctx.models.items()}
    for model in ctx.models.values():
        model.eval()
    try:
        with torch.no_grad():
            return to_host(make(ctx))
    finally:
        for name, model in ctx.models.items():
            model.train(modes[name])


def to_host(payload: Any) -> Any:
    """A maker's payload with its tensors (left on the device) as lists: all the floats in
    one copy to the host and all the integers in another, not one copy (and one wait for
    the device) per field."""
    tensors: list[torch.Tensor] = []

    def collect(node: Any) -> None:
        if isinstance(node, torch.Tensor):
            tensors.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(payload)
    lists: dict[int, Any] = {}
    for floating in (True, False):
        group = [t for t in tensors if t.is_floating_point() == floating]
        if not group:
            continue
        dtype = torch.float32 if floating else torch.int64
        flat = torch.cat([t.reshape(-1).to(dtype) for t in group]).cpu()
        for tensor, part in zip(group, flat.split([t.numel() for t in group]), strict=True):
            lists[id(tensor)] = part.reshape(tensor.shape).tolist()

    def rebuild(node: Any) -> Any:
        if isinstance(node, torch.Tensor):
            return lists[id(node)]
        if isinstance(node, dict):
            return {key: rebuild(value) for key, value in node.items()}
        if isinstance(node, list):
            return [rebuild(value) for value in node]
        return node

    return rebuild(payload)


def _rows(x: torch.Tensor, limit: int = MAX_POINTS) -> torch.Tensor:
    return x[:limit]


def _round(t: torch.Tensor, digits: int = 4) -> torch.Tensor:
    """Rounded on the device; `to_host` copies it with the rest of the payload."""
    return torch.round(t.float(), decimals=digits)


def _predict(ctx: SnapshotContext, x: torch.Tensor) -> torch.Tensor:
    chunk = ctx.chunk_rows
    return torch.cat([ctx.model(x[i : i + chunk]) for i in range(0, len(x), chunk)]) if len(x) else x


# --- kinds -------------------------------------------------------------------------------


@snapshot("curve")
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


@snapshot("decision_boundary")
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
    labels = lambda y: y.reshape(-1).long()
    return {
        "xs": _round(xs),
        "ys": _round(ys),
        "probabilities": _round(probs, 3),
        "classes": ctx.data.classes,
        "train": {"x": _round(_rows(ctx.data.x_train)), "y": labels(_rows(ctx.data.y_train))},
        "test": {"x": _round(_rows(ctx.data.x_test)), "y": labels(_rows(ctx.data.y_test))},
    }


@snapshot("series")
def series(ctx: SnapshotContext) -> dict[str, Any]:
    """Sequence regression (e.g. `sine-forecast`): forecast against actual on held-out windows.

    `examples` shows a few windows (first feature) with their true and predicted next values;
    `actual`/`predicted` pair the targets of up to MAX_POINTS windows (first target column)."""
    x, y = _held_out(ctx)
    x, y = _rows(x), _rows(y)
    predicted = _predict(ctx, x).reshape(len(x), -1)
    actual = y.reshape(len(y), -1)
    examples = [
        {"input": _round(x[i, :, 0]), "actual": _round(actual[i]), "predicted": _round(predicted[i])}
        for i in range(min(MAX_SERIES_EXAMPLES, len(x)))
    ]
    return {
        "window": ctx.data.input_shape[0],
        "examples": examples,
        "actual": _round(actual[:, 0]),
        "predicted": _round(predicted[:, 0]),
    }


@snapshot("scatter")
def scatter(ctx: SnapshotContext) -> dict[str, Any]:
    """Any other regression: predicted against actual on held-out data (train if none)."""
    x, y = (ctx.data.x_test, ctx.data.y_test) if len(ctx.data.x_test) else (ctx.data.x_train, ctx.data.y_train)
    x, y = _rows(x, MAX_SCATTER_ROWS), _rows(y, MAX_SCATTER_ROWS)
    return {"actual": _round(y.reshape(-1)), "predicted": _round(_predict(ctx, x).reshape(-1))}


def _held_out(ctx: SnapshotContext) -> tuple[torch.Tensor, torch.Tensor]:
    """The test split, or the training split when the job holds nothing out."""
    data = ctx.data
    return (data.x_test, data.y_test) if len(data.x_test) else (data.x_train, data.y_train)


def _is_image(ctx: SnapshotContext) -> bool:
    return len(ctx.data.input_shape) == 3  # (channels, height, width)


def _pixels(ctx: SnapshotContext, x: torch.Tensor) -> torch.Tensor:
    """Model-space images (n, c, h, w) → 0–255 ints (n, h, w): undo the dataset's
    normalisation, average the channels (grayscale is what the page draws)."""
    norm = ctx.data.extras.get("normalization", {"mean": 0.0, "std": 1.0})
    gray = (x.float().mean(dim=1) * norm["std"] + norm["mean"]).clamp(0.0, 1.0)
    return torch.round(gray * 255).to(torch.int64)


def _class_names(ctx: SnapshotContext) -> list[str]:
    if ctx.data.classes:
        return list(ctx.data.classes)
    return [str(i) for i in range(2 if ctx.objective.task == "binary" else ctx.data.target_size)]


def _labels(ctx: SnapshotContext, y: torch.Tensor) -> torch.Tensor:
    return y.reshape(-1).long()  # binary targets are floats (n, 1); classes are ints (n,)


def _predicted_classes(ctx: SnapshotContext, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(predicted class, its probability) per row."""
    probs = ctx.objective.probabilities(_predict(ctx, x))
    confidence, predicted = probs.max(dim=1)
    return predicted, confidence


def _confusion(ctx: SnapshotContext, probs: torch.Tensor | None = None) -> dict[str, Any]:
    """`probs`: the held-out rows' class probabilities, when the caller has them already."""
    x, y = _held_out(ctx)
    x, y = x[:MAX_CONFUSION_ROWS], y[:MAX_CONFUSION_ROWS]
    classes = _class_names(ctx)
    k = len(classes)
    if probs is None:
        probs = ctx.objective.probabilities(_predict(ctx, x))
    predicted = probs.max(dim=1).indices  # as `_predicted_classes` picks them
    # rows: true class, columns: predicted class
    matrix = torch.bincount(_labels(ctx, y) * k + predicted, minlength=k * k).reshape(k, k)
    total = int(matrix.sum().item())
    return {
        "classes": classes,
        "matrix": matrix,
        "samples": total,
        "accuracy": round(float(matrix.diagonal().sum().item()) / total, 4) if total else None,
    }


@snapshot("images")
def images(ctx: SnapshotContext) -> dict[str, Any]:
    """Image classification: a grid of held-out images with predicted and true labels, and
    the confusion matrix (one kind per job: the stream keeps only the latest snapshot)."""
    x, y = _held_out(ctx)
    x, y = x[:MAX_IMAGES], y[:MAX_IMAGES]
    predicted, confidence = _predicted_classes(ctx, x)
    return {
        "shape": list(ctx.data.input_shape[1:]),
        "images": _pixels(ctx, x),
        "predicted": predicted,
        "true": _labels(ctx, y),
        "confidence": _round(confidence, 3),
        "classes": _class_names(ctx),
        "confusion": _confusion(ctx),
    }


@snapshot("confusion")
def confusion(ctx: SnapshotContext) -> dict[str, Any]:
    """Any other classification (sequences, tables): the confusion matrix on held-out rows,
    and for a small set each row's actual class against the model's output."""
    x, y = _held_out(ctx)
    if len(x) > MAX_BY_INDEX_ROWS:
        return _confusion(ctx)
    probs = ctx.objective.probabilities(_predict(ctx, x))  # one pass serves both views
    shown = probs[:, 1] if ctx.objective.task == "binary" else probs.argmax(dim=1)
    return {**_confusion(ctx, probs), "by_index": {"actual": _labels(ctx, y), "predicted": _round(shown, 4)}}


@snapshot("reconstruction")
def reconstruction(ctx: SnapshotContext) -> dict[str, Any]:
    """Autoencoder: held-out inputs beside the model's outputs (images, or rows of numbers)."""
    x, _ = _held_out(ctx)
    x = x[:MAX_IMAGES]
    out = _predict(ctx, x).reshape(x.shape)
    if _is_image(ctx):
        if ctx.objective.loss_name == "BCEWithLogitsLoss":  # the model outputs logits
            out = torch.sigmoid(out)
        return {
            "layout": "image",
            "shape": list(ctx.data.input_shape[1:]),
            "inputs": _pixels(ctx, x),
            "outputs": _pixels(ctx, out),
        }
    flat_in, flat_out = x.reshape(len(x), -1), out.reshape(len(out), -1)
    return {
        "layout": "vector",
        "inputs": _round(flat_in[:, :MAX_VECTOR_FEATURES]),
        "outputs": _round(flat_out[:, :MAX_VECTOR_FEATURES]),
    }


def _noise(ctx: SnapshotContext, n: int, device: torch.device) -> torch.Tensor:
    # The same latent points every snapshot, so the page shows the generator moving them.
    fixed = torch.Generator(device=device).manual_seed(0)
    return torch.randn(n, ctx.latent_dim, generator=fixed, device=device)


def _xy(points: torch.Tensor) -> dict[str, torch.Tensor]:
    flat = points.reshape(len(points), -1)
    y = flat[:, 1] if flat.shape[1] > 1 else torch.zeros_like(flat[:, 0])
    return {"x": _round(flat[:, 0]), "y": _round(y)}


@snapshot("samples")
def samples(ctx: SnapshotContext) -> dict[str, Any]:
    """GAN: generated samples; for points also the real ones, for images a grid."""
    generator = ctx.models["generator"]
    device = ctx.data.x_train.device
    if _is_image(ctx):
        fake = generator(_noise(ctx, MAX_IMAGES, device))
        return {"layout": "image", "shape": list(ctx.data.input_shape[1:]), "generated": _pixels(ctx, fake)}
    fake = generator(_noise(ctx, MAX_POINTS, device))
    # Points: the first two features (a 1-feature set is drawn on y = 0).
    return {"layout": "points", "generated": _xy(fake), "real": _xy(_rows(ctx.data.x_train))}
