"""Coroutines run to the end on an event loop of their own, in a thread of their own: a
session-wide fixture (Playwright's sync API) may own the test thread's loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(scenario: Callable[[], Coroutine[Any, Any, T]], timeout: float) -> T:
    """`asyncio.run(scenario())` in a new thread; its result, or what it raised."""
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(scenario()))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"the scenario did not finish within {timeout:g} s"
    if failure:
        raise failure[0]
    return result[0]
