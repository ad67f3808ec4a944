"""Queues on the runtime file survive `kill -9`: nothing whose send returned is lost, and a message
received but not deleted comes back after its visibility timeout.

The producers and consumers are subprocesses (this file's `__main__`) on the real clock. Each writes
a journal line only after the queue call it reports has returned, and flushes it, so the journal is a
lower bound on what the queue acknowledged.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.ports.queue import OutgoingMessage
from hexad.runtime.clock import SystemClock
from hexad.runtime.queues import QueueService

QUEUE = "durable"
VISIBILITY = 1.5


def _service(runtime_db: Path | str) -> QueueService:
    """A service on its own connection, as a separate process would have."""
    return QueueService(SqliteQueueBackend(SqliteDatabase(runtime_db)), SystemClock())


async def _produce(runtime_db: str, journal: str, prefix: str) -> None:
    service = _service(runtime_db)
    with Path(journal).open("a", buffering=1) as out:
        for index in range(1_000_000):
            if index % 2:
                ids = await service.send_batch(
                    QUEUE, [OutgoingMessage(f"{prefix}{index}.{n}") for n in range(3)]
                )
            else:
                ids = [await service.send(QUEUE, f"{prefix}{index}")]
            out.write("".join(f"sent {message_id}\n" for message_id in ids))


async def _consume(runtime_db: str, journal: str, delete: str) -> None:
    service = _service(runtime_db)
    with Path(journal).open("a", buffering=1) as out:
        while True:
            batch = await service.receive(
                QUEUE, max_messages=10, wait_seconds=1, visibility_timeout=VISIBILITY
            )
            out.write("".join(f"received {m.message_id} {m.receive_count}\n" for m in batch))
            if delete == "no":
                continue
            await service.delete_batch(QUEUE, [m.receipt_handle for m in batch])
            out.write("".join(f"deleted {m.message_id}\n" for m in batch))


def _start(mode: str, runtime_db: Path, journal: Path, argument: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, mode, str(runtime_db), str(journal), argument])


def _lines(journal: Path, kind: str) -> list[list[str]]:
    if not journal.exists():
        return []
    rows = [line.split() for line in journal.read_text().splitlines()]
    return [row[1:] for row in rows if row and row[0] == kind]


def _wait_for(journal: Path, kind: str, count: int, *processes: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while len(_lines(journal, kind)) < count:
        for process in processes:
            assert process.poll() is None, f"a queue process exited with {process.returncode}"
        assert time.monotonic() < deadline, f"fewer than {count} {kind!r} lines after 60 s"
        time.sleep(0.01)


def _kill(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


async def _remaining(runtime_db: Path) -> dict[str, int]:
    """Every message left in the queue, received (and so hidden again) once more: id -> receive count."""
    service = _service(runtime_db)
    found: dict[str, int] = {}
    deadline = time.monotonic() + VISIBILITY + 120  # a bound for a loaded machine, not a timing check
    while time.monotonic() < deadline:
        attributes = await service.attributes(QUEUE)
        if attributes.visible == 0 and attributes.in_flight == len(found):  # all held here now
            break
        for message in await service.receive(
            QUEUE, max_messages=10, wait_seconds=0.5, visibility_timeout=600
        ):
            found[message.message_id] = message.receive_count
    return found


async def _create_queue(runtime_db: Path) -> None:
    await _service(runtime_db).ensure_queue(QUEUE)


def _unconfirmed(journal: Path) -> set[str]:
    """Messages of the consumer's last batch whose delete it may have made but not journaled."""
    rows = [line.split() for line in journal.read_text().splitlines()]
    last_delete = max((i for i, row in enumerate(rows) if row and row[0] == "deleted"), default=-1)
    return {row[1] for row in rows[last_delete + 1 :] if row and row[0] == "received"}


@pytest.mark.slow
async def test_no_acknowledged_send_is_lost_when_producers_and_consumers_are_killed(tmp_path: Path) -> None:
    runtime_db, sends, receipts = tmp_path / "runtime.db", tmp_path / "sends.txt", tmp_path / "receipts.txt"
    await _create_queue(runtime_db)
    producers = [_start("produce", runtime_db, tmp_path / f"sends-{prefix}.txt", prefix) for prefix in "ab"]
    consumer = _start("consume", runtime_db, receipts, "yes")
    _wait_for(receipts, "deleted", 300, *producers, consumer)
    _kill(consumer)  # wherever it is: maybe between receive and delete
    for producer, prefix in zip(producers, "ab", strict=True):
        journal = tmp_path / f"sends-{prefix}.txt"
        _wait_for(journal, "sent", len(_lines(journal, "sent")) + 100, producer)
    _kill(*producers)  # in the middle of sends
    sends.write_text("".join((tmp_path / f"sends-{prefix}.txt").read_text() for prefix in "ab"))
    sent = {row[0] for row in _lines(sends, "sent")}
    deleted = {row[0] for row in _lines(receipts, "deleted")}
    unconfirmed = _unconfirmed(receipts)
    remaining = await _remaining(runtime_db)
    assert deleted <= sent and len(unconfirmed) <= 10
    assert sent - deleted - unconfirmed <= set(remaining), "a message whose send returned was lost"
    assert not deleted & set(remaining), "a message whose delete returned came back"
    assert len(set(remaining) - sent) <= 6  # committed but not journaled: one call per killed producer


@pytest.mark.slow
async def test_a_received_undeleted_message_returns_after_its_visibility_timeout(tmp_path: Path) -> None:
    runtime_db, journal = tmp_path / "runtime.db", tmp_path / "journal.txt"
    await _create_queue(runtime_db)
    producer = _start("produce", runtime_db, journal, "m")
    _wait_for(journal, "sent", 20, producer)
    _kill(producer)
    holder = _start("consume", runtime_db, journal, "no")  # receives and never deletes
    _wait_for(journal, "received", 10, holder)
    _kill(holder)
    held = {row[0] for row in _lines(journal, "received") if row[1] == "1"}
    remaining = await _remaining(runtime_db)
    sent = {row[0] for row in _lines(journal, "sent")}
    assert sent <= set(remaining)
    assert held and all(remaining[message_id] >= 2 for message_id in held)


if __name__ == "__main__":
    mode, database, journal_path, argument = sys.argv[1:5]
    if mode == "produce":
        asyncio.run(_produce(database, journal_path, argument))
    else:
        asyncio.run(_consume(database, journal_path, argument))
