"""`print(model)` and the parameter formulas: the formula's arithmetic is torch's count."""

from __future__ import annotations

import pytest
from torch import nn

from torchplay.models.printing import param_formula

LAYERS = [
    nn.Linear(2, 16),
    nn.Linear(10, 5, bias=False),
    nn.Conv2d(1, 32, 3),
    nn.Conv2d(4, 8, (3, 5), groups=2),
    nn.Conv1d(3, 6, 4, bias=False),
    nn.Embedding(100, 8),
    nn.BatchNorm1d(16),
    nn.BatchNorm2d(8),
    nn.LayerNorm([4, 5]),
    nn.LSTM(10, 20),
    nn.LSTM(10, 20, num_layers=2, bidirectional=True),
    nn.GRU(6, 7, num_layers=2),
    nn.RNN(3, 4, bias=False),
]


@pytest.mark.parametrize("layer", LAYERS, ids=repr)
def test_the_formula_computes_the_count(layer: nn.Module) -> None:
    formula = param_formula(layer)
    assert formula is not None
    assert eval(formula.replace("×", "*")) == sum(p.numel() for p in layer.parameters()), formula


def test_linear_reads_in_times_out_plus_out() -> None:
    assert param_formula(nn.Linear(2, 16)) == "2 × 16 + 16"
    assert param_formula(nn.Conv2d(1, 32, 3)) == "32 × 1 × 3 × 3 + 32"
    assert param_formula(nn.ReLU()) is None
