"""Event bus: put -> delivered latency at 1,000 events/s, and the maximum throughput.

1. Latency at a paced 1,000 events/s (one event per `put_events`), measured from just before the put
   to the moment the target has the event, for a callable target (in process) and a queue target
   (a durable send to a queue on the same SQLite file). The delivery loop runs in the same process
   and is woken by the put.
2. Baseline side by side: the same load put through a second bus instance, as another process
   would, so the delivery loop only learns of events by polling the outbox (every 0.5 s).
3. Maximum throughput: batches of 10 events put as fast as one producer can while the loop
   delivers them to a callable target; events delivered per second, end to end.

Each figure is the median of several runs on a fresh runtime file. Targets (issue 3): p50 < 5 ms,
p99 < 50 ms. EventBridge's typical latency is about 0.5 s. Latency depends on the CPU this process
gets: the table shows the machine's load average and the CPU each event cost, which does not.

Run: `uv run python benchmarks/bus_latency.py [--seconds 2] [--runs 3]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hexad.adapters.sqlite.bus import SqliteBusStore
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.ports.bus import Delivery, Rule, Target
from hexad.runtime.bus import EventBus
from hexad.runtime.bus.targets import queue_handler
from hexad.runtime.clock import SystemClock
from hexad.runtime.queues import QueueService

RATE = 1000.0


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Setup:
    """A fresh runtime file with one rule to the chosen target, and a latency recorder."""

    def __init__(self, folder: str, target_kind: str) -> None:
        database = SqliteDatabase(Path(folder) / "runtime.db")
        self.queues = QueueService(SqliteQueueBackend(database), SystemClock())
        self.bus = EventBus(SqliteBusStore(database), SystemClock(), queues=self.queues, poll_seconds=0.5)
        self.other = EventBus(SqliteBusStore(database), SystemClock())
        self.put_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.delivered = asyncio.Event()
        self.expected = 0
        self.kind = target_kind

    async def prepare(self) -> None:
        target = Target("t", "callable", "recorder")
        if self.kind == "queue":
            await self.queues.ensure_queue("sink")
            target = Target("t", "queue", "sink")
            self.bus.register_target_handler("queue", self._timed_queue_send())
        self.bus.register_callable("recorder", self._record)
        await self.bus.put_rule(Rule("all", event_pattern={"source": ["bench"]}, targets=(target,)))

    def _record(self, payload: dict[str, Any]) -> None:
        self._arrived(payload["id"])

    def _arrived(self, event_id: str) -> None:
        started = self.put_at.get(event_id)
        if started is not None:
            self.latencies.append((time.perf_counter() - started) * 1000)
        if len(self.latencies) >= self.expected:
            self.delivered.set()

    def _timed_queue_send(self) -> Callable[[Delivery, str], Awaitable[None]]:
        builtin = queue_handler(self.queues)

        async def send(delivery: Delivery, payload: str) -> None:
            await builtin(delivery, payload)  # the bus's own queue target, timed when the send returned
            self._arrived(delivery.event.id)

        return send


async def paced_latency(kind: str, seconds: float, *, polled: bool) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, CPU ms per event) of `seconds` at RATE events/s; `polled` puts via another bus."""
    with tempfile.TemporaryDirectory() as folder:
        setup = Setup(folder, kind)
        await setup.prepare()
        total = int(RATE * seconds)
        setup.expected = total
        stop = asyncio.Event()
        loop = asyncio.create_task(setup.bus.run(stop))
        putter = setup.other if polled else setup.bus
        cpu_start = time.process_time()
        start = time.perf_counter()
        for number in range(total):
            delay = start + number / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            entry = {"Source": "bench", "DetailType": "tick", "Detail": {"n": number}}
            began = time.perf_counter()
            result = await putter.put_events([entry])
            setup.put_at[str(result.entries[0].event_id)] = began
        await asyncio.wait_for(setup.delivered.wait(), timeout=60)
        cpu_per_event = (time.process_time() - cpu_start) * 1000 / total
        stop.set()
        await loop
        return percentile(setup.latencies, 0.5), percentile(setup.latencies, 0.99), cpu_per_event


async def max_throughput(seconds: float) -> tuple[float, float]:
    """(events put per second, events delivered per second end to end) with batches of 10."""
    with tempfile.TemporaryDirectory() as folder:
        setup = Setup(folder, "callable")
        await setup.prepare()
        setup.expected = 10**9
        stop = asyncio.Event()
        loop = asyncio.create_task(setup.bus.run(stop))
        start = time.perf_counter()
        sent = 0
        while time.perf_counter() - start < seconds:
            batch = [{"Source": "bench", "DetailType": "tick", "Detail": {"n": sent + i}} for i in range(10)]
            result = await setup.bus.put_events(batch)
            now = time.perf_counter()
            for entry in result.entries:
                setup.put_at[str(entry.event_id)] = now
            sent += 10
            await asyncio.sleep(0)
        put_seconds = time.perf_counter() - start
        while len(setup.latencies) < sent:
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - start
        stop.set()
        await loop
        return sent / put_seconds, sent / elapsed


def median_of(runs: int, action: Callable[[], Any]) -> tuple[float, ...]:
    results = [asyncio.run(action()) for _ in range(runs)]
    return tuple(statistics.median(values) for values in zip(*results, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds of load per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (medians are reported)")
    options = parser.parse_args()
    seconds, runs = options.seconds, options.runs
    callable_p50, callable_p99, callable_cpu = median_of(
        runs, lambda: paced_latency("callable", seconds, polled=False)
    )
    queue_p50, queue_p99, queue_cpu = median_of(runs, lambda: paced_latency("queue", seconds, polled=False))
    polled_p50, polled_p99, polled_cpu = median_of(
        runs, lambda: paced_latency("callable", seconds, polled=True)
    )
    put_rate, delivered_rate = median_of(runs, lambda: max_throughput(seconds))

    load = os.getloadavg()[0]
    title = f"Bus put -> delivered at {RATE:,.0f} events/s (load average {load:.1f} on {os.cpu_count()} CPUs)"
    table = Table("scenario", "p50 ms", "p99 ms", "CPU ms/event", title=title)
    table.add_row(
        "callable target, woken by the put",
        f"{callable_p50:.2f}",
        f"{callable_p99:.2f}",
        f"{callable_cpu:.3f}",
    )
    table.add_row(
        "queue target (durable send), woken", f"{queue_p50:.2f}", f"{queue_p99:.2f}", f"{queue_cpu:.3f}"
    )
    table.add_row(
        "baseline: put from another bus, polled",
        f"{polled_p50:.2f}",
        f"{polled_p99:.2f}",
        f"{polled_cpu:.3f}",
    )
    table.add_row("EventBridge typical (documented, not measured)", "~500", "-", "-")
    Console().print(table)
    throughput = Table("figure", "events/s", title="Maximum throughput (batches of 10, one producer)")
    throughput.add_row("put_events accepted (durable)", f"{put_rate:,.0f}")
    throughput.add_row("delivered end to end", f"{delivered_rate:,.0f}")
    Console().print(throughput)
    print(
        json.dumps(
            {
                "benchmark": "bus_latency",
                "rate_events_per_second": RATE,
                "seconds_per_run": seconds,
                "runs": runs,
                "callable_p50_ms": round(callable_p50, 3),
                "callable_p99_ms": round(callable_p99, 3),
                "queue_p50_ms": round(queue_p50, 3),
                "queue_p99_ms": round(queue_p99, 3),
                "callable_cpu_ms_per_event": round(callable_cpu, 3),
                "queue_cpu_ms_per_event": round(queue_cpu, 3),
                "load_average": round(load, 2),
                "baseline_polled_p50_ms": round(polled_p50, 3),
                "baseline_polled_p99_ms": round(polled_p99, 3),
                "max_put_events_per_second": round(put_rate),
                "max_delivered_events_per_second": round(delivered_rate),
                "targets_met": callable_p50 < 5 and callable_p99 < 50 and queue_p50 < 5 and queue_p99 < 50,
            }
        )
    )


if __name__ == "__main__":
    main()
