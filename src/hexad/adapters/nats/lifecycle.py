"""Open a NATS-backed store once, on first use, and run its operations on the NATS loop.

Every operation of a NATS store may be the first: concurrent first calls share one opening, a failed
opening is tried again by the next call, and each operation hops to the private NATS loop
(`hexad.adapters.nats.loop`) with the store opened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from hexad.adapters.nats.loop import call, call_sync

__all__ = ["OpenOnce"]


class OpenOnce:
    """`open_` on first use, `close` at the end; `started` says whether it is open."""

    def __init__(self, open_: Callable[[], Awaitable[None]], close: Callable[[], Awaitable[None]]) -> None:
        self._open = open_
        self._close = close
        self.started = False
        self._starting: asyncio.Future[None] | None = None

    async def start(self) -> None:
        if not self.started:
            await call(self._start())

    async def run(self, operation: Callable[[], Awaitable[Any]]) -> Any:
        """`operation()` on the NATS loop, once the store is open."""

        async def run() -> Any:
            await self._start()
            return await operation()

        return await call(run())

    async def close(self) -> None:
        if self.started:
            await call(self._shut())

    def close_sync(self) -> None:
        if self.started:
            call_sync(self._shut(), 10)

    async def _start(self) -> None:
        if self.started:
            return
        if self._starting is None:  # concurrent first calls share one opening
            self._starting = asyncio.ensure_future(self._open())
        try:
            await asyncio.shield(self._starting)
        except BaseException:
            self._starting = None  # a later call tries again
            raise
        self.started = True

    async def _shut(self) -> None:
        self.started, self._starting = False, None
        await self._close()
