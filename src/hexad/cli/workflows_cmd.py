"""`hexad workflows ...`: state machines (Amazon States Language), executions, history, task tokens.

Executions are driven by a worker's run loop (`WorkflowService.run`). `--run` drives due executions
in this process instead, with the same Task resources: the agents' actions and the event bus (whose
events a worker delivers). `hexad workflows tasks` lists the tasks waiting for a person (a contract
approval, a renewal decision) with the token `approve`/`reject` answer.
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
from hexad.runtime.workflows.service import WaitingTask, WorkflowService
from hexad.wiring import event_bus, workflow_service

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


def _service(run: bool = False) -> WorkflowService:
    """The workflow service; one that drives executions here also publishes their events on the bus."""
    return workflow_service(put_events=event_bus().put_events) if run else workflow_service()


async def _drive(service: WorkflowService, run: bool) -> None:
    if run:
        await service.run_until_idle()


def _task_dict(task: WaitingTask) -> dict[str, Any]:
    """A waiting task with what its request says (approver, contract) when it is a Hexad request."""
    entries = task.parameters.get("Entries") if isinstance(task.parameters, dict) else None
    detail = entries[0].get("Detail", {}) if isinstance(entries, list) and entries else {}
    contract = detail.get("contract")
    contract = contract if isinstance(contract, dict) else {}
    spend = detail.get("spend")
    return {
        "executionId": task.execution_id,
        "state": task.state,
        "token": task.token,
        "since": _when(task.since),
        "approver": detail.get("approver"),
        "contract": contract.get("contract_id"),
        "value": contract.get("value"),
        "recommendation": spend.get("recommendation") if isinstance(spend, dict) else None,
    }


@app.command("install")
def install() -> None:
    """Store Hexad's own workflows (contract approval, renewal, consensus) and the rules that start them."""
    from hexad.agents.rules import install_workflow_rules

    async def go() -> None:
        await install_workflow_rules(event_bus(), _service())

    asyncio.run(go())
    _console.print("installed contract_approval, contract_renewal, multi_agent_consensus and their rules")


@app.command("create")
def create(
    name: str = typer.Argument(..., help="state machine name"),
    definition: str = typer.Argument(..., help="ASL definition file (JSON)"),
) -> None:
    """Validate and store a new state machine."""
    document = _read_json(None, Path(definition), "definition")
    asyncio.run(_service().create_state_machine(name, document))
    _console.print(f"created state machine [bold]{name}[/]")


@app.command("update")
def update(
    name: str = typer.Argument(..., help="state machine name"),
    definition: str = typer.Argument(..., help="ASL definition file (JSON)"),
) -> None:
    """Validate and replace a state machine's definition (running executions keep theirs)."""
    document = _read_json(None, Path(definition), "definition")
    asyncio.run(_service().update_state_machine(name, document))
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
        service = _service(run)
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
    service = _service()
    if machines:
        records = asyncio.run(service.list_state_machines())
        rows = [
            {"name": r.name, "created": _when(r.created_at), "updated": _when(r.updated_at)} for r in records
        ]
        _print_rows(rows, ["name", "created", "updated"], "State machines", as_json)
        return
    executions = asyncio.run(service.list_executions(state_machine, status, limit))
    waiting: dict[str, list[WaitingTask]] = {}
    for task in asyncio.run(service.waiting_tasks(state_machine=state_machine)):
        waiting.setdefault(task.execution_id, []).append(task)
    rows = []
    for record in executions:
        tasks = waiting.get(record.id, [])
        row = _as_dict(record) | {"waiting": [_task_dict(task) for task in tasks]}
        row["waitingFor"] = ", ".join(f"{task.state} {task.token}" for task in tasks)
        rows.append(row)
    columns = ["executionId", "status", "startDate", "stopDate", "error", "waitingFor"]
    _print_rows(rows, columns, "Executions", as_json)


@app.command("tasks")
def tasks(
    state_machine: str | None = typer.Option(None, "--state-machine", help="only this state machine's"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Tasks waiting for a person (approvals, decisions), with the token to approve or reject."""
    waiting = asyncio.run(_service().waiting_tasks(state_machine=state_machine))
    rows = [_task_dict(task) for task in waiting]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    _console.print(f"{len(rows)} tasks waiting", highlight=False)
    for row in rows:
        about = " ".join(
            f"{name} {row[name]}" for name in ("contract", "approver", "value", "recommendation") if row[name]
        )
        _console.print(
            f"{row['executionId']} [bold]{row['state']}[/] {about} since {row['since']}", highlight=False
        )
        # one unbroken line, so the command can be copied whole
        _console.print(f"  hexad workflows approve {row['token']}", soft_wrap=True, highlight=False)


def _print_rows(rows: list[dict[str, Any]], columns: list[str], title: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")  # ids and tokens wrap whole, never cut to "..."
    for row in rows:
        table.add_row(*(str(row[column] or "") for column in columns))
    _console.print(table)


@app.command("describe")
def describe(
    execution_id: str = typer.Argument(..., help="execution id (<state machine>:<name>)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """An execution's status, input, output or error."""
    record = _as_dict(asyncio.run(_service().describe(execution_id)))
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
    events = asyncio.run(_service().history(execution_id))
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
    record = asyncio.run(_service().stop(execution_id, error, cause))
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
        service = _service(run)
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
        service = _service(run)
        await service.send_task_failure(token, error, cause)
        await _drive(service, run)

    asyncio.run(go())
    _console.print(f"rejected ({error})")
