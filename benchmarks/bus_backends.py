"""Event bus store on SQLite, PostgreSQL and NATS JetStream: puts/s and deliveries/s through the outbox.

A producer bus puts `--events` events in batches of 10 (`put_events`: archive + one outbox row per
matched target + counters, one transaction per batch), as another process would; a dispatcher bus on
the same data then claims and delivers them to a callable target (`dispatch_pending`, 100 per claim,
claim and settle one transaction each). puts/s = events / time to put them all; deliveries/s =
events / time to deliver them all; end to end = events / (put + delivery time). Each figure is the
median of `--runs` runs, each on a fresh SQLite file, PostgreSQL schema or JetStream stream (dropped
afterwards). On NATS the two buses are two `NatsBusStore`s (two connections and tails) in one process.

Run: `uv run python benchmarks/bus_backends.py [--events 5000] [--runs 3] [--backends sqlite,postgres,nats]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from hexad.adapters.nats.bus import NatsBusStore
from hexad.adapters.nats.log import delete_stream
from hexad.adapters.nats.loop import call
from hexad.adapters.postgres.bus import PostgresBusStore
from hexad.adapters.postgres.database import PostgresDatabase
from hexad.adapters.sqlite.bus import SqliteBusStore
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.ports.bus import BusStore, Rule, Target
from hexad.runtime.bus import EventBus
from hexad.runtime.clock import SystemClock

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
NATS_URL = "nats://127.0.0.1:4222"


async def one_run(stores: tuple[BusStore, BusStore], events: int) -> dict[str, float]:
    producer, dispatcher = (EventBus(store, SystemClock()) for store in stores)
    delivered: list[Any] = []
    dispatcher.register_callable("sink", delivered.append)
    rule = Rule("all", event_pattern={"source": ["bench"]}, targets=(Target("t", "callable", "sink"),))
    await producer.put_rule(rule)
    entry = {"Source": "bench", "DetailType": "tick", "Detail": json.dumps({"n": 1})}
    started = time.perf_counter()
    for _ in range(events // 10):
        result = await producer.put_events([entry] * 10)
        assert result.failed_entry_count == 0
    put_seconds = time.perf_counter() - started
    started = time.perf_counter()
    while len(delivered) < events:
        if not await dispatcher.dispatch_pending(limit=100):
            await asyncio.sleep(0.01)
    deliver_seconds = time.perf_counter() - started
    return {
        "puts_per_second": events / put_seconds,
        "deliveries_per_second": events / deliver_seconds,
        "end_to_end_per_second": events / (put_seconds + deliver_seconds),
    }


async def sqlite_run(events: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "runtime.db"
        return await one_run(
            (SqliteBusStore(SqliteDatabase(path)), SqliteBusStore(SqliteDatabase(path))), events
        )


async def postgres_run(url: str, events: int) -> dict[str, float]:
    schema = f"busbench_{uuid.uuid4().hex[:10]}"
    databases = [PostgresDatabase(url, schema=schema, max_size=2) for _ in range(2)]
    try:
        stores = (PostgresBusStore(databases[0]), PostgresBusStore(databases[1]))
        return await one_run(stores, events)
    finally:
        for database in databases:
            database.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def nats_run(url: str, events: int) -> dict[str, float]:
    stream = f"BUSBENCH_{uuid.uuid4().hex[:10].upper()}"
    stores = (NatsBusStore(url, stream=stream), NatsBusStore(url, stream=stream))
    try:
        return await one_run(stores, events)
    finally:
        for store in stores:
            await store.close()
        await call(delete_stream(url, stream))


async def backend_run(backend: str, args: argparse.Namespace) -> dict[str, float]:
    if backend == "sqlite":
        return await sqlite_run(args.events)
    if backend == "postgres":
        return await postgres_run(args.postgres, args.events)
    if backend == "nats":
        return await nats_run(args.nats, args.events)
    raise SystemExit(f"unknown backend {backend!r}: expected sqlite, postgres or nats")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default=POSTGRES_URL)
    parser.add_argument("--nats", default=NATS_URL)
    parser.add_argument("--backends", default="sqlite,postgres,nats", help="comma-separated")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for backend in args.backends.split(","):
        runs = [asyncio.run(backend_run(backend, args)) for _ in range(args.runs)]
        results[backend] = {key: round(statistics.median(run[key] for run in runs)) for key in runs[0]}
    table = Table(
        title=f"Event bus store, {args.events} events in batches of 10 (median of {args.runs} runs)"
    )
    for column in ("backend", "puts/s", "deliveries/s", "end to end/s"):
        table.add_column(column, justify="right")
    for backend, figures in results.items():
        table.add_row(backend, *(f"{value:,}" for value in figures.values()))
    Console().print(table)
    print(json.dumps({"benchmark": "bus_backends", "events": args.events, "runs": args.runs, **results}))


if __name__ == "__main__":
    main()
