"""The API's analysis cache: one build per name until an import is archived, the TTL passes or eviction."""

import asyncio
import threading
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


def test_an_expired_result_is_served_while_it_is_rebuilt(app: FastAPI) -> None:
    cache, _ = _cache(app)
    release = threading.Event()
    builds = iter([1, 2])

    def build(frames: FrameSource, reference: date) -> int:
        value = next(builds)
        if value == 2:
            release.wait(10)
        return value

    async def scenario() -> tuple[int, int, int]:
        first = await cache.get("x", build)
        app.state.clock.advance(61)
        rebuilding = asyncio.create_task(cache.get("x", build))
        while not cache._locks["x"].locked():
            await asyncio.sleep(0.01)
        meanwhile = await cache.get("x", build)
        release.set()
        return first, meanwhile, await rebuilding

    assert asyncio.run(scenario()) == (1, 1, 2)
