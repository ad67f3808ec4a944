"""`hexad worker --placement leased` with real processes: one worker per agent, and `kill -9` moves them.

Two worker processes on one runtime file (leases in its state store, as PostgreSQL or NATS KV hold
them on the distributed profile) split four agents; each agent's lease has exactly one holder, so
its mailbox is consumed in one process. After `kill -9` of one worker its leases are never renewed
or released; once they expire the survivor holds every agent.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.state import SqliteStateStore
from hexad.runtime.actors.leases import StateStoreLeases
from hexad.runtime.clock import SystemClock

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
AGENTS = ("cpi", "dsa", "sli", "spo")


def start_worker(home: Path, member: str, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "hexad", "worker", "--agents", ",".join(AGENTS), "--placement", "leased",
               "--id", member, "--no-bus", "--no-scheduler", "--no-workflows", "--grace", "2"]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "HEXAD_HOME": str(home)},
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


def holders(home: Path) -> dict[str, str]:
    """Agent -> the worker holding its lease now (agents are the sorted names' partitions)."""
    clock = SystemClock()
    database = SqliteDatabase(home / "runtime.db")
    try:
        leases = StateStoreLeases(SqliteStateStore(database, clock))
        held = asyncio.run(leases.holders("agents/partitions/", clock.time()))
    finally:
        database.close()
    return {AGENTS[int(name.rsplit("/", 1)[1])]: lease.holder for name, lease in held.items()}


def wait_for(
    condition: Callable[[dict[str, str]], bool],
    home: Path,
    seconds: float,
    workers: dict[str, subprocess.Popen[bytes]],
) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    seen: dict[str, str] = {}
    while time.monotonic() < deadline:
        for member, process in workers.items():  # a worker that died on its own says why
            log = home.parent / "logs" / f"{member}.log"
            assert process.poll() is None, f"{member} exited {process.returncode}: {log.read_text()[-3000:]}"
        if (home / "runtime.db").exists():
            seen = holders(home)
            if condition(seen):
                return seen
        time.sleep(0.5)
    raise AssertionError(f"agent leases never reached the expected split; last seen {seen}")


def test_agents_split_across_workers_and_move_to_the_survivor_of_a_kill(tmp_path: Path) -> None:
    home, logs = tmp_path / "home", tmp_path / "logs"
    home.mkdir()
    logs.mkdir()
    workers = {member: start_worker(home, member, logs / f"{member}.log") for member in ("w1", "w2")}
    try:
        split = wait_for(
            lambda seen: len(seen) == len(AGENTS) and set(seen.values()) == {"w1", "w2"}, home, 120, workers
        )
        assert sorted(split) == sorted(AGENTS)  # every agent held, each by one worker
        workers["w1"].send_signal(signal.SIGKILL)
        workers["w1"].wait(timeout=10)
        after = wait_for(lambda seen: seen == dict.fromkeys(AGENTS, "w2"), home, 60, {"w2": workers["w2"]})
        assert after == dict.fromkeys(AGENTS, "w2")
        workers["w2"].send_signal(signal.SIGTERM)
        assert workers["w2"].wait(timeout=60) == 0
        assert holders(home) == {}  # a graceful stop releases its agents at once
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
