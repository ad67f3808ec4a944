"""`hexad routes show --date`: each technician's route for the day's on-site visits (RAM)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hexad.agents.ram_routes import day_visits, plan_routes
from hexad.cli.plans_cmd import AsOfOption, DataOption, data_context, parse_day

__all__ = ["app"]

app = typer.Typer(help="Route plans for on-site visits (RAM).", no_args_is_help=True)
_console = Console()


@app.command("show")
def show(
    day: Annotated[
        str | None, typer.Option("--date", help="the day to route (default: the day after the data)")
    ] = None,
    technician: Annotated[
        str | None, typer.Option("--technician", help="only this technician's route")
    ] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="solver seconds")] = 5.0,
    data: DataOption = None,
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Route the open on-site tickets over the technicians working that day."""
    ctx = data_context(data, as_of)
    when = parse_day(day, "--date") or ctx.reference_date.fromordinal(ctx.reference_date.toordinal() + 1)
    visits, technicians = day_visits(ctx.frames, when)
    payload = plan_routes(visits, technicians, day=when, time_limit=time_limit).to_json()
    if technician is not None:
        payload["routes"] = [r for r in payload["routes"] if r["technician_id"] == technician]
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    _console.print(
        f"[bold]routes for {payload['day']}[/]: {len(payload['routes'])} technicians, "
        f"{payload['distance_km']:,.1f} km"
    )
    for route in payload["routes"]:
        table = Table(
            "visit",
            "arrive",
            "leave",
            "drive km",
            title=f"{route['technician_id']} ({route['distance_km']:,.1f} km, home by {route['back_home']})",
        )
        for stop in route["stops"]:
            table.add_row(stop["visit_id"], stop["arrival"], stop["departure"], f"{stop['drive_km']:.1f}")
        _console.print(table)
    for item in payload["unvisited"]:
        _console.print(f"not routed: {item['visit_id']}: {item['reason']}")
