"""`hexad agents ...`: list the agents and run one (all its data, or one client or vendor)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hexad.agents.frames import frames_from_folder
from hexad.agents.registry import AGENTS
from hexad.agents.service import AgentRunReport, run_agent
from hexad.config import get_settings

__all__ = ["app"]

app = typer.Typer(help="List and run the agents.", no_args_is_help=True)
_console = Console()


@app.command("list")
def list_agents(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """The registered agents, what they read and which events trigger them."""
    rows: list[dict[str, Any]] = []
    for name, factory in AGENTS.items():
        agent = factory()
        rows.append(
            {"name": name, "title": agent.title, "reads": list(agent.reads), "triggers": list(agent.triggers)}
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("name", "title", "reads", "triggers")
    for row in rows:
        table.add_row(row["name"], row["title"], ", ".join(row["reads"]), ", ".join(row["triggers"]) or "-")
    _console.print(table)


@app.command("run")
def run(
    name: str = typer.Argument(..., help="agent name, e.g. cpi, sli, dsa"),
    client: str | None = typer.Option(None, "--client", help="run for one client id only"),
    subject: str | None = typer.Option(None, "--subject", help="run for one subject (client or vendor id)"),
    data: Annotated[Path | None, typer.Option("--data", help="read a demo folder, not the database")] = None,
    publish: bool = typer.Option(True, "--publish/--no-publish", help="publish the run's events on the bus"),
    as_json: bool = typer.Option(False, "--json", help="print the run report as JSON"),
) -> None:
    """Run an agent: findings are saved (idempotently) and its events published."""
    settings = get_settings()
    frames = frames_from_folder(data) if data is not None else None
    sink = _publisher(settings) if publish else None
    report = run_agent(
        name, settings=settings, subject_id=client or subject, frames=frames, show_progress=not as_json,
        publish=sink,
    )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(asdict(report), indent=2, default=str))
        return
    _render(report)


def _publisher(settings: Any) -> Any:
    from hexad.wiring import event_bus

    def publish(entries: list[dict[str, Any]]) -> None:
        async def put() -> None:
            await event_bus(settings).put_events(entries)

        asyncio.run(put())

    return publish


def _render(report: AgentRunReport) -> None:
    scope = f" for {report.subject_id}" if report.subject_id else ""
    _console.print(
        f"[bold]{report.agent}[/]{scope} as of {report.reference_date}: {report.findings} findings, "
        f"{report.events} events, {report.seconds:.1f} s"
    )
    table = Table("kind", "findings")
    for kind, count in report.by_kind.items():
        table.add_row(kind, str(count))
    _console.print(table)
    saved = report.saved
    _console.print(
        f"store: {saved.new} new, {saved.updated} updated, {saved.unchanged} unchanged, "
        f"{saved.resolved} resolved"
    )
    metrics = Table("metric", "value")
    for key, value in report.metrics.items():
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        metrics.add_row(key, text or "-")
    _console.print(metrics)
