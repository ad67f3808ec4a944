"""One private event loop per process for the NATS client.

A nats-py connection belongs to the event loop it was opened on, but Hexad's callers run on many
loops (the worker's, a thread's `asyncio.run`, a test's). Every NATS operation therefore runs on one
daemon thread's loop, and callers await it from wherever they are.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["call", "call_sync", "nats_loop"]

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def nats_loop() -> asyncio.AbstractEventLoop:
    """The private loop, started on first use."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="hexad-nats", daemon=True)
            thread.start()
            _loop = loop
        return _loop


async def call(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` on the private loop and await its result from the caller's loop."""
    loop = nats_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        return await coroutine
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, loop))


def call_sync(coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run `coroutine` on the private loop from synchronous code (never from the private loop)."""
    return asyncio.run_coroutine_threadsafe(coroutine, nats_loop()).result(timeout)
