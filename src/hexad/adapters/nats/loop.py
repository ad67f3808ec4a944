"""One event loop per process for the NATS client.

A nats-py connection belongs to the event loop it was opened on, but Hexad's callers run on many
loops (a thread's `asyncio.run`, a test's, a CLI command's). By default every NATS operation runs on
one daemon thread's loop, and callers await it from wherever they are; a process with a single
long-lived loop (a worker) can `adopt_running_loop()` instead and skip the hop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["adopt_running_loop", "call", "call_sync", "nats_loop"]

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


def adopt_running_loop() -> None:
    """Run NATS operations on the calling event loop instead of a thread of their own.

    For a process with one long-lived loop (a worker): it saves a thread hop per operation, which
    costs more than the operation itself on a busy machine (the two threads take turns on the GIL).
    Call it from that loop before the first NATS operation; every other loop must not use NATS then.
    """
    global _loop
    running = asyncio.get_running_loop()
    with _lock:
        if _loop is not None and _loop is not running and not _loop.is_closed():
            raise RuntimeError("NATS operations already run on another event loop in this process")
        _loop = running


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
