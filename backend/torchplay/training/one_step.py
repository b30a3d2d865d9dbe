"""One training step laid open: the tutorials' zero_grad, forward, loss, backward, step
on one batch, with what each layer saw and what each parameter became.

The batch is the job's first `batch_size` training rows in the data's order (capped at
`MAX_ROWS`), so the same job always shows the same step. A design before training starts
from the job's seeded weights; a trained job from its final weights. The optimizer is
fresh either way (its state is not part of the final weights), so SGD's first step is
exactly w − lr·(grad + weight_decay·w), momentum or not.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import nn

from torchplay.models import build_model
from torchplay.models.naming import layer_names
from torchplay.planning import PlannedJob
from torchplay.training import inference, optim
from torchplay.training.objectives import Objective
from torchplay.training.resident import load_resident

MAX_ROWS = 64  # rows in the batch laid open: enough for statistics, small to send
PICTURE = 16  # a layer's picture is at most PICTURE × PICTURE numbers
SAMPLES = 6  # parameter entries shown with their gradient and update


class OneStepUnavailable(Exception):
    """The job cannot be stepped here (a GAN: two nets, two losses)."""


def one_step(plan: PlannedJob, data_dir: Path, folder: Path | None = None) -> dict[str, Any]:
    """Run one batch of `plan` on the CPU and report every stage. `folder`: the job's, to
    start from its trained weights where it has them; None (or no weights yet) starts from
    the job's seeded initialisation."""
    if "model" not in plan.models:
        raise OneStepUnavailable("one step is shown for single-model jobs; a GAN trains two nets in turn")
    weights = _trained_weights(plan, folder) if folder is not None else None
    objective = Objective.of(plan)
    device = torch.device("cpu")
    loaded = load_resident(plan, objective, device, data_dir)
    rows = min(plan.request.batch_size or len(loaded.x_train), len(loaded.x_train), MAX_ROWS)
    xb, yb = loaded.x_train[:rows], loaded.y_train[:rows]
    torch.manual_seed(plan.request.seed)  # as the trainer does right before it builds the net
    spec = plan.spec("model")
    model = build_model(spec, device)
    if weights is not None:
        model.load_state_dict(weights)
    model.train()
    loss_fn = objective.make_loss()
    optimizer = optim.build_optimizer(plan.request.optimizer, model.parameters(), device)

    optimizer.zero_grad(set_to_none=True)
    outputs: list[torch.Tensor] = []
    hooks = [layer.register_forward_hook(lambda _m, _i, out: outputs.append(out)) for layer in model.children()]
    try:
        out = model(xb)
    finally:
        for hook in hooks:
            hook.remove()
    loss = loss_fn(out, yb)
    loss.backward()
    names = dict(model.named_parameters())
    before = {name: p.detach().clone() for name, p in names.items()}
    grads = {name: p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p) for name, p in names.items()}
    optimizer.step()

    labels = layer_names(spec.layers)
    return {
        "batch_rows": rows,
        "input": _tensor_stats(xb),
        "optimizer": plan.request.optimizer.model_dump(),
        "trained": weights is not None,
        "steps": ["zero_grad", "forward", "loss", "backward", "step"],
        "layers": [
            {"index": i, "type": layer.type, "name": labels[i], **_tensor_stats(output)}
            for i, (layer, output) in enumerate(zip(spec.layers, outputs, strict=True))
        ],
        "loss": {"name": type(loss_fn).__name__, "value": _number(loss.item())},
        "parameters": [
            _parameter(name, before[name], grads[name], p.detach(), plan.request.optimizer) for name, p in names.items()
        ],
    }


def _trained_weights(plan: PlannedJob, folder: Path) -> dict[str, torch.Tensor] | None:
    try:
        return inference.load_trained(plan, folder).models["model"].state_dict()
    except inference.NotTrained:
        return None


def _tensor_stats(t: torch.Tensor) -> dict[str, Any]:
    t = t.detach().float()
    return {
        "shape": list(t.shape),
        "mean": _number(t.mean()),
        "std": _number(t.std()) if t.numel() > 1 else 0.0,
        "min": _number(t.min()),
        "max": _number(t.max()),
        "picture": _picture(t),
    }


def _picture(t: torch.Tensor) -> list[list[float | None]]:
    """A small 2-D view: an image's first sample and channel, or (rows, features) of a
    flat batch, average-pooled down to at most PICTURE × PICTURE."""
    if t.dim() >= 3:  # (batch, channels, h, w) or (batch, steps, features): the first sample
        t = t[0].reshape(-1, t.shape[-1]) if t.dim() == 3 else t[0, 0]
    elif t.dim() == 1:
        t = t[:, None]
    h, w = min(t.shape[0], PICTURE), min(t.shape[1], PICTURE)
    pooled = nn.functional.adaptive_avg_pool2d(t[None, None], (h, w))[0, 0]
    return [[_number(round(v, 5)) for v in row] for row in pooled.tolist()]


def _parameter(name: str, before: torch.Tensor, grad: torch.Tensor, after: torch.Tensor, spec: Any) -> dict[str, Any]:
    flat_before, flat_grad, flat_after = before.flatten(), grad.flatten(), after.flatten()
    count = min(SAMPLES, flat_before.numel())
    entry: dict[str, Any] = {
        "name": name,
        "shape": list(before.shape),
        "grad_norm": _number(grad.norm()),
        "update_norm": _number((after - before).norm()),
        "samples": [
            {
                "index": i,
                "before": _number(flat_before[i]),
                "grad": _number(flat_grad[i]),
                "after": _number(flat_after[i]),
            }
            for i in range(count)
        ],
    }
    if spec.type == "SGD":
        entry["rule"] = "w − lr·(grad + weight_decay·w)" if spec.weight_decay else "w − lr·grad"
    return entry


def _number(value: torch.Tensor | float) -> float | None:
    """A JSON number; None for inf and NaN (a diverging design is worth seeing, not a 500)."""
    number = float(value)
    return number if math.isfinite(number) else None
