"""`hexad ask "..."`: a question answered with the agents' tools; `hexad explain` narratives."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from hexad.config import get_settings
from hexad.domain.database import engine_for
from hexad.intelligence.ask import Answer, AnswerPart, Supervisor, open_context
from hexad.intelligence.llm import open_llm
from hexad.intelligence.narratives import Narrative, explain_finding, explain_subject

__all__ = ["ask", "explain_app", "explain_finding_command", "print_narrative"]

_console = Console()
explain_app = typer.Typer(help="Narratives: what happened, why, what to do.", no_args_is_help=True)


def ask(
    question: str = typer.Argument(..., help='the question, e.g. "why is Contoso\'s margin falling?"'),
    offline: bool = typer.Option(False, "--offline", help="never call a language model"),
    as_json: bool = typer.Option(False, "--json", help="print the answer as JSON"),
    rows: int = typer.Option(15, "--rows", min=1, help="table rows to show"),
) -> None:
    """Ask Hexad: the agents' tools answer, offline or with the configured LLM, citing their results."""
    settings = get_settings()
    llm = None if offline else open_llm(settings, engine=engine_for(settings))
    answer = asyncio.run(Supervisor(open_context(settings), llm=llm).ask(question))
    if as_json:
        typer.echo(json.dumps(answer.as_dict(), indent=2, default=str))
        return
    print_answer(answer, rows)


def print_answer(answer: Answer, rows: int) -> None:
    """The answer's text, then its tables and where they came from."""
    _console.print(answer.text, highlight=False)
    for part in answer.parts:
        if part.kind == "table":
            _console.print(_table(part, rows))
    for index, call in enumerate(answer.calls, start=1):
        arguments = ", ".join(f"{k}={v}" for k, v in call.arguments.items() if v is not None)
        status = f"[red]{call.error}[/]" if call.error else f"{call.seconds:.2f} s"
        _console.print(f"[dim][{index}] {call.tool}({arguments}): {status}[/]")
    mode = answer.mode + (f", intent {answer.intent} ({answer.confidence:.2f})" if answer.intent else "")
    _console.print(f"[dim]answered {mode}[/]")
    for note in answer.notes:
        _console.print(f"[yellow]note:[/] {note}")


def _table(part: AnswerPart, rows: int) -> Table:
    table = Table(*part.columns, title=f"[{part.source}] {part.title}")
    for row in part.rows[:rows]:
        table.add_row(*(_cell(value) for value in row))
    if len(part.rows) > rows:
        table.caption = f"{len(part.rows) - rows} more rows (--rows)"
    return table


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if 0 < abs(value) < 1 else f"{value:,.2f}"
    return "" if value is None else str(value)


def print_narrative(narrative: Narrative, as_json: bool) -> None:
    """A narrative as text (with its source) or JSON."""
    if as_json:
        typer.echo(json.dumps(narrative.as_dict(), indent=2, default=str))
        return
    _console.print(f"[bold]{narrative.headline}[/]\n", highlight=False)
    _console.print(narrative.what + "\n", highlight=False)
    _console.print(f"[bold]Why:[/] {narrative.why}\n", highlight=False)
    _console.print(f"[bold]What to do:[/] {narrative.action}", highlight=False)
    _console.print(f"[dim]written {narrative.source}[/]")
    if narrative.rejected:
        _console.print(f"[yellow]note:[/] {narrative.rejected}; the offline narrative is shown")


def _explain(subject_type: str, subject_id: str, offline: bool, as_json: bool) -> None:
    settings = get_settings()
    llm = None if offline else open_llm(settings, engine=engine_for(settings))
    narrative = asyncio.run(explain_subject(open_context(settings), subject_type, subject_id, llm))
    print_narrative(narrative, as_json)


_OFFLINE = typer.Option(False, "--offline", help="never call a language model")
_JSON = typer.Option(False, "--json", help="print JSON")


@explain_app.command("client")
def explain_client(
    client_id: str = typer.Argument(...), offline: bool = _OFFLINE, as_json: bool = _JSON
) -> None:
    """A client's trailing 12 months: revenue, cost, margin, its trend and open findings."""
    _explain("client", client_id, offline, as_json)


@explain_app.command("vendor")
def explain_vendor(
    vendor_id: str = typer.Argument(...), offline: bool = _OFFLINE, as_json: bool = _JSON
) -> None:
    """A vendor's spend over 12 months, its largest bill, its contracts and open findings."""
    _explain("vendor", vendor_id, offline, as_json)


@explain_app.command("department")
def explain_department(
    name: str = typer.Argument(...), offline: bool = _OFFLINE, as_json: bool = _JSON
) -> None:
    """A department's year to date against budget, the coming quarter's forecast and open findings."""
    _explain("department", name, offline, as_json)


def explain_finding_command(finding_id: str, *, offline: bool, as_json: bool) -> None:
    """`hexad findings explain ID`: the finding's narrative."""
    settings = get_settings()
    llm = None if offline else open_llm(settings, engine=engine_for(settings))
    print_narrative(asyncio.run(explain_finding(open_context(settings), finding_id, llm)), as_json)
