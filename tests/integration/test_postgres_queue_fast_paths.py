"""The one-statement paths of a PostgreSQL standard queue against changes made by another process.

A backend that has seen a standard queue sends, receives and deletes with one statement each. Another
process may delete that queue, or recreate it as a FIFO queue, at any time; the fast path must then
match nothing and fall back to the full transaction, never writing into a queue that is gone or
handing out a FIFO queue's messages without its group rules.
"""

from __future__ import annotations

import pytest

from hexad.adapters.postgres.queue import PostgresQueueBackend
from hexad.errors import NotFoundError
from hexad.ports.queue import OutgoingMessage, QueueConfig
from hexad.runtime.clock import ManualClock
from hexad.runtime.queues import QueueService
from tests.support.postgres import postgres_schema

pytestmark = pytest.mark.postgres


async def test_a_queue_deleted_elsewhere_is_gone_for_the_fast_paths(request: pytest.FixtureRequest) -> None:
    schema = postgres_schema(request)
    here, elsewhere = PostgresQueueBackend(schema.database()), PostgresQueueBackend(schema.database())
    await here.create_queue(QueueConfig("jobs"))
    await here.send("jobs", [OutgoingMessage("first")], 100.0)  # seen here: later calls go fast
    assert [m.body for m in await here.receive("jobs", 10, 30.0, 100.0)] == ["first"]
    await elsewhere.delete_queue("jobs")
    with pytest.raises(NotFoundError, match="'jobs' does not exist"):
        await here.send("jobs", [OutgoingMessage("lost?")], 101.0)
    with pytest.raises(NotFoundError, match="'jobs' does not exist"):
        await here.receive("jobs", 10, 30.0, 101.0)
    await elsewhere.create_queue(QueueConfig("jobs"))
    assert await elsewhere.receive("jobs", 10, 30.0, 102.0) == []  # nothing was written while it was gone


async def test_a_queue_recreated_as_fifo_elsewhere_keeps_its_group_rules(
    request: pytest.FixtureRequest,
) -> None:
    schema = postgres_schema(request)
    clock = ManualClock()
    here = QueueService(PostgresQueueBackend(schema.database()), clock)
    elsewhere = QueueService(PostgresQueueBackend(schema.database()), clock)
    await here.ensure_queue("jobs")
    await here.send("jobs", "standard")
    assert len(await here.receive("jobs", max_messages=10)) == 1
    await elsewhere.delete_queue("jobs")
    await elsewhere.ensure_queue("jobs", fifo=True, content_based_deduplication=True)
    await elsewhere.send("jobs", "a1", group_id="a")
    await elsewhere.send("jobs", "a2", group_id="a")
    [first] = await here.receive("jobs", max_messages=1)
    assert first.body == "a1"
    assert await here.receive("jobs", max_messages=10) == []  # group a is in flight: a2 waits
    await here.delete("jobs", first.receipt_handle)
    assert [m.body for m in await here.receive("jobs", max_messages=10)] == ["a2"]


def test_receives_and_deletes_commit_without_the_flush_and_sends_with_it(
    request: pytest.FixtureRequest,
) -> None:
    database = postgres_schema(request).database()
    assert database.query("SHOW synchronous_commit")[0]["synchronous_commit"] == "on"
    assert database.relaxed().query("SHOW synchronous_commit")[0]["synchronous_commit"] == "off"
    assert database.relaxed().query("SHOW search_path")[0]["search_path"] == database.schema
