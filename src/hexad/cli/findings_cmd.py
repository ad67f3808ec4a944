"""`hexad findings ...`: list findings, show one with its evidence, acknowledge or resolve it."""

from __future__ import annotations

import asyncio
import getpass
import json
from typing import Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from hexad.agents.finding_changes import FindingChanges
from hexad.agents.findings import Finding, open_finding_store
from hexad.config import get_settings
from hexad.wiring import event_bus

__all__ = ["app"]

app = typer.Typer(help="Read and triage what the agents found.", no_args_is_help=True)
_console = Console()
_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}


@app.command("list")
def list_findings(
    agent: str | None = typer.Option(None, "--agent", help="only this agent's findings"),
    kind: str | None = typer.Option(None, "--kind", help="only this kind, e.g. margin_erosion"),
    severity: str | None = typer.Option(None, "--severity", help="low | medium | high | critical"),
    status: str | None = typer.Option(None, "--status", help="open | acknowledged | resolved"),
    limit: int = typer.Option(100, "--limit", min=1, help="at most this many"),
    cursor: str | None = typer.Option(None, "--cursor", help="the last id of the previous page"),
    as_json: bool = typer.Option(False, "--json", help="print JSON objects"),
) -> None:
    """Findings, oldest first, filtered by agent, kind, severity and status."""
    store = open_finding_store(get_settings())
    found = store.list(agent=agent, kind=kind, severity=severity, status=status, limit=limit, cursor=cursor)
    if as_json:
        typer.echo(json.dumps([f.as_dict() for f in found], indent=2, default=str))
        return
    table = Table("id", "agent", "kind", "subject", "severity", "score", "status", "summary")
    for finding in found:
        style = _SEVERITY_STYLE.get(finding.severity, "")
        table.add_row(
            finding.id, finding.agent, finding.kind, f"{finding.subject_type} {finding.subject_id}",
            f"[{style}]{finding.severity}[/]", f"{finding.score:.2f}", finding.status, finding.summary,
        )  # fmt: skip
    _console.print(table)
    if len(found) == limit:
        _console.print(f"more: --cursor {found[-1].id}")


@app.command("show")
def show(
    finding_id: str = typer.Argument(..., help="the finding's id"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """One finding: summary, recommended action and the evidence (numbers and the rows behind them)."""
    finding = open_finding_store(get_settings()).get(finding_id)
    if as_json:
        typer.echo(json.dumps(finding.as_dict(), indent=2, default=str))
        return
    _console.print(Panel(_header(finding), title=f"{finding.agent} · {finding.kind}", expand=False))
    for key, value in finding.evidence.items():
        if _is_rows(value):
            _console.print(_rows_table(key, value))
    scalars = {k: v for k, v in finding.evidence.items() if not _is_rows(v)}
    _console.print(Syntax(json.dumps(scalars, indent=2, default=str), "json", word_wrap=True))


@app.command("explain")
def explain(
    finding_id: str = typer.Argument(..., help="the finding's id"),
    offline: bool = typer.Option(False, "--offline", help="never call a language model"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """What happened, why and what to do: the finding's narrative, checked against its evidence."""
    from hexad.cli.ask_cmd import explain_finding_command

    explain_finding_command(finding_id, offline=offline, as_json=as_json)


@app.command("set-status")
def set_status(
    finding_id: str = typer.Argument(..., help="the finding's id"),
    status: str = typer.Argument(..., help="open | acknowledged | resolved"),
) -> None:
    """Acknowledge, resolve or reopen a finding (announced on the bus, so dashboards update live)."""
    settings = get_settings()
    changes = FindingChanges(open_finding_store(settings), event_bus(settings).put_events)
    finding = asyncio.run(changes.set_status(finding_id, status, f"cli:{getpass.getuser()}"))
    _console.print(f"{finding.id}: {finding.status}")


def _header(finding: Finding) -> str:
    return (
        f"[bold]{finding.summary}[/]\n"
        f"subject: {finding.subject_type} {finding.subject_id}   severity: {finding.severity}   "
        f"score: {finding.score:.2f}   status: {finding.status}\n"
        f"created: {finding.created_at:%Y-%m-%d %H:%M}   updated: {finding.updated_at:%Y-%m-%d %H:%M}\n"
        f"action: {finding.recommended_action}"
    )


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _rows_table(title: str, rows: list[dict[str, Any]]) -> Table:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(_cell(row.get(column)) for column in columns))
    return table


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if 0 < abs(value) < 1 else f"{value:,.2f}"
    return "" if value is None else str(value)
