"""The API's analysis cache: one build per name until an import is archived, the TTL passes or eviction."""

import asyncio
from datetime import date

from fastapi import FastAPI

from hexad.agents.base import FrameSource
from hexad.api.routers.analysis import MAX_RESULTS, AnalysisCache


def _cache(app: FastAPI) -> tuple[AnalysisCache, list[date]]:
    state = app.state
    return AnalysisCache(state.settings, state.bus, state.clock, ttl_seconds=60), []


def test_results_are_reused_until_ttl_or_an_import(app: FastAPI) -> None:
    cache, calls = _cache(app)

    def build(frames: FrameSource, reference: date) -> int:
        calls.append(reference)
        return len(calls)

    async def scenario() -> list[int]:
        seen = [await cache.get("x", build), await cache.get("x", build)]
        app.state.clock.advance(61)
        seen.append(await cache.get("x", build))
        other = {"Source": "hexad.test", "DetailType": "other.thing", "Detail": {}}
        await app.state.bus.put_events([other])
        seen.append(await cache.get("x", build))
        imported = {"Source": "hexad.ingest", "DetailType": "data.imported", "Detail": {"entity": "clients"}}
        await app.state.bus.put_events([imported])
        seen.append(await cache.get("x", build))
        return seen

    assert asyncio.run(scenario()) == [1, 1, 2, 2, 3]
    assert cache.builds == {"x": 3}
    assert calls[0] <= app.state.clock.now().date()


def test_results_stay_bounded(app: FastAPI) -> None:
    cache, _ = _cache(app)

    async def scenario() -> None:
        for n in range(MAX_RESULTS + 5):
            app.state.clock.advance(0.01)
            await cache.get(f"key-{n}", lambda frames, reference, value=n: value)
        await cache.get("key-0", lambda frames, reference: -1)

    asyncio.run(scenario())
    assert cache.builds["key-0"] == 2 and cache.builds[f"key-{MAX_RESULTS + 4}"] == 1
