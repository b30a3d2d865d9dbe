"""WebSocket close codes of the job stream, named once (the page's twin: frontend/js/lib/close-codes.js)."""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    FINISHED = 1000  # the job is done and every event was sent
    GOING_AWAY = 1001  # the stream ends early: the server shuts down, or the connection broke
    POLICY = 1008  # refused: a wrong token, another site's page, a bad `since`, a viewer not reading
    TOO_BIG = 1009  # the viewer sent a message over max_ws_message_bytes
    REVOKED = 4403  # the share link (or user) this viewer came by was revoked, or the link expired
    NO_JOB = 4404  # no such job: reconnecting will not help
