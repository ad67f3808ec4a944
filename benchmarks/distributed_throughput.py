"""Distributed profile: queue throughput on PostgreSQL and NATS, and events/s through keyed actors.

1. Queues, side by side on PostgreSQL (`PostgresQueueBackend`) and NATS JetStream
   (`NatsQueueBackend`), the load of `benchmarks/queue_engines.py`: `--pipelines` concurrent
   pipelines send N/p messages in batches of 10 and drain them, all on one shared standard queue
   (`--shape shared`, the default) or each on its own (`--shape queues`).
   Targets (issue 9): >= 10,000 msg/s on PostgreSQL, >= 30,000 on NATS. Dramatiq on Redis and SQLite
   are in `benchmarks/queues_throughput.py`'s table of every engine.
2. End to end: `--events` events through rules into keyed actors whose handlers apply an idempotent
   effect in the state store, with 1, 2 and 4 worker processes on NATS (partitions leased in NATS
   KV, effects in PostgreSQL; `benchmarks/faults.py` with no fault) and the same load on the
   embedded profile (one process: SQLite queues and state store). events/s = events / time from the
   first send to the last effect; p50/p99 = from the event's creation to its effect.

Median of `--runs` runs for the queue numbers; the end-to-end rows are single runs (each starts
processes). Every run uses its own schema / stream / bucket and removes it.

Run: `uv run python benchmarks/distributed_throughput.py [--messages 20000] [--events 5000]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.adapters.sqlite.state import SqliteStateStore
from hexad.ports.queue import OutgoingMessage
from hexad.runtime.actors.keyed import KeyedBinding
from hexad.runtime.actors.system import ActorSystem
from hexad.runtime.clock import SystemClock
from hexad.runtime.patterns import RuleIndex
from hexad.runtime.queues import QueueService

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faults  # the sibling benchmark: its worker processes and effect handler
import queue_engines  # the same queue load on every engine

TARGETS = queue_engines.TARGETS


# --- 2. end to end, embedded profile


async def _embedded(events: int, keys: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        clock = SystemClock()
        database = SqliteDatabase(Path(folder) / "runtime.db")
        store = SqliteStateStore(database, clock)
        faults.EffectActor.store = store
        queues = QueueService(SqliteQueueBackend(database), clock)
        await queues.ensure_queue("events", fifo=True, content_based_deduplication=True)
        system = ActorSystem("embedded", clock=clock, state_store=store)
        binding = KeyedBinding(system, queues, "events", faults.EffectActor, concurrency=16, wait_seconds=1.0)
        binding.start()
        index = RuleIndex()
        for name, pattern in faults.RULES.items():
            index.add(name, pattern)
        started = time.perf_counter()
        batch: list[OutgoingMessage] = []
        sent = 0
        for n in range(events):
            client = f"C-{n % keys:05d}"
            event = {
                "id": f"e{n:08d}", "detail-type": faults.KINDS[n % len(faults.KINDS)],
                "detail": {"client": client, "amount": 10 + n % 90}, "sent_at": time.time(),
            }  # fmt: skip
            if not index.match(event):
                continue
            batch.append(OutgoingMessage(json.dumps(event), group_id=client, deduplication_id=event["id"]))
            sent += 1
            if len(batch) == 10:
                await queues.send_batch("events", batch)
                batch = []
        if batch:
            await queues.send_batch("events", batch)
        while len(await store.keys("effect:")) < sent:
            await asyncio.sleep(0.5)
        elapsed = time.perf_counter() - started
        latencies = sorted([(await store.get(key))[0]["ms"] for key in await store.keys("effect:")])
        await binding.stop(5)
        database.close()
    return {
        "setup": "embedded (1 process, SQLite)", "handled": sent, "seconds": round(elapsed, 1),
        "events_per_second": round(sent / elapsed), "p50_ms": round(statistics.median(latencies)),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1]),
    }  # fmt: skip


def _distributed(workers: int, args: argparse.Namespace) -> dict[str, Any]:
    result = faults.main(
        ["--fault", "none", "--events", str(args.events), "--workers", str(workers), "--keys", str(args.keys),
         "--nats", args.nats, "--postgres", args.postgres, "--stall", "60"]
    )  # fmt: skip
    assert result is not None
    return {
        "setup": f"NATS, {workers} worker process{'es' if workers > 1 else ''}", "handled": result["handled"],
        "seconds": result["seconds"], "events_per_second": result["events_per_second"],
        "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=20_000, help="messages per queue run")
    parser.add_argument("--pipelines", type=int, default=16, help="concurrent send+drain pipelines")
    parser.add_argument("--shape", default="shared", choices=sorted(queue_engines.SHAPE_LABELS))
    parser.add_argument("--runs", type=int, default=3, help="queue runs per engine (median reported)")
    parser.add_argument("--events", type=int, default=5_000, help="events per end-to-end run")
    parser.add_argument("--keys", type=int, default=500, help="keyed actors (clients)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts for the NATS rows")
    parser.add_argument("--nats", default=faults.NATS_URL)
    parser.add_argument("--postgres", default=faults.POSTGRES_URL)
    args = parser.parse_args()
    console = Console()
    queue_engines.NATS_URL, queue_engines.POSTGRES_URL = args.nats, args.postgres
    queue_rates = {
        engine: statistics.median(
            queue_engines.run_engine(engine, args.messages, args.pipelines, args.shape)
            for _ in range(args.runs)
        )
        for engine in ("postgres", "nats")
    }
    table = Table(
        title=f"Queue send+receive+delete, batches of 10, {args.pipelines} pipelines on "
        f"{queue_engines.SHAPE_LABELS[args.shape]} (median of {args.runs})"
    )
    for column in ("engine", "messages", "messages/s", "target", "met"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    for engine, rate in queue_rates.items():
        target = TARGETS[engine]
        table.add_row(
            engine, f"{args.messages:,}", f"{rate:,.0f}", f"{target:,}", "yes" if rate >= target else "no"
        )
    table.add_row("dramatiq + Redis", "-", "see benchmarks/queues_throughput.py", "-", "-")
    console.print(table)
    rows = [asyncio.run(_embedded(args.events, args.keys))]
    rows += [_distributed(int(w), args) for w in args.workers.split(",")]
    end_to_end = Table(title=f"End to end: {args.events:,} events through rules into keyed actors")
    for column in ("setup", "handled", "seconds", "events/s", "p50 ms", "p99 ms"):
        end_to_end.add_column(column, justify="left" if column == "setup" else "right")
    columns = ("setup", "handled", "seconds", "events_per_second", "p50_ms", "p99_ms")
    for row in rows:
        end_to_end.add_row(*(str(row[k]) for k in columns))
    console.print(end_to_end)
    print(json.dumps({
        "benchmark": "distributed_throughput",
        "queues": {engine: round(rate) for engine, rate in queue_rates.items()},
        "end_to_end": rows,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
