"""`hexad events ...`: put an event, follow a bus live, search its archive, read counters, manage buses."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hexad.errors import ValidationError
from hexad.ports.bus import BusStats
from hexad.runtime.events import Event, format_time, parse_time
from hexad.runtime.patterns import compile_pattern
from hexad.wiring import bus_firing_sink, event_bus, scheduler

__all__ = ["app", "read_json_option", "read_time_option"]

app = typer.Typer(help="Put, follow and search events on an event bus.", no_args_is_help=True)


def read_json_option(value: str, option: str) -> Any:
    """JSON given inline (starting with `{` or `[`) or as a file path; `ValidationError` says which."""
    text = value
    if not value.lstrip().startswith(("{", "[")):
        path = Path(value)
        if not path.is_file():
            raise ValidationError(f"{option}: expected inline JSON or a JSON file, and {value!r} is neither")
        text = path.read_text()
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"{option}: {value!r} is not valid JSON: {exc}") from None


def read_time_option(value: str | None, option: str) -> Any:
    """An ISO 8601 time option (UTC when it has no offset), or None."""
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise ValidationError(
            f"{option}: expected an ISO 8601 time such as 2026-03-01T09:00:00Z, got {value!r}"
        ) from None


@app.command("put")
def put(
    source: str = typer.Option(..., "--source", help="the event's source, e.g. hexad.cpi"),
    detail_type: str = typer.Option(..., "--detail-type", help="the event's detail-type"),
    detail: str = typer.Option("{}", "--detail", help="the detail: a JSON object"),
    bus: str = typer.Option("default", "--bus", help="the event bus"),
    resources: Annotated[
        list[str] | None, typer.Option("--resource", help="a resource the event is about (repeatable)")
    ] = None,
    as_json: bool = typer.Option(False, "--json", help="print PutEvents' result as JSON"),
) -> None:
    """Put one event; prints its id, or the entry's error code and message (exit 1)."""
    entry = {
        "Source": source,
        "DetailType": detail_type,
        "Detail": detail,
        "EventBusName": bus,
        "Resources": resources,
    }
    result = asyncio.run(event_bus().put_events([entry]))
    outcome = result.entries[0]
    if as_json:
        shown = {"FailedEntryCount": result.failed_entry_count, "Entries": [_entry_json(outcome)]}
        typer.echo(json.dumps(shown, indent=2))
    elif outcome.event_id:
        typer.echo(outcome.event_id)
    if outcome.error_code:
        if not as_json:
            typer.echo(f"error: {outcome.error_code}: {outcome.error_message}", err=True)
        raise typer.Exit(1)


def _entry_json(outcome: Any) -> dict[str, Any]:
    if outcome.event_id:
        return {"EventId": outcome.event_id}
    return {"ErrorCode": outcome.error_code, "ErrorMessage": outcome.error_message}


@app.command("tail")
def tail(
    bus: str = typer.Option("default", "--bus", help="the event bus to follow"),
    pattern: str | None = typer.Option(
        None, "--pattern", help="only events matching this pattern (file or JSON)"
    ),
    last: int = typer.Option(0, "--last", min=0, help="first show this many archived events"),
    count: int | None = typer.Option(None, "--count", min=1, help="stop after this many events"),
    interval: float = typer.Option(0.5, "--interval", min=0.05, help="seconds between looks at the archive"),
) -> None:
    """Print events as they arrive on the bus, one JSON envelope per line (Ctrl-C stops)."""
    matcher = None if pattern is None else compile_pattern(read_json_option(pattern, "--pattern"))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_follow(bus, matcher, last, count, interval))


async def _follow(bus_name: str, matcher: Any, last: int, count: int | None, interval: float) -> None:
    bus = event_bus()
    await bus.get_bus(bus_name)
    after = max(0, await bus.store.last_sequence(bus_name) - last)
    shown = 0
    while count is None or shown < count:
        page = await bus.archived_after(bus_name, after, 500)
        for archived in page:
            after = archived.sequence
            envelope = archived.event.to_dict()
            if matcher is None or matcher.matches(envelope):
                typer.echo(json.dumps(envelope))
                shown += 1
                if count is not None and shown >= count:
                    return
        if not page:
            await asyncio.sleep(interval)


@app.command("search")
def search(
    bus: str = typer.Option("default", "--bus", help="the event bus"),
    pattern: str | None = typer.Option(None, "--pattern", help="an event pattern (file or JSON)"),
    start: str | None = typer.Option(None, "--from", help="event time at or after, ISO 8601"),
    end: str | None = typer.Option(None, "--to", help="event time before, ISO 8601"),
    limit: int = typer.Option(100, "--limit", min=1, help="at most this many events"),
    as_json: bool = typer.Option(False, "--json", help="print JSON envelopes instead of a table"),
) -> None:
    """Archived events of a bus, oldest first."""
    found = asyncio.run(
        event_bus().search(
            bus,
            pattern=None if pattern is None else read_json_option(pattern, "--pattern"),
            start=read_time_option(start, "--from"),
            end=read_time_option(end, "--to"),
            limit=limit,
        )
    )
    if as_json:
        typer.echo(json.dumps([event.to_dict() for event in found], indent=2))
        return
    Console().print(_events_table(found, bus))


def _events_table(events: list[Event], bus: str) -> Table:
    table = Table("time", "source", "detail-type", "id", "detail", title=f"Events on {bus}")
    for event in events:
        detail = json.dumps(dict(event.detail))
        table.add_row(format_time(event.time), event.source, event.detail_type, event.id, detail[:60])
    return table


@app.command("deliver")
def deliver(
    with_scheduler: bool = typer.Option(
        True,
        "--scheduler/--no-scheduler",
        help="also fire schedules (scheduled rules, bus and queue targets)",
    ),
) -> None:
    """Run the delivery loop (and the scheduler) on the runtime file until SIGTERM or Ctrl-C."""
    asyncio.run(_deliver(with_scheduler))


async def _deliver(with_scheduler: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    bus = event_bus()
    tasks = [asyncio.create_task(bus.run(stop))]
    if with_scheduler:
        tasks.append(asyncio.create_task(scheduler(sink=bus_firing_sink()).run(stop)))
    typer.echo("delivering events" + (" and firing schedules" if with_scheduler else "") + "; Ctrl-C stops")
    await asyncio.gather(*tasks)
    await bus.close()


@app.command("buses")
def buses(as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table")) -> None:
    """Every event bus with its archive retention and event count."""
    service = event_bus()
    found = asyncio.run(service.list_buses())
    rows = [
        {"name": bus.name, "archive_retention_days": bus.archive_retention_days, **_counts(service, bus.name)}
        for bus in found
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("bus", "archive retention (days)", "events", "pending deliveries", title="Event buses")
    for row in rows:
        retention = str(row["archive_retention_days"] or "forever")
        table.add_row(str(row["name"]), retention, str(row["events"]), str(row["pending"]))
    Console().print(table)


def _counts(service: Any, bus: str) -> dict[str, int]:
    stats: BusStats = service.stats(bus)
    return {"events": stats.counters.get("events", 0), "pending": stats.pending}


@app.command("create-bus")
def create_bus(
    name: str = typer.Argument(..., help="the bus name: letters, digits, '.', '-', '_'"),
    retention_days: int = typer.Option(7, "--retention-days", min=0, help="archive retention (0: forever)"),
) -> None:
    """Create an event bus."""
    asyncio.run(event_bus().create_bus(name, archive_retention_days=retention_days))
    typer.echo(f"created event bus {name} (archive retention {retention_days or 'forever'} days)")


@app.command("update-bus")
def update_bus(
    name: str = typer.Argument(..., help="the bus name"),
    retention_days: int = typer.Option(..., "--retention-days", min=0, help="archive retention (0: forever)"),
) -> None:
    """Change how long a bus's archive keeps events."""
    asyncio.run(event_bus().update_bus(name, archive_retention_days=retention_days))
    typer.echo(f"event bus {name} keeps events {retention_days or 'forever'} days")


@app.command("delete-bus")
def delete_bus(name: str = typer.Argument(..., help="the bus name")) -> None:
    """Delete an event bus and its archive (it must have no rules; `default` stays)."""
    asyncio.run(event_bus().delete_bus(name))
    typer.echo(f"deleted event bus {name}")


@app.command("stats")
def stats(
    bus: str = typer.Option("default", "--bus", help="the event bus"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """The bus's counters (events, matched, unmatched) and each rule's delivery counters."""
    service = event_bus()
    asyncio.run(service.get_bus(bus))
    counters = service.stats(bus)
    if as_json:
        typer.echo(json.dumps(_stats_json(counters), indent=2))
        return
    Console().print(_stats_table(counters))


def _stats_json(stats: BusStats) -> dict[str, Any]:
    return {
        "bus": stats.bus,
        "counters": dict(stats.counters),
        "rules": {name: dict(values) for name, values in stats.rules.items()},
        "pending": stats.pending,
        "failed": stats.failed,
    }


def _stats_table(stats: BusStats) -> Table:
    names = ("matched", "delivered", "retried", "failed", "dead_lettered")
    table = Table("rule", *names, title=f"Bus {stats.bus}: {_summary(stats)}")
    for rule, values in sorted(stats.rules.items()):
        table.add_row(rule, *(str(values.get(name, 0)) for name in names))
    return table


def _summary(stats: BusStats) -> str:
    counters = stats.counters
    return (
        f"{counters.get('events', 0)} events, {counters.get('matched', 0)} matched, "
        f"{counters.get('unmatched', 0)} unmatched; {stats.pending} deliveries pending, {stats.failed} failed"
    )
