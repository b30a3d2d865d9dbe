"""torchplay's own modules: the few spec types that are not a bare `torch.nn` class."""

from __future__ import annotations

import math

import torch
from torch import nn


class Recurrent(nn.Module):
    """An RNN/LSTM/GRU (batch_first) that returns a tensor, not a tuple.

    `output="last"` keeps the final step (batch, hidden) for a classifier/regressor head;
    `"sequence"` keeps every step (batch, seq, hidden) for stacking further sequence layers.
    """

    def __init__(self, rnn: nn.RNNBase, output: str) -> None:
        super().__init__()
        self.rnn = rnn
        self.output = output

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)  # (batch, seq, hidden * directions)
        if self.output == "sequence":
            return out
        if not self.rnn.bidirectional:
            return out[:, -1]
        # The backward direction reads from the end, so its summary of the whole sequence is
        # at step 0 (out[:, -1] would give it after one step): torch's h_n of both directions.
        hidden = self.rnn.hidden_size
        return torch.cat([out[:, -1, :hidden], out[:, 0, hidden:]], dim=1)


class PositionalEncoding(nn.Module):
    """Adds position information to (batch, seq, d_model): sine/cosine waves or learned."""

    def __init__(self, d_model: int, max_len: int = 512, kind: str = "sinusoidal") -> None:
        super().__init__()
        self.kind = kind
        if kind == "learned":
            self.table = nn.Parameter(torch.zeros(max_len, d_model))
            nn.init.normal_(self.table, std=0.02)
        else:
            position = torch.arange(max_len).unsqueeze(1)
            div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            table = torch.zeros(max_len, d_model)
            table[:, 0::2] = torch.sin(position * div)
            table[:, 1::2] = torch.cos(position * div)[:, : d_model // 2]
            self.register_buffer("table", table, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] > self.table.shape[0]:
            raise ValueError(f"sequence length {x.shape[1]} exceeds max_len {self.table.shape[0]}")
        return x + self.table[: x.shape[1]]


class Residual(nn.Module):
    """x + f(x): the skip connection of ResNets and Transformers."""

    def __init__(self, inner: nn.Sequential) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.inner(x)


class TokenEmbedding(nn.Embedding):
    """nn.Embedding that accepts the float tensors datasets hold, as token ids."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.long())
