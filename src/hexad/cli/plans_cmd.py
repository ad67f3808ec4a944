"""`hexad plans show`: the assignment plan for the open tickets and project tasks (RAM)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hexad.agents.base import AgentContext
from hexad.agents.frames import frames_from_database, frames_from_folder
from hexad.agents.ram import ResourceAllocationAgent
from hexad.agents.service import lake_path, reference_date_of
from hexad.config import get_settings
from hexad.errors import ValidationError

__all__ = ["AsOfOption", "DataOption", "app", "data_context"]

app = typer.Typer(help="Assignment plans for open work (RAM).", no_args_is_help=True)
_console = Console()

DataOption = Annotated[Path | None, typer.Option("--data", help="read a demo folder instead of the database")]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="analysis date YYYY-MM-DD (default: newest data)")
]


def data_context(data: Path | None, as_of: str | None) -> AgentContext:
    """The context an agent command works in: a demo folder or the database, and "today"."""
    settings = get_settings()
    frames = frames_from_folder(data) if data is not None else frames_from_database(settings)
    return AgentContext(
        frames, parse_day(as_of, "--as-of") or reference_date_of(frames), lake_path(settings), settings
    )


def parse_day(text: str | None, option: str) -> date | None:
    """An ISO date from an option, or a `ValidationError` naming the option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{option}: expected a date such as 2026-10-01, got {text!r}") from None


@app.command("show")
def show(
    technician: Annotated[
        str | None, typer.Option("--technician", help="only this technician's work")
    ] = None,
    client: Annotated[str | None, typer.Option("--client", help="plan only this client's open work")] = None,
    eroding: Annotated[bool, typer.Option("--eroding", help="treat the client's margin as eroding")] = False,
    time_limit: Annotated[float, typer.Option("--time-limit", help="solver seconds")] = 5.0,
    data: DataOption = None,
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Solve and show the plan: every assignment with its reason, and what could not be assigned."""
    ctx = data_context(data, as_of)
    agent = ResourceAllocationAgent(plan_time_limit=time_limit)
    plan = agent.plan(ctx, client_id=client, eroding={client} if client and eroding else None)
    payload = plan.to_json()
    if technician is not None:
        payload["assignments"] = [a for a in payload["assignments"] if a["technician_id"] == technician]
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    _render(payload, ctx.reference_date)


def _render(payload: dict[str, Any], today: date) -> None:
    _console.print(
        f"[bold]plan as of {today}[/]: {payload['status']}, objective {payload['objective']:,.2f} "
        f"(gap {payload['gap']:.2%}), {len(payload['assignments'])} assigned,"
        f" {len(payload['unassigned'])} left"
    )
    table = Table("item", "technician", "hours", "travel h", "cost", "reason")
    for a in payload["assignments"]:
        table.add_row(
            a["item_id"],
            a["technician_id"],
            f"{a['hours']:.2f}",
            f"{a['travel_hours']:.2f}",
            f"{a['cost']:,.2f}",
            a["reason"],
        )
    _console.print(table)
    if payload["unassigned"]:
        left = Table("item", "why not assigned")
        for u in payload["unassigned"]:
            left.add_row(u["item_id"], u["reason"])
        _console.print(left)
    for note in payload["notes"]:
        _console.print(f"note: {note}")
