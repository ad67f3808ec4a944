"""The same queue load on every engine: Hexad on SQLite, PostgreSQL and NATS, and Dramatiq on Redis.

One run: `pipelines` concurrent pipelines send `count / pipelines` no-op messages each in batches of
10 (`send_batch`), then drain with `receive(max_messages=10)` + `delete_batch`. A message counts once
sent, received and deleted; messages/s = count / total time. Two shapes: "shared", every pipeline on
one standard queue (as a deployment's workers share a mailbox, and as Dramatiq's threads share its
queue), where the backends' group commit lets concurrent callers share a write; and "queues", each
pipeline on a queue of its own, where every call is a write of its own. The pipelines share one
process and one event loop.

Dramatiq runs the same no-op jobs its own way: `actor.send` once per message (its Redis broker has no
batch enqueue), then a `dramatiq.Worker` with `pipelines` threads consumes them (it prefetches and
acknowledges per message) until `broker.join` sees the queue empty.

Every run uses its own schema / stream / Redis namespace and removes it. Used by
`benchmarks/queues_throughput.py` (the table) and `benchmarks/distributed_throughput.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import psycopg

from hexad.adapters.nats.log import delete_stream
from hexad.adapters.nats.loop import adopt_running_loop, call
from hexad.adapters.nats.queue import NatsQueueBackend
from hexad.adapters.postgres.database import PostgresDatabase
from hexad.adapters.postgres.queue import PostgresQueueBackend
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.ports.queue import OutgoingMessage, QueueBackend
from hexad.runtime.clock import SystemClock
from hexad.runtime.queues import QueueService

__all__ = [
    "ENGINES",
    "NATS_URL",
    "POSTGRES_URL",
    "REDIS_URL",
    "SHAPES",
    "SHAPE_LABELS",
    "TARGETS",
    "available",
    "run_engine",
]

NATS_URL = "nats://127.0.0.1:4222"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
ENGINES = ("sqlite", "postgres", "nats", "dramatiq")
LABELS = {
    "sqlite": "Hexad, SQLite",
    "postgres": "Hexad, PostgreSQL",
    "nats": "Hexad, NATS JetStream",
    "dramatiq": "Dramatiq, Redis",
}
TARGETS = {"postgres": 10_000, "nats": 30_000}
SHAPES = {"sqlite": ("shared", "queues"), "postgres": ("shared", "queues"), "nats": ("shared", "queues"),
          "dramatiq": ("shared",)}  # fmt: skip
SHAPE_LABELS = {"shared": "one shared queue", "queues": "a queue per pipeline"}
PORTS = {"postgres": 5432, "nats": 4222, "dramatiq": 6379}
BODY = '{"event": "client.profitability.changed", "client": "C-%06d", "margin": 0.41}'


def available(engine: str) -> bool:
    """The engine's server answers on localhost (SQLite needs none)."""
    if engine not in PORTS:
        return True
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", PORTS[engine])) == 0


async def _pipeline(service: QueueService, queue: str, count: int) -> None:
    await service.ensure_queue(queue)
    for start in range(0, count, 10):
        await service.send_batch(queue, [OutgoingMessage(BODY % i) for i in range(start, start + 10)])
    done = 0
    while done < count:
        batch = await service.receive(queue, max_messages=10)
        if batch:
            await service.delete_batch(queue, [m.receipt_handle for m in batch])
        done += len(batch)


async def _shared_pipeline(service: QueueService, queue: str, count: int, left: list[int]) -> None:
    """Send `count` messages to the shared queue, then drain it with the others until all are done."""
    for start in range(0, count, 10):
        await service.send_batch(queue, [OutgoingMessage(BODY % i) for i in range(start, start + 10)])
    while left[0] > 0:
        batch = await service.receive(queue, max_messages=10, wait_seconds=0.05)
        if batch:
            await service.delete_batch(queue, [m.receipt_handle for m in batch])
            left[0] -= len(batch)


async def _timed(backend: QueueBackend, count: int, pipelines: int, shape: str = "queues") -> float:
    service = QueueService(backend, SystemClock())
    started = time.perf_counter()
    if shape == "shared":
        await service.ensure_queue("bench-shared")
        left = [count]
        share = count // pipelines
        await asyncio.gather(
            *(_shared_pipeline(service, "bench-shared", share, left) for _ in range(pipelines))
        )
    else:
        await asyncio.gather(
            *(_pipeline(service, f"bench-{n}", count // pipelines) for n in range(pipelines))
        )
    return count / (time.perf_counter() - started)


async def _sqlite(count: int, pipelines: int, shape: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        database = SqliteDatabase(Path(folder) / "runtime.db")
        try:
            return await _timed(SqliteQueueBackend(database), count, pipelines, shape)
        finally:
            database.close()


async def _postgres(count: int, pipelines: int, shape: str) -> float:
    schema = f"qbench_{uuid.uuid4().hex[:10]}"
    database = PostgresDatabase(POSTGRES_URL, schema=schema, max_size=pipelines + 1)
    try:
        return await _timed(PostgresQueueBackend(database), count, pipelines, shape)
    finally:
        database.close()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def _nats(count: int, pipelines: int, shape: str) -> float:
    stream = f"HEXAD_QBENCH_{uuid.uuid4().hex[:10]}"
    with contextlib.suppress(RuntimeError):  # NATS already on another loop (a test run): keep the hop
        adopt_running_loop()  # this run's loop is the only one using NATS: no thread hop
    backend = NatsQueueBackend(NATS_URL, stream=stream)
    await backend.start()
    try:
        return await _timed(backend, count, pipelines, shape)
    finally:
        await backend.close()
        await call(delete_stream(NATS_URL, stream))


def _dramatiq(count: int, pipelines: int) -> float:
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker

    namespace = f"hexad-qbench-{uuid.uuid4().hex[:10]}"
    broker = RedisBroker(url=REDIS_URL, namespace=namespace)
    dramatiq.set_broker(broker)
    handled: list[None] = []  # list.append is atomic across the worker's threads

    def noop(body: str) -> None:
        handled.append(None)

    actor = dramatiq.actor(noop, actor_name="noop", queue_name="bench", broker=broker)
    started = time.perf_counter()
    for i in range(count):
        actor.send(BODY % i)
    worker = dramatiq.Worker(broker, worker_threads=pipelines, worker_timeout=100)
    worker.start()
    broker.join("bench", timeout=600_000)
    worker.join()
    rate = count / (time.perf_counter() - started)
    worker.stop()
    _drop_namespace(broker, namespace)
    broker.close()
    if len(handled) != count:
        raise RuntimeError(f"dramatiq handled {len(handled)} of {count} jobs")
    return rate


def _drop_namespace(broker: object, namespace: str) -> None:
    client = broker.client  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match=f"{namespace}*"))
    if keys:
        client.delete(*keys)


def run_engine(engine: str, count: int, pipelines: int, shape: str = "queues") -> float:
    """One run of `count` messages on `engine`; messages/s.

    `shape` "queues": each pipeline on its own queue; "shared": every pipeline sends to and drains one
    queue, as Dramatiq's workers share theirs (Dramatiq always runs this way).
    """
    if engine == "dramatiq":
        return _dramatiq(count, pipelines)
    runners: dict[str, Callable[[int, int, str], Awaitable[float]]] = {
        "sqlite": _sqlite,
        "postgres": _postgres,
        "nats": _nats,
    }
    return asyncio.run(runners[engine](count, pipelines, shape))  # type: ignore[arg-type]


if __name__ == "__main__":  # one quick run per engine: `uv run python benchmarks/queue_engines.py 4000`
    import sys

    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 4_000
    for name in sys.argv[2:] or ENGINES:
        print(name, round(run_engine(name, messages, 4)), flush=True)
