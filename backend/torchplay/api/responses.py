"""Answers sent as they are stored."""

from __future__ import annotations

from fastapi import Response


class JSONText(Response):
    """JSON that is already text (stored events): sent without parsing and re-encoding.
    The route's `response_model` still documents it."""

    media_type = "application/json"


def json_array(items: list[str]) -> JSONText:
    return JSONText("[" + ",".join(items) + "]")
