"""ASGI guards in front of every route: the body-size limit, methods, the nesting of JSON
bodies, and where a request carries its token (who it is and what it may do are
`access.py`'s).

They are middleware rather than dependencies so nothing, not a 404 nor a WebSocket
handshake nor a static file under /api, slips past them. What a browser may ask (Host,
Origin, body types) is `security.py`'s.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any
from urllib.parse import parse_qs

from starlette.routing import Match, Mount, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from torchplay.api.close_codes import CloseCode

# Browsers cannot set headers on a WebSocket: the page offers the token as the subprotocol
# `bearer.<base64url(token)>` next to the stream's own, so it never appears in a URL.
BEARER_PROTOCOL_PREFIX = "bearer."


def is_upload(scope: Scope) -> bool:
    """The CSV upload: the one route whose body is a multipart form, with its own size limit."""
    return scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/api/datasets"


async def reject(send: Send, status: int, detail: Any, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def refuse_websocket(receive: Receive, send: Send, reason: str) -> None:
    """Refuse the handshake (the client sees HTTP 403; browsers show no reason)."""
    await receive()  # the connect message
    await send({"type": "websocket.close", "code": CloseCode.POLICY, "reason": reason[:120]})


def carried_token(scope: Scope) -> str:
    """`Authorization: Bearer`, else the WebSocket's bearer subprotocol, else `?token=` (scripts)."""
    headers = dict(scope.get("headers") or [])
    given = headers.get(b"authorization", b"").decode("latin-1")
    if given.lower().startswith("bearer "):
        return given[7:].strip()
    for protocol in scope.get("subprotocols") or []:
        if protocol.startswith(BEARER_PROTOCOL_PREFIX):
            encoded = protocol.removeprefix(BEARER_PROTOCOL_PREFIX)
            try:
                return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return ""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return (query.get("token") or [""])[0]


def protected(path: str) -> bool:
    return (
        path.startswith("/api") or path.startswith("/docs") or path.startswith("/openapi") or path.startswith("/redoc")
    )


class BodyLimit:
    """413 for bodies over the limit, counted while they stream in (not after)."""

    def __init__(self, app: ASGIApp, max_body: int, max_upload: int) -> None:
        self.app, self.max_body, self.max_upload = app, max_body, max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit, name = (self.max_upload, "max_upload_bytes") if is_upload(scope) else (self.max_body, "max_body_bytes")
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await reject(
                send, 413, f"request body of {int(declared):,} bytes is over the limit {name}={limit:,}"
            )
        received = 0
        started = refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not started:
                    # Answer now and tell the app the client left: it stops reading.
                    refused = True
                    await reject(send, 413, f"request body is over the limit {name}={limit:,}")
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, guarded_send)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class AllowedMethods:
    """A wrong method on an /api path gets 405 with a true `Allow` header; an /api path
    that names no route gets a JSON 404 that says so.

    Without this, the page's catch-all static mount at `/` would take the request and
    answer as a file server would, naming methods the API path does not have."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app, self.router = app, router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api"):
            return await self.app(scope, receive, send)
        routes = [route for route in self.router.routes if not isinstance(route, Mount)]
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        found = {route.matches({**scope, "method": method})[0] for route in routes}
        if Match.FULL in found:
            return await self.app(scope, receive, send)
        if Match.PARTIAL not in found:  # never hand an /api path to the page's static files
            return await reject(send, 404, f"no API route {scope['path'][:200]!r}")
        # Ask the router itself which methods this path takes (works however routes nest).
        allowed = {
            other
            for other in _METHODS
            if any(route.matches({**scope, "method": other})[0] == Match.FULL for route in routes)
        }
        methods = ", ".join(sorted(allowed))
        await reject(send, 405, f"{scope['method']} is not allowed here; use {methods}", [(b"allow", methods.encode())])


class JsonDepth:
    """422 for a body whose JSON nests deeper than max_json_depth, before anything parses it.

    Python's JSON parser, pydantic's validation and serialisation and the shape planner each
    recurse once per level: far enough down, one of them fails with a RecursionError."""

    def __init__(self, app: ASGIApp, max_depth: int) -> None:
        self.app, self.max_depth = app, max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_upload(scope):  # a form's fields are not parsed as JSON
            return await self.app(scope, receive, send)
        chunks: list[bytes] = []
        message = await receive()
        while message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
            message = await receive()
        if message["type"] == "http.request":
            body = b"".join(chunks)
            if nests_deeper(body, self.max_depth):
                return await reject(send, 422, [too_deep(("body",), self.max_depth)])
            message = {"type": "http.request", "body": body, "more_body": False}
        pending: list[Message] = [message]

        async def replay() -> Message:
            return pending.pop() if pending else await receive()

        await self.app(scope, replay, send)


def too_deep(loc: tuple[str, ...], limit: int) -> dict[str, Any]:
    """The 422 error item for JSON nested over the limit."""
    return {"loc": list(loc), "msg": f"JSON nested deeper than max_json_depth={limit}", "type": "json_too_deep"}


_ESCAPES = (b"\\\\", b'\\"')  # in this order: in `\\"` the quote ends the string
_MARKS = b'[]{}"'
_NOT_MARKS = bytes(b for b in range(256) if b not in _MARKS)
_STRING = re.compile(rb'"[^"]*"')
_ROUND = bytes.maketrans(b"[]{}", b"()()")


def nests_deeper(text: bytes, limit: int) -> bool:
    """Whether the JSON `text` nests arrays and objects more than `limit` deep.

    A scan rather than a parse: linear in C (bytes methods), so a 10 MB body takes a few
    tens of milliseconds. Text that is not JSON gets an answer too; its parse fails anyway."""
    if text.count(b"[") + text.count(b"{") <= limit:
        return False
    for escape in _ESCAPES:  # after this every quote opens or closes a string
        text = text.replace(escape, b"")
    # Keep brackets and quotes. A string holding no brackets is then "", and goes; a "" that
    # is a key's closing quote and its value's opening one merges the two strings, whose
    # brackets stay inside. The strings left (holding brackets) go by pattern.
    marks = text.translate(None, _NOT_MARKS).replace(b'""', b"")
    if b'"' in marks:
        marks = _STRING.sub(b"", marks)
    brackets = marks.translate(_ROUND)
    # Each pass takes away the innermost level; a run of openers answers early.
    for level in range(limit):
        if b"(" * (limit + 1 - level) in brackets:
            return True
        shorter = brackets.replace(b"()", b"")
        if shorter == brackets:
            return False
        brackets = shorter
    return b"()" in brackets
