"""`hexad forecast pipeline`: expected revenue for the next three months, weighted and model-based (SPO)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hexad.agents.spo import score_pipeline
from hexad.cli.plans_cmd import AsOfOption, DataOption, data_context

__all__ = ["app"]

app = typer.Typer(help="Forecasts (SPO).", no_args_is_help=True)
_console = Console()


@app.command("pipeline")
def pipeline(
    data: DataOption = None,
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Per month: open pipeline, stage-weighted forecast, model expectation and its 80% interval."""
    ctx = data_context(data, as_of)
    months = [m.to_json() for m in score_pipeline(ctx).forecast]
    if as_json:
        typer.echo(json.dumps({"as_of": ctx.reference_date.isoformat(), "months": months}, indent=2))
        return
    table = Table(
        "month",
        "deals",
        "pipeline",
        "weighted",
        "model expected",
        "80% interval",
        title=f"pipeline forecast as of {ctx.reference_date}",
    )
    for m in months:
        table.add_row(
            m["month"],
            str(m["deals"]),
            f"{m['pipeline']:,.0f}",
            f"{m['weighted']:,.0f}",
            f"{m['expected']:,.0f}",
            f"{m['low']:,.0f} - {m['high']:,.0f}",
        )
    _console.print(table)
