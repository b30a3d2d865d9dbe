"""A model spec checked against an input shape, on torch's `meta` device (no memory).

`plan_model` walks the layers once: it fills omitted input sizes from the incoming shape
and validates them like sizes a person typed, checks explicit ones, builds each layer on
the meta device and pushes a meta tensor through it, so every shape rule torch knows is
enforced and reported against the layer that broke it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import torch
from pydantic import BaseModel, Field, ValidationError

from torchplay.models.builder import build_layer
from torchplay.spec import LayerBase, ModelSpec, SpecError
from torchplay.spec.errors import Loc
from torchplay.spec.layers import Residual, Shape


class LayerReport(BaseModel):
    index: int
    type: str
    output_shape: list[int] = Field(description="One sample's output (batch excluded).")
    params: int


class ModelReport(BaseModel):
    """What planning found out about one model: shapes and parameter counts."""

    input_shape: list[int]
    output_shape: list[int]
    layers: list[LayerReport]
    total_params: int


class ModelPlan(ModelReport):
    spec: ModelSpec = Field(description="The spec with every inferred size filled in.")

    def report(self) -> ModelReport:
        return ModelReport.model_validate(self.model_dump(exclude={"spec"}))


# Planning runs meta-device forwards, whose first use of a layer kind imports torch modules
# that parse source with `ast` as they load. CPython 3.11 keeps one AST recursion counter
# per interpreter, not per thread, so two threads doing that at once (the server's warm-up
# and a request's validation) can fail with "SystemError: AST constructor recursion depth
# mismatch". Planning takes milliseconds once warm, so threads take turns.
META_FORWARDS = threading.Lock()


def plan_model(
    spec: ModelSpec,
    input_shape: Sequence[int],
    *,
    loc: Loc = ("model",),
    max_params: int | None = None,
) -> ModelPlan:
    """Validate `spec` against an input shape (batch excluded); raise `SpecError` with a loc."""
    shape = tuple(input_shape)
    with META_FORWARDS:
        filled, reports, shape = _plan_layers(spec.layers, shape, (*loc, "layers"), max_params)
    return ModelPlan(
        spec=ModelSpec(layers=filled),
        input_shape=list(input_shape),
        output_shape=list(shape),
        layers=reports,
        total_params=sum(report.params for report in reports),
    )


def _plan_layers(
    layers: Sequence[LayerBase], shape: Shape, loc: Loc, max_params: int | None
) -> tuple[list[LayerBase], list[LayerReport], Shape]:
    filled: list[LayerBase] = []
    reports: list[LayerReport] = []
    total = 0
    for index, layer in enumerate(layers):
        here = (*loc, index)
        layer, shape, params = _plan_layer(layer, shape, here, max_params)
        total += params
        if max_params is not None and total > max_params:
            raise SpecError(
                here,
                f"model has {total:,} parameters by this layer, over the limit max_params={max_params:,}",
                "limit_exceeded",
            )
        filled.append(layer)
        reports.append(LayerReport(index=index, type=layer.type, output_shape=list(shape), params=params))
    return filled, reports, shape


def _plan_layer(layer: LayerBase, shape: Shape, loc: Loc, max_params: int | None) -> tuple[LayerBase, Shape, int]:
    kind = layer.type
    ranks = layer.input_ranks
    if ranks is not None and len(shape) not in ranks:
        wanted = " or ".join(ranks.values())
        raise SpecError(loc, f"{kind} expects a {wanted} input per sample, got shape {list(shape)}", "shape_mismatch")
    layer = _with_inferred_sizes(layer, shape, loc)
    if isinstance(layer, Residual):
        inner, reports, out = _plan_layers(layer.layers, shape, (*loc, "layers"), max_params)
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


def _with_inferred_sizes(layer: LayerBase, shape: Shape, loc: Loc) -> LayerBase:
    """The layer with omitted input sizes filled from `shape`, validated by the same rules
    as sizes a person types (a size over the bound is refused here, pointing at the field,
    not later when the stored job is read back)."""
    updates = {}
    for name, infer in layer.inferred.items():
        expected = infer(shape)
        given = getattr(layer, name)
        if given is None:
            updates[name] = expected
        elif given != expected:
            raise SpecError(
                (*loc, name),
                f"{layer.type} {name}: expected {expected} (previous output is {list(shape)}), got {given}",
                "shape_mismatch",
            )
    if not updates:
        return layer
    try:
        return type(layer).model_validate({**layer.model_dump(), **updates})
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0])
        raise SpecError(
            (*loc, *error["loc"]),
            f"{layer.type} {name} would be {updates.get(name)!r} (inferred from the previous output "
            f"{list(shape)}): {error['msg'][:1].lower()}{error['msg'][1:]}",
            "shape_mismatch",
        ) from None


def _torch_message(exc: Exception) -> str:
    """torch's error text without its meta-device noise, on one line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return re.sub(r"\s*\(?(on|for) (the )?meta device\)?", "", text)[:300]


def warm_up_planning() -> None:
    """The first meta-device forward imports torch's decomposition machinery (seconds);
    a server calls this at start so the first person to validate a model does not wait."""
    plan_model(ModelSpec.model_validate({"layers": [{"type": "Linear", "out_features": 1}]}), [1])
