"""Long polls on PostgreSQL wake on a send from another process (`LISTEN`/`NOTIFY`), not at a poll.

The waiting side runs on a clock that never moves, so no poll interval or deadline can end its wait:
only the notification of the other process's send can. The sender is a real process.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from hexad.adapters.postgres.queue import PostgresQueueBackend
from hexad.runtime.clock import ManualClock
from hexad.runtime.queues import QueueService
from tests.support.postgres import postgres_schema

pytestmark = pytest.mark.postgres

SENDER = """
import asyncio, sys
from hexad.adapters.postgres.database import PostgresDatabase
from hexad.adapters.postgres.queue import PostgresQueueBackend
from hexad.runtime.clock import SystemClock
from hexad.runtime.queues import QueueService

async def main() -> None:
    database = PostgresDatabase(sys.argv[1], schema=sys.argv[2])
    queues = QueueService(PostgresQueueBackend(database), SystemClock())
    if sys.argv[4] == "fast":  # a receive shows this backend the queue is standard: the send takes
        await queues.receive("jobs")  # the one-statement road (an empty receive: there is nothing yet)
    await queues.send("jobs", sys.argv[3])
    database.close()

asyncio.run(main())
"""


@pytest.mark.parametrize("fast", [True, False], ids=["one-statement send", "full transaction send"])
async def test_a_long_poll_wakes_when_another_process_sends(
    request: pytest.FixtureRequest, fast: bool
) -> None:
    schema = postgres_schema(request)
    database = schema.database()
    backend = PostgresQueueBackend(database)
    clock = ManualClock(time.time() + 3600)  # the sender's messages are visible; this clock never moves
    queues = QueueService(backend, clock)
    await queues.ensure_queue("jobs")
    waiting = asyncio.create_task(queues.receive("jobs", wait_seconds=20))
    listener = database.listen(backend.channel, lambda queue: None)
    assert await asyncio.to_thread(listener.wait_listening, 10)
    await asyncio.sleep(0.05)  # the poll has looked once and is waiting

    road = "fast" if fast else "full"
    sender = subprocess.run(
        [sys.executable, "-c", SENDER, schema.url, schema.schema, "from another process", road],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert sender.returncode == 0, sender.stderr
    [message] = await asyncio.wait_for(waiting, 30)
    assert message.body == "from another process"


def test_the_listener_stops_with_its_database(request: pytest.FixtureRequest) -> None:
    database = postgres_schema(request).database()
    listener = database.listen("hexad_queues_probe", lambda payload: None)
    assert listener.wait_listening(10)
    database.close()
    assert not listener._thread.is_alive()
