"""The allow-list: every operation the explorer's language can name, in one registry.

Each entry says how to spell it (an infix symbol, a function `mean(z)` / `torch.mean(z)`,
a method `z.mean()`), how many tensors it takes, the shape of its result (worked out from
the operands' shapes alone, so a result too large to allocate is refused before torch
computes it), how torch computes it, and the chain-rule step of its backward pass as
text: the gradient sent along each operand's edge, written with `g` for the gradient
arriving at the result.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

import torch

Shape = tuple[int, ...]
Operand = torch.Tensor | float  # a number literal beside a tensor stays a Python number, as in PyTorch


class ShapeError(ValueError):
    """The operands' shapes do not fit the operation (the message says how)."""


@dataclass(frozen=True)
class Op:
    name: str
    arity: int  # tensor operands
    compute: Callable[..., torch.Tensor]
    shape: Callable[..., Shape]
    rules: tuple[str, ...]  # per operand: the gradient along its edge; {0} {1} operands, {n} elements averaged
    symbol: str | None = None  # infix spelling
    takes_dim: bool = False  # an optional `dim` (an integer literal)
    function: bool = True  # callable as `name(…)` and `torch.name(…)`
    method: bool = True  # callable as `first.name(…rest)`


def broadcast(a: Shape, b: Shape) -> Shape:
    """NumPy/PyTorch broadcasting: dimensions aligned from the right, size 1 stretches."""
    out: list[int] = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da != db and 1 not in (da, db):
            raise ShapeError(
                f"shapes {list(a)} and {list(b)} cannot be broadcast together (sizes {da} and {db} at dimension {-i})"
            )
        out.append(da if db == 1 else db)
    return tuple(reversed(out))


def matmul_shape(a: Shape, b: Shape) -> Shape:
    """torch.matmul's rule: a 1-D operand is a row (left) or column (right) vector, the
    last two dimensions multiply, the ones before broadcast as a batch."""
    if not a or not b:
        raise ShapeError("@ / matmul needs tensors of at least one dimension (got a scalar)")
    left = (1, *a) if len(a) == 1 else a
    right = (*b, 1) if len(b) == 1 else b
    if left[-1] != right[-2]:
        raise ShapeError(
            f"shapes {list(a)} and {list(b)} cannot be multiplied ({left[-1]} columns on the left, "
            f"{right[-2]} rows on the right)"
        )
    out = (*broadcast(left[:-2], right[:-2]), left[-2], right[-1])
    if len(a) == 1:  # drop the row a 1-D left operand was given
        out = out[:-2] + out[-1:]
    if len(b) == 1:  # and the column of a 1-D right one
        out = out[:-1]
    return out


def same(a: Shape) -> Shape:
    return a


def reduce(a: Shape, dim: int | None = None) -> Shape:
    if dim is None:
        return ()
    rank = max(len(a), 1)  # a scalar has one implicit dimension to reduce, as in PyTorch
    if not -rank <= dim < rank:
        raise ShapeError(f"dim {dim} is out of range for a tensor of {len(a)} dimension(s)")
    return a[: dim % rank] + a[dim % rank + 1 :] if a else ()


def extreme(a: Shape) -> Shape:
    if 0 in a:
        raise ShapeError("max/min of an empty tensor is undefined")
    return ()


def transpose(a: Shape) -> Shape:
    if len(a) > 2:
        raise ShapeError(f"t() / .T transpose tensors of at most 2 dimensions (this one has {len(a)})")
    return tuple(reversed(a))


def _reduction(fn: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    return lambda x, dim=None: fn(x) if dim is None else fn(x, dim)


def _elementwise(name: str, fn: Callable[[torch.Tensor], torch.Tensor], rule: str) -> Op:
    return Op(name, 1, fn, same, (rule,))


def _binary(name: str, symbol: str, fn: Callable[[Operand, Operand], torch.Tensor], rules: tuple[str, str]) -> Op:
    return Op(name, 2, fn, broadcast, rules, symbol=symbol)


OPS: dict[str, Op] = {
    op.name: op
    for op in [
        _binary("add", "+", operator.add, ("g", "g")),
        _binary("sub", "-", operator.sub, ("g", "−g")),
        _binary("mul", "*", operator.mul, ("g · {1}", "g · {0}")),
        _binary("div", "/", operator.truediv, ("g / {1}", "−g · {0} / {1}²")),
        _binary("pow", "**", operator.pow, ("g · {1} · {0}^({1} − 1)", "g · {0}^{1} · ln {0}")),
        Op("matmul", 2, torch.matmul, matmul_shape, ("g @ {1}ᵀ", "{0}ᵀ @ g"), symbol="@"),
        Op("neg", 1, torch.neg, same, ("−g",), function=False, method=False),  # unary minus
        Op("sum", 1, _reduction(torch.sum), reduce, ("g",), takes_dim=True),
        Op("mean", 1, _reduction(torch.mean), reduce, ("g / {n}",), takes_dim=True),
        Op("max", 1, torch.max, extreme, ("g · [{0} = max {0}]",)),
        Op("min", 1, torch.min, extreme, ("g · [{0} = min {0}]",)),
        _elementwise("relu", torch.relu, "g · [{0} > 0]"),
        _elementwise("sigmoid", torch.sigmoid, "g · σ({0}) · (1 − σ({0}))"),
        _elementwise("tanh", torch.tanh, "g · (1 − tanh²({0}))"),
        _elementwise("exp", torch.exp, "g · exp({0})"),
        _elementwise("log", torch.log, "g / {0}"),
        _elementwise("sin", torch.sin, "g · cos({0})"),
        _elementwise("cos", torch.cos, "−g · sin({0})"),
        _elementwise("abs", torch.abs, "g · sign({0})"),
        _elementwise("sqrt", torch.sqrt, "g / (2 · √{0})"),
        Op("t", 1, torch.t, transpose, ("gᵀ",)),
    ]
}
INFIX: dict[str, Op] = {op.symbol: op for op in OPS.values() if op.symbol}
FUNCTIONS: dict[str, Op] = {name: op for name, op in OPS.items() if op.function}
METHODS: dict[str, Op] = {name: op for name, op in OPS.items() if op.method}
# `z.T`: an attribute, not a call; the same transpose as `z.t()`.
ATTRIBUTES: dict[str, Op] = {"T": OPS["t"]}
