"""Producers and dispatchers killed with `kill -9` lose no event whose put returned.

A producer process (this file's `__main__ produce`) puts batches of events on the runtime file and,
after each `put_events` returned, appends the accepted ids to a receipts file. A dispatcher process
(`__main__ dispatch`) runs the bus's delivery loop into a queue target. Both are killed at arbitrary
moments and restarted; at the end every receipted id must be in the archive and in the queue at
least once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

LEASE_SECONDS = 1.0


async def _produce(runtime_db: str, receipts: str) -> None:
    from hexad.adapters.sqlite.bus import SqliteBusStore
    from hexad.adapters.sqlite.database import open_database
    from hexad.runtime.bus import EventBus
    from hexad.runtime.clock import SystemClock

    bus = EventBus(SqliteBusStore(open_database(runtime_db)), SystemClock())
    number = 0
    with Path(receipts).open("a") as out:
        while True:
            entries = [
                {
                    "Source": "hexad.test",
                    "DetailType": "load.generated",
                    "Detail": {"n": number + i, "pid": os.getpid()},
                }
                for i in range(1 + number % 10)
            ]
            number += len(entries)
            result = await bus.put_events(entries)
            out.write("".join(f"{entry.event_id}\n" for entry in result.entries if entry.event_id))
            out.flush()
            await asyncio.sleep(0.002)


async def _dispatch(runtime_db: str) -> None:
    from hexad.adapters.sqlite.bus import SqliteBusStore
    from hexad.adapters.sqlite.database import open_database
    from hexad.adapters.sqlite.queue import SqliteQueueBackend
    from hexad.runtime.bus import EventBus
    from hexad.runtime.clock import SystemClock
    from hexad.runtime.queues import QueueService

    database = open_database(runtime_db)
    queues = QueueService(SqliteQueueBackend(database), SystemClock())
    bus = EventBus(
        SqliteBusStore(database), SystemClock(), queues=queues, lease_seconds=LEASE_SECONDS, poll_seconds=0.02
    )
    await bus.run()


def _start(role: str, runtime_db: Path, receipts: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, role, str(runtime_db), str(receipts)])


def _receipted(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text().splitlines() if len(line) == 36]


def _wait_for_receipts(path: Path, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(_receipted(path)) < count:
        assert time.monotonic() < deadline, f"only {len(_receipted(path))} receipts after {timeout}s"
        time.sleep(0.05)


def _kill(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        os.kill(process.pid, signal.SIGKILL)
    for process in processes:
        process.wait(timeout=10)


async def _setup(runtime_db: Path) -> None:
    from hexad.adapters.sqlite.bus import SqliteBusStore
    from hexad.adapters.sqlite.database import SqliteDatabase
    from hexad.adapters.sqlite.queue import SqliteQueueBackend
    from hexad.ports.bus import Rule, Target
    from hexad.runtime.bus import EventBus
    from hexad.runtime.clock import SystemClock
    from hexad.runtime.queues import QueueService

    database = SqliteDatabase(runtime_db)
    await QueueService(SqliteQueueBackend(database), SystemClock()).ensure_queue("sink")
    bus = EventBus(SqliteBusStore(database), SystemClock())
    await bus.put_rule(
        Rule("all", event_pattern={"source": ["hexad.test"]}, targets=(Target("q", "queue", "sink"),))
    )
    database.close()


async def _drain_and_collect(runtime_db: Path) -> tuple[set[str], dict[str, int]]:
    from hexad.adapters.sqlite.bus import SqliteBusStore
    from hexad.adapters.sqlite.database import SqliteDatabase
    from hexad.adapters.sqlite.queue import SqliteQueueBackend
    from hexad.runtime.bus import EventBus
    from hexad.runtime.clock import SystemClock
    from hexad.runtime.queues import QueueService

    database = SqliteDatabase(runtime_db)
    queues = QueueService(SqliteQueueBackend(database), SystemClock())
    bus = EventBus(SqliteBusStore(database), SystemClock(), queues=queues)
    await asyncio.sleep(LEASE_SECONDS + 0.1)  # leases of killed dispatchers run out
    while await bus.dispatch_pending(100):
        pass
    assert bus.stats().pending == 0
    archived = {event.id for event in await bus.search("default", limit=1_000_000)}
    received: dict[str, int] = {}
    while batch := await queues.receive("sink", max_messages=10, visibility_timeout=3600):
        for message in batch:
            event_id = json.loads(message.body)["id"]
            received[event_id] = received.get(event_id, 0) + 1
    database.close()
    return archived, received


@pytest.mark.slow
def test_no_event_whose_put_returned_is_lost_across_kill_9(tmp_path: Path) -> None:
    runtime_db, receipts = tmp_path / "runtime.db", tmp_path / "receipts.txt"
    asyncio.run(_setup(runtime_db))
    producer, dispatcher = _start("produce", runtime_db, receipts), _start("dispatch", runtime_db, receipts)
    try:
        _wait_for_receipts(receipts, 150)
        _kill(producer, dispatcher)  # both die mid-flight
        producer, dispatcher = (
            _start("produce", runtime_db, receipts),
            _start("dispatch", runtime_db, receipts),
        )
        _wait_for_receipts(receipts, len(_receipted(receipts)) + 150)
        _kill(dispatcher)  # the dispatcher dies holding leases
        dispatcher = _start("dispatch", runtime_db, receipts)
        _wait_for_receipts(receipts, len(_receipted(receipts)) + 150)
        _kill(producer)
        time.sleep(0.3)
        _kill(dispatcher)
    finally:
        for process in (producer, dispatcher):
            if process.poll() is None:
                process.kill()
                process.wait()
    returned = _receipted(receipts)
    archived, received = asyncio.run(_drain_and_collect(runtime_db))
    assert len(returned) >= 450
    assert set(returned) <= archived, f"{len(set(returned) - archived)} acknowledged events are not archived"
    missing = set(returned) - set(received)
    assert not missing, f"{len(missing)} acknowledged events never reached the queue target"


async def _put_rule_and_event(runtime_db: Path) -> str:
    from hexad.adapters.sqlite.bus import SqliteBusStore
    from hexad.adapters.sqlite.database import SqliteDatabase
    from hexad.adapters.sqlite.queue import SqliteQueueBackend
    from hexad.ports.bus import Rule, Target
    from hexad.runtime.bus import EventBus
    from hexad.runtime.clock import SystemClock
    from hexad.runtime.queues import QueueService

    database = SqliteDatabase(runtime_db)
    await QueueService(SqliteQueueBackend(database), SystemClock()).ensure_queue("inbox")
    bus = EventBus(SqliteBusStore(database), SystemClock())
    await bus.put_rule(
        Rule("to-inbox", event_pattern={"source": ["hexad.cpi"]}, targets=(Target("q", "queue", "inbox"),))
    )
    result = await bus.put_events([{"Source": "hexad.cpi", "DetailType": "client.churn.risk", "Detail": {}}])
    database.close()
    return str(result.entries[0].event_id)


async def _queued_ids(runtime_db: Path) -> list[str]:
    from hexad.adapters.sqlite.database import SqliteDatabase
    from hexad.adapters.sqlite.queue import SqliteQueueBackend
    from hexad.runtime.clock import SystemClock
    from hexad.runtime.queues import QueueService

    database = SqliteDatabase(runtime_db)
    messages = await QueueService(SqliteQueueBackend(database), SystemClock()).peek("inbox", 10)
    database.close()
    return [json.loads(message.body)["id"] for message in messages]


@pytest.mark.slow
def test_hexad_events_deliver_delivers_what_other_processes_put(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runtime_db = home / "runtime.db"
    home.mkdir()
    environment = {**os.environ, "HEXAD_HOME": str(home)}
    command = (
        "from hexad.cli.events_cmd import app; app(['deliver', '--no-scheduler'])"  # `hexad events deliver`
    )
    process = subprocess.Popen([sys.executable, "-c", command], env=environment)
    try:
        event_id = asyncio.run(_put_rule_and_event(runtime_db))
        deadline = time.monotonic() + 60
        while event_id not in asyncio.run(_queued_ids(runtime_db)):
            assert process.poll() is None, "hexad events deliver exited"
            assert time.monotonic() < deadline, "the event never reached the queue"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


if __name__ == "__main__":
    role, database_path, receipts_path = sys.argv[1:4]
    if role == "produce":
        asyncio.run(_produce(database_path, receipts_path))
    else:
        asyncio.run(_dispatch(database_path))
