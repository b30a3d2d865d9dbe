"""Names for a model's top-level layers, as a tutorial would write them: `fc1`, `conv1`, `lstm1`.

Shared by the exported code (its attributes) and the exported `state_dict` (its keys), so
the weights file loads straight into the exported class. Each layer's stem is its spec
class's `prefix()`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TypeVar

from torchplay.spec import LayerBase
from torchplay.spec.layers import RecurrentLayer

T = TypeVar("T")


def layer_names(layers: Sequence[LayerBase]) -> list[str]:
    """One attribute name per top-level layer: type prefix plus a per-prefix counter."""
    counts: Counter[str] = Counter()
    names = []
    for layer in layers:
        prefix = type(layer).prefix()
        counts[prefix] += 1
        names.append(f"{prefix}{counts[prefix]}")
    return names


def rename_state_dict(state: Mapping[str, T], layers: Sequence[LayerBase]) -> dict[str, T]:
    """`nn.Sequential` keys (`0.weight`, `2.rnn.weight_ih_l0`) → the exported class's
    (`fc1.weight`, `lstm1.weight_ih_l0`: a top-level recurrent layer is a bare `nn.LSTM`)."""
    prefixes = {}
    for index, (layer, name) in enumerate(zip(layers, layer_names(layers), strict=True)):
        inner = ".rnn." if isinstance(layer, RecurrentLayer) else "."
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
