"""`QueueService` details the conformance suite does not reach: wake-ups across services and threads,
content-based deduplication ids, long errors, and recovery when dead-lettering is interrupted."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from pathlib import Path

import pytest

from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.errors import RuntimeStoreError
from hexad.runtime.clock import ManualClock, SystemClock
from hexad.runtime.queues import MAX_ERROR_CHARS, QueueService
from hexad.wiring import queue_service


def memory_service(clock: ManualClock | None = None) -> QueueService:
    return QueueService(SqliteQueueBackend(SqliteDatabase(":memory:")), clock or ManualClock())


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_services_from_wiring_share_wake_ups() -> None:
    clock = ManualClock()
    consumer, producer = queue_service(clock=clock), queue_service(clock=clock)
    await producer.ensure_queue("mailbox")
    waiting = asyncio.create_task(consumer.receive("mailbox", wait_seconds=20))
    await settle()
    await producer.send("mailbox", "hello")  # the clock stands still: only the send can wake it
    [message] = await asyncio.wait_for(waiting, 5)
    assert message.body == "hello"


async def test_backends_on_one_file_share_wake_ups(tmp_path: Path) -> None:
    clock = ManualClock()
    path = tmp_path / "runtime.db"
    consumer = QueueService(SqliteQueueBackend(SqliteDatabase(path)), clock)
    producer = QueueService(SqliteQueueBackend(SqliteDatabase(path)), clock)
    await producer.ensure_queue("jobs")
    waiting = asyncio.create_task(consumer.receive("jobs", wait_seconds=20))
    await settle()
    await producer.send("jobs", "same file")
    [message] = await asyncio.wait_for(waiting, 5)
    assert message.body == "same file"


async def test_a_send_from_another_thread_wakes_a_long_poll() -> None:
    clock = ManualClock()
    service = memory_service(clock)
    await service.ensure_queue("jobs")
    waiting = asyncio.create_task(service.receive("jobs", wait_seconds=20))
    await settle()
    sender = threading.Thread(target=lambda: asyncio.run(service.send("jobs", "from a thread")))
    sender.start()
    sender.join()
    [message] = await asyncio.wait_for(waiting, 5)
    assert message.body == "from a thread"


async def test_a_cancelled_long_poll_takes_no_message() -> None:
    service = memory_service()
    await service.ensure_queue("jobs")
    waiting = asyncio.create_task(service.receive("jobs", wait_seconds=20))
    await settle()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await service.send("jobs", "kept")
    assert [m.body for m in await service.receive("jobs")] == ["kept"]


async def test_a_long_poll_on_the_system_clock_ends_on_time() -> None:
    service = QueueService(SqliteQueueBackend(SqliteDatabase(":memory:")), SystemClock(), poll_interval=0.05)
    await service.ensure_queue("jobs")
    assert await service.receive("jobs", wait_seconds=0.1) == []


async def test_content_based_deduplication_id_is_the_sha256_of_the_body() -> None:
    service = memory_service()
    await service.ensure_queue("orders", fifo=True, content_based_deduplication=True)
    await service.send("orders", "pay 10", group_id="c1")
    [message] = await service.peek("orders")
    assert message.deduplication_id == hashlib.sha256(b"pay 10").hexdigest()


async def test_a_long_error_is_kept_shortened() -> None:
    service = memory_service()
    await service.ensure_queue("jobs")
    await service.send("jobs", "work")
    [message] = await service.receive("jobs")
    await service.fail("jobs", message, "x" * (MAX_ERROR_CHARS + 5))
    [again] = await service.receive("jobs")
    assert again.last_error == "x" * MAX_ERROR_CHARS + "... [5 more characters]"


class FlakyMoves(SqliteQueueBackend):
    """A backend whose next `move` fails, as if the process died between receive and move."""

    failures = 1

    async def move(self, source: str, receipt_handle: str, destination: str, now: float) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeStoreError("disk I/O error")
        await super().move(source, receipt_handle, destination, now)


async def test_an_interrupted_dead_lettering_finishes_on_the_next_receive() -> None:
    clock = ManualClock()
    backend = FlakyMoves(SqliteDatabase(":memory:"))
    service = QueueService(backend, clock)
    await service.ensure_queue("jobs", dead_letter_queue="dlq", max_receive_count=1, visibility_timeout=10)
    await service.send("jobs", "poison")
    await service.receive("jobs")
    clock.advance(10)
    with pytest.raises(RuntimeStoreError):
        await service.receive("jobs")  # second receive: over the limit, and the move fails
    assert await service.receive("jobs") == []  # still hidden: never handed to a consumer
    clock.advance(10)
    assert await service.receive("jobs") == []  # moved this time
    [dead] = await service.peek("dlq")
    assert dead.body == "poison"
