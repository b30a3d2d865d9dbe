"""Every layer type in `LAYERS` builds the module a person would write by hand in torch.

For each type: a spec layer (input sizes inferred) and the hand-written torch module are
made from the same seed; they must have the same parameter count and give the same
output for the same input, in training mode (same dropout masks, batch statistics) and
in eval mode. Then the precise errors of shape inference, and the `/api/layers` listing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import torch
from torch import nn

from torchplay.models import build_model
from torchplay.planning import plan_model
from torchplay.spec import LAYERS, ModelSpec, SpecError


def _sinusoidal(length: int, d_model: int) -> torch.Tensor:
    """The PyTorch tutorial's positional encoding, written out."""
    pe = torch.zeros(length, d_model)
    position = torch.arange(length, dtype=torch.float).unsqueeze(1)
    div = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
    pe[:, 0::2] = torch.sin(position * div)
    pe[:, 1::2] = torch.cos(position * div)[:, : d_model // 2]  # odd d_model: one cosine fewer
    return pe


class _HandPositional(nn.Module):
    def __init__(self, d_model: int, max_len: int, learned: bool) -> None:
        super().__init__()
        if learned:
            self.table = nn.Parameter(torch.zeros(max_len, d_model))
            nn.init.normal_(self.table, std=0.02)
        else:
            self.register_buffer("table", _sinusoidal(max_len, d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.table[: x.shape[1]]


class _HandRecurrent(nn.Module):
    """What a tutorial writes for a sequence classifier's recurrent part."""

    def __init__(self, rnn: nn.RNNBase, last: bool) -> None:
        super().__init__()
        self.rnn, self.last = rnn, last

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, hidden = self.rnn(x)
        if not self.last:
            return out
        h_n = hidden[0] if isinstance(hidden, tuple) else hidden  # LSTM: (h_n, c_n)
        if self.rnn.bidirectional:  # the final state of each direction of the top layer
            return torch.cat([h_n[-2], h_n[-1]], dim=1)
        return h_n[-1]


class _HandResidual(nn.Module):
    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.inner(x)


class _HandEmbedding(nn.Embedding):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.long())


def _tokens(shape: tuple[int, ...]) -> torch.Tensor:
    return torch.randint(0, 10, (4, *shape)).float()  # ids as the float tensors datasets hold


# type → cases of (spec layer, input shape without batch, hand-written module factory[, input maker])
Case = tuple[dict[str, Any], tuple[int, ...], Callable[[], nn.Module]]
CASES: dict[str, list[Any]] = {
    "Linear": [({"type": "Linear", "out_features": 3}, (5,), lambda: nn.Linear(5, 3))],
    "Flatten": [({"type": "Flatten"}, (2, 3, 4), lambda: nn.Flatten())],
    "Unflatten": [
        ({"type": "Unflatten", "dim": 1, "unflattened_size": [3, 4]}, (12,), lambda: nn.Unflatten(1, (3, 4)))
    ],
    "Identity": [({"type": "Identity"}, (5,), lambda: nn.Identity())],
    "ReLU": [({"type": "ReLU"}, (5,), lambda: nn.ReLU())],
    "LeakyReLU": [({"type": "LeakyReLU", "negative_slope": 0.2}, (5,), lambda: nn.LeakyReLU(0.2))],
    "Sigmoid": [({"type": "Sigmoid"}, (5,), lambda: nn.Sigmoid())],
    "Tanh": [({"type": "Tanh"}, (5,), lambda: nn.Tanh())],
    "ELU": [({"type": "ELU", "alpha": 0.5}, (5,), lambda: nn.ELU(alpha=0.5))],
    "GELU": [
        ({"type": "GELU"}, (5,), lambda: nn.GELU()),
        ({"type": "GELU", "approximate": "tanh"}, (5,), lambda: nn.GELU(approximate="tanh")),
    ],
    "SiLU": [({"type": "SiLU"}, (5,), lambda: nn.SiLU())],
    "Softmax": [({"type": "Softmax", "dim": 1}, (5,), lambda: nn.Softmax(dim=1))],
    "LogSoftmax": [({"type": "LogSoftmax", "dim": -1}, (3, 5), lambda: nn.LogSoftmax(dim=-1))],
    "Dropout": [({"type": "Dropout", "p": 0.3}, (20,), lambda: nn.Dropout(0.3))],
    "BatchNorm1d": [
        ({"type": "BatchNorm1d"}, (4,), lambda: nn.BatchNorm1d(4)),
        ({"type": "BatchNorm1d", "momentum": 0.2}, (3, 10), lambda: nn.BatchNorm1d(3, momentum=0.2)),
    ],
    "BatchNorm2d": [({"type": "BatchNorm2d"}, (3, 8, 8), lambda: nn.BatchNorm2d(3))],
    "LayerNorm": [({"type": "LayerNorm"}, (5, 7), lambda: nn.LayerNorm(7))],
    "Conv1d": [
        (
            {"type": "Conv1d", "out_channels": 4, "kernel_size": 3, "padding": 1},
            (2, 10),
            lambda: nn.Conv1d(2, 4, 3, padding=1),
        )
    ],
    "Conv2d": [
        (
            {"type": "Conv2d", "out_channels": 4, "kernel_size": [3, 2], "stride": 2, "padding": 1},
            (1, 9, 8),
            lambda: nn.Conv2d(1, 4, (3, 2), stride=2, padding=1),
        )
    ],
    "ConvTranspose2d": [
        (
            {
                "type": "ConvTranspose2d",
                "out_channels": 2,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "output_padding": 1,
            },
            (4, 7, 7),
            lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
        )
    ],
    "MaxPool1d": [({"type": "MaxPool1d", "kernel_size": 2}, (3, 10), lambda: nn.MaxPool1d(2))],
    "MaxPool2d": [({"type": "MaxPool2d", "kernel_size": 3, "stride": 2}, (2, 9, 9), lambda: nn.MaxPool2d(3, 2))],
    "AvgPool2d": [({"type": "AvgPool2d", "kernel_size": 2}, (2, 8, 8), lambda: nn.AvgPool2d(2))],
    "AdaptiveAvgPool2d": [
        ({"type": "AdaptiveAvgPool2d", "output_size": [2, 3]}, (2, 7, 9), lambda: nn.AdaptiveAvgPool2d((2, 3)))
    ],
    "Embedding": [
        (
            {"type": "Embedding", "num_embeddings": 10, "embedding_dim": 4},
            (6,),
            lambda: _HandEmbedding(10, 4),
            _tokens,
        )
    ],
    "PositionalEncoding": [
        ({"type": "PositionalEncoding", "max_len": 20}, (7, 6), lambda: _HandPositional(6, 20, learned=False)),
        ({"type": "PositionalEncoding", "max_len": 16}, (7, 5), lambda: _HandPositional(5, 16, learned=False)),
        (
            {"type": "PositionalEncoding", "max_len": 20, "kind": "learned"},
            (7, 6),
            lambda: _HandPositional(6, 20, learned=True),
        ),
    ],
    "TransformerEncoderLayer": [
        (
            {
                "type": "TransformerEncoderLayer",
                "nhead": 2,
                "dim_feedforward": 16,
                "dropout": 0.1,
                "activation": "gelu",
            },
            (5, 8),
            lambda: nn.TransformerEncoderLayer(8, 2, 16, 0.1, activation="gelu", batch_first=True),
        )
    ],
    "Residual": [
        (
            {"type": "Residual", "layers": [{"type": "Linear", "out_features": 5}, {"type": "ReLU"}]},
            (5,),
            lambda: _HandResidual(nn.Sequential(nn.Linear(5, 5), nn.ReLU())),
        )
    ],
}
for _kind, _cls in (("RNN", nn.RNN), ("LSTM", nn.LSTM), ("GRU", nn.GRU)):
    CASES[_kind] = [
        (
            {"type": _kind, "hidden_size": 5},
            (7, 3),
            lambda cls=_cls: _HandRecurrent(cls(3, 5, batch_first=True), last=True),
        ),
        (
            {"type": _kind, "hidden_size": 5, "num_layers": 2, "output": "sequence"},
            (7, 3),
            lambda cls=_cls: _HandRecurrent(cls(3, 5, num_layers=2, batch_first=True), last=False),
        ),
        (
            {"type": _kind, "hidden_size": 4, "num_layers": 2, "bidirectional": True},
            (7, 3),
            lambda cls=_cls: _HandRecurrent(cls(3, 4, num_layers=2, bidirectional=True, batch_first=True), last=True),
        ),
    ]

PARAMS = [pytest.param(case, id=f"{kind}-{i}") for kind, cases in CASES.items() for i, case in enumerate(cases)]


def test_every_layer_type_has_a_case() -> None:
    assert set(CASES) == set(LAYERS)


@pytest.mark.parametrize("case", PARAMS)
def test_built_layer_equals_hand_written_torch(case: tuple[Any, ...]) -> None:
    spec, shape, hand_written, *maker = case
    make_input = maker[0] if maker else (lambda s: torch.randn(4, *s))
    plan = plan_model(ModelSpec.model_validate({"layers": [spec]}), shape)
    torch.manual_seed(7)
    built = build_model(plan.spec)
    torch.manual_seed(7)
    reference = nn.Sequential(hand_written())

    assert sum(p.numel() for p in built.parameters()) == sum(p.numel() for p in reference.parameters())
    assert plan.total_params == sum(p.numel() for p in reference.parameters())
    x = make_input(shape)
    for training in (True, False):
        built.train(training)
        reference.train(training)
        torch.manual_seed(11)  # the same dropout masks in training mode
        expected = reference(x)
        torch.manual_seed(11)
        got = built(x)
        torch.testing.assert_close(got, expected)
        assert list(got.shape[1:]) == plan.output_shape  # shape inference agrees with torch
        if got.requires_grad:
            got.sum().backward()  # and gradients flow (every parameter receives one)
    assert all(p.grad is not None for p in built.parameters())


def _error(layers: list[dict[str, Any]], shape: list[int]) -> SpecError:
    with pytest.raises(SpecError) as caught:
        plan_model(ModelSpec.model_validate({"layers": layers}), shape)
    return caught.value


def _only(error: SpecError) -> dict[str, Any]:
    [detail] = error.errors
    return detail


def test_kernel_larger_than_its_input() -> None:
    detail = _only(_error([{"type": "Flatten"}, {"type": "Unflatten", "unflattened_size": [1, 3, 3]},
                           {"type": "Conv2d", "out_channels": 2, "kernel_size": 5}], [9]))  # fmt: skip
    assert detail["loc"] == ["model", "layers", 2]
    assert "Conv2d cannot take input of shape [1, 3, 3]" in detail["msg"]
    assert "kernel" in detail["msg"].lower()


def test_pool_window_larger_than_its_input() -> None:
    detail = _only(_error([{"type": "MaxPool1d", "kernel_size": 4}], [2, 3]))
    assert detail["loc"] == ["model", "layers", 0]
    assert "MaxPool1d" in detail["msg"] and "[2, 3]" in detail["msg"]


def test_channel_mismatch_names_expected_and_given() -> None:
    detail = _only(
        _error(
            [
                {"type": "Conv2d", "out_channels": 8, "kernel_size": 3},
                {"type": "Conv2d", "in_channels": 3, "out_channels": 4, "kernel_size": 3},
            ],
            [1, 28, 28],
        )
    )
    assert detail["loc"] == ["model", "layers", 1, "in_channels"]
    assert detail["msg"] == "Conv2d in_channels: expected 8 (previous output is [8, 26, 26]), got 3"


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_sequence_layer_fed_a_flat_tensor(kind: str) -> None:
    detail = _only(_error([{"type": "Linear", "out_features": 10}, {"type": kind, "hidden_size": 4}], [5]))
    assert detail["loc"] == ["model", "layers", 1]
    assert detail["msg"] == f"{kind} expects a (sequence, features) input per sample, got shape [10]"


def test_transformer_on_a_flat_tensor() -> None:
    detail = _only(_error([{"type": "TransformerEncoderLayer", "nhead": 2}], [16]))
    assert "(sequence, d_model)" in detail["msg"] and "[16]" in detail["msg"]


def test_nhead_must_divide_d_model() -> None:
    detail = _only(
        _error([{"type": "Linear", "out_features": 10}, {"type": "TransformerEncoderLayer", "nhead": 3}], [5, 2])
    )
    assert detail["loc"] == ["model", "layers", 1]
    assert "TransformerEncoderLayer cannot take input of shape [5, 10]" in detail["msg"]
    assert "divisible" in detail["msg"]


def test_residual_must_keep_the_shape() -> None:
    detail = _only(_error([{"type": "Residual", "layers": [{"type": "Linear", "out_features": 3}]}], [5]))
    assert detail["loc"] == ["model", "layers", 0]
    assert detail["msg"] == "Residual inner layers must keep the shape [5], got [3]"


def test_residual_inner_error_points_inside_the_block() -> None:
    detail = _only(
        _error([{"type": "Residual", "layers": [{"type": "Linear", "in_features": 4, "out_features": 5}]}], [5])
    )
    assert detail["loc"] == ["model", "layers", 0, "layers", 0, "in_features"]


def test_sequence_longer_than_max_len() -> None:
    detail = _only(_error([{"type": "PositionalEncoding", "max_len": 8}], [10, 4]))
    assert detail["loc"] == ["model", "layers", 0] and "max_len 8" in detail["msg"]


def test_api_lists_every_layer_type(client: httpx.Client) -> None:
    listed = {entry["type"]: entry for entry in client.get("/api/layers").json()}
    assert set(listed) == set(LAYERS)
    for name, entry in listed.items():
        assert entry["description"] and entry["category"], name
        fields = {param["name"] for param in entry["params"]}
        assert fields == set(LAYERS[name].model_fields) - {"type"}, name
    recurrent = {p["name"]: p for p in listed["LSTM"]["params"]}
    assert recurrent["output"]["default"] == "last" and recurrent["input_size"]["inferred"] is True


def test_every_layer_and_parameter_is_described_in_chinese_too() -> None:
    from torchplay.spec.catalogue import layer_catalogue

    for layer in layer_catalogue():
        assert layer["description_zh"] and any("\u4e00" <= c <= "\u9fff" for c in layer["description_zh"]), layer[
            "type"
        ]
        for param in layer["params"]:
            assert param["description_zh"], f"{layer['type']}.{param['name']}: no 简体中文 for {param['description']!r}"
