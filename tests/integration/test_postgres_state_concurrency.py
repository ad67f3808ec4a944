"""The PostgreSQL state store under real parallelism: threads, each with its own pool.

The conformance suite interleaves stores on one event loop; here writers run at the same time on
separate connections, so version checks race inside the server, and transactions over the same keys
in opposite orders must neither deadlock nor lose an update.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from hexad.adapters.postgres.state import PostgresStateStore
from hexad.errors import ConflictError
from hexad.ports.state import StatePut
from hexad.runtime.clock import ManualClock
from tests.support.postgres import PostgresSchema, postgres_schema

pytestmark = pytest.mark.postgres


def run_in_threads(count: int, work: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=work, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def store(schema: PostgresSchema) -> PostgresStateStore:
    return PostgresStateStore(schema.database(), ManualClock())


async def add_one(state: PostgresStateStore, keys: list[str]) -> None:
    """Increment every key in one transaction, retrying on a conflict."""
    while True:
        read = [await state.get(key) for key in keys]
        puts = [
            StatePut(key, (value or 0) + 1, version) for key, (value, version) in zip(keys, read, strict=True)
        ]
        try:
            await state.transact(puts)
            return
        except ConflictError:
            continue


def test_parallel_writers_lose_no_update_and_never_deadlock(request: pytest.FixtureRequest) -> None:
    schema = postgres_schema(request)
    store(schema)  # creates the table before the threads start

    def work(index: int) -> None:
        async def run() -> None:
            state = store(schema)
            keys = ["a", "b"] if index % 2 else ["b", "a"]  # opposite orders
            for _ in range(15):
                await add_one(state, keys)

        asyncio.run(run())

    run_in_threads(4, work)
    final = asyncio.run(_read(store(schema), ["a", "b"]))
    assert final == [60, 60]


def test_only_one_of_many_parallel_creates_wins(request: pytest.FixtureRequest) -> None:
    schema = postgres_schema(request)
    store(schema)
    winners: list[int] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        async def run() -> None:
            try:
                await store(schema).put("leader", index, expected_version=0)
            except ConflictError:
                return
            with lock:
                winners.append(index)

        asyncio.run(run())

    run_in_threads(6, work)
    assert len(winners) == 1
    assert asyncio.run(store(schema).get("leader")) == (winners[0], 1)


async def _read(state: PostgresStateStore, keys: list[str]) -> list[object]:
    return [(await state.get(key))[0] for key in keys]
