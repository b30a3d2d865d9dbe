"""Inside the network: per-layer weight/gradient norms, hidden neurons over the plane, feature maps.

Norms ride in every epoch event (`layer_norms`): the per-parameter norms are one fused
`_foreach_norm` each for weights and gradients and a single host read, small next to an
epoch. The pictures (neuron thumbnails, feature maps) are computed on demand from the
trained weights by `GET /api/jobs/{id}/internals`: they cost forward passes on a grid or
an image, which no epoch should pay for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from torchplay import data
from torchplay.models.naming import layer_names
from torchplay.spec import LAYERS
from torchplay.training.inference import TrainedJob

THUMB_GRID = 24  # TF Playground's neuron thumbnails are small; 24×24 shows the shape
MAX_NEURONS = 32  # per layer
MAX_CHANNELS = 16  # feature maps per conv layer


def layer_norms(model: nn.Module) -> list[dict[str, float | int]]:
    """For each top-level layer with parameters: the L2 norm of its weights and of the last
    batch's gradients (0 where none yet)."""
    groups = [(index, list(layer.parameters())) for index, layer in enumerate(model.children())]
    groups = [(index, params) for index, params in groups if params]
    params = [p for _, ps in groups for p in ps]
    if not params:
        return []
    with torch.no_grad():
        weights = torch._foreach_norm([p.detach() for p in params])
        grads = torch._foreach_norm([p.grad if p.grad is not None else torch.zeros_like(p) for p in params])
        values = torch.stack([torch.stack(weights), torch.stack(grads)]).float().cpu().tolist()  # one sync
    out, k = [], 0
    for index, ps in groups:
        w = sum(v * v for v in values[0][k : k + len(ps)]) ** 0.5
        g = sum(v * v for v in values[1][k : k + len(ps)]) ** 0.5
        out.append({"layer": index, "weight": round(w, 6), "grad": round(g, 8)})
        k += len(ps)
    return out


def describe_layers(trained: TrainedJob) -> dict[str, list[dict[str, Any]]]:
    """Per net: index, type and exported name of each top-level layer (labels for the charts)."""
    out = {}
    for net, report in trained.plan.models.items():
        layers = trained.plan.spec(net).layers
        names = layer_names(layers)
        out[net] = [
            {"index": i, "type": layer.type, "name": names[i], "output_shape": shape.output_shape}
            for i, (layer, shape) in enumerate(zip(layers, report.layers, strict=True))
        ]
    return out


def internals(trained: TrainedJob, data_dir: Path) -> dict[str, Any]:
    """What the page's "Inside the network" panel draws for a trained job."""
    answer: dict[str, Any] = {"layers": describe_layers(trained), "neurons": None, "feature_maps": None}
    if trained.plan.task == "gan":
        return answer
    shape = trained.input_shape
    if shape == [2]:
        answer["neurons"] = neuron_grids(trained, data_dir)
    elif len(shape) == 3 and any(layer.type == "Conv2d" for layer in trained.plan.spec("model").layers):
        answer["feature_maps"] = feature_maps(trained, data_dir)
    return answer


def _shown_after(layers: list[Any]) -> list[bool]:
    """Which top-level outputs to show: after each activation, and after a layer that no
    activation follows (a linear output) — the neurons TF Playground draws."""
    kinds = [LAYERS[layer.type].category for layer in layers]
    return [kind == "activation" or kinds[i + 1 : i + 2] != ["activation"] for i, kind in enumerate(kinds)]


def _load(trained: TrainedJob, data_dir: Path) -> Any:
    ref = trained.plan.request.dataset
    return data.load_dataset(ref.name, ref.params, trained.plan.data_seed, ref.test_fraction, data_dir)


def neuron_grids(trained: TrainedJob, data_dir: Path, size: int = THUMB_GRID) -> dict[str, Any]:
    """Each hidden neuron's output over a grid spanning the data (2-D inputs)."""
    loaded = _load(trained, data_dir)
    lo = loaded.x_train.min(0).values - 0.1
    hi = loaded.x_train.max(0).values + 0.1
    xs, ys = torch.linspace(lo[0], hi[0], size), torch.linspace(lo[1], hi[1], size)
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1).reshape(-1, 2)  # (size², 2), rows = y
    model = trained.models["model"]
    layers = trained.plan.spec("model").layers
    names = layer_names(layers)
    shown = _shown_after(layers)
    out = []
    x = grid
    with torch.no_grad():
        for index, layer in enumerate(model.children()):
            x = layer(x)
            if shown[index] and x.dim() == 2 and index < len(layers) - 1:
                values = x[:, :MAX_NEURONS].T.reshape(-1, size, size)
                out.append(
                    {
                        "index": index,
                        "name": names[index],
                        "neurons": [
                            [[round(v, 4) for v in row] for row in grid_values.tolist()] for grid_values in values
                        ],
                        "total": x.shape[1],
                    }
                )
    return {"x": [round(v, 4) for v in xs.tolist()], "y": [round(v, 4) for v in ys.tolist()], "layers": out}


def feature_maps(trained: TrainedJob, data_dir: Path, sample: int = 0) -> dict[str, Any]:
    """One held-out image (a training one when none is held out) and each conv layer's maps."""
    loaded = _load(trained, data_dir)
    images = loaded.x_test if len(loaded.x_test) else loaded.x_train
    image = images[sample % len(images)][None]
    model = trained.models["model"]
    layers = trained.plan.spec("model").layers
    names = layer_names(layers)
    out = []
    x = image
    pending: dict[str, Any] | None = None
    with torch.no_grad():
        for index, (layer, spec) in enumerate(zip(model.children(), layers, strict=True)):
            x = layer(x)
            if spec.type == "Conv2d":
                pending = {"index": index, "name": names[index], "channels": x.shape[1]}
            if pending is not None and x.dim() == 4:
                # The conv's output, after its activation when one follows directly.
                pending["maps"] = [[[round(v, 3) for v in row] for row in m.tolist()] for m in x[0, :MAX_CHANNELS]]
                if _shown_after(layers)[index]:
                    out.append(pending)
                    pending = None
    return {"image": [[round(v, 3) for v in row] for row in image[0, 0].tolist()], "layers": out}
