"""A request the job's state does not allow."""

from __future__ import annotations


class JobError(Exception):
    """Refused by the job manager (→ 404 / 409 / 429 in the API)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
