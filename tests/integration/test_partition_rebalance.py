"""Keyed-actor partitions with real worker processes: one owner per partition, rebalanced on join and death.

Worker processes of `benchmarks/faults.py` hold leases (NATS KV) on their share of 16 partitions.
Two workers split them; after `kill -9` of one, the survivor takes every partition once the dead
worker's leases expire; a third worker joining takes its share back. Partition ownership is read
from the lease bucket, where a name can only have one holder.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from hexad.adapters.nats.leases import NatsKvLeases
from hexad.adapters.nats.log import delete_stream
from hexad.adapters.nats.loop import call_sync
from hexad.adapters.nats.queue import NatsQueueBackend
from hexad.adapters.postgres.database import PostgresDatabase
from hexad.adapters.postgres.state import PostgresStateStore
from hexad.runtime.actors.ownership import share
from hexad.runtime.actors.partitioned import ensure_partition_queues
from hexad.runtime.clock import SystemClock
from hexad.runtime.queues import QueueService
from tests.support.nats import NATS_URL
from tests.support.services import require_service, unique_name

pytestmark = [pytest.mark.slow, pytest.mark.nats, pytest.mark.postgres]

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "faults.py"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PARTITIONS = 16


class Cluster:
    """A stream, a lease bucket and a schema of their own, and the worker processes on them."""

    def __init__(self, logs: Path) -> None:
        self.stream = unique_name("HEXAD_TEST").upper()
        self.bucket = unique_name("hexad_test_leases")
        self.schema = unique_name("rebalance")
        self.logs = logs
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.leases = NatsKvLeases(NATS_URL, bucket=self.bucket)

    async def prepare(self) -> None:
        backend = NatsQueueBackend(NATS_URL, stream=self.stream)
        await ensure_partition_queues(QueueService(backend, SystemClock()), "faults", PARTITIONS)
        await backend.close()
        database = PostgresDatabase(POSTGRES_URL, schema=self.schema)
        PostgresStateStore(database, SystemClock())
        database.close()

    def start(self, member: str) -> None:
        command = [
            sys.executable, str(SCRIPT), "worker", "--member", member, "--stream", self.stream,
            "--bucket", self.bucket, "--schema", self.schema, "--partitions", str(PARTITIONS),
            "--ttl", "2", "--nats", NATS_URL, "--postgres", POSTGRES_URL,
        ]  # fmt: skip
        with (self.logs / f"{member}.log").open("wb") as log:
            self.workers[member] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    async def owners(self) -> dict[int, str]:
        held = await self.leases.holders("faults/partitions/", time.time())
        return {int(name.rsplit("/", 1)[1]): lease.holder for name, lease in held.items()}

    async def wait_for(self, expected: dict[int, str], seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        owners: dict[int, str] = {}
        while time.monotonic() < deadline:
            owners = await self.owners()
            if owners == expected:
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"partition owners {owners}, expected {expected}")

    async def close(self) -> None:
        for process in self.workers.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        await self.leases.delete_bucket()
        await self.leases.close()
        call_sync(delete_stream(NATS_URL, self.stream), 30)
        with contextlib.suppress(psycopg.Error), psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    require_service("nats")
    require_service("postgres")
    made = Cluster(tmp_path)
    await made.prepare()
    yield made
    await made.close()


def assignment(members: list[str]) -> dict[int, str]:
    return {p: m for m in members for p in share(PARTITIONS, members, m)}


async def test_partitions_move_to_the_survivor_of_a_kill_9_and_back_to_a_joiner(cluster: Cluster) -> None:
    cluster.start("w0")
    cluster.start("w1")
    await cluster.wait_for(assignment(["w0", "w1"]))
    os.kill(cluster.workers["w0"].pid, signal.SIGKILL)
    cluster.workers["w0"].wait()
    await cluster.wait_for(dict.fromkeys(range(PARTITIONS), "w1"))
    cluster.start("w2")
    await cluster.wait_for(assignment(["w1", "w2"]))
