"""`WS /api/jobs/{id}/stream`: replay after `since`, then live, closing 1000 after `done`.

Host, Origin, the token and whether this caller may watch this job were checked before the
handshake got here (api/security.py, api/access.py). A viewer who came by a share link is
closed with 4403 the moment the link is revoked or expires; a user's, within
`USER_CHECK_S` of their revocation.

A viewer that stops reading blocks the send of its next frame once the kernel's buffers
are full (the server keeps them small: `api.serving`). While blocked it costs nothing and
misses nothing: the live log keeps every small event and the newest snapshot for it. One
still blocked after `ws_send_timeout_s` is closed with 1008.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, WebSocket

from torchplay.api.access import ShareViewers, caller
from torchplay.api.close_codes import CloseCode
from torchplay.jobs import JobError
from torchplay.people import ADMIN, Accounts

router = APIRouter(tags=["stream"])

# The page offers this subprotocol (with its token as a second one): a browser drops a
# connection whose server picks none of those offered.
SUBPROTOCOL = "torchplay"
MAX_SEQ = 2**63 - 1  # SQLite's largest integer
USER_CHECK_S = 2.0  # a revoked user's streams end within this long


class _Stalled(Exception):
    """The viewer took no frame for the whole send timeout."""


@router.websocket("/api/jobs/{job_id}/stream")
async def stream(websocket: WebSocket, job_id: str) -> None:
    manager = websocket.app.state.manager
    subprotocol = SUBPROTOCOL if SUBPROTOCOL in websocket.scope.get("subprotocols", []) else None
    # Accept before refusing, so the client sees why: a refused handshake carries no reason.
    await websocket.accept(subprotocol)
    since = _since(websocket.query_params.get("since", "0"))
    if since is None:
        await websocket.close(code=CloseCode.POLICY, reason=f"since must be a whole number from 0 to {MAX_SEQ}")
        return
    try:
        job = manager.get(job_id)
    except JobError as exc:
        await websocket.close(code=CloseCode.NO_JOB, reason=str(exc)[:120])
        return
    timeout = websocket.app.state.settings.ws_send_timeout_s
    # Tasks: frames out, the client's side (its close, or oversized messages), and, for a
    # viewer who came by a share link, the link's end (revoked, or expired).
    sender = asyncio.create_task(_send_frames(websocket, manager.frames(job_id, since), timeout))
    listener = asyncio.create_task(_drain_client(websocket))
    tasks = {sender, listener}
    who = caller(websocket.scope)
    viewers: ShareViewers = websocket.app.state.viewers
    links = [] if who.owns(job["owner"]) else [sid for sid, shared in who.shares.items() if shared == job_id]
    ended = [(share_id, viewers.watch(share_id)) for share_id in links]
    accounts: Accounts = websocket.app.state.accounts
    if ended:
        tasks.add(asyncio.create_task(_link_ends(accounts, ended)))
    elif who.name is not None and who.name != ADMIN:  # a user's token: it may be revoked
        tasks.add(asyncio.create_task(_user_revoked(accounts, who.name)))
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for share_id, event in ended:
            viewers.forget(share_id, event)
    for task in pending:
        task.cancel()
    failure = sender.exception() if sender in done and not sender.cancelled() else None
    code, reason = CloseCode.FINISHED, ""
    if not (done & {sender, listener}):
        code, reason = CloseCode.REVOKED, "the share link or user was revoked, or the link has expired"
    elif isinstance(failure, _Stalled):
        code, reason = CloseCode.POLICY, f"not reading: no frame could be sent for {timeout:g} s"
    elif failure is not None or sender not in done:
        code = CloseCode.GOING_AWAY
    with contextlib.suppress(Exception):
        async with asyncio.timeout(timeout):  # a server other than ours may wait on the peer
            await websocket.close(code=code, reason=reason)


async def _link_ends(accounts: Accounts, ended: list[tuple[str, asyncio.Event]]) -> None:
    """Returns when the share link (every one, if the viewer holds several) is revoked or expires."""

    async def one(share_id: str, event: asyncio.Event) -> None:
        share = accounts.share(share_id)
        if share is None:
            return
        wait = None if share.expires_at is None else max(0.0, share.expires_at - time.time())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await event.wait()

    await asyncio.gather(*(one(share_id, event) for share_id, event in ended))


async def _user_revoked(accounts: Accounts, name: str) -> None:
    """Returns once the user is revoked (by `torchplay users revoke`, in another process:
    looked up every USER_CHECK_S)."""
    while accounts.has_user(name):
        await asyncio.sleep(USER_CHECK_S)


def _since(text: str) -> int | None:
    """The `since` cursor, or None if it is not a whole number SQLite can hold."""
    if not re.fullmatch(r"-?[0-9]{1,19}", text) or int(text) > MAX_SEQ:
        return None
    return max(0, int(text))  # a negative cursor means from the start, as 0 does


async def _send_frames(websocket: WebSocket, frames: AsyncIterator[str], timeout: float) -> None:
    async for frame in frames:
        try:
            async with asyncio.timeout(timeout):  # unlike wait_for, no task per send
                await websocket.send_text(frame)
        except TimeoutError:
            raise _Stalled from None


async def _drain_client(websocket: WebSocket) -> None:
    limit = websocket.app.state.settings.max_ws_message_bytes
    with contextlib.suppress(Exception):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if len(message.get("text") or message.get("bytes") or b"") > limit:
                await websocket.close(code=CloseCode.TOO_BIG, reason="message too big")
                return
