"""Values written into generated Python source: nothing a user typed can become code.

An exported script holds text from requests and uploads (job names, CSV titles, column
names, class labels). Every such value is written through one of these functions:
`literal` for values the script computes with, `comment_text` for text inside a comment
or a docstring, `markdown_text` for a notebook's markdown cells. All give only printable
characters, so the script's lines are the lines its generator wrote, whatever the input.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# Written as their escapes: text inside a comment or a docstring can neither close the
# docstring nor start a line. Every other character that is not printable is escaped too:
# all that str.splitlines() breaks at (\v, \f, \x1c-\x1e, \x85, U+2028, U+2029), NUL and
# other controls, bidirectional overrides, lone surrogates (which UTF-8 cannot hold).
_QUOTED = {"\\": "\\\\", '"': '\\"', "'": "\\'"}


class NonFiniteNumber(ValueError):
    """A number the script would have to write as `inf` or `nan`, which Python reads as names."""


def literal(value: Any) -> str:
    """A Python expression equal to `value`: None, a bool, a number, a str, or a list, tuple
    or dict of these. Strings are `repr`s (valid for any str); numbers are `number`s."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return repr(None if value is None else bool(value))
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return number(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(literal, value)) + "]"
    if isinstance(value, tuple):
        items = ", ".join(map(literal, value))
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Python literal for a {type(value).__name__}")


def number(value: int | float | np.integer | np.floating) -> str:
    """A finite number as a literal that reads back exactly: float32 values in their shortest
    float32 digits, other floats as `repr`. Refuses infinities and NaN (`NonFiniteNumber`)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("a bool is not a number here")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if not math.isfinite(value):
        raise NonFiniteNumber(f"{value} cannot be written as a Python number")
    if isinstance(value, np.floating) and value.dtype != np.float64:
        return np.format_float_positional(value, unique=True, trim="-")
    return repr(float(value))


def comment_text(text: str) -> str:
    """`text` for a comment or a docstring: one line of printable characters in which every
    quote, backslash and unprintable character is written as its string-literal escape, so a
    docstring still reads as `text` and a comment cannot end early."""
    return "".join(_QUOTED.get(ch) or (ch if ch.isprintable() else _escape(ch)) for ch in text)


# Characters markdown (and Jupyter's MathJax: `$`) gives a meaning, escaped with a backslash;
# HTML's own as entities, so no tag, link, image or formula can come from a name.
_MARKDOWN = frozenset("\\`*_{}[]()#+-.!|~$:")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def markdown_text(text: str) -> str:
    """`text` for a markdown cell: shown as written, one line, never markup (no HTML, links,
    emphasis, headings or formulas); unprintable characters as their escapes."""
    return "".join(
        _HTML.get(ch) or ("\\" + ch if ch in _MARKDOWN else ch if ch.isprintable() else "\\" + _escape(ch))
        for ch in text
    )


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
