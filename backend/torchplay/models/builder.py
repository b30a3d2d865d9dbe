"""Spec → `torch.nn.Module`: each layer from what its spec class says it becomes.

Sizes must already be filled in (`torchplay.planning.plan_model` does that, building each
layer on the meta device with the same `build_layer`).
"""

from __future__ import annotations

import torch
from torch import nn

from torchplay.models import blocks
from torchplay.spec import LayerBase, ModelSpec
from torchplay.spec.layers import RecurrentLayer, Residual


def torch_class(layer: type[LayerBase]) -> type[nn.Module]:
    """`nn.Linear` for a Linear spec, or the torchplay block the spec class names."""
    name = layer.module_name()
    return getattr(nn, name.removeprefix("nn.")) if name.startswith("nn.") else getattr(blocks, name)


def build_layer(layer: LayerBase) -> nn.Module:
    """One spec layer → its module."""
    if isinstance(layer, Residual):
        return blocks.Residual(nn.Sequential(*(build_layer(inner) for inner in layer.layers)))
    # JSON has lists where torch wants tuples (kernel sizes, unflattened shapes).
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in layer.constructor_kwargs().items()}
    module = torch_class(type(layer))(**kwargs)
    if isinstance(layer, RecurrentLayer) and isinstance(module, nn.RNNBase):  # a tensor out, not (output, state)
        return blocks.Recurrent(module, layer.output)
    return module


def build_model(spec: ModelSpec, device: torch.device | str = "cpu") -> nn.Sequential:
    """The trainable module for a planned spec; seed torch first for reproducible weights."""
    with torch.device(device):
        return nn.Sequential(*(build_layer(layer) for layer in spec.layers))
