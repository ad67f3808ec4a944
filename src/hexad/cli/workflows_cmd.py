"""`hexad workflows ...`: state machines (Amazon States Language), executions, history, task tokens.

Executions are driven by a worker's run loop (`WorkflowService.run`), where Task resources are
registered. `--run` drives due executions in this process instead, for workflows whose Task
resources are all built in (`hexad:http:invoke`, ...) or when no worker runs.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from hexad.errors import ValidationError
from hexad.ports.workflows import ExecutionRecord
from hexad.runtime.workflows.service import WorkflowService
from hexad.wiring import workflow_service

__all__ = ["app"]

app = typer.Typer(
    help="Workflows in Amazon States Language: define, start, inspect, approve.", no_args_is_help=True
)
_console = Console()


def _read_json(text: str | None, file: Path | None, what: str) -> Any:
    if file is not None:
        try:
            text = file.read_text()
        except OSError as exc:
            raise ValidationError(f"{what}: cannot read {file}: {exc.strerror}") from None
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        source = str(file) if file else "the option"
        raise ValidationError(f"{what}: {source} is not JSON ({exc})") from None


def _when(seconds: float | None) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds") if seconds is not None else ""


def _as_dict(record: ExecutionRecord) -> dict[str, Any]:
    return {
        "executionId": record.id,
        "name": record.name,
        "stateMachine": record.state_machine,
        "status": record.status,
        "startDate": _when(record.started_at),
        "stopDate": _when(record.stopped_at) or None,
        "input": json.loads(record.input),
        "output": json.loads(record.output) if record.output is not None else None,
        "error": record.error,
        "cause": record.cause,
    }


async def _drive(service: WorkflowService, run: bool) -> None:
    if run:
        await service.run_until_idle()


@app.command("create")
def create(
    name: str = typer.Argument(..., help="state machine name"),
    definition: str = typer.Argument(..., help="ASL definition file (JSON)"),
) -> None:
    """Validate and store a new state machine."""
    document = _read_json(None, Path(definition), "definition")
    asyncio.run(workflow_service().create_state_machine(name, document))
    _console.print(f"created state machine [bold]{name}[/]")


@app.command("update")
def update(
    name: str = typer.Argument(..., help="state machine name"),
    definition: str = typer.Argument(..., help="ASL definition file (JSON)"),
) -> None:
    """Validate and replace a state machine's definition (running executions keep theirs)."""
    document = _read_json(None, Path(definition), "definition")
    asyncio.run(workflow_service().update_state_machine(name, document))
    _console.print(f"updated state machine [bold]{name}[/]")


@app.command("start")
def start(
    name: str = typer.Argument(..., help="state machine name"),
    input: str = typer.Option("{}", "--input", help="execution input as JSON"),
    input_file: str | None = typer.Option(None, "--input-file", help="execution input from a JSON file"),
    execution_name: str | None = typer.Option(
        None, "--name", help="execution name (unique per state machine)"
    ),
    run: bool = typer.Option(False, "--run", help="drive it in this process until it ends or waits"),
) -> None:
    """Start an execution; prints its id."""
    data = _read_json(None if input_file else input, Path(input_file) if input_file else None, "input")

    async def go() -> ExecutionRecord:
        service = workflow_service()
        execution = await service.start(name, data, name=execution_name)
        await _drive(service, run)
        return await service.describe(execution)

    record = asyncio.run(go())
    typer.echo(record.id)
    if run:
        _console.print(f"status: {record.status}", highlight=False)


@app.command("list")
def list_executions(
    state_machine: str | None = typer.Option(None, "--state-machine", help="only this state machine's"),
    status: str | None = typer.Option(
        None, "--status", help="RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED"
    ),
    machines: bool = typer.Option(False, "--machines", help="list state machines instead of executions"),
    limit: int = typer.Option(100, "--limit", help="at most this many executions"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Executions (newest first), or state machines with --machines."""
    service = workflow_service()
    if machines:
        records = asyncio.run(service.list_state_machines())
        rows = [
            {"name": r.name, "created": _when(r.created_at), "updated": _when(r.updated_at)} for r in records
        ]
        _print_rows(rows, ["name", "created", "updated"], "State machines", as_json)
        return
    executions = asyncio.run(service.list_executions(state_machine, status, limit))
    rows = [_as_dict(record) for record in executions]
    _print_rows(rows, ["executionId", "status", "startDate", "stopDate", "error"], "Executions", as_json)


def _print_rows(rows: list[dict[str, Any]], columns: list[str], title: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[column] or "") for column in columns))
    _console.print(table)


@app.command("describe")
def describe(
    execution_id: str = typer.Argument(..., help="execution id (<state machine>:<name>)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """An execution's status, input, output or error."""
    record = _as_dict(asyncio.run(workflow_service().describe(execution_id)))
    if as_json:
        typer.echo(json.dumps(record, indent=2))
        return
    for key, value in record.items():
        shown = json.dumps(value) if isinstance(value, (dict, list)) else value
        _console.print(f"[bold]{key}[/]: {shown if shown is not None else ''}", highlight=False)


@app.command("history")
def history(
    execution_id: str = typer.Argument(..., help="execution id (<state machine>:<name>)"),
    as_json: bool = typer.Option(False, "--json", help="print the events as JSON"),
) -> None:
    """An execution's events, as a tree of states (or JSON in GetExecutionHistory's shape)."""
    events = asyncio.run(workflow_service().history(execution_id))
    if as_json:
        typer.echo(json.dumps(events, indent=2))
        return
    _console.print(history_tree(execution_id, events))


def history_tree(execution_id: str, events: list[dict[str, Any]]) -> Tree:
    """Events grouped under the state they belong to (a state's Entered event opens a branch)."""
    tree = Tree(f"[bold]{execution_id}[/]")
    stack: list[Tree] = [tree]
    for event in events:
        kind, details = event["type"], event["details"]
        label = f"{event['id']:>4} {event['timestamp']} [cyan]{kind}[/]"
        note = details.get("name") or details.get("error") or details.get("resource") or ""
        line = f"{label} {note}".rstrip()
        if kind.endswith("StateEntered"):
            stack.append(stack[-1].add(line))
        elif kind.endswith("StateExited") and len(stack) > 1:
            stack[-1].add(line)
            stack.pop()
        else:
            stack[-1].add(line)
    return tree


@app.command("stop")
def stop(
    execution_id: str = typer.Argument(..., help="execution id"),
    error: str | None = typer.Option(None, "--error", help="error name to record"),
    cause: str | None = typer.Option(None, "--cause", help="cause to record"),
) -> None:
    """Abort a running execution."""
    record = asyncio.run(workflow_service().stop(execution_id, error, cause))
    _console.print(f"{record.id}: {record.status}", highlight=False)


@app.command("approve")
def approve(
    token: str = typer.Argument(..., help="the task token"),
    output: str = typer.Option('{"approved": true}', "--output", help="the task's output as JSON"),
    run: bool = typer.Option(False, "--run", help="drive the execution in this process afterwards"),
) -> None:
    """Send task success for a token (SendTaskSuccess): the waiting task continues with --output."""
    data = _read_json(output, None, "output")

    async def go() -> None:
        service = workflow_service()
        await service.send_task_success(token, data)
        await _drive(service, run)

    asyncio.run(go())
    _console.print("approved")


@app.command("reject")
def reject(
    token: str = typer.Argument(..., help="the task token"),
    error: str = typer.Option("Rejected", "--error", help="error name (Catch/Retry match on it)"),
    cause: str = typer.Option("", "--cause", help="why"),
    run: bool = typer.Option(False, "--run", help="drive the execution in this process afterwards"),
) -> None:
    """Send task failure for a token (SendTaskFailure) with an error name and cause."""

    async def go() -> None:
        service = workflow_service()
        await service.send_task_failure(token, error, cause)
        await _drive(service, run)

    asyncio.run(go())
    _console.print(f"rejected ({error})")
