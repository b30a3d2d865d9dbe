"""Tensors to JSON and back: float32 kept exactly, printed short, non-finite values named."""

from __future__ import annotations

import struct

import pytest
import torch

from torchplay.autograd.limits import ExplorerLimits
from torchplay.autograd.tensors import tensor_from_json, tensor_to_json
from torchplay.spec import SpecError


def as_float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


@pytest.mark.parametrize("scale", [1e-38, 1e-6, 1.0, 1e6, 1e30])
def test_every_number_reads_back_as_the_same_float32(scale: float) -> None:
    tensor = torch.randn(2000, generator=torch.Generator().manual_seed(1)) * scale
    encoded = tensor_to_json(tensor)
    assert isinstance(encoded, list)
    assert [as_float32(v) for v in encoded] == tensor.tolist()


def test_numbers_print_short_and_non_finite_values_are_named() -> None:
    encoded = tensor_to_json(torch.tensor([0.1, 1 / 3, 6.0, float("inf"), -float("inf"), float("nan")]))
    assert encoded == [0.1, 0.33333334, 6.0, "inf", "-inf", "nan"]
    assert tensor_to_json(torch.tensor(2.5)) == 2.5
    assert tensor_to_json(torch.tensor([[1.0, 2.0]])) == [[1.0, 2.0]]


def test_values_are_read_as_float32_with_their_shape() -> None:
    tensor = tensor_from_json([[1, 2.5], [3, 4]], ("v",))
    assert tensor.dtype == torch.float32 and tensor.shape == (2, 2)
    assert tensor_from_json(3, ("v",)).shape == ()
    assert tensor_from_json([], ("v",)).shape == (0,)


def test_a_huge_value_stops_near_the_limit_not_after_reading_it_all() -> None:
    limits = ExplorerLimits(max_elements=10)
    with pytest.raises(SpecError) as caught:
        tensor_from_json([[[[]] * 1000] * 1000], ("inputs", "x", "value"), limits)
    assert caught.value.errors[0]["loc"] == ["inputs", "x", "value"]
    with pytest.raises(SpecError):
        tensor_from_json(10**400, ("v",))
