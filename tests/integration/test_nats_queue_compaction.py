"""The NATS queue log compacts: a snapshot replaces a queue's older records, which leave the stream.

A fresh backend (another process) loads the compacted stream and sees the same queue: the same
messages in the same order, counts, and receipt handles that still work.
"""

from __future__ import annotations

import asyncio

import pytest

from hexad.adapters.nats.loop import call
from hexad.adapters.nats.queue import NatsQueueBackend
from hexad.ports.queue import OutgoingMessage
from hexad.runtime.clock import ManualClock
from hexad.runtime.queues import QueueService
from tests.support.nats import NATS_URL, nats_queues

pytestmark = pytest.mark.nats


async def stream_messages(backend: NatsQueueBackend) -> int:
    async def count() -> int:
        assert backend.log._js is not None
        info = await backend.log._js.stream_info(backend.log.stream)
        return int(info.state.messages)

    return await call(count())


async def settled(backend: NatsQueueBackend) -> None:
    for _ in range(200):
        if not backend._compactions:
            return
        await asyncio.sleep(0.02)


async def test_a_compacted_queue_reads_the_same_from_a_fresh_backend(request: pytest.FixtureRequest) -> None:
    store = nats_queues(request)
    first = NatsQueueBackend(NATS_URL, stream=store.stream, compact_after=20)
    clock = ManualClock()
    queues = QueueService(first, clock)
    try:
        await queues.ensure_queue("jobs", fifo=True, content_based_deduplication=True, visibility_timeout=60)
        for start in range(0, 100, 10):
            await queues.send_batch(
                "jobs", [OutgoingMessage(f"m{i}", group_id=f"g{i % 5}") for i in range(start, start + 10)]
            )
        for _ in range(18):
            for message in await queues.receive("jobs", max_messages=5):
                await queues.delete("jobs", message.receipt_handle)
        [held] = await queues.receive("jobs", max_messages=1)
        await settled(first)
        assert await stream_messages(first) < 40  # ~70 records written, older ones purged
        fresh = QueueService(store.make(), clock)
        assert [m.body for m in await fresh.peek("jobs", 10)] == [
            m.body for m in await queues.peek("jobs", 10)
        ]
        assert await fresh.attributes("jobs") == await queues.attributes("jobs")
        await fresh.delete("jobs", held.receipt_handle)  # the handle survived the snapshot
        assert (await queues.attributes("jobs")).in_flight == 0
        again = [m.body for m in await fresh.receive("jobs", max_messages=10)]
        assert again and all(body.startswith("m") for body in again)
    finally:
        await first.close()


async def test_deleting_a_queue_purges_its_records(request: pytest.FixtureRequest) -> None:
    store = nats_queues(request)
    backend = store.make()
    queues = QueueService(backend, ManualClock())
    await queues.ensure_queue("jobs")
    for n in range(5):
        await queues.send("jobs", f"m{n}")
    await queues.delete_queue("jobs")
    assert await stream_messages(backend) == 1  # the deletion itself
    assert await QueueService(store.make(), ManualClock()).list_queues() == []
