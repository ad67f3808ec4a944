"""Queue semantics on every backend: `queue[sqlite]`, `queue[postgres]` and `queue[nats]`.

Every test talks to `QueueService` over a backend made by the `backend` fixture, with a `ManualClock`,
so visibility timeouts, delays, retention and deduplication windows are exercised without waiting.
A "restart" or "another process" is a new backend on the same data.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from hexad.adapters.postgres.queue import PostgresQueueBackend
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.errors import InvalidReceiptHandleError, NotFoundError, QueueError, QueueLimitError
from hexad.ports.queue import (
    DEFAULT_MAX_RECEIVE_COUNT,
    DEFAULT_RETENTION_SECONDS,
    DEFAULT_VISIBILITY_TIMEOUT,
    MAX_MESSAGE_BYTES,
    Message,
    OutgoingMessage,
    QueueAttributes,
    QueueBackend,
    QueueConfig,
)
from hexad.runtime.clock import ManualClock
from hexad.runtime.queues import QueueService
from tests.support.nats import nats_queues
from tests.support.postgres import postgres_schema


@dataclass
class Backend:
    """Makes backends on one store's data; each call is a fresh connection (another process)."""

    make: Callable[[], QueueBackend]


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("nats", marks=pytest.mark.nats),
    ],
    ids=lambda name: f"queue[{name}]",
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        path = tmp_path / "runtime.db"
        return Backend(lambda: SqliteQueueBackend(SqliteDatabase(path)))
    if request.param == "postgres":
        schema = postgres_schema(request)
        return Backend(lambda: PostgresQueueBackend(schema.database()))
    if request.param == "nats":
        return Backend(nats_queues(request).make)
    raise AssertionError(request.param)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def queues(backend: Backend, clock: ManualClock) -> QueueService:
    return QueueService(backend.make(), clock)


async def settle() -> None:
    """Let every ready task run until it blocks."""
    for _ in range(20):
        await asyncio.sleep(0)


def bodies(messages: list[Message]) -> list[str]:
    return [m.body for m in messages]


# --- queues


async def test_a_new_queue_has_the_documented_defaults(queues: QueueService) -> None:
    config = await queues.ensure_queue("jobs")
    assert config == QueueConfig("jobs")
    assert config.visibility_timeout == DEFAULT_VISIBILITY_TIMEOUT == 300
    assert config.retention_seconds == DEFAULT_RETENTION_SECONDS == 14 * 24 * 3600
    assert config.max_receive_count == DEFAULT_MAX_RECEIVE_COUNT == 3
    assert await queues.get_queue("jobs") == config


async def test_create_queue_is_idempotent_and_updates_settings(queues: QueueService) -> None:
    await queues.create_queue(QueueConfig("jobs"))
    await queues.create_queue(QueueConfig("jobs"))
    await queues.create_queue(QueueConfig("jobs", visibility_timeout=30))
    assert [q.name for q in await queues.list_queues()] == ["jobs"]
    assert (await queues.get_queue("jobs")).visibility_timeout == 30


async def test_a_queue_cannot_change_between_standard_and_fifo(queues: QueueService) -> None:
    await queues.ensure_queue("jobs")
    with pytest.raises(QueueLimitError, match="'jobs' is a standard queue and cannot change type"):
        await queues.create_queue(QueueConfig("jobs", fifo=True))
    assert not (await queues.get_queue("jobs")).fifo


async def test_ensure_queue_creates_the_dead_letter_queue_and_keeps_an_existing_queue(
    queues: QueueService,
) -> None:
    config = await queues.ensure_queue(
        "orders", fifo=True, dead_letter_queue="orders-dlq", max_receive_count=5
    )
    assert config.max_receive_count == 5 and config.dead_letter_queue == "orders-dlq"
    assert (await queues.get_queue("orders-dlq")).fifo
    again = await queues.ensure_queue("orders", max_receive_count=9)
    assert again == config
    assert [q.name for q in await queues.list_queues()] == ["orders", "orders-dlq"]


async def test_ensure_queue_rejects_an_unknown_setting(queues: QueueService) -> None:
    with pytest.raises(QueueLimitError, match=r"unknown setting.*visibility"):
        await queues.ensure_queue("jobs", visibility=3)


async def test_create_queue_needs_an_existing_dead_letter_queue_of_the_same_kind(
    queues: QueueService,
) -> None:
    with pytest.raises(NotFoundError, match="dead-letter queue 'dlq' does not exist"):
        await queues.create_queue(QueueConfig("jobs", dead_letter_queue="dlq"))
    await queues.ensure_queue("dlq")
    with pytest.raises(QueueLimitError, match="must be a FIFO queue"):
        await queues.create_queue(QueueConfig("orders", fifo=True, dead_letter_queue="dlq"))
    with pytest.raises(QueueLimitError, match="its own dead-letter queue"):
        await queues.create_queue(QueueConfig("dlq", dead_letter_queue="dlq"))
    assert [q.name for q in await queues.list_queues()] == ["dlq"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (QueueConfig("bad name"), "queue name 'bad name'"),
        (QueueConfig(""), "queue name ''"),
        (QueueConfig("q", visibility_timeout=-1), "visibility_timeout must be between 0 and 43200"),
        (QueueConfig("q", delay_seconds=901), "delay_seconds must be between 0 and 900"),
        (QueueConfig("q", retention_seconds=0), "retention_seconds must be positive"),
        (QueueConfig("q", max_receive_count=0), "max_receive_count must be at least 1"),
    ],
)
async def test_invalid_queue_settings_are_refused(
    queues: QueueService, config: QueueConfig, message: str
) -> None:
    with pytest.raises(QueueLimitError, match=message):
        await queues.create_queue(config)


async def test_a_missing_queue_is_not_found_everywhere(queues: QueueService) -> None:
    for call in (
        queues.get_queue("nope"),
        queues.send("nope", "x"),
        queues.receive("nope"),
        queues.attributes("nope"),
        queues.peek("nope"),
        queues.purge("nope"),
        queues.delete_queue("nope"),
        queues.redrive("nope"),
    ):
        with pytest.raises(NotFoundError, match="queue 'nope' does not exist"):
            await call


async def test_delete_queue_removes_it_and_its_messages(queues: QueueService, backend: Backend) -> None:
    await queues.ensure_queue("jobs")
    await queues.send("jobs", "hello")
    await queues.delete_queue("jobs")
    assert await queues.list_queues() == []
    await queues.ensure_queue("jobs")
    assert await queues.receive("jobs") == []


# --- send, receive, delete


async def test_a_sent_message_is_received_whole_and_deleted(queues: QueueService, clock: ManualClock) -> None:
    await queues.ensure_queue("jobs")
    message_id = await queues.send("jobs", "héllo ✓", attributes={"kind": "greeting", "trace": "00-ab"})
    [message] = await queues.receive("jobs")
    assert (message.message_id, message.body) == (message_id, "héllo ✓")
    assert dict(message.attributes) == {"kind": "greeting", "trace": "00-ab"}
    assert message.receive_count == 1 and message.sent_at == clock.time()
    assert message.receipt_handle
    await queues.delete("jobs", message.receipt_handle)
    clock.advance(DEFAULT_VISIBILITY_TIMEOUT + 1)
    assert await queues.receive("jobs") == []
    assert await queues.attributes("jobs") == QueueAttributes(0, 0, 0)


async def test_standard_queues_deliver_oldest_first_up_to_ten(queues: QueueService) -> None:
    await queues.ensure_queue("jobs")
    for index in range(12):
        await queues.send("jobs", f"m{index}")
    first = await queues.receive("jobs", max_messages=10)
    assert bodies(first) == [f"m{i}" for i in range(10)]
    assert bodies(await queues.receive("jobs", max_messages=10)) == ["m10", "m11"]
    assert len({m.receipt_handle for m in first}) == 10


async def test_a_received_message_is_hidden_until_its_visibility_timeout(
    queues: QueueService, clock: ManualClock
) -> None:
    await queues.ensure_queue("jobs", visibility_timeout=30)
    await queues.send("jobs", "work")
    [first] = await queues.receive("jobs")
    assert await queues.attributes("jobs") == QueueAttributes(visible=0, in_flight=1, delayed=0)
    clock.advance(29.9)
    assert await queues.receive("jobs") == []
    clock.advance(0.1)
    [second] = await queues.receive("jobs", visibility_timeout=5)
    assert second.message_id == first.message_id
    assert second.receive_count == 2 and second.receipt_handle != first.receipt_handle
    clock.advance(5)
    [third] = await queues.receive("jobs")
    assert third.receive_count == 3


async def test_a_stale_receipt_handle_deletes_nothing(queues: QueueService, clock: ManualClock) -> None:
    await queues.ensure_queue("jobs", visibility_timeout=10)
    await queues.send("jobs", "work")
    [first] = await queues.receive("jobs")
    clock.advance(10)
    [second] = await queues.receive("jobs")
    await queues.delete("jobs", first.receipt_handle)
    assert await queues.attributes("jobs") == QueueAttributes(visible=0, in_flight=1, delayed=0)
    await queues.delete("jobs", second.receipt_handle)
    await queues.delete("jobs", second.receipt_handle)  # deleting twice is harmless
    assert await queues.attributes("jobs") == QueueAttributes(0, 0, 0)


async def test_a_malformed_receipt_handle_is_refused(queues: QueueService) -> None:
    await queues.ensure_queue("jobs")
    with pytest.raises(InvalidReceiptHandleError, match="'garbage' is not valid"):
        await queues.delete("jobs", "garbage")
    with pytest.raises(InvalidReceiptHandleError):
        await queues.change_visibility("jobs", "", 0)


async def test_a_handle_only_works_on_its_own_queue(queues: QueueService) -> None:
    await queues.ensure_queue("a")
    await queues.ensure_queue("b")
    await queues.send("a", "x")
    [message] = await queues.receive("a")
    await queues.delete("b", message.receipt_handle)
    assert (await queues.attributes("a")).in_flight == 1


async def test_change_visibility_extends_or_releases_a_message(
    queues: QueueService, clock: ManualClock
) -> None:
    await queues.ensure_queue("jobs", visibility_timeout=10)
    await queues.send("jobs", "work")
    [message] = await queues.receive("jobs")
    await queues.change_visibility("jobs", message.receipt_handle, 60)
    clock.advance(59)
    assert await queues.receive("jobs") == []
    await queues.change_visibility("jobs", message.receipt_handle, 0)
    [again] = await queues.receive("jobs")
    assert again.message_id == message.message_id
    with pytest.raises(InvalidReceiptHandleError, match="not current"):
        await queues.change_visibility("jobs", message.receipt_handle, 5)
    with pytest.raises(QueueLimitError, match="timeout must be between 0 and 43200"):
        await queues.change_visibility("jobs", again.receipt_handle, 43201)


async def test_delays_per_message_and_per_queue(queues: QueueService, clock: ManualClock) -> None:
    await queues.ensure_queue("slow", delay_seconds=60)
    await queues.send("slow", "queue delay")
    await queues.send("slow", "no delay", delay_seconds=0)
    await queues.send("slow", "own delay", delay_seconds=10)
    assert await queues.attributes("slow") == QueueAttributes(visible=1, in_flight=0, delayed=2)
    assert bodies(await queues.receive("slow", max_messages=10)) == ["no delay"]
    clock.advance(10)
    assert bodies(await queues.receive("slow", max_messages=10)) == ["own delay"]
    clock.advance(50)
    assert bodies(await queues.receive("slow", max_messages=10)) == ["queue delay"]
    with pytest.raises(QueueLimitError, match="delay_seconds must be between 0 and 900"):
        await queues.send("slow", "x", delay_seconds=901)


async def test_messages_past_retention_are_dropped(queues: QueueService, clock: ManualClock) -> None:
    await queues.ensure_queue("short", retention_seconds=3600, visibility_timeout=10)
    await queues.send("short", "old")
    [received] = await queues.receive("short")
    clock.advance(1800)
    await queues.send("short", "new")
    clock.advance(1800)
    assert bodies(await queues.peek("short")) == ["new"]
    assert await queues.attributes("short") == QueueAttributes(visible=1, in_flight=0, delayed=0)
    assert bodies(await queues.receive("short", max_messages=10)) == ["new"]
    await queues.delete("short", received.receipt_handle)  # its handle is simply stale


async def test_purge_deletes_every_message(queues: QueueService) -> None:
    await queues.ensure_queue("jobs")
    await queues.send_batch("jobs", [OutgoingMessage(f"m{i}") for i in range(5)])
    await queues.receive("jobs", max_messages=2)
    assert await queues.purge("jobs") == 5
    assert await queues.attributes("jobs") == QueueAttributes(0, 0, 0)


async def test_peek_shows_messages_in_any_state_without_receiving(queues: QueueService) -> None:
    await queues.ensure_queue("jobs")
    await queues.send("jobs", "a")
    await queues.send("jobs", "b", delay_seconds=30)
    await queues.receive("jobs")
    peeked = await queues.peek("jobs", limit=5)
    assert bodies(peeked) == ["a", "b"]
    assert [m.receipt_handle for m in peeked] == ["", ""]
    assert [m.receive_count for m in peeked] == [1, 0]
    assert bodies(await queues.peek("jobs", limit=1)) == ["a"]


# --- limits


async def test_a_message_of_exactly_256_kb_is_accepted_and_one_byte_more_is_refused(
    queues: QueueService,
) -> None:
    await queues.ensure_queue("jobs")
    await queues.send("jobs", "x" * MAX_MESSAGE_BYTES)
    with pytest.raises(QueueLimitError, match=r"262,145 bytes .*the limit is 262,144 bytes \(256 KB\)"):
        await queues.send("jobs", "x" * (MAX_MESSAGE_BYTES + 1))
    with pytest.raises(QueueLimitError, match="262,147 bytes"):
        await queues.send("jobs", "x" * (MAX_MESSAGE_BYTES - 2), attributes={"ab": "cd", "e": ""})
    with pytest.raises(QueueLimitError, match="262,146 bytes"):
        await queues.send("jobs", "é" * (MAX_MESSAGE_BYTES // 2 + 1))  # bytes, not characters
    [message] = await queues.receive("jobs")
    assert len(message.body) == MAX_MESSAGE_BYTES


async def test_an_empty_body_is_refused(queues: QueueService) -> None:
    await queues.ensure_queue("jobs")
    with pytest.raises(QueueLimitError, match="body is empty"):
        await queues.send("jobs", "")


async def test_batches_take_one_to_ten_messages_all_or_none(queues: QueueService) -> None:
    await queues.ensure_queue("jobs")
    with pytest.raises(QueueLimitError, match="send_batch takes 1 to 10 messages, got 11"):
        await queues.send_batch("jobs", [OutgoingMessage("x")] * 11)
    with pytest.raises(QueueLimitError, match="got 0"):
        await queues.send_batch("jobs", [])
    with pytest.raises(QueueLimitError, match="message 3 of 3: the body is empty"):
        await queues.send_batch("jobs", [OutgoingMessage("a"), OutgoingMessage("b"), OutgoingMessage("")])
    with pytest.raises(QueueLimitError, match="the batch is 270,000 bytes"):
        await queues.send_batch("jobs", [OutgoingMessage("x" * 27_000)] * 10)
    assert await queues.attributes("jobs") == QueueAttributes(0, 0, 0)
    ids = await queues.send_batch("jobs", [OutgoingMessage(f"m{i}") for i in range(10)])
    assert len(set(ids)) == 10
    received = await queues.receive("jobs", max_messages=10)
    assert [m.message_id for m in received] == ids
    with pytest.raises(QueueLimitError, match="delete_batch takes 0 to 10 messages, got 11"):
        await queues.delete_batch("jobs", [received[0].receipt_handle] * 11)
    await queues.delete_batch("jobs", [m.receipt_handle for m in received])
    await queues.delete_batch("jobs", [])
    assert await queues.attributes("jobs") == QueueAttributes(0, 0, 0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_messages": 11}, "max_messages takes 1 to 10 messages, got 11"),
        ({"max_messages": 0}, "max_messages takes 1 to 10 messages, got 0"),
        ({"wait_seconds": 21}, "wait_seconds must be between 0 and 20"),
        ({"visibility_timeout": -1}, "visibility_timeout must be between 0 and 43200"),
    ],
)
async def test_receive_limits(queues: QueueService, options: dict[str, float], message: str) -> None:
    await queues.ensure_queue("jobs")
    with pytest.raises(QueueLimitError, match=message):
        await queues.receive("jobs", **options)  # type: ignore[arg-type]


# --- FIFO


async def test_fifo_needs_a_group_and_a_deduplication_id(queues: QueueService) -> None:
    await queues.ensure_queue("orders", fifo=True)
    with pytest.raises(QueueLimitError, match="needs a group_id"):
        await queues.send("orders", "x", deduplication_id="1")
    with pytest.raises(QueueLimitError, match="needs a deduplication_id unless it has content_based"):
        await queues.send("orders", "x", group_id="g")
    with pytest.raises(QueueLimitError, match="group_id must be 1-128 characters, got 129"):
        await queues.send("orders", "x", group_id="g" * 129, deduplication_id="1")
    with pytest.raises(QueueLimitError, match="deduplication_id must be 1-128 characters, got 129"):
        await queues.send("orders", "x", group_id="g", deduplication_id="d" * 129)
    assert isinstance(QueueLimitError("x"), QueueError)


async def test_fifo_deduplicates_within_five_minutes(queues: QueueService, clock: ManualClock) -> None:
    await queues.ensure_queue("orders", fifo=True)
    first = await queues.send("orders", "pay 10", group_id="c1", deduplication_id="order-1")
    clock.advance(299)
    again = await queues.send("orders", "pay 10 (retry)", group_id="c1", deduplication_id="order-1")
    assert again == first
    [message] = await queues.receive("orders", max_messages=10)
    assert message.body == "pay 10"
    await queues.delete("orders", message.receipt_handle)
    assert (
        await queues.send("orders", "x", group_id="c1", deduplication_id="order-1") == first
    )  # deleted: still
    clock.advance(1)
    later = await queues.send("orders", "pay 10 later", group_id="c1", deduplication_id="order-1")
    assert later != first
    assert bodies(await queues.receive("orders", max_messages=10)) == ["pay 10 later"]


async def test_content_based_deduplication_hashes_the_body(queues: QueueService, clock: ManualClock) -> None:
    await queues.ensure_queue("orders", fifo=True, content_based_deduplication=True)
    a = await queues.send("orders", "same", group_id="g1")
    assert await queues.send("orders", "same", group_id="g2") == a
    b = await queues.send("orders", "different", group_id="g1")
    assert b != a
    explicit = await queues.send("orders", "same", group_id="g1", deduplication_id="own")
    assert explicit not in (a, b)
    clock.advance(300)
    assert await queues.send("orders", "same", group_id="g1") not in (a, b, explicit)
    assert (await queues.attributes("orders")).visible == 4


async def test_duplicates_inside_one_batch_are_stored_once(queues: QueueService) -> None:
    await queues.ensure_queue("orders", fifo=True)
    ids = await queues.send_batch(
        "orders",
        [
            OutgoingMessage("a", group_id="g", deduplication_id="1"),
            OutgoingMessage("b", group_id="g", deduplication_id="2"),
            OutgoingMessage("a again", group_id="g", deduplication_id="1"),
        ],
    )
    assert ids[0] == ids[2] != ids[1]
    assert bodies(await queues.receive("orders", max_messages=10)) == ["a", "b"]


async def test_standard_queues_honour_a_deduplication_id_too(queues: QueueService) -> None:
    await queues.ensure_queue("events")
    first = await queues.send("events", "e", deduplication_id="event-1")
    assert await queues.send("events", "e", deduplication_id="event-1") == first
    assert (await queues.attributes("events")).visible == 1


async def fifo_queue(queues: QueueService, name: str = "orders", **settings: float) -> None:
    await queues.ensure_queue(name, fifo=True, content_based_deduplication=True, **settings)


async def test_fifo_delivers_a_group_in_order_and_holds_it_while_in_flight(
    queues: QueueService, clock: ManualClock
) -> None:
    await fifo_queue(queues, visibility_timeout=30)
    for body in ("a1", "a2", "a3"):
        await queues.send("orders", body, group_id="a")
    first = await queues.receive("orders", max_messages=2)
    assert bodies(first) == ["a1", "a2"]
    assert await queues.receive("orders", max_messages=10) == []  # a3 waits while a1, a2 are in flight
    await queues.delete("orders", first[0].receipt_handle)
    assert await queues.receive("orders", max_messages=10) == []  # a2 still in flight
    clock.advance(30)  # a2's visibility ends: it comes back before a3
    again = await queues.receive("orders", max_messages=10)
    assert bodies(again) == ["a2", "a3"]
    assert [m.receive_count for m in again] == [2, 1]


async def test_fifo_groups_are_received_in_parallel(queues: QueueService) -> None:
    await fifo_queue(queues)
    for index in range(3):
        for group in ("a", "b", "c"):
            await queues.send("orders", f"{group}{index}", group_id=group)
    consumer_1 = await queues.receive("orders", max_messages=3)
    consumer_2 = await queues.receive("orders", max_messages=3)
    consumer_3 = await queues.receive("orders", max_messages=3)
    groups = [{m.group_id for m in batch} for batch in (consumer_1, consumer_2, consumer_3)]
    received = sorted(bodies(consumer_1) + bodies(consumer_2) + bodies(consumer_3))
    assert received == sorted(f"{g}{i}" for g in "abc" for i in range(3))
    for batch in (consumer_1, consumer_2, consumer_3):  # each group's messages in order
        for group in "abc":
            numbers = [m.body[1:] for m in batch if m.group_id == group]
            assert numbers == sorted(numbers)
    assert any(len(g) == 1 for g in groups)  # a batch keeps to as few groups as it can
    assert await queues.receive("orders", max_messages=10) == []


async def test_a_failed_fifo_message_blocks_its_group_until_its_retry(
    queues: QueueService, clock: ManualClock
) -> None:
    await fifo_queue(queues)
    await queues.send("orders", "a1", group_id="a")
    await queues.send("orders", "a2", group_id="a")
    await queues.send("orders", "b1", group_id="b")
    [a1] = await queues.receive("orders")
    assert not await queues.fail("orders", a1, "ValueError: bad amount", retry_delay=60)
    assert bodies(await queues.receive("orders", max_messages=10)) == ["b1"]
    clock.advance(60)
    retried = await queues.receive("orders", max_messages=10)
    assert bodies(retried) == ["a1", "a2"]
    assert retried[0].last_error == "ValueError: bad amount"


async def test_fifo_order_holds_under_concurrent_consumers(queues: QueueService, backend: Backend) -> None:
    """Six consumers (two on another connection) with random pauses and failures; per group, the
    processing order is the send order and no two messages of a group are ever processed at once."""
    await fifo_queue(queues, visibility_timeout=600)
    groups = [f"g{n}" for n in range(8)]
    expected = {g: [f"{g}:{i}" for i in range(12)] for g in groups}
    outgoing = [
        OutgoingMessage(body, group_id=g) for i in range(12) for g in groups for body in [expected[g][i]]
    ]
    for start in range(0, len(outgoing), 10):
        await queues.send_batch("orders", outgoing[start : start + 10])
    other = QueueService(backend.make(), ManualClock())
    processed: dict[str, list[str]] = defaultdict(list)
    busy: set[str] = set()
    rng = random.Random(7)

    async def consume(service: QueueService) -> None:
        for _ in range(2000):
            if sum(map(len, processed.values())) == 96:
                return
            batch = await service.receive("orders", max_messages=rng.randint(1, 4))
            for index, message in enumerate(batch):
                group = message.group_id or ""
                assert group not in busy, f"two consumers hold group {group}"
                busy.add(group)
                await asyncio.sleep(0)
                busy.discard(group)
                if rng.random() < 0.1:  # give the rest back: they must come again before the group's next
                    for rest in batch[index:]:
                        await service.change_visibility("orders", rest.receipt_handle, 0)
                    break
                processed[group].append(message.body)
                await service.delete("orders", message.receipt_handle)
            await asyncio.sleep(0)

    await asyncio.gather(*(consume(queues) for _ in range(4)), *(consume(other) for _ in range(2)))
    assert dict(processed) == expected


# --- dead-letter queues and redrive


async def test_a_message_received_too_often_goes_to_the_dead_letter_queue(
    queues: QueueService, clock: ManualClock
) -> None:
    await queues.ensure_queue("jobs", dead_letter_queue="jobs-dlq", visibility_timeout=10)
    message_id = await queues.send("jobs", "poison", attributes={"k": "v"})
    for attempt in range(1, 4):
        [message] = await queues.receive("jobs")
        assert message.receive_count == attempt
        clock.advance(10)
    assert await queues.receive("jobs") == []  # the 4th receive moves it instead of returning it
    [dead] = await queues.receive("jobs-dlq")
    assert (dead.message_id, dead.body, dict(dead.attributes)) == (message_id, "poison", {"k": "v"})
    assert dead.source_queue == "jobs" and dead.receive_count == 1
    assert await queues.attributes("jobs") == QueueAttributes(0, 0, 0)


async def test_receive_fills_the_batch_past_dead_lettered_messages(
    queues: QueueService, clock: ManualClock
) -> None:
    await queues.ensure_queue("jobs", dead_letter_queue="dlq", max_receive_count=1, visibility_timeout=10)
    await queues.send("jobs", "poison")
    await queues.receive("jobs")
    clock.advance(10)
    await queues.send("jobs", "good")
    assert bodies(await queues.receive("jobs", max_messages=10)) == ["good"]
    assert bodies(await queues.peek("dlq")) == ["poison"]


async def test_fail_retries_then_dead_letters_with_the_last_error(
    queues: QueueService, clock: ManualClock
) -> None:
    await queues.ensure_queue("jobs", dead_letter_queue="jobs-dlq")
    await queues.send("jobs", "work")
    for attempt in range(1, 3):
        [message] = await queues.receive("jobs")
        assert not await queues.fail("jobs", message, f"error {attempt}", retry_delay=5)
        assert await queues.receive("jobs") == []
        assert await queues.attributes("jobs") == QueueAttributes(visible=0, in_flight=1, delayed=0)
        clock.advance(5)
    [message] = await queues.receive("jobs")
    assert message.last_error == "error 2" and message.receive_count == 3
    assert await queues.fail("jobs", message, "error 3")
    assert await queues.attributes("jobs") == QueueAttributes(0, 0, 0)
    [dead] = await queues.peek("jobs-dlq")
    assert (dead.body, dead.last_error, dead.source_queue) == ("work", "error 3", "jobs")


async def test_without_a_dead_letter_queue_a_message_is_never_dropped(
    queues: QueueService, clock: ManualClock
) -> None:
    await queues.ensure_queue("jobs", visibility_timeout=1)
    await queues.send("jobs", "work")
    for _ in range(5):
        [message] = await queues.receive("jobs")
        assert not await queues.fail("jobs", message, "still failing", retry_delay=1)
        clock.advance(1)
    [message] = await queues.receive("jobs")
    assert message.receive_count == 6


async def test_redrive_moves_messages_back_to_their_source(queues: QueueService) -> None:
    await queues.ensure_queue("a", dead_letter_queue="dlq", max_receive_count=1)
    await queues.ensure_queue("b", dead_letter_queue="dlq", max_receive_count=1)
    for queue, body in (("a", "a1"), ("b", "b1"), ("a", "a2")):
        await queues.send(queue, body)
        [message] = await queues.receive(queue)
        assert await queues.fail(queue, message, f"{body} failed")
    assert bodies(await queues.peek("dlq")) == ["a1", "b1", "a2"]
    assert await queues.redrive("dlq", limit=2) == 2
    assert bodies(await queues.peek("dlq")) == ["a2"]
    [a1] = await queues.receive("a")
    assert (a1.body, a1.receive_count, a1.last_error, a1.source_queue) == ("a1", 1, "a1 failed", None)
    assert bodies(await queues.receive("b")) == ["b1"]
    assert await queues.redrive("dlq", "b") == 1
    assert bodies(await queues.peek("b")) == ["b1", "a2"]
    assert await queues.redrive("dlq") == 0


async def test_redrive_leaves_messages_whose_source_is_gone(queues: QueueService) -> None:
    await queues.ensure_queue("a", dead_letter_queue="dlq", max_receive_count=1)
    await queues.send("a", "orphan")
    [message] = await queues.receive("a")
    await queues.fail("a", message, "boom")
    await queues.delete_queue("a")
    assert await queues.redrive("dlq") == 0
    assert bodies(await queues.peek("dlq")) == ["orphan"]
    with pytest.raises(NotFoundError):
        await queues.redrive("dlq", "a")
    with pytest.raises(QueueLimitError, match="limit must be at least 1"):
        await queues.redrive("dlq", limit=0)


async def test_a_dead_lettered_fifo_head_releases_its_group(queues: QueueService) -> None:
    await queues.ensure_queue("orders", fifo=True, dead_letter_queue="orders-dlq", max_receive_count=1)
    await queues.send("orders", "a1", group_id="a", deduplication_id="1")
    await queues.send("orders", "a2", group_id="a", deduplication_id="2")
    [a1] = await queues.receive("orders", max_messages=1)
    assert await queues.fail("orders", a1, "poison")
    assert bodies(await queues.receive("orders")) == ["a2"]
    [dead] = await queues.receive("orders-dlq")
    assert (dead.body, dead.group_id) == ("a1", "a")
    await queues.ensure_queue("plain")
    with pytest.raises(QueueLimitError, match="cannot redrive standard queue"):
        await queues.redrive("plain", "orders")


async def test_a_deleted_dead_letter_queue_loses_nothing(queues: QueueService, clock: ManualClock) -> None:
    await queues.ensure_queue("jobs", dead_letter_queue="dlq", max_receive_count=1, visibility_timeout=10)
    await queues.delete_queue("dlq")
    await queues.send("jobs", "work")
    [first] = await queues.receive("jobs")
    assert not await queues.fail("jobs", first, "boom", retry_delay=10)
    clock.advance(10)
    [second] = await queues.receive("jobs")  # over the limit, nowhere to go: still delivered
    assert (second.message_id, second.receive_count, second.last_error) == (first.message_id, 2, "boom")


async def test_an_expired_fifo_message_does_not_hold_its_group(
    queues: QueueService, clock: ManualClock
) -> None:
    await queues.ensure_queue("orders", fifo=True, content_based_deduplication=True, retention_seconds=600)
    await queues.send("orders", "old", group_id="a")
    clock.advance(300)
    await queues.send("orders", "new", group_id="a")
    clock.advance(300)
    assert bodies(await queues.receive("orders", max_messages=10)) == ["new"]


# --- long polling


async def test_a_long_poll_wakes_when_a_message_is_sent(queues: QueueService, backend: Backend) -> None:
    await queues.ensure_queue("jobs")
    waiting = asyncio.create_task(queues.receive("jobs", wait_seconds=20))
    await settle()
    assert not waiting.done()
    await queues.send("jobs", "hello")  # the clock never moves: only the send can wake it
    assert bodies(await asyncio.wait_for(waiting, 5)) == ["hello"]


async def test_a_long_poll_returns_empty_at_its_deadline(queues: QueueService, clock: ManualClock) -> None:
    await queues.ensure_queue("jobs")
    waiting = asyncio.create_task(queues.receive("jobs", wait_seconds=20))
    await settle()
    clock.advance(10)
    await settle()
    assert not waiting.done()
    clock.advance(10)
    assert await asyncio.wait_for(waiting, 5) == []


async def test_a_long_poll_sees_a_delayed_message_become_visible(
    queues: QueueService, clock: ManualClock
) -> None:
    await queues.ensure_queue("jobs")
    await queues.send("jobs", "later", delay_seconds=5)
    waiting = asyncio.create_task(queues.receive("jobs", wait_seconds=20))
    await settle()
    for _ in range(30):
        clock.advance(0.2)
        await settle()
    assert bodies(await asyncio.wait_for(waiting, 5)) == ["later"]


class ElsewhereBackend:
    """A backend seen as if from another process: it shares no in-process wake-ups."""

    wakeup_key = "another process"

    def __init__(self, inner: QueueBackend) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


async def test_a_long_poll_sees_a_message_sent_by_another_process(
    queues: QueueService, backend: Backend, clock: ManualClock
) -> None:
    await queues.ensure_queue("jobs")
    elsewhere = QueueService(ElsewhereBackend(backend.make()), clock)  # type: ignore[arg-type]
    waiting = asyncio.create_task(queues.receive("jobs", wait_seconds=20))
    await settle()
    await elsewhere.send("jobs", "from afar")
    await settle()
    clock.advance(0.2)  # found by the next poll at the latest (PostgreSQL's NOTIFY may wake it sooner)
    assert bodies(await asyncio.wait_for(waiting, 5)) == ["from afar"]


# --- durability and concurrency


async def test_messages_survive_a_restart(backend: Backend, clock: ManualClock) -> None:
    before = QueueService(backend.make(), clock)
    await before.ensure_queue("jobs", visibility_timeout=30)
    await before.send_batch("jobs", [OutgoingMessage(f"m{i}") for i in range(3)])
    [taken] = await before.receive("jobs")
    after = QueueService(backend.make(), clock)
    assert bodies(await after.receive("jobs", max_messages=10)) == ["m1", "m2"]
    clock.advance(30)
    [again] = await after.receive("jobs")
    assert again.message_id == taken.message_id and again.receive_count == 2


async def test_receivers_on_separate_connections_never_share_a_message(backend: Backend) -> None:
    clock = ManualClock()
    setup = QueueService(backend.make(), clock)
    await setup.ensure_queue("jobs")
    for start in range(0, 300, 10):
        await setup.send_batch("jobs", [OutgoingMessage(f"m{i}") for i in range(start, start + 10)])

    def drain() -> list[str]:
        async def run() -> list[str]:
            service = QueueService(backend.make(), clock)
            seen: list[str] = []
            while batch := await service.receive("jobs", max_messages=3):
                seen.extend(m.message_id for m in batch)
            return seen

        return asyncio.run(run())

    results = await asyncio.gather(*(asyncio.to_thread(drain) for _ in range(4)))
    everything = [message_id for result in results for message_id in result]
    assert len(everything) == len(set(everything)) == 300


async def test_fifo_order_holds_with_consumers_in_threads(backend: Backend) -> None:
    """Four threads, each on its own connection: each group is processed in send order, once."""
    clock = ManualClock()
    setup = QueueService(backend.make(), clock)
    await setup.ensure_queue("orders", fifo=True, content_based_deduplication=True)
    outgoing = [OutgoingMessage(f"g{n % 6}:{n // 6}", group_id=f"g{n % 6}") for n in range(120)]
    for start in range(0, 120, 10):
        await setup.send_batch("orders", outgoing[start : start + 10])
    processed: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()

    def consume() -> None:
        async def run() -> None:
            service = QueueService(backend.make(), clock)
            for _ in range(5000):
                with lock:
                    if sum(map(len, processed.values())) == 120:
                        return
                for message in await service.receive("orders", max_messages=2):
                    with lock:  # recorded before the delete, so a group's next cannot overtake it
                        processed[message.group_id or ""].append(message.body)
                    await service.delete("orders", message.receipt_handle)

        asyncio.run(run())

    await asyncio.gather(*(asyncio.to_thread(consume) for _ in range(4)))
    assert dict(processed) == {f"g{g}": [f"g{g}:{i}" for i in range(20)] for g in range(6)}


async def test_concurrent_callers_on_one_queue_each_get_their_own_outcome(
    queues: QueueService, clock: ManualClock
) -> None:
    """Many coroutines sending, receiving and deleting on one queue at once (the calls a backend may
    group into shared writes): every caller gets its own ids and messages, none twice, none lost."""
    await queues.ensure_queue("jobs")
    await queues.ensure_queue("fast", visibility_timeout=5)

    async def send(sender: int) -> list[str]:
        batch = [OutgoingMessage(f"s{sender}-{i}", attributes={"sender": str(sender)}) for i in range(10)]
        return await queues.send_batch("jobs", batch)

    sent = await asyncio.gather(*(send(sender) for sender in range(12)))
    assert all(len(ids) == 10 for ids in sent)
    assert len({message_id for ids in sent for message_id in ids}) == 120
    peeked = {m.message_id: m for m in await queues.peek("jobs", limit=200)}
    for sender, ids in enumerate(sent):  # each caller's ids name its own messages, in its order
        assert [peeked[message_id].body for message_id in ids] == [f"s{sender}-{i}" for i in range(10)]

    received = await asyncio.gather(*(queues.receive("jobs", max_messages=7) for _ in range(20)))
    assert all(len(batch) <= 7 for batch in received)
    everything = [m.message_id for batch in received for m in batch]
    assert len(everything) == len(set(everything)) == 120
    await asyncio.gather(*(queues.delete_batch("jobs", [m.receipt_handle for m in b]) for b in received if b))
    assert (await queues.attributes("jobs")).visible == (await queues.attributes("jobs")).in_flight == 0
    clock.advance(60)
    assert await queues.receive("jobs", max_messages=10) == []

    await queues.send_batch("fast", [OutgoingMessage(f"f{i}") for i in range(4)])
    short, long = await asyncio.gather(  # different visibility timeouts are never mixed up
        queues.receive("fast", max_messages=2), queues.receive("fast", max_messages=2, visibility_timeout=100)
    )
    assert len(short) == len(long) == 2
    clock.advance(10)
    back = await queues.receive("fast", max_messages=10)
    assert sorted(m.message_id for m in back) == sorted(m.message_id for m in short)


async def test_concurrent_batches_near_the_size_limit_are_all_stored(queues: QueueService) -> None:
    """Batches of 256 KB of characters outside ASCII, sent at once (a backend may share writes)."""
    await queues.ensure_queue("big")
    body = "\N{GRINNING FACE}" * (256 * 1024 // 4 // 10 - 64)  # 4 bytes each: ~25 KB per message
    batches = [[OutgoingMessage(f"{sender}:{i}:" + body) for i in range(10)] for sender in range(4)]
    sent = await asyncio.gather(*(queues.send_batch("big", batch) for batch in batches))
    assert len({message_id for ids in sent for message_id in ids}) == 40
    received: list[Message] = []
    while batch := await queues.receive("big", max_messages=10):
        received.extend(batch)
    assert sorted(m.body for m in received) == sorted(m.body for batch in batches for m in batch)


async def test_a_malformed_handle_fails_only_its_own_delete(queues: QueueService) -> None:
    await queues.ensure_queue("jobs")
    await queues.send_batch("jobs", [OutgoingMessage(f"m{i}") for i in range(3)])
    received = await queues.receive("jobs", max_messages=3)
    outcomes = await asyncio.gather(
        *(queues.delete("jobs", m.receipt_handle) for m in received),
        queues.delete("jobs", "not-a-handle"),
        return_exceptions=True,
    )
    assert outcomes[:3] == [None, None, None]
    assert isinstance(outcomes[3], InvalidReceiptHandleError)
    assert (await queues.attributes("jobs")).in_flight == 0
