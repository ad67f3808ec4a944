"""`data.imported` events: one per entity after an import commits, published on the event bus.

Entries use the EventBridge `PutEvents` shape and go out in batches of at most 10 (the PutEvents
limit). Publishing happens after the commit, so a failure cannot undo the import; it is reported on
the `ImportReport` (`event_error`) instead, and the CLI prints it as a warning.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hexad.config import Settings
from hexad.errors import HexadError

__all__ = ["BATCH", "Publish", "bus_publisher", "imported_events", "publish_events"]

Publish = Callable[[list[dict[str, Any]]], Any]
BATCH = 10


def imported_events(counts: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One `data.imported` entry per entity (`counts`: entity -> `EntityCounts`)."""
    return [
        {
            "Source": "hexad.ingest",
            "DetailType": "data.imported",
            "Detail": {
                "entity": entity,
                "inserted": c.inserted,
                "updated": c.updated,
                "unchanged": c.unchanged,
                "files": c.files,
            },
        }
        for entity, c in counts.items()
    ]


def bus_publisher(settings: Settings) -> Publish:
    """`put_events` of the process's event bus (`hexad.wiring.event_bus`)."""
    from hexad.wiring import event_bus  # late: the composition root builds the runtime only when needed

    return event_bus(settings).put_events


def publish_events(publish: Publish, events: list[dict[str, Any]]) -> str | None:
    """Publish in batches; returns None, or what went wrong (failed entries or the error raised)."""
    failed = 0
    for start in range(0, len(events), BATCH):
        try:
            result = _resolve(publish(events[start : start + BATCH]))
        except HexadError as exc:
            return f"data.imported events not published: {exc}"
        failed += int(getattr(result, "failed_entry_count", 0) or 0)
    return f"{failed} data.imported event(s) were refused by the bus" if failed else None


def _resolve(result: Any) -> Any:
    """The value of `result`, awaiting it when `publish` was a coroutine function."""
    if not inspect.isawaitable(result):
        return result
    coroutine = _await(result)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:  # called from async code: run beside its loop
        return pool.submit(asyncio.run, coroutine).result()


def _await(awaitable: Any) -> Coroutine[Any, Any, Any]:
    async def wait() -> Any:
        return await awaitable

    return wait()
