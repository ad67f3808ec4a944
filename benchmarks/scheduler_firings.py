"""Scheduler: computing firing times, and firing due schedules end to end on the embedded store.

1. Next-firing computation with `hexad.runtime.schedules` against a naive baseline that walks the
   calendar minute by minute and tests each minute against the cron fields (what a simple cron
   implementation does). Median of 5 runs each.
2. End-to-end firing throughput: N `rate(1 minute)` schedules on the SQLite runtime file, a manual
   clock moved past their first firing, `run_once` until every firing is delivered to a sink.

Run: `uv run python benchmarks/scheduler_firings.py`
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.schedules import SqliteScheduleStore
from hexad.ports.schedules import Schedule
from hexad.runtime.clock import ManualClock
from hexad.runtime.schedules.cron import CronExpression, parse_cron
from hexad.runtime.schedules.expressions import next_firings
from hexad.runtime.schedules.service import SchedulerService

RUNS = 5
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
CASES = [
    ("every 5 minutes", "*/5 * * * ? *", 2000),
    ("weekdays 09:00", "0 9 ? * MON-FRI *", 500),
    ("fifth Friday 08:30", "30 8 ? * 6#5 *", 20),
    ("last day of month", "0 0 L * ? *", 36),
]


def naive_firings(cron: CronExpression, count: int) -> list[datetime]:
    """Walk minute by minute from SINCE and keep the minutes that match every field."""
    found: list[datetime] = []
    moment = SINCE.replace(tzinfo=None)
    while len(found) < count:
        if (
            moment.minute in cron.minutes
            and moment.hour in cron.hours
            and moment.month in cron.months
            and moment.year in cron.years
            and moment.day in cron.day_of_month.days(moment.year, moment.month)
            and moment.day in cron.day_of_week.days(moment.year, moment.month)
        ):
            found.append(moment)
        moment += timedelta(minutes=1)
    return found


def median_ms(action: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def firing_throughput(schedules: int) -> float:
    """Firings delivered per second when `schedules` schedules fall due at once."""
    with tempfile.TemporaryDirectory() as folder:
        database = SqliteDatabase(Path(folder) / "runtime.db")
        clock = ManualClock(SINCE)
        delivered = 0

        async def sink(schedule: Schedule, scheduled_time: datetime, input: str, *, firing_id: str) -> None:
            nonlocal delivered
            delivered += 1

        service = SchedulerService(SqliteScheduleStore(database), clock, sink)
        for index in range(schedules):
            await service.add(Schedule(name=f"s{index}", expression="rate(1 minute)"))
        clock.advance(61)
        started = time.perf_counter()
        while delivered < schedules:
            await service.run_once()
        elapsed = time.perf_counter() - started
        database.close()
        return delivered / elapsed


def main() -> None:
    console = Console()
    table = Table(title="Next-firing computation (median of 5 runs)")
    for column in ("schedule", "firings", "hexad ms", "naive minute scan ms", "speed-up"):
        table.add_column(column, justify="right" if column != "schedule" else "left")
    results: dict[str, object] = {}
    for label, body, count in CASES:
        cron = parse_cron(body)
        ours = median_ms(lambda b=body, c=count: next_firings(f"cron({b})", "UTC", SINCE, c))
        naive = median_ms(lambda c=cron, n=count: naive_firings(c, n))
        assert [m.replace(tzinfo=None) for m in next_firings(f"cron({body})", "UTC", SINCE, count)] == (
            naive_firings(cron, count)
        ), f"hexad and the naive scan disagree on {body}"
        table.add_row(label, str(count), f"{ours:.2f}", f"{naive:.1f}", f"{naive / ours:.0f}x")
        results[label] = {"firings": count, "hexad_ms": round(ours, 3), "naive_ms": round(naive, 1)}
    console.print(table)
    rates = [asyncio.run(firing_throughput(2000)) for _ in range(3)]
    rate = statistics.median(rates)
    console.print(
        f"End-to-end: 2,000 due rate() schedules fired on SQLite: {rate:,.0f} firings/s (median of 3)"
    )
    results["end_to_end_firings_per_second"] = round(rate)
    print(json.dumps({"benchmark": "scheduler_firings", **results}))


if __name__ == "__main__":
    main()
