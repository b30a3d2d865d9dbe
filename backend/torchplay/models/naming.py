"""Names for a model's top-level layers, as a tutorial would write them: `fc1`, `conv1`, `lstm1`.

Shared by the exported code (its attributes) and the exported `state_dict` (its keys), so
the weights file loads straight into the exported class.
"""

from __future__ import annotations

from collections import Counter

from torchplay.spec import LayerBase

RECURRENT = ("RNN", "LSTM", "GRU")

_PREFIXES = {
    "Linear": "fc", "Conv1d": "conv", "Conv2d": "conv", "ConvTranspose2d": "deconv",
    "LSTM": "lstm", "GRU": "gru", "RNN": "rnn", "BatchNorm1d": "bn", "BatchNorm2d": "bn", "LayerNorm": "norm",
    "Dropout": "dropout", "MaxPool1d": "pool", "MaxPool2d": "pool", "AvgPool2d": "pool", "AdaptiveAvgPool2d": "pool",
    "Flatten": "flatten", "Unflatten": "unflatten", "Embedding": "embed", "PositionalEncoding": "pos",
    "TransformerEncoderLayer": "encoder", "Residual": "res", "Identity": "identity",
    "LeakyReLU": "leaky_relu", "LogSoftmax": "log_softmax",
}  # fmt: skip


def layer_names(layers: list[LayerBase]) -> list[str]:
    """One attribute name per top-level layer: type prefix plus a per-prefix counter."""
    counts: Counter[str] = Counter()
    names = []
    for layer in layers:
        kind = layer.type  # type: ignore[attr-defined]
        prefix = _PREFIXES.get(kind, kind.lower())
        counts[prefix] += 1
        names.append(f"{prefix}{counts[prefix]}")
    return names


def rename_state_dict(state: dict[str, object], layers: list[LayerBase]) -> dict[str, object]:
    """`nn.Sequential` keys (`0.weight`, `2.rnn.weight_ih_l0`) → the exported class's
    (`fc1.weight`, `lstm1.weight_ih_l0`: a top-level recurrent layer is a bare `nn.LSTM`)."""
    prefixes = {}
    for index, (layer, name) in enumerate(zip(layers, layer_names(layers), strict=True)):
        inner = ".rnn." if layer.type in RECURRENT else "."  # type: ignore[attr-defined]
        prefixes[f"{index}{inner}"] = f"{name}."
    renamed = {}
    for key, value in state.items():
        for old, new in prefixes.items():
            if key.startswith(old):
                renamed[new + key[len(old) :]] = value
                break
        else:
            renamed[key] = value
    return renamed
