"""The bus store and workflow store on PostgreSQL while several "processes" (threads, own pools) race.

- Appenders to one bus and a tail that follows the archive by "sequence > last seen" (as the API's
  live feed does): the tail must see every event exactly once, which needs sequences in commit order.
- Dispatchers claiming from one outbox: no delivery is claimed twice while its lease holds.
- Workflow runners claiming due executions: each execution goes to exactly one runner.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable

import pytest

from hexad.adapters.postgres.bus import PostgresBusStore
from hexad.adapters.postgres.workflows import PostgresWorkflowStore
from hexad.ports.bus import ArchivedEvent, Delivery, Settlement, Target
from hexad.ports.workflows import ExecutionRecord, StoredEvent
from hexad.runtime.events import Event
from tests.support.postgres import PostgresSchema, postgres_schema

pytestmark = pytest.mark.postgres

TARGET = Target(id="t", kind="callable", destination="sink")


def run_threads(*work: Callable[[], None]) -> None:
    errors: list[BaseException] = []

    def guarded(function: Callable[[], None]) -> None:
        try:
            function()
        except BaseException as exc:  # reported by the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(function,)) for function in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def event_batch(writer: str, batch: int) -> list[ArchivedEvent]:
    return [
        ArchivedEvent("default", Event("bench", "tick", {"writer": writer, "n": batch * 5 + i}), 0.0)
        for i in range(5)
    ]


def test_a_tail_by_sequence_sees_every_event_once_while_appends_race(
    request: pytest.FixtureRequest,
) -> None:
    schema = postgres_schema(request)
    PostgresBusStore(schema.database())  # creates the tables once
    writers, batches = ("w1", "w2", "w3"), 30
    total = len(writers) * batches * 5
    done = threading.Event()
    seen: list[str] = []

    def append(writer: str) -> Callable[[], None]:
        def work() -> None:
            store = PostgresBusStore(schema.database())
            for batch in range(batches):
                asyncio.run(store.append(event_batch(writer, batch), [], {}))

        return work

    def tail() -> None:
        store, after = PostgresBusStore(schema.database()), 0
        while len(seen) < total:
            finished = done.is_set()  # read before the page: a page read after it holds every append
            page = asyncio.run(store.archived("default", None, None, after, 1000))
            for archived in page:
                seen.append(archived.event.id)
                after = archived.sequence
            if finished and not page:
                break

    def appenders() -> None:
        run_threads(*(append(writer) for writer in writers))
        done.set()

    run_threads(appenders, tail)
    assert len(seen) == total and len(set(seen)) == total


def test_dispatchers_never_claim_a_delivery_twice_while_leased(
    request: pytest.FixtureRequest,
) -> None:
    schema = postgres_schema(request)
    store = PostgresBusStore(schema.database())
    events = [Event("bench", "tick", {"n": n}) for n in range(300)]
    deliveries = [Delivery("default", "r", TARGET, event, 0.0, due_at=0.0) for event in events]
    asyncio.run(store.append([], deliveries, {}, archive=False))
    claimed: Counter[int] = Counter()
    lock = threading.Lock()

    def dispatch() -> None:
        own = PostgresBusStore(schema.database())
        while True:
            batch = asyncio.run(own.claim(now=1.0, lease_until=1_000.0, limit=7))
            if not batch:
                return
            with lock:
                claimed.update(delivery.id for delivery in batch)
            settled = [Settlement(delivery.id, "delivered") for delivery in batch]
            asyncio.run(own.settle(settled, {("default", "r"): {"delivered": len(batch)}}))

    run_threads(*(dispatch for _ in range(4)))
    assert len(claimed) == 300 and set(claimed.values()) == {1}
    assert store.stats("default").rules["r"]["delivered"] == 300
    assert asyncio.run(store.next_due()) is None


def _execution(number: int) -> ExecutionRecord:
    return ExecutionRecord(
        id=f"x{number}", name=f"x{number}", state_machine="m", definition="{}", input="{}",
        status="RUNNING", started_at=0.0, wake_at=0.0,
    )  # fmt: skip


def test_each_due_execution_goes_to_one_runner(request: pytest.FixtureRequest) -> None:
    schema: PostgresSchema = postgres_schema(request)
    store = PostgresWorkflowStore(schema.database())
    for number in range(60):
        started = StoredEvent(1, "ExecutionStarted", 0.0, "{}")
        asyncio.run(store.create_execution(_execution(number), [started]))
    owners: dict[str, list[str]] = {}
    lock = threading.Lock()

    def runner(owner: str) -> Callable[[], None]:
        async def work() -> None:
            own = PostgresWorkflowStore(schema.database())
            while batch := await own.claim_due(now=1.0, owner=owner, lease_until=100.0, limit=3):
                for record in batch:
                    with lock:
                        owners.setdefault(record.id, []).append(owner)
                    # wait for a token: no longer due, so the next claim takes other executions
                    assert await own.suspend(record.id, [], owner, wake_at=None)

        return lambda: asyncio.run(work())

    run_threads(*(runner(f"r{n}") for n in range(3)))
    assert len(owners) == 60 and all(len(claimants) == 1 for claimants in owners.values())
