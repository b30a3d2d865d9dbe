"""`WS /api/jobs/{id}/stream`: replay after `since`, then live, closing 1000 after `done`.

Host, Origin and the token were checked before the handshake got here (api/security.py,
api/guards.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import APIRouter, WebSocket

from torchplay.api.close_codes import CloseCode
from torchplay.jobs import JobError

router = APIRouter(tags=["stream"])

SEND_TIMEOUT_S = 10.0  # a viewer that stops reading for this long is dropped
# The page offers this subprotocol (with its token as a second one): a browser drops a
# connection whose server picks none of those offered.
SUBPROTOCOL = "torchplay"


@router.websocket("/api/jobs/{job_id}/stream")
async def stream(websocket: WebSocket, job_id: str, since: int = 0) -> None:
    manager = websocket.app.state.manager
    subprotocol = SUBPROTOCOL if SUBPROTOCOL in websocket.scope.get("subprotocols", []) else None
    try:
        manager.get(job_id)
    except JobError as exc:
        # Accept first so the client sees why: a refused handshake carries no reason.
        await websocket.accept(subprotocol)
        await websocket.close(code=CloseCode.NO_JOB, reason=str(exc)[:120])
        return
    await websocket.accept(subprotocol)
    # Two tasks: frames out, and the client's side (its close, or oversized messages).
    sender = asyncio.create_task(_send_frames(websocket, manager.frames(job_id, max(0, since))))
    listener = asyncio.create_task(_drain_client(websocket))
    done, pending = await asyncio.wait({sender, listener}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    finished = sender in done and not sender.cancelled() and sender.exception() is None
    with contextlib.suppress(Exception):
        await websocket.close(code=CloseCode.FINISHED if finished else CloseCode.GOING_AWAY)


async def _send_frames(websocket: WebSocket, frames: AsyncIterator[str]) -> None:
    async for frame in frames:
        async with asyncio.timeout(SEND_TIMEOUT_S):  # unlike wait_for, no task per send
            await websocket.send_text(frame)


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
