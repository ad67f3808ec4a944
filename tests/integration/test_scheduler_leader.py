"""Two `hexad scheduler` processes: one leads, the other stands by and takes over after `kill -9`.

Embedded profile on one HEXAD_HOME: the lease lives in the runtime file's state store, two one-off
schedules (to a queue) in its schedule store, one due while the first leader runs and one due after
it was killed. Each reaches the queue exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hexad import wiring
from hexad.config import Settings
from hexad.ports.schedules import QueueTarget, Schedule

pytestmark = pytest.mark.slow


class Scheduler:
    """One `hexad scheduler` process; its output goes to a file that `wait_for` reads."""

    def __init__(self, home: Path, member: str) -> None:
        environment = {
            **os.environ,
            "HEXAD_HOME": str(home),
            "HEXAD_PROFILE": "embedded",
            "HEXAD_LOG_LEVEL": "INFO",
        }
        self.log = home / f"scheduler-{member}.log"
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hexad", "scheduler", "--ttl", "2", "--id", member],
                env=environment, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text in self.output():
                return
            time.sleep(0.1)
        raise AssertionError(f"no {text!r} within {seconds} s; output:\n{self.output()}")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_one_leader_fires_and_a_standby_takes_over_after_kill_9(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    settings = Settings(home=tmp_path, profile="embedded")
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)

    async def add_schedules() -> None:
        service = wiring.scheduler(settings)
        for name, delay in (("before", 8), ("after", 22)):
            at = (now + timedelta(seconds=delay)).isoformat()
            await service.add(Schedule(name, f"at({at})", target=QueueTarget("ticks"), input=f'"{name}"'))

    asyncio.run(add_schedules())
    first = Scheduler(tmp_path, "a")
    processes.append(first.process)
    first.wait_for("scheduler a leads", 30)
    second = Scheduler(tmp_path, "b")
    processes.append(second.process)
    second.wait_for("scheduler b standing by", 30)
    time.sleep(max(0.0, 11 - (datetime.now(UTC).replace(tzinfo=None) - now).total_seconds()))
    assert "scheduler b leads" not in second.output()
    os.kill(first.process.pid, signal.SIGKILL)
    first.process.wait()
    second.wait_for("scheduler b leads", 15)
    time.sleep(max(0.0, 26 - (datetime.now(UTC).replace(tzinfo=None) - now).total_seconds()))

    async def fired() -> list[str]:
        queues = wiring.queue_service(settings)
        bodies: list[str] = []
        while batch := await queues.receive("ticks", max_messages=10):
            bodies += [m.body for m in batch]
            await queues.delete_batch("ticks", [m.receipt_handle for m in batch])
        return bodies

    assert sorted(asyncio.run(fired())) == ['"after"', '"before"']
