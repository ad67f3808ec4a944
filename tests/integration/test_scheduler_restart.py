"""A scheduler process killed with `kill -9` and restarted fires each due firing exactly once.

The scheduler runs as a subprocess (this file's `__main__`) on a clock that runs 600 times faster
than real time from a fixed origin, so a restarted process continues the same timeline and a cron
that fires every minute fires every 0.1 s. Its sink appends `firing_id scheduled_time pid` to a
receipts file before returning; a receiver deduping on the firing id sees each firing once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

SPEED = 600.0
VIRTUAL_ORIGIN = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


class FastClock:
    """Virtual time = origin + (real time since `real_origin`) x SPEED; shared by every process."""

    def __init__(self, real_origin: float) -> None:
        self._real_origin = real_origin

    def time(self) -> float:
        return VIRTUAL_ORIGIN + (time.time() - self._real_origin) * SPEED

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / SPEED)


async def _worker(runtime_db: str, receipts: str, real_origin: float, hang_on: int) -> None:
    from hexad.adapters.sqlite.database import open_database
    from hexad.adapters.sqlite.schedules import SqliteScheduleStore
    from hexad.ports.schedules import Schedule
    from hexad.runtime.schedules.service import SchedulerService

    delivered = 0

    async def sink(schedule: Schedule, scheduled_time: datetime, input: str, *, firing_id: str) -> None:
        nonlocal delivered
        with Path(receipts).open("a") as out:
            out.write(f"{firing_id} {scheduled_time.isoformat()} {os.getpid()}\n")
        delivered += 1
        if delivered == hang_on:  # stay inside the sink until the test kills this process
            await asyncio.sleep(3600)

    store = SqliteScheduleStore(open_database(runtime_db))
    service = SchedulerService(
        store,
        FastClock(real_origin),
        sink,
        tick_seconds=6.0,
        lease_seconds=30.0,
        misfire_grace_seconds=86400.0,
    )
    await service.run()


def _start(runtime_db: Path, receipts: Path, real_origin: float, hang_on: int = 0) -> subprocess.Popen[bytes]:
    arguments = [str(runtime_db), str(receipts), repr(real_origin), str(hang_on)]
    return subprocess.Popen([sys.executable, __file__, *arguments])


def _receipts(path: Path) -> list[tuple[str, str, str]]:
    if not path.exists():
        return []
    lines = [line.split() for line in path.read_text().splitlines()]
    return [(parts[0], parts[1], parts[2]) for parts in lines if len(parts) == 3]


def _wait_for(path: Path, count: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len({firing for firing, _, _ in _receipts(path)}) < count:
        assert process.poll() is None, f"the scheduler process exited with {process.returncode}"
        assert time.monotonic() < deadline, f"fewer than {count} firings after {timeout}s"
        time.sleep(0.02)


def _kill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.mark.slow
async def test_kill_9_and_restart_fire_each_due_firing_exactly_once(tmp_path: Path) -> None:
    from hexad.adapters.sqlite.database import SqliteDatabase
    from hexad.adapters.sqlite.schedules import SqliteScheduleStore
    from hexad.ports.schedules import Schedule
    from hexad.runtime.clock import ManualClock
    from hexad.runtime.schedules.service import SchedulerService

    runtime_db, receipts = tmp_path / "runtime.db", tmp_path / "receipts.txt"
    store = SqliteScheduleStore(SqliteDatabase(runtime_db))
    await SchedulerService(store, ManualClock(VIRTUAL_ORIGIN)).add(Schedule("tick", "cron(* * * * ? *)"))
    real_origin = time.time()

    hung = _start(runtime_db, receipts, real_origin, hang_on=3)
    _wait_for(receipts, 3, hung)
    _kill(hung)  # killed inside the sink: firing 3 was claimed, delivered, never completed
    busy = _start(runtime_db, receipts, real_origin)
    _wait_for(receipts, 12, busy)
    _kill(busy)  # killed wherever it happens to be
    last = _start(runtime_db, receipts, real_origin)
    _wait_for(receipts, 20, last)
    _kill(last)

    rows = _receipts(receipts)
    ids_by_time: dict[str, set[str]] = defaultdict(set)
    for firing_id, scheduled, _ in rows:
        ids_by_time[scheduled].add(firing_id)
    times = sorted(ids_by_time)
    minutes = [round((datetime.fromisoformat(t).timestamp() - VIRTUAL_ORIGIN) / 60) for t in times]
    assert minutes == list(range(len(minutes)))  # every minute from the origin, none lost
    assert all(len(ids) == 1 for ids in ids_by_time.values())  # one stable id per firing
    third = next(iter(ids_by_time[times[2]]))
    deliveries_of_third = [pid for firing_id, _, pid in rows if firing_id == third]
    assert len(deliveries_of_third) == 2  # redelivered by the next process, under the same id
    assert deliveries_of_third[0] == str(hung.pid) and deliveries_of_third[1] == str(busy.pid)
    assert len(rows) - len({firing_id for firing_id, _, _ in rows}) <= 2  # only the two kills redeliver
    journal = await SqliteScheduleStore(SqliteDatabase(runtime_db)).firings("tick", 1000)
    unfinished = [f.status for f in journal if f.status != "completed"]
    assert unfinished in ([], ["claimed"])  # at most the one the last kill interrupted
    assert len(journal) - len(unfinished) >= len(times) - 1


if __name__ == "__main__":
    asyncio.run(_worker(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
