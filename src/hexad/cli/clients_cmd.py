"""`hexad clients show ID`: a client's profitability by month, a sparkline per metric, its findings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from hexad.agents.base import FrameSource
from hexad.agents.cpi import monthly_profitability
from hexad.agents.findings import open_finding_store
from hexad.agents.frames import frames_from_database, frames_from_folder
from hexad.config import get_settings
from hexad.errors import NotFoundError

__all__ = ["app", "sparkline"]

app = typer.Typer(help="Look at one client.", no_args_is_help=True)
_console = Console()
_BARS = "▁▂▃▄▅▆▇█"
_ENTITIES = (
    "technicians", "time_entries", "invoices", "agreement_additions", "agreements", "licence_subscriptions",
)  # fmt: skip
_METRICS = (
    ("revenue", "revenue", "{:,.0f}"),
    ("labour_hours", "hours", "{:,.1f}"),
    ("labour_cost", "labour cost", "{:,.0f}"),
    ("gross_margin", "gross margin", "{:,.0f}"),
    ("margin", "margin", "{:.0%}"),
    ("effective_hourly_rate", "effective rate/h", "{:,.0f}"),
    ("contribution_rate", "contribution/h", "{:,.0f}"),
    ("fixed_fee_efficiency", "fixed-fee eff.", "{:.2f}"),
)


@app.callback()
def clients() -> None:
    """Look at one client (a group, so more client commands can join `show`)."""


def sparkline(values: list[float]) -> str:
    """One block character per value, scaled between the series' minimum and maximum."""
    present = [v for v in values if v == v]
    if not present:
        return ""
    low, high = min(present), max(present)
    span = high - low or 1.0
    return "".join(" " if v != v else _BARS[round((v - low) / span * (len(_BARS) - 1))] for v in values)


@app.command("show")
def show(
    client_id: str = typer.Argument(..., help="the client's id, e.g. CL-0007"),
    months: int = typer.Option(12, "--months", min=1, help="how many recent months"),
    data: Annotated[Path | None, typer.Option("--data", help="read a demo folder, not the database")] = None,
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Profitability per month (revenue, cost, margin, rates) with a sparkline per metric."""
    frames: FrameSource = (
        frames_from_folder(data) if data is not None else frames_from_database(get_settings())
    )
    clients = frames("clients")
    match = clients[clients["client_id"] == client_id]
    if match.empty:
        raise NotFoundError(f"no client with id {client_id!r}")
    table = monthly_profitability({name: frames(name) for name in _ENTITIES})
    mine = table[table["client_id"] == client_id].sort_values("month").tail(months)
    if as_json:
        typer.echo(mine.to_json(orient="records", indent=2))
        return
    client = match.iloc[0]
    _console.print(f"[bold]{client_id}[/] {client['name']} · {client['tier']} · {client['status']}")
    _console.print(_trend_table(mine))
    _console.print(_profitability_table(mine))
    _print_findings(client_id)


def _profitability_table(mine: pd.DataFrame) -> Table:
    """One row per month: the money and the rates behind the trends."""
    table = Table("month", *(label for _, label, _ in _METRICS), title="profitability by month")
    table.columns[0].no_wrap = True
    table.columns[0].min_width = 7
    for row in mine.to_dict("records"):
        cells = [_format(fmt, row[column]) for column, _, fmt in _METRICS]
        table.add_row(str(row["month"]), *cells)
    return table


def _trend_table(mine: pd.DataFrame) -> Table:
    """One row per metric: its sparkline over the months shown, first, latest and average value."""
    first, last = mine["month"].iloc[0], mine["month"].iloc[-1]
    table = Table("metric", f"trend {first}..{last}", "first", "latest", "average", title="trends")
    for column, label, fmt in _METRICS:
        values = [float(v) for v in mine[column].astype(float)]
        present = [v for v in values if v == v]
        average = sum(present) / len(present) if present else float("nan")
        table.add_row(
            label, sparkline(values), _format(fmt, values[0]), _format(fmt, values[-1]), _format(fmt, average)
        )
    return table


def _format(fmt: str, value: object) -> str:
    number = float(value) if isinstance(value, int | float) else float("nan")
    return "" if number != number else fmt.format(number)


def _print_findings(client_id: str) -> None:
    store = open_finding_store(get_settings())
    found = [f for f in store.list(subject_id=client_id, limit=100) if f.status != "resolved"]
    found += [
        f
        for f in store.list(limit=10_000)
        if f.evidence.get("client_id") == client_id and f.status != "resolved"
    ]
    if not found:
        _console.print("no open findings")
        return
    table = Table("id", "kind", "subject", "severity", "summary", title="open findings")
    for finding in {f.id: f for f in found}.values():
        table.add_row(finding.id, finding.kind, finding.subject_id, finding.severity, finding.summary)
    _console.print(table)
