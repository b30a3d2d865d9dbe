"""The escaping every user value goes through on its way into an exported script."""

from __future__ import annotations

import ast
import io
import math
import tokenize

import numpy as np
import pytest

from torchplay.export.literals import NonFiniteNumber, comment_text, literal, number

# Every code point (lone surrogates included): all line breaks, quotes, controls, NUL, bidi
# overrides, unassigned and private-use characters.
EVERY_CHARACTER = "".join(map(chr, range(0x110000)))
NASTY = [
    'x"""\nimport os\n"""',
    "x'''\r\nimport os\r\n'''",
    "ends in a backslash\\",
    "\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e\r\n\x00",
    "\u202eevil\u202c # not a comment",
    "\ud800 lone surrogate",
    "",
]


@pytest.mark.parametrize("text", [*NASTY, EVERY_CHARACTER], ids=[*map(ascii, NASTY), "every-character"])
def test_a_string_literal_reads_back_as_the_string(text: str) -> None:
    written = literal(text)
    assert written.isprintable() and len(written.splitlines()) == 1
    assert ast.literal_eval(written) == text
    written.encode("utf-8")  # no lone surrogate left to break the file's encoding


@pytest.mark.parametrize("text", [*NASTY, EVERY_CHARACTER], ids=[*map(ascii, NASTY), "every-character"])
def test_comment_text_cannot_leave_its_comment_or_docstring(text: str) -> None:
    written = comment_text(text)
    assert written.isprintable() and len(written.splitlines()) <= 1
    written.encode("utf-8")
    # In a docstring of either quote style it reads back as the text itself …
    for quote in ('"""', "'''"):
        assert ast.literal_eval(f"{quote}{written}{quote}") == text
    # … and a comment stays one token, with the next line still code.
    tokens = list(tokenize.generate_tokens(io.StringIO(f"# {written}\nx = 1\n").readline))
    assert tokens[0].type == tokenize.COMMENT and tokens[1].type == tokenize.NL
    assert [t.string for t in tokens[2:5]] == ["x", "=", "1"]


def test_numbers_read_back_exactly_and_are_always_finite() -> None:
    for value in [0, -7, 2**80, 0.1, -1e-300, 1e308, float(np.finfo(np.float64).max)]:
        assert ast.literal_eval(number(value)) == value
    small = np.float32(0.1)
    assert number(small) == "0.1" and np.float32(float(number(small))) == small  # float32's shortest digits
    assert number(np.int64(3)) == "3"
    for bad in [math.inf, -math.inf, math.nan, np.float32("inf"), np.float64("nan")]:
        with pytest.raises(NonFiniteNumber):
            number(bad)
    with pytest.raises(TypeError):
        number(True)


def test_literals_of_nested_values() -> None:
    value = {"a": [1, 2.5, None, True, "x'\"\n"], "b": (3,), "c": ()}
    written = literal(value)
    assert ast.literal_eval(written) == value
    assert literal((3,)) == "(3,)" and literal([0.5, "no"]) == "[0.5, 'no']"
    with pytest.raises(NonFiniteNumber):
        literal([1.0, math.inf])
    with pytest.raises(TypeError):
        literal(object())
