"""The autograd explorer over HTTP: a few lines of tensor arithmetic in, the graph out."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from torchplay.api.schemas import Preset
from torchplay.autograd import EXAMPLES, LIMITS, Leaf, explore

router = APIRouter(prefix="/api/autograd", tags=["autograd"])


class InputTensor(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    value: Any = Field(description="A number or nested lists of numbers (a float32 tensor).")
    requires_grad: bool = Field(False, description="Ask backward() for this input's gradient.")


class AutogradRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    inputs: dict[str, InputTensor] = Field(default_factory=dict, description="Named input tensors.")
    code: list[str] = Field(
        description="One assignment per line (`y = x + 2`): names, numbers, lists, + - * / ** @, "
        "and the allowed functions and methods (mean, sum, relu, sigmoid, …)."
    )
    backward: str | None = Field(None, description="The tensor (one element) to call backward() on.")


class NodeOut(BaseModel):
    id: int
    kind: Literal["input", "constant", "op"]
    name: str | None = Field(description="The variable it was assigned to (or the input's name).")
    label: str = Field(description="Its source text.")
    op: str | None
    line: int | None = Field(description="Index into `code` (null for inputs).")
    shape: list[int]
    value: Any
    requires_grad: bool
    is_leaf: bool
    grad_fn: str | None = Field(description="torch's backward node, e.g. MulBackward0 (null for leaves).")
    inputs: list[int] = Field(description="The nodes it was computed from, in operand order.")
    grad: Any = Field(description="d(backward)/d(this node) after backward(), or null.")
    input_grads: list[Any] = Field(description="The gradient sent back along each input edge (null: none).")
    grad_rules: list[str] = Field(description="How each of those is computed from g, this node's gradient.")


class AutogradOut(BaseModel):
    nodes: list[NodeOut]
    grads: dict[str, Any] = Field(description="The gradient of each input with requires_grad.")
    output: int | None = Field(description="The node backward() was called on.")
    order: list[int] = Field(description="The nodes backward() visits, output first.")


class AutogradExamples(BaseModel):
    examples: list[Preset] = Field(description="Each request is a POST /api/autograd body.")
    limits: dict[str, int] = Field(description="The bounds every exploration is checked against.")


@router.post("", response_model=AutogradOut)
def run(body: AutogradRequest) -> dict[str, Any]:
    """Bounded by the explorer's limits (`GET /api/autograd/examples` lists them); a
    mistake anywhere is a 422 whose loc names the input, the line of `code` or `backward`."""
    inputs = {name: Leaf(tensor.value, tensor.requires_grad) for name, tensor in body.inputs.items()}
    return explore(inputs, body.code, body.backward).public()


@router.get("/examples", response_model=AutogradExamples)
def examples() -> dict[str, Any]:
    return {"examples": [example.public() for example in EXAMPLES.values()], "limits": LIMITS.public()}
