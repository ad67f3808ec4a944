"""Queues: durable send + receive + delete throughput on the embedded SQLite backend.

Each run sends N messages in batches of 10 (`send_batch`), then drains the queue with
`receive(max_messages=10)` + `delete_batch`, through `QueueService` on a fresh runtime file. A message
counts once it has been sent, received and deleted; messages/s = N / total time. Side by side:

- the same work one message per call (send, receive one, delete one): the baseline a caller gets
  without batches, three transactions per message instead of three per ten;
- `synchronous=NORMAL` (the runtime file's setting: a commit survives a killed process) and
  `synchronous=FULL` (an fsync per commit: it also survives a power cut);
- a standard queue and a FIFO queue (10 message groups, content-based deduplication).

Then the latency from `send` to a consumer blocked in a long poll in the same process (p50/p99).

Median of RUNS runs each. Target (issue 3): >= 5,000 messages/s durable with batches of 10.

Then every engine side by side (`benchmarks/queue_engines.py`): Hexad on SQLite, PostgreSQL and NATS
JetStream (`--pipelines` concurrent pipelines, batches of 10, in two shapes: all pipelines sharing one
standard queue, as workers share a mailbox, and each pipeline on a queue of its own) and Dramatiq on
the local Redis running the same no-op jobs with as many worker threads on its one queue. Targets (issue 9):
>= 10,000 msg/s on PostgreSQL and >= 30,000 on NATS with batching. An engine whose server does not
answer on localhost is reported as skipped. The machine's load average is printed with the table.

Run: `uv run python benchmarks/queues_throughput.py [--messages N] [--runs R] [--engines-only]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.ports.queue import OutgoingMessage
from hexad.runtime.clock import SystemClock
from hexad.runtime.queues import QueueService

sys.path.insert(0, str(Path(__file__).resolve().parent))
import queue_engines  # the sibling module: the same load on every engine

TARGET = 5_000
BODY = '{"event": "client.profitability.changed", "client": "C-%06d", "margin": 0.41}'


async def _batched(service: QueueService, queue: str, count: int, fifo: bool) -> float:
    started = time.perf_counter()
    for start in range(0, count, 10):
        await service.send_batch(
            queue,
            [
                OutgoingMessage(BODY % i, group_id=f"g{i % 10}" if fifo else None)
                for i in range(start, start + 10)
            ],
        )
    done = 0
    while done < count:
        batch = await service.receive(queue, max_messages=10)
        await service.delete_batch(queue, [m.receipt_handle for m in batch])
        done += len(batch)
    return count / (time.perf_counter() - started)


async def _single(service: QueueService, queue: str, count: int, fifo: bool) -> float:
    started = time.perf_counter()
    for i in range(count):
        await service.send(queue, BODY % i, group_id=f"g{i % 10}" if fifo else None)
    for _ in range(count):
        [message] = await service.receive(queue)
        await service.delete(queue, message.receipt_handle)
    return count / (time.perf_counter() - started)


async def _run(synchronous: str, fifo: bool, batched: bool, count: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        database = SqliteDatabase(Path(folder) / "runtime.db")
        database.execute(f"PRAGMA synchronous={synchronous}")
        service = QueueService(SqliteQueueBackend(database), SystemClock())
        await service.ensure_queue("bench", fifo=fifo, content_based_deduplication=fifo)
        rate = await (_batched if batched else _single)(service, "bench", count, fifo)
        database.close()
        return rate


async def _wake_up_latencies(count: int) -> list[float]:
    """Milliseconds from `send` called to the message in a long-polling consumer's hands (same process)."""
    with tempfile.TemporaryDirectory() as folder:
        database = SqliteDatabase(Path(folder) / "runtime.db")
        service = QueueService(SqliteQueueBackend(database), SystemClock())
        await service.ensure_queue("latency")
        latencies: list[float] = []

        async def consume() -> None:
            while len(latencies) < count:
                for message in await service.receive("latency", max_messages=10, wait_seconds=20):
                    latencies.append((time.perf_counter() - float(message.body)) * 1000)
                    await service.delete("latency", message.receipt_handle)

        consumer = asyncio.create_task(consume())
        for _ in range(count):
            await asyncio.sleep(0.002)
            await service.send("latency", repr(time.perf_counter()))
        await consumer
        database.close()
        return latencies


def _median(runs: int, synchronous: str, fifo: bool, batched: bool, count: int) -> float:
    return statistics.median(asyncio.run(_run(synchronous, fifo, batched, count)) for _ in range(runs))


def _engines(options: argparse.Namespace, console: Console) -> dict[str, object]:
    """Every engine's median messages/s over `options.runs` runs in both shapes, printed as one table."""
    load = os.getloadavg()[0]
    table = Table(
        title=f"Every engine: send + receive + delete, batches of 10, {options.pipelines} pipelines, "
        f"{options.engine_messages:,} messages (median of {options.runs} runs; load average {load:.1f})"
    )
    for column in ("engine", "shape", "messages/s", "runs", "target", "met"):
        table.add_column(column, justify="left" if column in ("engine", "shape") else "right")
    results: dict[str, object] = {"load_average": round(load, 1), "pipelines": options.pipelines}
    for engine in queue_engines.ENGINES:
        label = queue_engines.LABELS[engine]
        if not queue_engines.available(engine):
            table.add_row(label, "-", "skipped: server not running", "-", "-", "-")
            continue
        for shape in queue_engines.SHAPES[engine]:
            rates = [queue_engines.run_engine(engine, options.engine_messages, options.pipelines, shape)
                     for _ in range(options.runs)]  # fmt: skip
            median = statistics.median(rates)
            target = queue_engines.TARGETS.get(engine)
            spread = f"{min(rates):,.0f}-{max(rates):,.0f}"
            met = "-" if target is None else "yes" if median >= target else "no"
            table.add_row(label, queue_engines.SHAPE_LABELS[shape], f"{median:,.0f}", spread,
                          f"{target:,}" if target else "-", met)  # fmt: skip
            results[f"{engine}_{shape}"] = {
                "median": round(median), "runs": [round(rate) for rate in rates], "target": target
            }  # fmt: skip
    console.print(table)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000, help="messages per batched NORMAL run")
    parser.add_argument("--runs", type=int, default=3, help="runs per case (median reported)")
    parser.add_argument("--latency-messages", type=int, default=500, help="messages for the wake-up latency")
    parser.add_argument("--engine-messages", type=int, default=20_000, help="messages per engine run")
    parser.add_argument("--pipelines", type=int, default=16, help="concurrent pipelines (Dramatiq: threads)")
    parser.add_argument("--engines-only", action="store_true", help="only the engines side by side")
    options = parser.parse_args()
    if options.engines_only:
        engines = _engines(options, Console())
        print(json.dumps({"benchmark": "queues_throughput", "engines": engines}))
        return
    table = Table(title=f"Queue send + receive + delete, messages/s (median of {options.runs} runs)")
    for column in (
        "queue",
        "synchronous",
        "messages",
        "batches of 10",
        "one per call (baseline)",
        "speed-up",
    ):
        table.add_column(column, justify="left" if column in ("queue", "synchronous") else "right")
    results: dict[str, object] = {}
    for kind, fifo in (("standard", False), ("fifo", True)):
        for synchronous in ("NORMAL", "FULL"):
            # an fsync per commit makes FULL slow: fewer messages keep the default run short
            count = options.messages // (10 if synchronous == "FULL" else 2 if fifo else 1)
            batched = _median(options.runs, synchronous, fifo, True, count)
            single = _median(options.runs, synchronous, fifo, False, max(10, count // 10))
            table.add_row(kind, synchronous, f"{count:,}", f"{batched:,.0f}", f"{single:,.0f}",
                          f"{batched / single:.1f}x")  # fmt: skip
            results[f"{kind}_{synchronous.lower()}"] = {
                "messages": count, "batched": round(batched), "single": round(single)
            }  # fmt: skip
    console = Console()
    console.print(table)
    latencies = sorted(asyncio.run(_wake_up_latencies(options.latency_messages)))
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    console.print(
        f"send -> long-polling consumer in the same process: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
        f"({len(latencies)} messages, one every 2 ms)"
    )
    results["long_poll_wake_up_ms"] = {"p50": round(p50, 3), "p99": round(p99, 3)}
    headline = results["standard_normal"]
    assert isinstance(headline, dict)
    verdict = "meets" if headline["batched"] >= TARGET else "misses"
    console.print(
        f"standard queue, batches of 10, synchronous=NORMAL: {headline['batched']:,} msg/s "
        f"({verdict} the {TARGET:,} msg/s target)"
    )
    results["engines"] = _engines(options, console)
    print(json.dumps({"benchmark": "queues_throughput", "target": TARGET, **results}))


if __name__ == "__main__":
    main()
