"""Tensors in and out of JSON: a number or nested lists of numbers, always float32.

Out, each number is the shortest decimal that reads back as the same float32 (so 0.1
stays 0.1, not 0.10000000149011612), and the values JSON has no literal for are the
strings "inf", "-inf" and "nan" (a `log(0)` is worth showing, not hiding as null).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from torchplay.autograd.limits import LIMITS, ExplorerLimits
from torchplay.spec.errors import SpecError

JsonTensor = float | str | list[Any]
_NON_FINITE = {math.inf: "inf", -math.inf: "-inf"}


def tensor_from_json(value: object, loc: Sequence[str | int], limits: ExplorerLimits = LIMITS) -> torch.Tensor:
    """A float32 tensor from a number or rectangular nested lists; SpecError at `loc` otherwise."""
    shape = _Walk(limits, tuple(loc)).shape_of(value, tuple(loc), limits.max_dims)
    if math.prod(shape) > limits.max_elements:
        raise SpecError(loc, f"{math.prod(shape)} elements; the limit is {limits.max_elements} per tensor")
    try:
        return torch.tensor(value, dtype=torch.float32)
    except (OverflowError, RuntimeError) as exc:  # an integer too large for any float
        raise SpecError(loc, f"not representable as float32: {exc}") from None


class _Walk:
    """Checks the nesting, counting what it visits: a huge body stops near the limit, not
    after walking all of it (a tensor within the limits has fewer lists and numbers)."""

    def __init__(self, limits: ExplorerLimits, root: tuple[str | int, ...]) -> None:
        self.limits = limits
        self.root = root
        self.visits_left = (limits.max_dims + 1) * limits.max_elements + 1

    def shape_of(self, value: object, loc: tuple[str | int, ...], dims_left: int) -> tuple[int, ...]:
        if isinstance(value, bool) or not isinstance(value, int | float | list):
            raise SpecError(loc, "must be a number or a list of numbers")
        self.visits_left -= 1
        if self.visits_left < 0:
            raise SpecError(self.root, f"too large: the limit is {self.limits.max_elements} elements per tensor")
        if not isinstance(value, list):
            return ()
        if dims_left == 0:
            raise SpecError(loc, f"lists nest too deep: a tensor here has at most {self.limits.max_dims} dimensions")
        shapes = {self.shape_of(item, (*loc, i), dims_left - 1) for i, item in enumerate(value)}
        if len(shapes) > 1:
            raise SpecError(loc, "the rows must all have the same shape (a tensor is rectangular)")
        return (len(value), *(shapes.pop() if shapes else ()))


def tensor_to_json(tensor: torch.Tensor) -> JsonTensor:
    values = tensor.detach().to("cpu", torch.float32).numpy()
    encoded = shortest_float32(values).tolist()
    return encoded if np.isfinite(values).all() else _name_non_finite(encoded)


def shortest_float32(values: np.ndarray) -> np.ndarray:
    """Each float32 as the float64 of the shortest decimal (6 to 8 significant digits) that
    reads back as the same float32; a value none of those fits stays exact. Vectorised: an
    answer at the limits holds some 50 000 numbers."""
    out = values.astype(np.float64)
    todo = np.isfinite(values) & (values != 0)
    magnitude = np.floor(np.log10(np.abs(np.where(todo, out, 1.0))))
    for digits in (6, 7, 8):
        # Scale by an exact power of ten where possible: an integer divided by 10^k, or
        # multiplied by 10^-k, is the double nearest that decimal, so it prints short.
        k = digits - 1 - magnitude
        up, down = 10.0 ** np.clip(k, 0, None), 10.0 ** np.clip(-k, 0, None)
        rounded = np.where(k >= 0, np.round(out * up) / up, np.round(out / down) * down)
        fits = todo & (rounded.astype(np.float32) == values)
        out[fits] = rounded[fits]
        todo &= ~fits
    return out


def _name_non_finite(values: Any) -> JsonTensor:
    if isinstance(values, list):
        return [_name_non_finite(item) for item in values]
    if math.isnan(values):
        return "nan"
    return _NON_FINITE.get(values, values)
