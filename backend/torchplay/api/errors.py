"""The error body every 4xx shares, declared once so the OpenAPI tells the truth about it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    detail: str | list[dict[str, Any]] = Field(
        description="What was wrong: a sentence, or a list of {loc, msg, type} naming each bad field."
    )


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# Answers any route may give before or around its own logic (guards, body parsing).
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("The body could not be parsed, or the Host is not one this server answers to."),
    401: _error("Missing or wrong token (only when TORCHPLAY_TOKEN is set)."),
    403: _error("A cross-site request: a foreign Origin, or Sec-Fetch-Site: cross-site."),
    413: _error("The body is over max_body_bytes (max_upload_bytes for uploads)."),
    415: _error("The body is not of the type the route reads (application/json; multipart/form-data for uploads)."),
}
# Answers of routes that name a job or dataset, or whose state may forbid the request.
STATE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: _error("No such job or dataset."),
    409: _error("The job's state (or the dataset's availability) does not allow this now."),
    429: _error("Too many jobs queued (max_queued_jobs)."),
}
