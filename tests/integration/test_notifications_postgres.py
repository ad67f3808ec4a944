"""Notifications on the distributed profile's stores: subscriptions, fan-out, retries, bell, on PostgreSQL."""

from __future__ import annotations

import pytest

from hexad.adapters.postgres.queue import PostgresQueueBackend
from hexad.adapters.postgres.state import PostgresStateStore
from hexad.notifications.channels.inapp import InAppChannel
from hexad.notifications.channels.queue import QueueChannel
from hexad.notifications.delivery import DeliveryWorker
from hexad.notifications.retry import DeliveryPolicy
from hexad.notifications.service import DEAD_LETTER_QUEUE, NotificationService
from hexad.notifications.signing import LinkSigner
from hexad.notifications.store import NotificationStore
from hexad.runtime.clock import ManualClock
from hexad.runtime.queues import QueueService
from tests.support.postgres import postgres_schema

pytestmark = pytest.mark.postgres


async def test_fan_out_bell_and_dead_letters_on_postgresql(request: pytest.FixtureRequest) -> None:
    database = postgres_schema(request).database()
    clock = ManualClock()
    store = NotificationStore(PostgresStateStore(database, clock), clock)
    queues = QueueService(PostgresQueueBackend(database), clock)
    service = NotificationService(
        store, queues, clock, LinkSigner("test secret"), links_base="https://hexad.example"
    )
    deliveries = DeliveryWorker(
        service, {"in_app": InAppChannel(store, clock), "queue": QueueChannel(queues)}
    )
    await service.create_topic("findings")
    await service.subscribe("findings", "in_app", "ann", filter_policy={"severity": ["high"]})
    await service.subscribe("findings", "in_app", "bob", filter_policy={"severity": ["low"]})
    policy = DeliveryPolicy(num_retries=1, min_delay=5, max_delay=5)
    await service.subscribe("findings", "queue", "missing-queue", delivery_policy=policy)
    result = await service.publish(
        "findings", "s", {"title": "Margin erosion: CL-0007"}, {"severity": "high"}
    )
    assert (result.matched, result.filtered) == (2, 1)
    await deliveries.drain()
    [item] = await store.inbox("ann")
    assert item.title == "Margin erosion: CL-0007" and await store.inbox("bob") == []
    assert await store.mark_read("ann", None, clock.time()) == 1
    [dead] = await queues.peek(DEAD_LETTER_QUEUE)  # a missing queue cannot be fixed by retrying
    assert "does not exist" in dead.attributes["error"] and dead.attributes["attempts"] == "1"
