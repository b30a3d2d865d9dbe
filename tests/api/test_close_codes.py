"""The stream's close codes are one table on each side, and the two tables agree."""

from __future__ import annotations

import re
from pathlib import Path

from torchplay.api.close_codes import CloseCode

PAGE_TABLE = Path(__file__).resolve().parents[2] / "frontend" / "js" / "lib" / "close-codes.js"


def test_the_page_names_the_same_codes_as_the_server() -> None:
    text = PAGE_TABLE.read_text()
    table = text[text.index("Object.freeze({") : text.index("});")]
    page = {name: int(code) for name, code in re.findall(r"\b([A-Z_]+): (\d+)", table)}
    assert page == {code.name: code.value for code in CloseCode}
