"""The JSON nesting scan against the true depth of what Python's parser builds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from torchplay.api.guards import nests_deeper


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


# Strings full of what could fool a scan: brackets, quotes, backslashes, escapes.
tricky_text = st.text(alphabet='[]{}"\\,:ab\n\u00e9', max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner, max_size=4),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(value=json_values, limit=st.integers(min_value=1, max_value=8), ascii_only=st.booleans())
def test_scan_agrees_with_the_parsed_depth(value: Any, limit: int, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert nests_deeper(text, limit) == (depth(value) > limit)


@pytest.mark.parametrize(
    ("text", "limit", "deeper"),
    [
        (b"[" * 64 + b"]" * 64, 64, False),
        (b"[" * 65 + b"]" * 65, 64, True),
        (b'{"a":' * 65 + b"1" + b"}" * 65, 64, True),
        (b'["' + b"[" * 100 + b'"]', 2, False),  # brackets inside a string
        (b'["\\\\", [[]]]', 2, True),  # an escaped backslash, then the quote does end the string
        (b'["\\"[[[", []]', 2, False),  # an escaped quote: the brackets after it are in the string
        (b"[[],[[],[[],[[]]]]]", 4, True),  # deep without a long run of openers
        (b"[" + b"[]," * 1000 + b"[]]", 2, False),
    ],
)
def test_scan_on_crafted_text(text: bytes, limit: int, deeper: bool) -> None:
    assert nests_deeper(text, limit) is deeper
