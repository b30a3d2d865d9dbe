"""Who a request is, and what it may do with the jobs and sweeps it names: decided here,
once, for every /api path, the WebSocket stream included, before any route runs.

- The token (`Authorization: Bearer`, the WebSocket's bearer subprotocol, `?token=`) is
  TORCHPLAY_TOKEN (the admin), a user's, or a share link's. Without one, a server with
  neither a token nor users lets everything through, as a one-person playground on
  loopback always did; any other server answers 401.
- A user who also holds a share link sends it as `X-Torchplay-Share` (or `?share=`).
- Any path `/api/jobs/{id}…` or `/api/sweeps/{id}…` is judged against the job's (sweep's)
  owner, whatever route serves it, so a route added later is covered: someone else's job
  is a 404, exactly as a job that does not exist; a share link may only read the job it
  names (the paths in `SHARED_READS`; exports only if its owner allowed weights). Lists are
  filtered by their routes, which read the caller from `caller(scope)`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import re
import secrets
from collections import defaultdict
from dataclasses import replace
from urllib.parse import parse_qs, unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from torchplay.api.close_codes import CloseCode
from torchplay.api.guards import carried_token, protected, refuse_websocket, reject
from torchplay.jobs import JobError
from torchplay.people import Accounts, Caller, Share

CALLER_KEY = "torchplay.caller"
SHARE_HEADER = b"x-torchplay-share"
SHARE_PROTOCOL_PREFIX = "share."
MAX_EXTRA_SHARES = 20  # a request looks up at most this many links
# What a share link may read of its job: the record, its history, the live stream, and
# what the live page draws. Anything else under the job (controls, one-step, routes added
# later) is refused until listed here.
SHARED_READS = frozenset({"", "metrics", "snapshot", "snapshots", "events", "stream", "internals", "checkpoints"})
SHARED_WEIGHTS = frozenset({"export", "weights"})  # only with allow_weights

_JOB_PATH = re.compile(r"^/api/jobs/([^/]+)(?:/(.*))?$")
_SWEEP_PATH = re.compile(r"^/api/sweeps/([^/]+)(?:/.*)?$")


def caller(scope: Scope) -> Caller:
    """The caller `AccessGuard` found for this request."""
    return scope.get(CALLER_KEY) or Caller(None)  # never reached unguarded: the least, if it were


class AccessGuard:
    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not protected(scope["path"]):
            return await self.app(scope, receive, send)
        state = scope["app"].state
        found = self._identify(scope, state.accounts)
        if found is None:
            if scope["type"] == "websocket":
                return await refuse_websocket(receive, send, "missing or wrong token")
            return await reject(
                send,
                401,
                "missing or wrong token: send 'Authorization: Bearer <token>' (TORCHPLAY_TOKEN, a user's, "
                "or a share link's)",
                [(b"www-authenticate", b"Bearer")],
            )
        scope[CALLER_KEY] = found
        refusal = _refusal(scope, found, state)
        if refusal is None:
            return await self.app(scope, receive, send)
        status, detail = refusal
        if scope["type"] == "websocket":  # as the stream answers for a job that is not there
            return await _close_websocket(
                scope, receive, send, CloseCode.NO_JOB if status == 404 else CloseCode.POLICY, detail
            )
        await reject(send, status, detail)

    def _identify(self, scope: Scope, accounts: Accounts) -> Caller | None:
        token = carried_token(scope)
        found: Caller | None = None
        share = accounts.share_for(token) if token else None
        if share is not None:
            found = Caller(None, shares={share.id: share.job_id}, weights=_weights(share))
        elif token and self.token is not None and secrets.compare_digest(token.encode(), self.token.encode()):
            found = Caller.administrator()
        elif token and (user := accounts.user_for(token)) is not None:
            found = Caller(user[0], admin=user[1])
        elif self.token is None and not accounts.has_users():
            found = Caller.administrator()  # zero-setup: one person, their own machine
        if found is None or found.name is None:
            return found
        for extra in filter(None, map(accounts.share_for, _extra_shares(scope))):
            found = replace(
                found, shares={**found.shares, extra.id: extra.job_id}, weights=found.weights | _weights(extra)
            )
        return found


def _weights(share: Share) -> frozenset[str]:
    return frozenset({share.job_id}) if share.allow_weights else frozenset()


def _extra_shares(scope: Scope) -> list[str]:
    """Share links a user presents beside their token: `X-Torchplay-Share` (comma-separated),
    `?share=`, or the WebSocket subprotocols `share.<base64url(token)>`."""
    headers = dict(scope.get("headers") or [])
    given = headers.get(SHARE_HEADER, b"").decode("latin-1").split(",")
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    given += query.get("share") or []
    for protocol in scope.get("subprotocols") or []:
        if protocol.startswith(SHARE_PROTOCOL_PREFIX):
            encoded = protocol.removeprefix(SHARE_PROTOCOL_PREFIX)
            with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                given.append(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8"))
    return [token.strip() for token in given[:MAX_EXTRA_SHARES] if token.strip()]


def _refusal(scope: Scope, who: Caller, state: object) -> tuple[int, str] | None:
    """(status, detail) for a request this caller may not make, else None."""
    path, method = scope["path"], scope.get("method", "GET")
    reads = scope["type"] == "websocket" or method in ("GET", "HEAD")
    job = _JOB_PATH.match(path)
    if job is not None:
        return _job_refusal(_id_as_sent(scope, job.group(1)), job.group(2) or "", method, reads, who, state)
    sweep = _SWEEP_PATH.match(path)
    if sweep is not None:
        try:
            owner = state.sweeps.owner(sweep.group(1))  # type: ignore[attr-defined]
        except JobError:
            return 404, f"no sweep {sweep.group(1)!r}"  # as for someone else's
        return None if who.owns(owner) else (404, f"no sweep {sweep.group(1)!r}")
    if who.name is None and not reads:
        return 403, "a share link is read-only: it can watch its job, not create or change anything"
    return None


def _id_as_sent(scope: Scope, decoded_id: str) -> str:
    """The job id as the client wrote it: an id holding an escaped `/` (`..%2F..%2Fetc`) is
    judged, and named in the answer, whole, never as the segment before its first slash."""
    raw_path = scope.get("raw_path")
    if not raw_path:
        return decoded_id
    sent = _JOB_PATH.match(raw_path.decode("latin-1"))
    return unquote(sent.group(1)) if sent else decoded_id


def _job_refusal(
    job_id: str, rest: str, method: str, reads: bool, who: Caller, state: object
) -> tuple[int, str] | None:
    try:
        owner = state.manager.stored(job_id, with_request=False)["owner"]  # type: ignore[attr-defined]
    except JobError:
        # Answered here, before the body is read: a route that judged the body first would
        # tell a job that is not there (422) from one that is someone else's (404).
        return 404, f"no job {job_id!r}"
    if who.owns(owner):
        return None
    if not who.sees(job_id, owner):
        return 404, f"no job {job_id!r}"  # the very answer for a job that does not exist
    first = rest.split("/", 1)[0]
    if first == "fork" and method == "POST" and who.name is not None:
        return None  # a user forks what they can see: the new job is theirs
    if reads and first in SHARED_READS:
        return None
    if reads and first in SHARED_WEIGHTS:
        if who.exports_weights(job_id, owner):
            return None
        return 403, f"the share link of job {job_id} does not allow downloading its model (allow_weights)"
    return 403, f"a share link is read-only: it cannot {method} {rest or 'the job'} of job {job_id}"


async def _close_websocket(scope: Scope, receive: Receive, send: Send, code: int, reason: str) -> None:
    """Accept, then close with a reason: a refused handshake carries none."""
    await receive()  # the connect message
    offered = scope.get("subprotocols") or []
    accept: dict[str, object] = {"type": "websocket.accept"}
    if "torchplay" in offered:
        accept["subprotocol"] = "torchplay"
    await send(accept)
    await send({"type": "websocket.close", "code": int(code), "reason": reason[:120]})


class ShareViewers:
    """The streams opened by share links, so that revoking a link ends them at once."""

    def __init__(self) -> None:
        self._ended: dict[str, set[asyncio.Event]] = defaultdict(set)

    def watch(self, share_id: str) -> asyncio.Event:
        """An event set when the link is revoked; `forget` it when the stream ends."""
        ended = asyncio.Event()
        self._ended[share_id].add(ended)
        return ended

    def forget(self, share_id: str, ended: asyncio.Event) -> None:
        viewers = self._ended.get(share_id)
        if viewers is not None:
            viewers.discard(ended)
            if not viewers:
                del self._ended[share_id]

    def revoke(self, share_id: str) -> int:
        """End every stream of this link; how many there were."""
        viewers = self._ended.pop(share_id, set())
        for ended in viewers:
            ended.set()
        return len(viewers)
