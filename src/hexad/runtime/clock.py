"""Time as a dependency, so that visibility timeouts, delays, schedules and waits are testable.

`SystemClock` is the real thing. `ManualClock` only moves when a test calls `advance`, waking every
`sleep` whose deadline has passed, so a test of a 14-day retention or a 90-day reminder takes no time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """A source of wall-clock time and a way to wait for it."""

    def time(self) -> float:
        """Seconds since the Unix epoch."""
        ...

    def now(self) -> datetime:
        """The current time as an aware UTC datetime."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return after `seconds` have passed on this clock."""
        ...


class SystemClock:
    """The machine's clock."""

    def time(self) -> float:
        return time.time()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that stands still until `advance` or `set` moves it."""

    def __init__(self, start: float | datetime = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self._now

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now, UTC)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        await future

    def advance(self, seconds: float) -> None:
        """Move time forward and wake the sleepers that are due."""
        self.set(self._now + seconds)

    def set(self, when: float | datetime) -> None:
        """Jump to an absolute time (never backwards)."""
        target = when.timestamp() if isinstance(when, datetime) else float(when)
        if target < self._now:
            raise ValueError(f"a ManualClock cannot go back in time ({target} < {self._now})")
        self._now = target
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
