"""At-least-once delivery under a real `kill -9` of a worker process, the dead-letter queue, SIGTERM.

The worker is this file run as a script (see `_worker_main`): an actor system with one `Ledger` actor
bound to the durable queue `work`. The ledger writes each message's body to its own SQLite file before
returning, so the file says exactly what was handled, and how often.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 10_000
VISIBILITY = 5.0  # long enough to count the in-flight messages right after the kill


# --- the worker process ------------------------------------------------------------------------


def _worker_main(results: str) -> int:
    from hexad import wiring
    from hexad.config import get_settings
    from hexad.runtime.actors import Actor, ActorContext
    from hexad.runtime.actors.control import control_directory
    from hexad.runtime.actors.mailbox import Delivery
    from hexad.runtime.actors.worker import Worker

    ledger = sqlite3.connect(results, isolation_level=None)
    ledger.execute("PRAGMA journal_mode=WAL")
    ledger.execute("CREATE TABLE IF NOT EXISTS handled (body TEXT, pid INTEGER, phase TEXT)")

    class Ledger(Actor):
        async def receive(self, message: Delivery, context: ActorContext) -> Any:
            body = message.body
            if body == "poison":
                ledger.execute("INSERT INTO handled VALUES (?, ?, 'failed')", (body, os.getpid()))
                raise ValueError("the poison message cannot be handled")
            if body.startswith("slow"):
                ledger.execute("INSERT INTO handled VALUES (?, ?, 'start')", (body, os.getpid()))
                await asyncio.sleep(1.0)
            ledger.execute("INSERT INTO handled VALUES (?, ?, 'done')", (body, os.getpid()))

    async def main() -> int:
        settings = get_settings()
        queues = wiring.queue_service(settings)
        system = wiring.actor_system(settings, name="crash-test")
        worker = Worker(system, queues, control_directory=control_directory(settings.home), shutdown_grace=10)
        worker.bind(Ledger, "work", name="ledger", wait_seconds=0.2)
        return await worker.run()

    return asyncio.run(main())


# --- helpers for the test process ----------------------------------------------------------------


def _start_worker(results: Path) -> subprocess.Popen[bytes]:
    with (results.parent / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), str(results)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _handled(results: Path, phase: str = "done") -> list[str]:
    if not results.exists():
        return []
    with sqlite3.connect(results) as conn:
        conn.execute("PRAGMA busy_timeout=5000")
        try:
            return [row[0] for row in conn.execute("SELECT body FROM handled WHERE phase = ?", (phase,))]
        except sqlite3.OperationalError:
            return []


def _distinct(results: Path) -> int:
    if not results.exists():
        return 0
    with sqlite3.connect(results) as conn:
        conn.execute("PRAGMA busy_timeout=5000")
        try:
            row = conn.execute("SELECT COUNT(DISTINCT body) FROM handled WHERE phase = 'done'").fetchone()
        except sqlite3.OperationalError:
            return 0
    return int(row[0])


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _queues() -> Any:
    from hexad import wiring

    return wiring.queue_service()


async def _fill(bodies: list[str]) -> None:
    from hexad.ports.queue import OutgoingMessage

    queues = _queues()
    await queues.ensure_queue(
        "work", dead_letter_queue="work-dlq", visibility_timeout=VISIBILITY, max_receive_count=3
    )
    for start in range(0, len(bodies), 10):
        await queues.send_batch("work", [OutgoingMessage(body) for body in bodies[start : start + 10]])


def _counts(queue: str = "work") -> Any:
    return asyncio.run(_queues().attributes(queue))


def _terminate(worker: subprocess.Popen[bytes]) -> int:
    worker.send_signal(signal.SIGTERM)
    try:
        return worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        raise


# --- the tests -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_kill_minus_nine_mid_batch_loses_nothing_and_duplicates_only_in_flight(tmp_path: Path) -> None:
    results = tmp_path / "ledger.db"
    bodies = [f"m{n:05d}" for n in range(MESSAGES)]
    asyncio.run(_fill([*bodies[:5000], "poison", *bodies[5000:]]))

    first = _start_worker(results)
    try:
        _wait(lambda: _distinct(results) >= 2500, 120, "the first worker to handle 2,500 messages")
    finally:
        first.kill()  # SIGKILL: no cleanup, no shutdown hooks
        first.wait()
    before_kill = _handled(results)
    in_flight_at_kill = _counts().in_flight
    assert len(before_kill) < MESSAGES, "the kill must land in the middle of the batch"

    second = _start_worker(results)
    try:
        _wait(lambda: _distinct(results) == MESSAGES, 180, "every message to be handled")
        _wait(lambda: _counts() == _counts().__class__(0, 0, 0), 30, "the queue to drain")
        dead = asyncio.run(_queues().peek("work-dlq"))
        assert _terminate(second) == 0
    finally:
        if second.poll() is None:
            second.kill()

    handled = _handled(results)
    assert set(handled) == set(bodies)
    duplicates = {body for body, times in Counter(handled).items() if times > 1}
    assert len(handled) - len(set(handled)) <= in_flight_at_kill <= 10, "at most one batch was in flight"
    assert duplicates <= set(before_kill), "only messages handled before the kill may come again"
    assert [message.body for message in dead] == ["poison"]
    assert _handled(results, "failed") == ["poison"] * 3, "dead-lettered after exactly 3 deliveries"
    assert dead[0].last_error is not None and "the poison message cannot be handled" in dead[0].last_error


@pytest.mark.slow
def test_sigterm_finishes_the_message_in_hand_and_exits_zero(tmp_path: Path) -> None:
    from hexad.config import get_settings
    from hexad.runtime.actors.control import control_directory, query_systems

    results = tmp_path / "ledger.db"
    asyncio.run(_fill(["slow-1", "slow-2", "slow-3"]))
    worker = _start_worker(results)
    try:
        _wait(lambda: _handled(results, "start") == ["slow-1"], 60, "the worker to take the first message")
        [system] = asyncio.run(query_systems(control_directory(get_settings().home)))
        [ledger] = system["actors"]
        assert ledger["path"] == "/ledger" and ledger["status"] == "running"
        assert ledger["queue"] == "work" and ledger["queue_depth"]["in_flight"] >= 1
        code = _terminate(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert code == 0, (tmp_path / "worker.log").read_text()
    assert _handled(results) == ["slow-1"]
    counts = _counts()
    assert (counts.visible, counts.in_flight) == (2, 0), "the rest stays queued, none stuck in flight"
    assert list(control_directory(get_settings().home).glob("*.sock")) == []


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1]))
