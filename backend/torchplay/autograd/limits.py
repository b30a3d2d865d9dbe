"""The bounds of one autograd exploration: it runs inside the API process, so each request
must be cheap whatever it asks. Every bound is checked before the work it guards."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ExplorerLimits:
    # The program text, checked before tokenizing: a lesson is a handful of short lines.
    max_lines: int = 40
    max_line_chars: int = 300
    max_code_chars: int = 6_000
    # Nesting of brackets, unary signs and `**` (the parser's recursion): deep enough for
    # any readable formula, far from Python's recursion limit.
    max_depth: int = 24
    # Inputs and tensors: small enough that every value and gradient fits in the answer.
    max_inputs: int = 12
    max_dims: int = 4
    max_elements: int = 1_024  # per tensor: an input, a constant or any intermediate result
    max_total_elements: int = 16_384  # all nodes' values together (bounds the answer, about 1 MB)
    max_nodes: int = 200  # inputs, constants and operations together

    def public(self) -> dict[str, Any]:
        return asdict(self)


LIMITS = ExplorerLimits()
