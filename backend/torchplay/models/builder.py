"""Spec → `torch.nn.Module`, with shape inference and validation on the meta device.

`plan_model` walks the layers once: it fills omitted input sizes from the incoming shape,
checks explicit ones, builds each layer on torch's `meta` device (no memory) and pushes a
meta tensor through it, so every shape rule torch knows is enforced and reported against
the layer that broke it. `build_model` then builds the same layers for real.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from torchplay.models import blocks
from torchplay.spec import LayerBase, ModelSpec, SpecError
from torchplay.spec.layers import Residual as ResidualSpec
from torchplay.spec.layers import Shape

Loc = tuple[str | int, ...]


@dataclass
class LayerReport:
    index: int
    type: str
    output_shape: list[int]
    params: int


@dataclass
class ModelPlan:
    """A validated model: the spec with inferred sizes filled in, and per-layer shapes."""

    spec: ModelSpec
    input_shape: list[int]
    output_shape: list[int]
    layers: list[LayerReport] = field(default_factory=list)

    @property
    def total_params(self) -> int:
        return sum(layer.params for layer in self.layers)


def build_layer(layer: LayerBase) -> nn.Module:
    """One spec layer → its module (sizes must already be filled in)."""
    kwargs = layer.constructor_kwargs()
    kind = layer.type  # type: ignore[attr-defined]
    if isinstance(layer, ResidualSpec):
        return blocks.Residual(nn.Sequential(*(build_layer(inner) for inner in layer.layers)))
    if kind in ("RNN", "LSTM", "GRU"):
        return blocks.Recurrent(getattr(nn, kind)(**kwargs), layer.output)  # type: ignore[attr-defined]
    if kind == "PositionalEncoding":
        return blocks.PositionalEncoding(**kwargs)
    if kind == "Embedding":
        return blocks.TokenEmbedding(**kwargs)
    if kind == "Unflatten":
        return nn.Unflatten(kwargs["dim"], tuple(kwargs["unflattened_size"]))
    return getattr(nn, kind)(**{k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()})


def build_model(plan: ModelPlan, device: torch.device | str = "cpu") -> nn.Sequential:
    """The trainable module for a planned spec; seed torch first for reproducible weights."""
    with torch.device(device):
        return nn.Sequential(*(build_layer(layer) for layer in plan.spec.layers))


# Planning runs meta-device forwards, whose first use of a layer kind imports torch modules
# that parse source with `ast` as they load. CPython 3.11 keeps one AST recursion counter
# per interpreter, not per thread, so two threads doing that at once (the server's warm-up
# and a request's validation) can fail with "SystemError: AST constructor recursion depth
# mismatch". Planning takes milliseconds once warm, so threads take turns.
_PLANNING = threading.Lock()


def plan_model(
    spec: ModelSpec,
    input_shape: Sequence[int],
    *,
    loc: Loc = ("model",),
    max_params: int | None = None,
) -> ModelPlan:
    """Validate `spec` against an input shape (batch excluded); raise `SpecError` with a loc."""
    shape = tuple(input_shape)
    with _PLANNING:
        filled, reports, shape = _plan_layers(spec.layers, shape, loc + ("layers",), max_params)
    return ModelPlan(
        spec=ModelSpec(layers=filled),
        input_shape=list(input_shape),
        output_shape=list(shape),
        layers=reports,
    )


def _plan_layers(
    layers: Sequence[LayerBase], shape: Shape, loc: Loc, max_params: int | None
) -> tuple[list[LayerBase], list[LayerReport], Shape]:
    filled: list[LayerBase] = []
    reports: list[LayerReport] = []
    total = 0
    for index, layer in enumerate(layers):
        here = loc + (index,)
        layer, shape, params = _plan_layer(layer, shape, here, max_params)
        total += params
        if max_params is not None and total > max_params:
            raise SpecError(
                here,
                f"model has {total:,} parameters by this layer, over the limit max_params={max_params:,}",
                "limit_exceeded",
            )
        filled.append(layer)
        reports.append(LayerReport(index, layer.type, list(shape), params))  # type: ignore[attr-defined]
    return filled, reports, shape


def _plan_layer(layer: LayerBase, shape: Shape, loc: Loc, max_params: int | None) -> tuple[LayerBase, Shape, int]:
    kind = layer.type  # type: ignore[attr-defined]
    if layer.input_ranks is not None and len(shape) not in layer.input_ranks:
        wanted = " or ".join(_RANK_NAMES.get((kind, r), f"{r}-D") for r in layer.input_ranks)
        raise SpecError(loc, f"{kind} expects a {wanted} input per sample, got shape {list(shape)}", "shape_mismatch")
    updates = {}
    for name, infer in layer.inferred.items():
        expected = infer(shape)
        given = getattr(layer, name)
        if given is None:
            updates[name] = expected
        elif given != expected:
            raise SpecError(
                loc + (name,),
                f"{kind} {name}: expected {expected} (previous output is {list(shape)}), got {given}",
                "shape_mismatch",
            )
    layer = layer.model_copy(update=updates)
    if isinstance(layer, ResidualSpec):
        inner, reports, out = _plan_layers(layer.layers, shape, loc + ("layers",), max_params)
        if out != shape:
            raise SpecError(
                loc, f"Residual inner layers must keep the shape {list(shape)}, got {list(out)}", "shape_mismatch"
            )
        return layer.model_copy(update={"layers": inner}), shape, sum(r.params for r in reports)
    try:
        with torch.device("meta"):
            module = build_layer(layer)
        params = sum(p.numel() for p in module.parameters())
        if max_params is not None and params > max_params:
            raise SpecError(
                loc,
                f"{kind} alone has {params:,} parameters, over the limit max_params={max_params:,}",
                "limit_exceeded",
            )
        module.eval()
        with torch.no_grad():
            out = module(torch.empty((2, *shape), device="meta"))
    except SpecError:
        raise
    except Exception as exc:  # torch's own shape checks: kernel too large, heads not dividing…
        raise SpecError(
            loc, f"{kind} cannot take input of shape {list(shape)}: {_torch_message(exc)}", "shape_mismatch"
        ) from None
    out_shape = tuple(out.shape[1:])
    if any(size <= 0 for size in out_shape):
        raise SpecError(
            loc, f"{kind} turns shape {list(shape)} into {list(out_shape)}, which is empty", "shape_mismatch"
        )
    return layer, out_shape, params


_RANK_NAMES = {
    ("RNN", 2): "(sequence, features)", ("LSTM", 2): "(sequence, features)", ("GRU", 2): "(sequence, features)",
    ("TransformerEncoderLayer", 2): "(sequence, d_model)", ("PositionalEncoding", 2): "(sequence, d_model)",
    ("Conv2d", 3): "(channels, height, width)", ("ConvTranspose2d", 3): "(channels, height, width)",
    ("BatchNorm2d", 3): "(channels, height, width)", ("MaxPool2d", 3): "(channels, height, width)",
    ("AvgPool2d", 3): "(channels, height, width)", ("AdaptiveAvgPool2d", 3): "(channels, height, width)",
    ("Conv1d", 2): "(channels, length)", ("MaxPool1d", 2): "(channels, length)",
    ("BatchNorm1d", 1): "(features)", ("BatchNorm1d", 2): "(channels, length)",
}  # fmt: skip


def _torch_message(exc: Exception) -> str:
    """torch's error text without its meta-device noise, on one line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return re.sub(r"\s*\(?(on|for) (the )?meta device\)?", "", text)[:300]


def warm_up_planning() -> None:
    """The first meta-device forward imports torch's decomposition machinery (seconds);
    a server calls this at start so the first person to validate a model does not wait."""
    plan_model(ModelSpec.model_validate({"layers": [{"type": "Linear", "out_features": 1}]}), [1])
