"""The builder's modules equal hand-written torch models: same parameters, same outputs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from torchplay.models import build_model
from torchplay.planning import plan_model
from torchplay.spec import ModelSpec, SpecError


def _build(layers: list[dict], input_shape: list[int], seed: int = 0) -> tuple[nn.Module, object]:
    plan = plan_model(ModelSpec.model_validate({"layers": layers}), input_shape)
    torch.manual_seed(seed)
    return build_model(plan.spec), plan


def _same(built: nn.Module, reference: nn.Module, x: torch.Tensor) -> None:
    assert sum(p.numel() for p in built.parameters()) == sum(p.numel() for p in reference.parameters())
    built.eval()
    reference.eval()
    with torch.no_grad():
        torch.testing.assert_close(built(x), reference(x))


def test_tutorial_regression_net_matches_hand_written() -> None:
    built, plan = _build(
        [{"type": "Linear", "out_features": 2}, {"type": "ReLU"}, {"type": "Linear", "out_features": 1}], [2]
    )
    torch.manual_seed(0)
    reference = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    _same(built, reference, torch.randn(5, 2))
    assert plan.total_params == 9
    assert [layer.output_shape for layer in plan.layers] == [[2], [2], [1]]


def test_tutorial_cnn_matches_hand_written() -> None:
    layers = [
        {"type": "Conv2d", "out_channels": 32, "kernel_size": 3}, {"type": "ReLU"}, {"type": "MaxPool2d", "kernel_size": 2},
        {"type": "Conv2d", "out_channels": 64, "kernel_size": 3}, {"type": "ReLU"}, {"type": "MaxPool2d", "kernel_size": 2},
        {"type": "Flatten"}, {"type": "Linear", "out_features": 128}, {"type": "ReLU"}, {"type": "Linear", "out_features": 10},
    ]  # fmt: skip
    built, plan = _build(layers, [1, 28, 28], seed=3)
    torch.manual_seed(3)
    reference = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip
    _same(built, reference, torch.randn(4, 1, 28, 28))
    assert plan.output_shape == [10]
    assert plan.layers[6].output_shape == [1600]


def test_activations_and_dropout_match_torch() -> None:
    layers = [
        {"type": "Linear", "out_features": 8}, {"type": "LeakyReLU", "negative_slope": 0.2}, {"type": "Sigmoid"},
        {"type": "Dropout", "p": 0.3}, {"type": "Linear", "out_features": 4}, {"type": "Tanh"}, {"type": "Identity"},
        {"type": "Softmax"},
    ]  # fmt: skip
    built, _ = _build(layers, [3], seed=1)
    torch.manual_seed(1)
    reference = nn.Sequential(
        nn.Linear(3, 8),
        nn.LeakyReLU(0.2),
        nn.Sigmoid(),
        nn.Dropout(0.3),
        nn.Linear(8, 4),
        nn.Tanh(),
        nn.Identity(),
        nn.Softmax(dim=-1),
    )
    _same(built, reference, torch.randn(6, 3))


def test_flatten_infers_next_linear_input() -> None:
    _, plan = _build([{"type": "Flatten"}, {"type": "Linear", "out_features": 10}], [1, 28, 28])
    assert plan.spec.layers[1].in_features == 784
    assert plan.total_params == 7850


def test_explicit_wrong_size_points_at_the_field() -> None:
    with pytest.raises(SpecError) as caught:
        plan_model(
            ModelSpec.model_validate(
                {
                    "layers": [
                        {"type": "Linear", "out_features": 8},
                        {"type": "Linear", "in_features": 5, "out_features": 1},
                    ]
                }
            ),
            [2],
        )
    error = caught.value.errors[0]
    assert error["loc"] == ["model", "layers", 1, "in_features"]
    assert "expected 8" in error["msg"] and "got 5" in error["msg"]


def test_param_limit_is_checked_without_allocating() -> None:
    spec = ModelSpec.model_validate(
        {"layers": [{"type": "Linear", "out_features": 1_000_000}, {"type": "Linear", "out_features": 1_000_000}]}
    )
    with pytest.raises(SpecError) as caught:
        plan_model(spec, [1_000_000], max_params=50_000_000)
    assert "max_params" in caught.value.errors[0]["msg"]
