"""The event bus on NATS JetStream beyond the conformance suite: compaction, start-up from a snapshot,
physical expiry, concurrent dispatchers, puts that span buses, and a process killed with leased
deliveries in memory.

A "fresh process" is a new `NatsBusStore` on the same stream: it installs the latest snapshot, applies
only later records, and must see the same buses, rules, counters and pending deliveries.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from hexad.adapters.nats.bus import NatsBusStore
from hexad.adapters.nats.loop import call
from hexad.ports.bus import Rule, Target
from hexad.runtime.bus import EventBus
from hexad.runtime.clock import ManualClock, SystemClock
from tests.support.nats import NATS_URL, nats_buses

pytestmark = pytest.mark.nats

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULE = Rule("all", event_pattern={"source": ["hexad.cpi"]}, targets=(Target("t", "callable", "sink"),))


def entry(n: int, bus: str = "default") -> dict[str, object]:
    return {"Source": "hexad.cpi", "DetailType": "t", "Detail": json.dumps({"n": n}), "EventBusName": bus}


async def stream_messages(store: NatsBusStore, key: str | None = None) -> int:
    """Messages in the store's stream (on one entity's subject when `key` is given)."""

    async def count() -> int:
        assert store.log._js is not None
        subject = store.log.subject_of(key) if key else None
        info = await store.log._js.stream_info(store.stream, subjects_filter=subject)
        if subject is None:
            return int(info.state.messages)
        return int((info.state.subjects or {}).get(subject, 0))

    return await call(count())


async def snapshot_written(store: NatsBusStore) -> None:
    for _ in range(250):
        if store.state.snapshot_as_of and store._compaction is None:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("no snapshot was written")


async def test_a_fresh_process_starts_from_the_snapshot_and_delivers_what_is_pending(
    request: pytest.FixtureRequest,
) -> None:
    buses = nats_buses(request)
    clock = ManualClock(START)
    first = EventBus(buses.make(now=clock.time(), compact_after=10), clock)
    await first.create_bus("orders", archive_retention_days=3)
    await first.put_rule(RULE)
    ids = []
    for batch in range(12):
        result = await first.put_events([entry(batch * 2), entry(batch * 2 + 1)])
        ids += [e.event_id for e in result.entries]
    attempted: list[dict[str, str]] = []

    def flaky(payload: dict[str, str]) -> None:
        attempted.append(payload)
        if len(attempted) <= 4:
            raise ConnectionError("down")

    first.register_callable("sink", flaky)
    await first.dispatch_pending(limit=10)  # 4 retried, 6 delivered, 14 not attempted
    await snapshot_written(first.store)  # type: ignore[arg-type]
    before = first.stats()
    assert before.pending == 18

    store = buses.make(now=clock.time())
    fresh = EventBus(store, clock)
    assert [b.name for b in await fresh.list_buses()] == ["default", "orders"]
    assert store.state.skip_through > 0  # started from the snapshot, not from the first record
    assert fresh.stats() == before
    assert [r.name for r in await fresh.list_rules()] == ["all"]
    delivered: list[dict[str, str]] = []
    fresh.register_callable("sink", delivered.append)
    clock.advance(60)
    assert await fresh.dispatch_pending(limit=100) == 18
    done_before = {payload["id"] for payload in attempted[4:]}
    assert sorted(str(p["id"]) for p in delivered) == sorted(set(ids) - done_before)
    assert [e.id for e in await fresh.search("default", limit=100)] == ids
    assert await stream_messages(store, "catalog") == 0  # the bus and rule records went with the snapshot
    assert await stream_messages(store, "a:default") == 12  # the puts stay: they are the archive


async def test_expiry_purges_the_archive_records_from_the_stream(request: pytest.FixtureRequest) -> None:
    buses = nats_buses(request)
    clock = ManualClock(START)
    bus = EventBus(buses.make(now=clock.time()), clock)
    await bus.create_bus("short", archive_retention_days=1)
    for n in range(3):
        await bus.put_events([entry(n, "short")])
    clock.advance(2 * 86400)
    kept = [e.event_id for e in (await bus.put_events([entry(9, "short")])).entries]
    store = bus.store
    assert isinstance(store, NatsBusStore)
    assert await stream_messages(store, "a:short") == 4
    assert await bus.expire_archives() == 3
    assert await stream_messages(store, "a:short") == 1  # purged, not just hidden
    assert [e.id for e in await bus.search("short")] == kept
    assert await bus.expire_archives() == 0  # counted once
    fresh = EventBus(buses.make(now=clock.time()), clock)
    assert [e.id for e in await fresh.search("short")] == kept
    assert fresh.stats("short").counters["events"] == 4


async def test_a_deleted_bus_leaves_its_records_behind_and_a_new_one_of_its_name_starts_empty(
    request: pytest.FixtureRequest,
) -> None:
    buses = nats_buses(request)
    clock = ManualClock(START)
    bus = EventBus(buses.make(now=clock.time()), clock)
    store = bus.store
    assert isinstance(store, NatsBusStore)
    await bus.create_bus("gone")
    for n in range(3):
        await bus.put_events([entry(n, "gone")])
    await bus.delete_bus("gone")
    assert await stream_messages(store, "a:gone") == 1  # one hidden record stays (see _purge_archive)
    await bus.create_bus("gone")
    assert await bus.search("gone") == []
    assert await store.last_sequence("gone") == 0
    await bus.put_events([entry(7, "gone")])
    assert [e.detail["n"] for e in await bus.search("gone")] == [7]
    fresh = EventBus(buses.make(), clock)
    assert [e.detail["n"] for e in await fresh.search("gone")] == [7]


async def test_two_dispatchers_never_take_the_same_delivery(request: pytest.FixtureRequest) -> None:
    buses = nats_buses(request)
    clock = ManualClock(START)
    producer = EventBus(buses.make(now=clock.time()), clock)
    await producer.put_rule(RULE)
    for batch in range(10):
        await producer.put_events([entry(batch * 10 + n) for n in range(10)])
    stores = [buses.make(), buses.make()]
    now = clock.time()
    claims = await asyncio.gather(*(store.claim(now, now + 60, 7) for store in stores for _ in range(10)))
    taken = [delivery.id for claim in claims for delivery in claim]
    assert len(taken) == len(set(taken))
    for store in stores:
        while more := await store.claim(now, now + 60, 50):
            taken += [delivery.id for delivery in more]
    assert len(taken) == len(set(taken)) == 100


async def test_a_put_spanning_two_buses_is_archived_on_both(request: pytest.FixtureRequest) -> None:
    buses = nats_buses(request)
    clock = ManualClock(START)
    bus = EventBus(buses.make(now=clock.time()), clock)
    await bus.create_bus("orders")
    await bus.put_events([entry(0, "orders")])
    result = await bus.put_events([entry(1), entry(2, "orders"), entry(3)])
    assert result.failed_entry_count == 0
    await bus.put_events([entry(4, "orders")])
    orders = await bus.search("orders")
    assert [e.detail["n"] for e in orders] == [0, 2, 4]
    assert [e.detail["n"] for e in await bus.search("default")] == [1, 3]
    tail = await bus.archived_after("orders", 0)
    assert [a.sequence for a in tail] == sorted(a.sequence for a in tail)
    assert await bus.store.last_sequence("orders") == tail[-1].sequence
    assert [a.event.detail["n"] for a in await bus.archived_after("orders", tail[0].sequence)] == [2, 4]


CHILD = """
import asyncio, json, sys
from hexad.adapters.nats.bus import NatsBusStore
from hexad.ports.bus import Rule, Target
from hexad.runtime.bus import EventBus
from hexad.runtime.clock import SystemClock

async def main() -> None:
    bus = EventBus(NatsBusStore(sys.argv[1], stream=sys.argv[2]), SystemClock(), lease_seconds=1)
    stuck = asyncio.Event()
    bus.register_callable("sink", lambda payload: stuck.wait())  # never returns: nothing is settled
    await bus.put_rule(Rule("all", event_pattern={"source": ["hexad.cpi"]},
                            targets=(Target("t", "callable", "sink"),)))
    loop = asyncio.create_task(bus.run())
    await asyncio.sleep(0.05)
    for n in range(0, 50, 10):
        entries = [{"Source": "hexad.cpi", "DetailType": "t", "Detail": json.dumps({"n": n + i})}
                   for i in range(10)]
        assert (await bus.put_events(entries)).failed_entry_count == 0
    print("put", flush=True)
    await loop

asyncio.run(main())
"""


async def test_deliveries_of_a_killed_process_are_made_by_a_new_one(request: pytest.FixtureRequest) -> None:
    buses = nats_buses(request)
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, NATS_URL, buses.stream], stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            assert await asyncio.to_thread(child.stdout.readline) == "put\n"
        finally:
            child.kill()  # SIGKILL: leased deliveries in its memory, nothing settled
    bus = EventBus(buses.make(), SystemClock())
    delivered: list[dict[str, Any]] = []
    bus.register_callable("sink", delivered.append)
    for _ in range(500):
        await bus.dispatch_pending()
        if len(delivered) >= 50:
            break
        await asyncio.sleep(0.01)  # until the dead process's leases (1 s) run out
    assert sorted(payload["detail"]["n"] for payload in delivered) == list(range(50))
    assert [e.detail["n"] for e in await bus.search("default")] == list(range(50))


async def test_a_tail_following_by_sequence_misses_no_event_of_concurrent_putters(
    request: pytest.FixtureRequest,
) -> None:
    buses = nats_buses(request)
    clock = ManualClock(START)
    putters = [EventBus(buses.make(now=clock.time()), clock) for _ in range(3)]
    reader = buses.make()
    seen: list[int] = []
    done = asyncio.Event()

    async def put(bus: EventBus, first: int) -> None:
        for n in range(first, first + 60, 3):
            await bus.put_events([entry(n), entry(n + 1), entry(n + 2)])

    async def follow() -> None:
        after = 0
        while True:
            finished = done.is_set()
            for archived in await reader.archived("default", None, None, after, 7):
                seen.append(archived.event.detail["n"])
                after = archived.sequence
            if finished and len(seen) >= 180:
                return
            await asyncio.sleep(0)

    follower = asyncio.create_task(follow())
    await asyncio.gather(*(put(bus, 1000 * i) for i, bus in enumerate(putters)))
    done.set()
    await asyncio.wait_for(follower, 30)
    assert sorted(seen) == sorted(n + 1000 * i for i in range(3) for n in range(60))
