"""What a browser may ask of the server, decided in one place for every path (the page,
/api, /docs, the WebSocket), and the headers every answer carries.

- `Host` must be a name this server answers to. A foreign name that a DNS server
  re-resolves to 127.0.0.1 is same-origin with itself (DNS rebinding): only the name
  tells such a request apart.
- A WebSocket, and any request that may change state, coming from a foreign `Origin` or
  marked `Sec-Fetch-Site: cross-site` is refused: browsers send forms and "simple"
  requests to any site without a CORS preflight. Requests without an `Origin` (curl, the
  CLI, scripts) are judged by the token alone.
- A body sent to /api is JSON (the CSV upload: a multipart form), which an HTML form on
  another site cannot send.
- Answers forbid MIME sniffing, framing, foreign or inline scripts and the `Referer`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from torchplay.api.guards import is_upload, refuse_websocket, reject
from torchplay.settings import Settings

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# The page runs only its own module scripts and the vendored Plotly bundle. Plotly sets
# inline styles and adds <style> rules as it draws, hence 'unsafe-inline' for styles only;
# heatmaps are drawn as data: images; the stream is a same-origin WebSocket ('self').
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# FastAPI's /docs and /redoc pages load their viewer from a CDN and start it with an
# inline script holding nothing but the schema's URL.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
    (b"referrer-policy", b"no-referrer"),  # a URL never leaves the page in a Referer
]


def _split_host(value: str) -> tuple[str, str | None] | None:
    """`name[:port]` → (lower-case name, port or None); IPv6 literals keep their brackets.
    None for anything that is not a host."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        name, rest = value[: end + 1], value[end + 1 :]
        if end < 0 or (rest and not rest.startswith(":")):
            return None
        port = rest[1:] if rest else None
    elif value.count(":") == 1:
        name, port = value.split(":")
    elif ":" in value:  # a bare IPv6 literal
        name, port = f"[{value}]", None
    else:
        name, port = value, None
    if not name or (port is not None and not port.isdigit()):
        return None
    return name, port


def _is_loopback(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class BrowserPolicy:
    """The Host names and page origins this server answers to."""

    names: frozenset[str]  # with any port
    name_ports: frozenset[tuple[str, str]]  # with exactly this port
    origins: frozenset[str]  # beyond the request's own
    any_host: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> BrowserPolicy:
        names: set[str] = set()
        name_ports: set[tuple[str, str]] = set()
        bound = [] if settings.binds_every_address else [settings.host]
        for entry in [*bound, *settings.allowed_hosts]:
            host = _split_host(entry)
            if host is None:
                continue
            if host[1] is None:
                names.add(host[0])
            else:
                name_ports.add((host[0], host[1]))
        return cls(
            frozenset(names),
            frozenset(name_ports),
            frozenset(origin.strip().lower().rstrip("/") for origin in settings.allowed_origins),
            any_host="*" in names,
        )

    def allows_host(self, value: str) -> bool:
        host = _split_host(value)
        if host is None:
            return False
        name, port = host
        return (
            self.any_host
            or _is_loopback(name)
            or name in self.names
            or (port is not None and (name, port) in self.name_ports)
        )

    def allows_origin(self, origin: str, host: str) -> bool:
        """The page's own origin (the one whose address names this very Host), or a listed one."""
        origin = origin.strip().lower().rstrip("/")
        scheme, separator, netloc = origin.partition("://")
        own = bool(separator) and scheme in ("http", "https") and netloc == host.strip().lower()
        return own or origin in self.origins


class BrowserGuard:
    """Host, Origin and body-type checks, then the security headers on every answer."""

    def __init__(self, app: ASGIApp, policy: BrowserPolicy) -> None:
        self.app, self.policy = app, policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        refusal = self._refusal(scope)
        if refusal is not None and scope["type"] == "websocket":
            return await refuse_websocket(receive, send, refusal[1])
        policy = DOCS_POLICY if scope["path"].startswith(("/docs", "/redoc")) else PAGE_POLICY
        headers = [*COMMON_HEADERS, (b"content-security-policy", policy.encode())]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        if refusal is not None:
            return await reject(send_with_headers, *refusal)
        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        """(status, message) for a request to refuse, else None."""
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers") or []}
        host = headers.get("host", "")
        if not self.policy.allows_host(host):
            name = (_split_host(host) or ("the name",))[0][:100]
            return 400, (
                f"Host {host[:100]!r} is not served here: only loopback names, the bound host and "
                f"TORCHPLAY_ALLOWED_HOSTS are (to serve it, e.g. behind a proxy, add {name} there)"
            )
        origin = headers.get("origin")
        changes_state = scope["type"] == "websocket" or scope["method"] in STATE_CHANGING
        if not changes_state:
            return None
        if origin is not None and not self.policy.allows_origin(origin, host):
            return 403, (
                f"cross-origin request refused: Origin {origin[:100]!r} is not this server's page "
                "(add it to TORCHPLAY_ALLOWED_ORIGINS to allow it)"
            )
        if headers.get("sec-fetch-site") == "cross-site":
            return 403, "cross-site request refused (Sec-Fetch-Site: cross-site)"
        if scope["type"] == "http" and scope["path"].startswith("/api") and _has_body(headers):
            return _wrong_body_type(scope, headers.get("content-type", ""))
        return None


def _has_body(headers: dict[str, str]) -> bool:
    return headers.get("content-length", "0").strip() not in ("", "0") or "transfer-encoding" in headers


def _wrong_body_type(scope: Scope, content_type: str) -> tuple[int, str] | None:
    expected = "multipart/form-data" if is_upload(scope) else "application/json"
    given = content_type.split(";", 1)[0].strip().lower()
    if given == expected:
        return None
    what = "the upload is a form" if is_upload(scope) else "this route reads JSON"
    return 415, f"{what}: send the body with 'Content-Type: {expected}' (got {content_type[:100]!r})"
