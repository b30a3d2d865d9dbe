"""Runs a parsed program on real tensors, calls `backward()`, and lays the graph open.

Every input, constant and operation becomes a node. Each operation's result shape is
worked out from its operands' shapes first (ops.Op.shape), so nothing over the limits is
ever allocated. Intermediates keep their gradient (`retain_grad`), and for every edge the
gradient it carries is computed again on its own (a vector-Jacobian product on fresh
leaves), so `y * y` shows both halves of the 2·y·g that reaches y.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch

from torchplay.autograd.language import Apply, Array, Expr, Name, Number, Program, check_name, parse_program
from torchplay.autograd.limits import LIMITS, ExplorerLimits
from torchplay.autograd.ops import OPS, Op, Operand, ShapeError
from torchplay.autograd.tensors import JsonTensor, tensor_from_json, tensor_to_json
from torchplay.spec.errors import SpecError

NodeKind = Literal["input", "constant", "op"]
# The errors torch (or Python number conversion) may raise on values that passed the shape checks.
_COMPUTE_ERRORS = (RuntimeError, ValueError, TypeError, OverflowError, ZeroDivisionError, IndexError)


@dataclass(frozen=True)
class Leaf:
    """One named input: a number or nested lists, and whether it wants a gradient."""

    value: object
    requires_grad: bool = False


@dataclass
class Node:
    id: int
    kind: NodeKind
    label: str  # the source text (an input's name, a constant as written, the expression)
    tensor: torch.Tensor
    name: str | None = None
    line: int | None = None
    op: Op | None = None
    dim: int | None = None
    inputs: tuple[int, ...] = ()
    input_numels: tuple[int, ...] = ()
    literal: float | None = None  # a number literal, handed to torch as a Python number
    grad: torch.Tensor | None = None  # after backward(): d output / d this node
    input_grads: list[torch.Tensor | None] = field(default_factory=list)

    def public(self, labels: Sequence[str]) -> dict[str, Any]:
        tensor, grad = self.tensor, self.grad
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "label": self.label,
            "op": self.op.name if self.op else None,
            "line": self.line,
            "shape": list(tensor.shape),
            "value": tensor_to_json(tensor),
            "requires_grad": tensor.requires_grad,
            "is_leaf": tensor.is_leaf,
            "grad_fn": type(tensor.grad_fn).__name__ if tensor.grad_fn is not None else None,
            "inputs": list(self.inputs),
            "grad": None if grad is None else tensor_to_json(grad),
            "input_grads": [None if g is None else tensor_to_json(g) for g in self.input_grads]
            or [None] * len(self.inputs),
            "grad_rules": self.grad_rules(labels),
        }

    def grad_rules(self, labels: Sequence[str]) -> list[str]:
        """The chain-rule step along each input edge, with the operands' labels filled in."""
        if self.op is None:
            return []
        operands = [_operand_text(labels[i]) for i in self.inputs]
        averaged = self.input_numels[0] // max(1, self.tensor.numel())  # {n} of mean: elements per result
        return [rule.format(*operands, n=averaged) for rule in self.op.rules]


def _operand_text(label: str) -> str:
    """`y * y` inside a formula reads as `(y * y)`; names, calls, lists and numbers stay bare."""
    if _NUMBER.fullmatch(label):
        return label
    depth = 0
    for char in label:
        depth += (char in "([") - (char in ")]")
        if depth == 0 and char in " +-*/@":
            return f"({label})"
    return label


_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Exploration:
    nodes: list[Node]
    grads: dict[str, torch.Tensor | None]
    output: int | None
    order: list[int]  # the nodes backward() visits, output first (a reverse topological order)

    def public(self) -> dict[str, Any]:
        labels = [node.name or node.label for node in self.nodes]
        grads: dict[str, JsonTensor | None] = {
            name: None if grad is None else tensor_to_json(grad) for name, grad in self.grads.items()
        }
        return {
            "nodes": [node.public(labels) for node in self.nodes],
            "grads": grads,
            "output": self.output,
            "order": self.order,
        }


def explore(
    inputs: Mapping[str, Leaf], code: Sequence[str], backward: str | None, limits: ExplorerLimits = LIMITS
) -> Exploration:
    """Parse `code`, run it on `inputs`, call backward() on the tensor named `backward`."""
    if len(inputs) > limits.max_inputs:
        raise SpecError(("inputs",), f"{len(inputs)} inputs; the limit is {limits.max_inputs}")
    for name in inputs:
        check_name(name, ("inputs", name), "input name")
    program = parse_program(code, inputs, limits)
    graph = _Graph(limits)
    with torch.enable_grad():
        for name, leaf in inputs.items():
            tensor = tensor_from_json(leaf.value, ("inputs", name, "value"), limits)
            graph.add(Node(0, "input", name, tensor.requires_grad_(leaf.requires_grad), name=name), ("inputs", name))
        graph.run(program)
        output = graph.backward(backward) if backward is not None else None
    grads = {name: graph.nodes[graph.env_inputs[name]].grad for name, leaf in inputs.items() if leaf.requires_grad}
    order = graph.backward_order(output) if output is not None else []
    return Exploration(graph.nodes, grads, output, order)


class _Graph:
    def __init__(self, limits: ExplorerLimits) -> None:
        self.limits = limits
        self.nodes: list[Node] = []
        self.env: dict[str, int] = {}
        self.env_inputs: dict[str, int] = {}
        self.elements = 0

    def add(self, node: Node, loc: Sequence[str | int]) -> int:
        self._check(node.tensor.numel(), loc)
        self.elements += node.tensor.numel()
        node.id = len(self.nodes)
        self.nodes.append(node)
        if node.kind == "input" and node.name:
            self.env[node.name] = self.env_inputs[node.name] = node.id
        return node.id

    def _check(self, elements: int, loc: Sequence[str | int]) -> None:
        """The budgets, checked before an operation's result exists (constants and inputs
        are already bounded by the parser and tensor_from_json)."""
        if len(self.nodes) >= self.limits.max_nodes:
            raise SpecError(loc, f"more than {self.limits.max_nodes} nodes (inputs, constants, operations)")
        if elements > self.limits.max_elements:
            raise SpecError(loc, f"the result would have {elements} elements; the limit is {self.limits.max_elements}")
        if self.elements + elements > self.limits.max_total_elements:
            raise SpecError(loc, f"all tensors together would have over {self.limits.max_total_elements} elements")

    # -- forward --
    def run(self, program: Program) -> None:
        for statement in program.statements:
            node_id = self.evaluate(statement.expr, statement.line)
            node = self.nodes[node_id]
            if node.name is None:
                node.name = statement.target
            self.env[statement.target] = node_id

    def evaluate(self, expr: Expr, line: int) -> int:
        loc = ("code", line)
        match expr:
            case Name():
                return self.env[expr.id]
            case Number():
                tensor = torch.tensor(expr.value, dtype=torch.float32)
                return self.add(Node(0, "constant", expr.text, tensor, line=line, literal=expr.value), loc)
            case Array():
                tensor = torch.tensor(expr.values, dtype=torch.float32).reshape(expr.shape)
                return self.add(Node(0, "constant", expr.text, tensor, line=line), loc)
            case Apply():
                return self._apply(expr, line)
        raise AssertionError(f"unknown expression {expr!r}")

    def _apply(self, expr: Apply, line: int) -> int:
        op = OPS[expr.op]
        ids = tuple(self.evaluate(arg, line) for arg in expr.args)
        operands = [self.nodes[i] for i in ids]
        where = f"column {expr.col + 1} ({expr.text})"
        try:
            shapes = [tuple(node.tensor.shape) for node in operands]
            shape = op.shape(*shapes, expr.dim) if op.takes_dim else op.shape(*shapes)
        except ShapeError as exc:
            raise SpecError(("code", line), f"{where}: {exc}") from None
        self._check(math.prod(shape), ("code", line))
        try:
            tensor = _compute(op, _operands(op, operands, fresh=False), expr.dim)
        except _COMPUTE_ERRORS as exc:
            raise SpecError(("code", line), f"{where}: {exc}") from None
        numels = tuple(n.tensor.numel() for n in operands)
        node = Node(0, "op", expr.text, tensor, line=line, op=op, dim=expr.dim, inputs=ids, input_numels=numels)
        return self.add(node, ("code", line))

    # -- backward --
    def backward(self, name: str) -> int:
        check_name(name, ("backward",), "backward")
        if name not in self.env:
            raise SpecError(("backward",), f"no tensor named {name!r} (defined: {', '.join(sorted(self.env))})")
        output = self.nodes[self.env[name]]
        tensor = output.tensor
        if tensor.numel() != 1:
            raise SpecError(
                ("backward",),
                f"{name} has shape {list(tensor.shape)}: backward() needs a single number; "
                f"reduce it first, e.g. {name}.sum() or {name}.mean()",
            )
        if not tensor.requires_grad:
            raise SpecError(
                ("backward",),
                f"{name} does not depend on an input with requires_grad: true, so it has no gradient to compute",
            )
        for node in self.nodes:
            if node.tensor.requires_grad and not node.tensor.is_leaf:
                node.tensor.retain_grad()
        try:
            tensor.backward()
            for node in self.nodes:
                node.grad = node.tensor.grad if node.tensor.requires_grad else None
                self._edge_grads(node)
        except _COMPUTE_ERRORS as exc:
            raise SpecError(("backward",), f"backward() failed: {exc}") from None
        return output.id

    def _edge_grads(self, node: Node) -> None:
        """The gradient along each input edge: the op again on fresh leaves, grad_outputs = g."""
        grad = node.grad
        if node.op is None or grad is None:
            return
        operands = [self.nodes[i] for i in node.inputs]
        fresh = _operands(node.op, operands, fresh=True)
        wanted = [value for value in fresh if isinstance(value, torch.Tensor) and value.requires_grad]
        result = _compute(node.op, fresh, node.dim)
        grads = iter(torch.autograd.grad(result, wanted, grad, allow_unused=True))
        node.input_grads = [
            next(grads) if isinstance(value, torch.Tensor) and value.requires_grad else None for value in fresh
        ]

    def backward_order(self, output: int) -> list[int]:
        """The output and every node it depends on that needs a gradient, latest first."""
        reached = {output}
        for node in reversed(self.nodes[: output + 1]):
            if node.id in reached:
                reached.update(i for i in node.inputs if self.nodes[i].tensor.requires_grad)
        return sorted(reached, reverse=True)


def _operands(op: Op, nodes: Sequence[Node], *, fresh: bool) -> list[Operand]:
    """What torch is handed: a number literal beside a tensor as a Python number, so `x ** 2`
    gives PowBackward0 and `2 - x` RsubBackward1 as in PyTorch; two literals stay tensors
    (`10 ** 10 ** 10` is a float32 inf, never Python arithmetic). `fresh`: detached leaves."""
    elementwise = op.symbol is not None and op.name != "matmul"
    all_literal = all(node.literal is not None for node in nodes)
    values: list[Operand] = []
    for node in nodes:
        if elementwise and node.literal is not None and not all_literal:
            values.append(node.literal)
        elif fresh:
            values.append(node.tensor.detach().requires_grad_(node.tensor.requires_grad))
        else:
            values.append(node.tensor)
    return values


def _compute(op: Op, operands: Sequence[Operand], dim: int | None) -> torch.Tensor:
    if op.takes_dim:
        return op.compute(*operands, dim=dim)
    return op.compute(*operands)
