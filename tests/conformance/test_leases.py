"""Leases with fencing tokens on every lease store, and partition ownership / leader election on them.

`lease[sqlite]` and `lease[postgres]` keep leases in the state store (a schema per test on
PostgreSQL), `lease[nats]` in a NATS KV bucket of its own per test. Time is a `ManualClock`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hexad.adapters.nats.leases import NatsKvLeases
from hexad.adapters.postgres.state import PostgresStateStore
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.state import SqliteStateStore
from hexad.runtime.actors.leases import Lease, LeaseStore, StateStoreLeases
from hexad.runtime.actors.ownership import LeaderElection, PartitionOwnership, partition_of, share
from hexad.runtime.clock import ManualClock
from tests.support.nats import NATS_URL
from tests.support.postgres import postgres_schema
from tests.support.services import require_service, unique_name


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("nats", marks=pytest.mark.nats),
    ],
    ids=lambda n: f"lease[{n}]",
)
async def leases(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> AsyncIterator[LeaseStore]:
    if request.param == "sqlite":
        yield StateStoreLeases(SqliteStateStore(SqliteDatabase(tmp_path / "runtime.db"), clock))
        return
    if request.param == "postgres":
        yield StateStoreLeases(PostgresStateStore(postgres_schema(request).database(), clock))
        return
    require_service("nats")
    store = NatsKvLeases(NATS_URL, bucket=unique_name("hexad_test_leases"))
    try:
        yield store
    finally:
        await store.delete_bucket()
        await store.close()


async def test_a_free_lease_is_taken_once_and_renewed_with_a_larger_token(
    leases: LeaseStore, clock: ManualClock
) -> None:
    first = await leases.acquire("jobs/partitions/001", "w1", 10, clock.time())
    assert first is not None and first.holder == "w1" and first.expires_at == clock.time() + 10
    assert await leases.acquire("jobs/partitions/001", "w2", 10, clock.time()) is None
    clock.advance(5)
    renewed = await leases.acquire("jobs/partitions/001", "w1", 10, clock.time())
    assert renewed is not None and renewed.token > first.token


async def test_an_expired_lease_goes_to_the_next_holder_with_a_larger_token(
    leases: LeaseStore, clock: ManualClock
) -> None:
    first = await leases.acquire("leader", "a", 10, clock.time())
    clock.advance(9.9)
    assert await leases.acquire("leader", "b", 10, clock.time()) is None
    clock.advance(0.1)
    second = await leases.acquire("leader", "b", 10, clock.time())
    assert first is not None and second is not None and second.token > first.token
    await leases.release(first)  # a stale release gives nothing away
    assert await leases.acquire("leader", "a", 10, clock.time()) is None


async def test_a_released_lease_is_free_at_once(leases: LeaseStore, clock: ManualClock) -> None:
    lease = await leases.acquire("leader", "a", 10, clock.time())
    assert lease is not None
    await leases.release(lease)
    taken = await leases.acquire("leader", "b", 10, clock.time())
    assert taken is not None and taken.token > lease.token
    assert list(await leases.holders("leader", clock.time())) == ["leader"]


async def test_holders_lists_live_leases_under_a_prefix(leases: LeaseStore, clock: ManualClock) -> None:
    await leases.acquire("g/members/w1", "w1", 10, clock.time())
    await leases.acquire("g/members/w2", "w2", 20, clock.time())
    await leases.acquire("other/members/w3", "w3", 20, clock.time())
    clock.advance(15)
    live = await leases.holders("g/members/", clock.time())
    assert {name: lease.holder for name, lease in live.items()} == {"g/members/w2": "w2"}


async def test_only_one_of_many_concurrent_takers_wins(leases: LeaseStore, clock: ManualClock) -> None:
    results = await asyncio.gather(*(leases.acquire("leader", f"c{n}", 10, clock.time()) for n in range(8)))
    assert len([r for r in results if r is not None]) == 1


def test_shares_cover_every_partition_once_and_a_joiner_moves_only_its_own() -> None:
    members = ["w1", "w2", "w3"]
    shares = {m: share(64, members, m) for m in members}
    assert sorted(p for s in shares.values() for p in s) == list(range(64))
    assert all(len(s) > 8 for s in shares.values())
    joined = {m: share(64, [*members, "w4"], m) for m in [*members, "w4"]}
    for member in members:
        assert joined[member] <= shares[member]  # only partitions that go to w4 move
    assert 0 <= partition_of("client-42", 64) < 64


class Consumers:
    """Which partitions a member consumes, as on_gain/on_lose see them; checks exclusivity."""

    def __init__(self, member: str, running: dict[int, str]) -> None:
        self.member, self.running = member, running

    async def gain(self, partition: int, lease: Lease) -> None:
        assert partition not in self.running, (
            f"partition {partition} already runs on {self.running[partition]}"
        )
        self.running[partition] = self.member

    async def lose(self, partition: int) -> None:
        assert self.running.pop(partition) == self.member


def owner(leases: LeaseStore, clock: ManualClock, member: str, running: dict[int, str]) -> PartitionOwnership:
    consumers = Consumers(member, running)
    return PartitionOwnership(
        leases, clock, group="mbox", member=member, partitions=16, on_gain=consumers.gain,
        on_lose=consumers.lose, ttl=10,
    )  # fmt: skip


async def test_partitions_rebalance_when_a_worker_joins_and_when_one_dies(
    leases: LeaseStore, clock: ManualClock
) -> None:
    running: dict[int, str] = {}
    a, b = owner(leases, clock, "a", running), owner(leases, clock, "b", running)
    await a.rebalance()
    assert set(a.owned) == set(range(16))
    await b.rebalance()  # b is a member now, but a still holds everything
    assert not b.owned
    await a.rebalance()  # a sees b and gives b's share up
    await b.rebalance()
    assert set(a.owned) == share(16, ["a", "b"], "a") and set(b.owned) == share(16, ["a", "b"], "b")
    assert len(running) == 16
    for partition in a.owned:  # a is killed: its consumers vanish with it, its leases stay until they expire
        del running[partition]
    clock.advance(9.9)
    await b.rebalance()
    assert set(b.owned) == share(16, ["a", "b"], "b")
    clock.advance(0.1)
    await b.rebalance()
    assert set(b.owned) == set(range(16)) and running == dict.fromkeys(range(16), "b")


async def test_a_worker_that_cannot_renew_stops_before_its_lease_ends(
    leases: LeaseStore, clock: ManualClock
) -> None:
    running: dict[int, str] = {}
    a = owner(leases, clock, "a", running)
    await a.rebalance()
    clock.advance(7.6)  # within the margin (ttl / 4) of the end
    await a._drop_expiring()
    assert not a.owned and not running


async def test_one_leader_at_a_time_and_a_successor_when_it_resigns(
    leases: LeaseStore, clock: ManualClock
) -> None:
    leading: list[str] = []

    def work(name: str):  # type: ignore[no-untyped-def]
        async def run(resign: asyncio.Event) -> None:
            leading.append(name)
            assert len(leading) == 1, f"two leaders: {leading}"
            await resign.wait()
            leading.remove(name)

        return run

    stops = {name: asyncio.Event() for name in ("a", "b")}
    a = LeaderElection(leases, clock, name="scheduler", member="a", ttl=10, tick=0.01)
    b = LeaderElection(leases, clock, name="scheduler", member="b", ttl=10, tick=0.01)
    task_a = asyncio.create_task(a.run(stops["a"], work("a")))
    await asyncio.sleep(0.1)
    task_b = asyncio.create_task(b.run(stops["b"], work("b")))
    await asyncio.sleep(0.2)
    assert leading == ["a"] and b.terms == 0
    stops["a"].set()
    await task_a
    for _ in range(200):
        if leading == ["b"]:
            break
        await asyncio.sleep(0.01)
    assert leading == ["b"] and b.terms == 1
    stops["b"].set()
    await task_b
