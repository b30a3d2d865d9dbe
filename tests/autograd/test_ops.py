"""The registry's shape rules agree with torch itself (on the meta device: no memory)."""

from __future__ import annotations

import itertools

import pytest
import torch

from torchplay.autograd.ops import OPS, ShapeError

SHAPES = [(), (1,), (3,), (2, 3), (3, 2), (1, 3), (2, 1), (4, 2, 3), (2, 3, 1), (0,)]


def _meta(shape: tuple[int, ...]) -> torch.Tensor:
    return torch.empty(shape, device="meta")


@pytest.mark.parametrize("name", ["add", "mul", "pow", "matmul"])
def test_binary_shape_rules_match_torch(name: str) -> None:
    op = OPS[name]
    checked = refused = 0
    for a, b in itertools.product(SHAPES, SHAPES):
        try:
            expected = tuple(op.compute(_meta(a), _meta(b)).shape)
        except RuntimeError:
            with pytest.raises(ShapeError):
                op.shape(a, b)
            refused += 1
            continue
        assert op.shape(a, b) == expected, (name, a, b)
        checked += 1
    assert checked > 10 and refused > 10


@pytest.mark.parametrize("name", ["sum", "mean"])
def test_reductions_match_torch(name: str) -> None:
    op = OPS[name]
    for shape in SHAPES[:-1]:
        assert op.shape(shape, None) == tuple(op.compute(_meta(shape)).shape)
        for dim in range(-3, 3):
            try:
                expected = tuple(op.compute(_meta(shape), dim=dim).shape)
            except IndexError:
                with pytest.raises(ShapeError):
                    op.shape(shape, dim)
                continue
            assert op.shape(shape, dim) == expected, (shape, dim)


def test_transpose_and_elementwise_keep_torch_shapes() -> None:
    for shape in SHAPES:
        assert OPS["relu"].shape(shape) == shape
        if len(shape) <= 2:
            assert OPS["t"].shape(shape) == tuple(torch.t(_meta(shape)).shape)
        else:
            with pytest.raises(ShapeError):
                OPS["t"].shape(shape)


def test_matmul_refuses_what_broadcasting_would_make_huge_before_computing() -> None:
    # The point of shape rules: an outer product's size is known before any memory is used.
    assert OPS["matmul"].shape((100_000, 1), (1, 100_000)) == (100_000, 100_000)
    assert OPS["mul"].shape((100_000,), (100_000, 1)) == (100_000, 100_000)
