"""FIFO groups on PostgreSQL while senders and receivers race in separate threads and connections.

The conformance suite sends first and then consumes; here two senders keep adding to the same groups
while three consumers take them, and each group must still be processed one message at a time and in
each sender's order. (The window in which two concurrent commits to one group could invert their order,
which the send-side group lock closes, is too narrow for this test to hit reliably; the lock is argued
in `hexad.adapters.postgres.queue`.)
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict

import pytest

from hexad.adapters.postgres.queue import PostgresQueueBackend
from hexad.ports.queue import OutgoingMessage
from hexad.runtime.clock import ManualClock
from hexad.runtime.queues import QueueService
from tests.support.postgres import postgres_schema

pytestmark = pytest.mark.postgres

GROUPS = 3
PER_SENDER = 40
SENDERS = ("s1", "s2")


def test_groups_stay_ordered_and_single_flight_while_sends_and_receives_race(
    request: pytest.FixtureRequest,
) -> None:
    schema = postgres_schema(request)
    clock = ManualClock()
    asyncio.run(
        QueueService(PostgresQueueBackend(schema.database()), clock).ensure_queue(
            "orders", fifo=True, content_based_deduplication=True
        )
    )
    lock = threading.Lock()
    busy: set[str] = set()
    overlaps: list[str] = []
    processed: dict[str, list[str]] = defaultdict(list)
    total = len(SENDERS) * PER_SENDER

    def send(sender: str) -> None:
        async def run() -> None:
            service = QueueService(PostgresQueueBackend(schema.database()), clock)
            for index in range(PER_SENDER):
                group = f"g{index % GROUPS}"
                await service.send_batch("orders", [OutgoingMessage(f"{sender}:{index}", group_id=group)])

        asyncio.run(run())

    def consume() -> None:
        async def run() -> None:
            service = QueueService(PostgresQueueBackend(schema.database()), clock)
            for _ in range(20_000):
                with lock:
                    if sum(map(len, processed.values())) == total:
                        return
                for message in await service.receive("orders", max_messages=2):
                    group = message.group_id or ""
                    with lock:
                        if group in busy:
                            overlaps.append(message.body)
                        busy.add(group)
                        processed[group].append(message.body)
                    await asyncio.sleep(0.001)
                    with lock:  # released before the delete: the group's next may be taken after it
                        busy.discard(group)
                    await service.delete("orders", message.receipt_handle)

        asyncio.run(run())

    threads = [threading.Thread(target=send, args=(s,)) for s in SENDERS]
    threads += [threading.Thread(target=consume) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert overlaps == []
    assert sum(map(len, processed.values())) == total
    assert_each_sender_in_order(processed)


def assert_each_sender_in_order(processed: dict[str, list[str]]) -> None:
    """Each sender's messages of a group were processed in its send order, each once."""
    for group, bodies in processed.items():
        for sender in SENDERS:
            indexes = [int(body.split(":")[1]) for body in bodies if body.startswith(f"{sender}:")]
            assert indexes == sorted(indexes), (group, sender, indexes)
            assert len(indexes) == len({*indexes})
