"""`hexad replay --bus B --from T --to T`: re-deliver archived events to the bus's rules.

The replay queues its deliveries durably and returns; a running worker (or `--deliver`, which
dispatches from this process) delivers them. Replayed events carry `replay-name`.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated

import typer

from hexad.cli.events_cmd import read_time_option
from hexad.errors import ValidationError
from hexad.runtime.bus import EventBus, ReplayResult
from hexad.wiring import event_bus

__all__ = ["replay"]


def replay(
    bus: str = typer.Option("default", "--bus", help="the event bus whose archive is replayed"),
    start: str = typer.Option(..., "--from", help="event time at or after, ISO 8601 (UTC if no offset)"),
    end: str = typer.Option(..., "--to", help="event time before, ISO 8601 (UTC if no offset)"),
    rules: Annotated[
        list[str] | None, typer.Option("--rule", help="only these rules (repeatable; default: all enabled)")
    ] = None,
    deliver: bool = typer.Option(False, "--deliver", help="also deliver now from this process"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """Re-deliver the bus's archived events with event time in [--from, --to) to its rules."""
    start_time, end_time = read_time_option(start, "--from"), read_time_option(end, "--to")
    if start_time is None or end_time is None:
        raise ValidationError("--from and --to are required")
    result, delivered = asyncio.run(_replay(event_bus(), bus, start_time, end_time, rules or None, deliver))
    if as_json:
        shown = {
            "replay_name": result.replay_name,
            "events_replayed": result.events_replayed,
            "deliveries": result.deliveries,
            "rules": list(result.rules),
            "delivered_now": delivered,
        }
        typer.echo(json.dumps(shown, indent=2))
        return
    typer.echo(
        f"replay {result.replay_name}: {result.events_replayed} events, "
        f"{result.deliveries} deliveries queued for {len(result.rules)} rules"
        + (f"; {delivered} delivered now" if deliver else "")
    )


async def _replay(
    bus: EventBus, name: str, start: datetime, end: datetime, rules: list[str] | None, deliver: bool
) -> tuple[ReplayResult, int]:
    result = await bus.replay(name, start, end, rules)
    delivered = 0
    if deliver:
        while (count := await bus.dispatch_pending(100)) > 0:
            delivered += count
    return result, delivered
