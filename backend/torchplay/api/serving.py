"""How `torchplay serve` runs the app under uvicorn: its limits, from the settings, and a
WebSocket protocol that lets the stream drop a viewer who stopped reading.

uvicorn has no timeout for reading a request's headers: a public server belongs behind a
reverse proxy that has one (docs/deployment.md).
"""

from __future__ import annotations

import contextlib
import resource
import socket
from asyncio import BaseTransport
from typing import Any

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from torchplay.settings import Settings

# Unsent bytes the kernel may hold per WebSocket (TCP_NOTSENT_LOWAT). Bytes on the way
# (sent, not yet acknowledged) do not count, so a fast viewer far away is not slowed; but a
# viewer that stops reading holds one receive window plus this, not the ~4 MB the kernel
# would otherwise take in, and the server's next send to it blocks within a few frames.
UNSENT_BYTES = 16 * 2**10
# How long a viewer whose frames are stuck gets to take in its close frame.
CLOSE_GRACE_S = 2.0
# File descriptors kept free beyond max_connections: SQLite, worker pipes, the page's files.
SPARE_FILES = 256


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run` that bound what connections may claim."""
    _allow_open_files(settings.max_connections + SPARE_FILES)
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        # h11 rather than httptools: httptools buffers request headers without any limit.
        "http": "h11",
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "ws": ViewerProtocol,
        "ws_max_size": settings.max_ws_message_bytes,
        "ws_per_message_deflate": settings.ws_compression,
        "ws_ping_interval": settings.ws_ping_interval_s,
        "ws_ping_timeout": settings.ws_ping_timeout_s,
        # WebSockets count too: room for a lecture's viewers and their pages loading.
        "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": settings.keep_alive_s,
    }


def _allow_open_files(wanted: int) -> None:
    """Raise the soft limit on open files towards `wanted` (as far as the hard limit allows),
    so connections up to max_connections get a 503 from uvicorn, not a failed accept()."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class ViewerProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, for viewers that may stop reading.

    A peer that stops reading never takes in a close frame, and an asyncio transport's
    `close()` waits for buffered data to leave: uvicorn's close, its ping timeout and its
    shutdown would each leave such a connection open for good. Here the close frame is
    queued without waiting for room, and a connection whose data still waits for the peer
    CLOSE_GRACE_S later is aborted."""

    def connection_made(self, transport: BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and hasattr(socket, "TCP_NOTSENT_LOWAT"):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NOTSENT_LOWAT, UNSENT_BYTES)

    async def send(self, message: ASGISendEvent) -> None:
        if message["type"] != "websocket.close" or not self.handshake_complete:
            return await super().send(message)
        stuck = not self.writable.is_set()
        self.writable.set()  # nothing is sent after a close: let the close frame join the queue
        await super().send(message)
        if self.close_timer is not None:  # uvicorn's timer closes gracefully, which waits on the peer
            self.close_timer.cancel()
            self.close_timer = self.loop.call_later(CLOSE_GRACE_S if stuck else self.close_timeout, self._drop)

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        self._drop()

    def shutdown(self) -> None:
        super().shutdown()
        self._drop()

    def _drop(self) -> None:
        self.transport.close()
        if self.transport.get_write_buffer_size():  # close() would wait for the peer to read
            self.transport.abort()
