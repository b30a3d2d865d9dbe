"""What the exported script's sections share: the plan, the lines they add to the file's
head (imports, torchplay blocks), and how a torch call is written.

Every value from the request or a stored upload is written through `export.literals`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from torchplay.export.literals import literal
from torchplay.planning import PlannedJob
from torchplay.spec.tasks import TASKS


@dataclass
class ScriptParts:
    plan: PlannedJob
    data_dir: Path
    imports: set[str] = field(default_factory=lambda: {"import numpy as np", "import torch", "from torch import nn"})
    blocks: set[str] = field(default_factory=set)  # torchplay blocks whose source the script needs
    model_class: str = "Net"  # named after the job once the names the script binds are known


class Section:
    """One part of the script (data, model, loop), written from the shared parts."""

    def __init__(self, parts: ScriptParts) -> None:
        self.parts = parts
        self.plan, self.job, self.data_dir = parts.plan, parts.plan.request, parts.data_dir
        self.imports, self.blocks = parts.imports, parts.blocks
        self.task = parts.plan.task
        self.rule = TASKS[parts.plan.task]  # the trainer reads the same rule
        self.is_gan = self.task == "gan"

    @property
    def model_class(self) -> str:
        return self.parts.model_class


def signature(function: Callable[..., Any]) -> dict[str, Any]:
    return {name: p.default for name, p in inspect.signature(function).parameters.items()}


def same(value: Any, default: Any) -> bool:
    if isinstance(value, list) and isinstance(default, tuple):
        return tuple(value) == default
    if isinstance(value, bool) or isinstance(default, bool):
        return value is default
    if isinstance(value, (int, float)) and isinstance(default, (int, float)):
        return value == default
    return type(value) is type(default) and value == default


def call_literal(value: Any) -> str:
    return literal(tuple(value) if isinstance(value, list) else value)


def kwargs_text(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={call_literal(v)}" for k, v in kwargs.items())


def defaults(module: type[nn.Module]) -> dict[str, Any]:
    """The constructor's keyword defaults: the first `__init__` up the class tree that names
    its parameters (nn.LSTM passes `*args` on to nn.RNNBase; TokenEmbedding has nn.Embedding's)."""
    for cls in module.__mro__:
        init = vars(cls).get("__init__")
        if init is not None and any(
            p.kind is p.POSITIONAL_OR_KEYWORD for p in list(inspect.signature(init).parameters.values())[1:]
        ):
            return signature(init)
    return {}


def call(callee: str, positional: tuple[str, ...], kwargs: dict[str, Any], defaults: dict[str, Any]) -> str:
    """`callee(positional…, keyword=value…)`, keywords only where they differ from torch's defaults."""
    args = [call_literal(kwargs[name]) for name in positional if name in kwargs]
    rest = {
        k: v for k, v in kwargs.items() if k not in positional and not same(v, defaults.get(k, inspect.Parameter.empty))
    }
    return f"{callee}({', '.join([*args, *(f'{k}={call_literal(v)}' for k, v in rest.items())])})"
