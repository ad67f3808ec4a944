"""The state store on every backend: `state[sqlite]` (PostgreSQL to come).

Time is a `ManualClock` so TTLs are tested without waiting; a "second process" is a second store on
the same backend data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from hexad.adapters.postgres.state import PostgresStateStore
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.state import SqliteStateStore
from hexad.errors import ConflictError, ValidationError
from hexad.ports.state import StateCheck, StateDelete, StatePut, StateStore
from hexad.runtime.clock import ManualClock
from tests.support.postgres import postgres_schema


@dataclass
class Backend:
    """Makes stores on one backend's data; each call is a fresh connection (another process)."""

    clock: ManualClock
    make: Callable[[], StateStore]


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], ids=lambda name: f"state[{name}]"
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    clock = ManualClock()
    if request.param == "sqlite":
        path = tmp_path / "runtime.db"
        return Backend(clock, lambda: SqliteStateStore(SqliteDatabase(path), clock))
    if request.param == "postgres":
        schema = postgres_schema(request)
        return Backend(clock, lambda: PostgresStateStore(schema.database(), clock))
    raise AssertionError(request.param)


async def test_an_absent_key_reads_as_none_at_version_zero(backend: Backend) -> None:
    assert await backend.make().get("nothing") == (None, 0)


async def test_put_then_get_returns_the_value_and_a_growing_version(backend: Backend) -> None:
    store = backend.make()
    assert await store.put("client/1", {"margin": "0.41", "tags": ["a"]}) == 1
    assert await store.get("client/1") == ({"margin": "0.41", "tags": ["a"]}, 1)
    assert await store.put("client/1", {"margin": "0.38"}, expected_version=1) == 2
    assert await backend.make().get("client/1") == ({"margin": "0.38"}, 2)


async def test_a_stale_version_raises_conflict_and_changes_nothing(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    await first.put("k", 1)
    _, version = await second.get("k")
    await first.put("k", 2, expected_version=version)
    with pytest.raises(ConflictError, match="'k': expected version 1, found 2"):
        await second.put("k", 3, expected_version=version)
    assert await first.get("k") == (2, 2)


async def test_expected_version_zero_creates_only_if_absent(backend: Backend) -> None:
    store = backend.make()
    assert await store.put("once", "a", expected_version=0) == 1
    with pytest.raises(ConflictError):
        await store.put("once", "b", expected_version=0)


async def test_concurrent_increments_with_retry_lose_no_update(backend: Backend) -> None:
    async def increment(store: StateStore) -> None:
        for _ in range(20):
            while True:
                value, version = await store.get("counter")
                await asyncio.sleep(0)
                try:
                    await store.put("counter", (value or 0) + 1, expected_version=version)
                    break
                except ConflictError:
                    continue

    await asyncio.gather(*(increment(backend.make()) for _ in range(4)))
    assert (await backend.make().get("counter"))[0] == 80


async def test_delete_with_and_without_a_version(backend: Backend) -> None:
    store = backend.make()
    await store.put("k", "v")
    with pytest.raises(ConflictError):
        await store.delete("k", expected_version=5)
    assert await store.delete("k", expected_version=1) is True
    assert await store.get("k") == (None, 0)
    assert await store.delete("k") is False
    with pytest.raises(ConflictError, match="expected version 1, found 0"):
        await store.put("k", "stale", expected_version=1)


async def test_ttl_expires_a_key(backend: Backend) -> None:
    store = backend.make()
    await store.put("session", {"user": "ana"}, ttl=60)
    backend.clock.advance(59)
    assert (await store.get("session"))[0] == {"user": "ana"}
    backend.clock.advance(2)
    assert await store.get("session") == (None, 0)
    assert await store.keys("sess") == []
    assert await store.put("session", "again", expected_version=0) >= 1


async def test_transactions_apply_all_or_nothing(backend: Backend) -> None:
    store = backend.make()
    await store.put("a", 1)
    await store.put("b", 1)
    versions = await store.transact(
        [StatePut("a", 2, expected_version=1), StateDelete("b", 1), StatePut("c", 1, expected_version=0)]
    )
    assert versions == [2, 0, 1]
    with pytest.raises(ConflictError, match="'a': expected version 1, found 2"):
        await store.transact([StatePut("c", 9), StateCheck("a", 1)])
    assert await store.get("c") == (1, 1)
    assert await store.keys() == ["a", "c"]


async def test_bad_input_names_the_key(backend: Backend) -> None:
    store = backend.make()
    with pytest.raises(ValidationError, match="'bad': value is not JSON"):
        await store.put("bad", {1, 2})
    with pytest.raises(ValidationError, match="each key once"):
        await store.transact([StatePut("x", 1), StateDelete("x")])
    with pytest.raises(ValidationError, match="ttl must be a positive"):
        await store.put("x", 1, ttl=0)


async def test_keys_lists_live_keys_by_prefix(backend: Backend) -> None:
    store = backend.make()
    for key in ["actor/b", "actor/a", "other/x", "actor%/z"]:
        await store.put(key, True)
    assert await store.keys("actor/") == ["actor/a", "actor/b"]
