"""What `print(model)` shows for a design, and how each layer's parameter count is made.

The module is built on the meta device: real classes and their `repr`, no memory for the
weights, so a design at the size limits costs nothing to print.
"""

from __future__ import annotations

import math

from torch import nn

from torchplay.models.builder import build_model
from torchplay.spec import ModelSpec


def module_text(spec: ModelSpec) -> tuple[str, list[str | None]]:
    """The real `print(model)` text, and each top-level layer's parameter formula (None
    for a layer without parameters)."""
    model = build_model(spec, "meta")
    return str(model), [param_formula(layer) for layer in model.children()]


def param_formula(layer: nn.Module) -> str | None:
    """The count as arithmetic on the layer's sizes, e.g. `2 × 16 + 16` for Linear(2, 16)."""
    if not any(True for _ in layer.parameters()):
        return None

    def bias(n: int) -> str:
        return f" + {n}" if getattr(layer, "bias", None) is not None else ""

    if isinstance(layer, nn.Linear):
        return f"{layer.in_features} × {layer.out_features}{bias(layer.out_features)}"
    if isinstance(layer, nn.modules.conv._ConvNd):
        sizes = " × ".join(str(k) for k in layer.kernel_size)
        in_per_group = layer.in_channels // layer.groups
        return f"{layer.out_channels} × {in_per_group} × {sizes}{bias(layer.out_channels)}"
    if isinstance(layer, nn.Embedding):
        return f"{layer.num_embeddings} × {layer.embedding_dim}"
    if isinstance(layer, nn.modules.batchnorm._NormBase):
        return f"2 × {layer.num_features}"
    if isinstance(layer, nn.LayerNorm):
        size = math.prod(layer.normalized_shape)
        return f"2 × {size}" if layer.bias is not None else f"{size}"
    if isinstance(layer, nn.RNNBase):
        gates = {"LSTM": 4, "GRU": 3}.get(layer.mode, 1)
        h, directions = layer.hidden_size, 2 if layer.bidirectional else 1
        terms = []
        for depth in range(layer.num_layers):
            inputs = layer.input_size if depth == 0 else h * directions
            biases = f" + 2 × {gates * h}" if layer.bias else ""
            terms.append(f"{gates * h} × ({inputs} + {h}){biases}")
        per_direction = " + ".join(terms) if len(terms) == 1 else " + ".join(f"({t})" for t in terms)
        return f"{directions} × ({per_direction})" if directions > 1 else per_direction
    return None
