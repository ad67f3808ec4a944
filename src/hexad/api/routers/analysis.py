"""A per-app cache of the agents' analyses (profitability, licence reconciliation, spend vs budget).

Each analysis reads whole entities from the domain database, far too slow per request, so the app
keeps each result until a `data.imported` event newer than the last build appears in the bus archive
(an import in any process archives one; every result is dropped then) or until it is older than
`ttl_seconds`. A build runs in a worker thread over one cached `frames_from_database` source, and
`reference_date` is "today" for the analysis as the agents define it (`reference_date_of`, never
after the app clock's date).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from fastapi import Request

from hexad.agents.base import FrameSource
from hexad.agents.frames import frames_from_database
from hexad.agents.service import reference_date_of
from hexad.config import Settings
from hexad.runtime.bus import EventBus
from hexad.runtime.clock import Clock

__all__ = ["MAX_RESULTS", "AnalysisCache", "Build", "analysis_cache"]

T = TypeVar("T")
Build = Callable[[FrameSource, date], T]
_SCAN_PAGE = 500
MAX_RESULTS = 64  # results keyed by request parameters (a client's plan, a day's routes) stay bounded


class AnalysisCache:
    """Results of named analyses, rebuilt on a newer import or after `ttl_seconds`.

    While a result past its TTL is rebuilt, other callers get the previous one instead of waiting; after
    an import everyone waits for the new build, since the old one describes data that changed.
    """

    def __init__(self, settings: Settings, bus: EventBus, clock: Clock, ttl_seconds: float = 60.0) -> None:
        self._settings, self._bus, self._clock, self._ttl = settings, bus, clock, ttl_seconds
        self._results: dict[str, tuple[float, int, Any]] = {}
        self._generation = 0  # bumped on every import seen; a result built before it is stale
        self._seen_sequence: int | None = None
        self._locks: dict[str, asyncio.Lock] = {}  # one per name: a long solve never holds up the rest
        self.builds: dict[str, int] = {}

    async def get(self, name: str, build: Build[T]) -> T:
        """The result of `build` under `name`, rebuilt first when stale."""
        await self._drop_if_imported()
        found = self._fresh(name)
        if found is not None:
            return found[2]  # type: ignore[no-any-return]
        lock = self._locks.setdefault(name, asyncio.Lock())
        expired = self._results.get(name)
        if lock.locked() and expired is not None and expired[1] == self._generation:
            return expired[2]  # type: ignore[no-any-return]  # past its TTL, being rebuilt: no one waits
        async with lock:
            found = self._fresh(name)
            if found is None:
                if self._seen_sequence is None:
                    self._seen_sequence = await self._bus.store.last_sequence("default")
                started, generation = self._clock.time(), self._generation
                found = (started, generation, await asyncio.to_thread(self._build, build))
                self._results[name] = found
                self._evict()
                self.builds[name] = self.builds.get(name, 0) + 1
            return found[2]  # type: ignore[no-any-return]

    def _evict(self) -> None:
        while len(self._results) > MAX_RESULTS:
            oldest = min(self._results, key=lambda key: self._results[key][0])
            del self._results[oldest]
            self._locks.pop(oldest, None)

    def _fresh(self, name: str) -> tuple[float, int, Any] | None:
        found = self._results.get(name)
        if found is None or found[1] != self._generation or self._clock.time() - found[0] >= self._ttl:
            return None
        return found

    async def _drop_if_imported(self) -> None:
        """Forget every result when an import was archived since the last look."""
        if self._seen_sequence is None:
            return
        while page := await self._bus.archived_after("default", self._seen_sequence, _SCAN_PAGE):
            self._seen_sequence = page[-1].sequence
            if any(item.event.detail_type == "data.imported" for item in page):
                self._generation += 1

    def _build(self, build: Build[T]) -> T:
        source = frames_from_database(self._settings)
        today = datetime.fromtimestamp(self._clock.time(), UTC).date()
        return build(source, reference_date_of(source, today))


def analysis_cache(request: Request) -> AnalysisCache:
    """The app's cache, made on first use."""
    state = request.app.state
    cache: AnalysisCache | None = getattr(state, "analysis", None)
    if cache is None:
        cache = AnalysisCache(state.settings, state.bus, state.clock)
        state.analysis = cache
    return cache
