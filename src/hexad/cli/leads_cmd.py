"""`hexad leads list --top 20`: open deals ranked by expected value, with their win probability (SPO)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hexad.agents.spo import score_pipeline
from hexad.cli.plans_cmd import AsOfOption, DataOption, data_context

__all__ = ["app"]

app = typer.Typer(help="Scored leads (SPO).", no_args_is_help=True)
_console = Console()


@app.command("list")
def list_leads(
    top: Annotated[int, typer.Option("--top", min=1, help="how many leads")] = 20,
    data: DataOption = None,
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The open deals worth most (win probability x amount), with what drives each score."""
    scored = score_pipeline(data_context(data, as_of))
    leads = scored.leads[:top]
    if as_json:
        payload = {
            "held_out_roc_auc": round(scored.model.held_out_auc, 4),
            "leads": [s.to_json() for s in leads],
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(
        "lead",
        "company",
        "deal",
        "stage",
        "amount",
        "win p",
        "expected",
        "30-day activity",
        "drivers",
        title=f"top {len(leads)} leads (model held-out ROC AUC {scored.model.held_out_auc:.3f})",
    )
    for s in leads:
        drivers = ", ".join(f"{d['feature']} {d['contribution']:+.2f}" for d in s.drivers[:3])
        table.add_row(
            s.lead_id,
            s.company,
            s.opportunity_id,
            s.stage,
            f"{s.amount:,.0f}",
            f"{s.win_probability:.0%}",
            f"{s.expected_value:,.0f}",
            str(s.recent_activities),
            drivers,
        )
    _console.print(table)
