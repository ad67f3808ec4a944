"""`hexad schedules ...`: add, list, remove schedules and preview when they fire."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from hexad.errors import NotFoundError, ScheduleError
from hexad.ports.schedules import BusTarget, QueueTarget, Schedule, ScheduleRecord, Target
from hexad.runtime.schedules.expressions import next_firings, time_zone
from hexad.wiring import scheduler

__all__ = ["app"]

app = typer.Typer(help="Manage schedules (EventBridge Scheduler expressions).", no_args_is_help=True)

_EXPRESSION = re.compile(r"^\s*(cron|rate|at)\(", re.IGNORECASE)


def _moment(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ScheduleError(
            f"{option}: expected an ISO 8601 date such as 2026-03-01T09:00:00Z, got {text}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _target(bus: str | None, queue: str | None, source: str, detail_type: str) -> Target:
    if bus and queue:
        raise ScheduleError("target: expected --target-bus or --target-queue, not both")
    if queue:
        return QueueTarget(queue)
    return BusTarget(bus or "default", source, detail_type)


def _local(seconds: float | None, zone: str) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, UTC).astimezone(time_zone(zone)).isoformat()


def _as_dict(record: ScheduleRecord) -> dict[str, Any]:
    schedule = record.schedule
    return {
        "name": schedule.name,
        "expression": schedule.expression,
        "timezone": schedule.timezone,
        "state": schedule.state,
        "target": schedule.target.as_dict(),
        "input": schedule.input,
        "window_minutes": schedule.window_minutes,
        "start": schedule.start.isoformat() if schedule.start else None,
        "end": schedule.end.isoformat() if schedule.end else None,
        "missed": schedule.missed,
        "delete_after_completion": schedule.delete_after_completion,
        "next_firing": _local(record.next_scheduled_at, schedule.timezone) or None,
        "next_due": _local(record.next_due_at, schedule.timezone) or None,
    }


@app.command("list")
def list_schedules(
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Every schedule with its next firing, in its own time zone."""
    records = asyncio.run(scheduler().list())
    if as_json:
        typer.echo(json.dumps([_as_dict(record) for record in records], indent=2))
        return
    table = Table(
        "name", "expression", "time zone", "state", "target", "window", "next firing", title="Schedules"
    )
    for record in records:
        shown = _as_dict(record)
        target = ", ".join(f"{k}={v}" for k, v in shown["target"].items() if k != "type")
        window = f"{shown['window_minutes']} min" if shown["window_minutes"] else "off"
        table.add_row(
            shown["name"], shown["expression"], shown["timezone"], shown["state"], target, window,
            shown["next_firing"] or "-",
        )  # fmt: skip
    Console().print(table)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="unique name: letters, digits, '.', '-', '_'"),
    expression: str = typer.Argument(..., help="cron(...), rate(...) or at(...)"),
    tz: str = typer.Option("UTC", "--tz", help="IANA time zone the expression is read in"),
    target_bus: str | None = typer.Option(None, "--target-bus", help="publish to this event bus"),
    target_queue: str | None = typer.Option(None, "--target-queue", help="send to this queue"),
    source: str = typer.Option("hexad.scheduler", "--source", help="event source (bus targets)"),
    detail_type: str = typer.Option("Scheduled Event", "--detail-type", help="event detail-type (bus)"),
    input_json: str = typer.Option("{}", "--input", help="JSON text handed to the target"),
    window_minutes: int | None = typer.Option(None, "--window-minutes", help="flexible window, 1-1440"),
    start: str | None = typer.Option(None, "--start", help="first possible firing, ISO 8601 (UTC if naive)"),
    end: str | None = typer.Option(None, "--end", help="no firing at or after, ISO 8601 (UTC if naive)"),
    missed: str = typer.Option("fire_once", "--missed", help="after downtime: fire_once or skip"),
    disabled: bool = typer.Option(False, "--disabled", help="store it without firing"),
    delete_after: bool = typer.Option(False, "--delete-after-completion", help="delete after last firing"),
) -> None:
    """Add a schedule and print its next firing."""
    schedule = Schedule(
        name=name,
        expression=expression,
        target=_target(target_bus, target_queue, source, detail_type),
        timezone=tz,
        input=input_json,
        state="DISABLED" if disabled else "ENABLED",
        window_minutes=window_minutes,
        start=_moment(start, "--start"),
        end=_moment(end, "--end"),
        missed=missed,  # type: ignore[arg-type]  # validated by the service
        delete_after_completion=delete_after,
    )
    record = asyncio.run(scheduler().add(schedule))
    next_firing = _local(record.next_scheduled_at, tz) or "never (no firing left)"
    typer.echo(f"added schedule {name}; next firing {next_firing}")


@app.command("remove")
def remove(name: str = typer.Argument(..., help="the schedule's name")) -> None:
    """Delete a schedule (its firing history stays)."""
    asyncio.run(scheduler().remove(name))
    typer.echo(f"removed schedule {name}")


def _stored_firings(name: str, count: int, tz: str | None) -> list[tuple[datetime, datetime]]:
    service = scheduler()
    try:
        record = asyncio.run(service.get(name))
    except NotFoundError:
        raise NotFoundError(
            f"schedule {name!r} does not exist, and it is not an expression: "
            "expected a schedule's name or cron(...), rate(...), at(...)"
        ) from None
    zone = time_zone(tz or record.schedule.timezone)
    pairs = asyncio.run(service.upcoming(name, count))
    return [(at.astimezone(zone), due.astimezone(zone)) for at, due in pairs]


@app.command("next")
def next_(
    schedule_or_expression: str = typer.Argument(..., help="a stored schedule's name or an expression"),
    tz: str | None = typer.Option(None, "--tz", help="time zone (default: the schedule's, else UTC)"),
    count: int = typer.Option(5, "--count", min=1, max=1000, help="how many firings"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of lines"),
) -> None:
    """The next firings of a stored schedule (with its window) or of a raw expression."""
    if _EXPRESSION.match(schedule_or_expression):
        times = next_firings(schedule_or_expression, tz or "UTC", datetime.now(UTC), count)
        pairs = [(at, at) for at in times]
    else:
        pairs = _stored_firings(schedule_or_expression, count, tz)
    if as_json:
        typer.echo(
            json.dumps([{"scheduled": a.isoformat(), "due": d.isoformat()} for a, d in pairs], indent=2)
        )
        return
    for at, due in pairs:
        typer.echo(at.isoformat() if at == due else f"{at.isoformat()}  (fires {due.isoformat()})")
