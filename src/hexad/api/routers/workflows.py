"""/api/v1/workflows: state machine definitions, executions (start, list, describe, history, stop) and
human approval of `.waitForTaskToken` tasks (SendTaskSuccess / SendTaskFailure).

The API records; it does not drive. A started execution is RUNNING until a process running
`WorkflowService.run()` (a worker, `hexad events deliver`, `hexad workflows ... --run`) picks it up,
and an approval wakes the waiting execution in that process. Execution lists are newest first and
paged with keyset cursors over (start time, id), read from the newest `_SCAN` executions.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from hexad.api.pagination import MAX_LIMIT, Cursor, decode_cursor, encode_cursor
from hexad.api.problems import ProblemError
from hexad.api.security import Principal, require
from hexad.errors import ValidationError, WorkflowError, WorkflowNotFoundError, WorkflowTaskTokenError
from hexad.ports.workflows import ExecutionRecord, StateMachineRecord
from hexad.runtime.workflows.service import WaitingTask, WorkflowService
from hexad.wiring import workflow_service

__all__ = ["router", "service_of"]

router = APIRouter(prefix="/api/v1/workflows", tags=["workflows"])

Status = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
_SCAN = 10_000


class StateMachineOut(BaseModel):
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


class StateMachineDetail(StateMachineOut):
    definition: dict[str, Any]


class StateMachinePage(BaseModel):
    items: list[StateMachineOut]
    next_cursor: str | None = None


class ExecutionOut(BaseModel):
    """An execution as DescribeExecution shows it (input and output parsed from JSON)."""

    execution_id: str
    name: str
    state_machine: str
    status: str
    started_at: datetime
    stopped_at: datetime | None
    input: Any
    output: Any
    error: str | None
    cause: str | None


class ExecutionPage(BaseModel):
    items: list[ExecutionOut]
    next_cursor: str | None = None


class StartIn(BaseModel):
    input: Any = Field(default_factory=dict, description="the execution's input (any JSON value)")
    name: str | None = Field(None, max_length=80, description="a unique execution name; default: random")


class StopIn(BaseModel):
    error: str | None = Field(None, max_length=256)
    cause: str | None = Field(None, max_length=32768)


class ApproveIn(BaseModel):
    output: Any = Field(None, description="the task's output; default {'approved': true, 'by': <user>}")


class RejectIn(BaseModel):
    error: str = Field("Rejected", min_length=1, max_length=256, description="Catch/Retry match on it")
    cause: str = Field("", max_length=32768, description="why")


class WaitingTaskOut(BaseModel):
    """A `.waitForTaskToken` task waiting for a person; answer it with its token."""

    execution_id: str
    state: str
    token: str
    since: datetime
    request: Any = Field(description="what the task sent (e.g. the approval request's event entries)")


class WaitingTaskPage(BaseModel):
    items: list[WaitingTaskOut]
    next_cursor: None = None


class TaskAnswerOut(BaseModel):
    answered: Literal["success", "failure"]


def service_of(request: Request) -> WorkflowService:
    """The app's workflow service, made on first use (it only records; workers drive)."""
    state = request.app.state
    service: WorkflowService | None = getattr(state, "workflows", None)
    if service is None:
        service = workflow_service(state.settings, clock=state.clock)
        state.workflows = service
    return service


def _time(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _machine(record: StateMachineRecord) -> StateMachineOut:
    return StateMachineOut(
        name=record.name,
        description=record.description,
        created_at=datetime.fromtimestamp(record.created_at, UTC),
        updated_at=datetime.fromtimestamp(record.updated_at, UTC),
    )


def _execution(record: ExecutionRecord) -> ExecutionOut:
    return ExecutionOut(
        execution_id=record.id,
        name=record.name,
        state_machine=record.state_machine,
        status=record.status,
        started_at=datetime.fromtimestamp(record.started_at, UTC),
        stopped_at=_time(record.stopped_at),
        input=json.loads(record.input),
        output=None if record.output is None else json.loads(record.output),
        error=record.error,
        cause=record.cause,
    )


@router.get("", response_model=StateMachinePage)
async def list_state_machines(
    request: Request,
    _: Annotated[Principal, Depends(require("workflows:read"))],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> StateMachinePage:
    """State machines by name."""
    machines = await service_of(request).list_state_machines()
    if cursor is not None:
        after = decode_cursor(cursor, "name")
        machines = [m for m in machines if m.name > after.id]
    page = machines[:limit]
    more = len(machines) > limit
    next_cursor = encode_cursor(Cursor("name", page[-1].name, page[-1].name)) if more else None
    return StateMachinePage(items=[_machine(m) for m in page], next_cursor=next_cursor)


@router.get("/executions", response_model=ExecutionPage)
async def list_executions(
    request: Request,
    _: Annotated[Principal, Depends(require("workflows:read"))],
    state_machine: str | None = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> ExecutionPage:
    """Executions, newest first, filtered by state machine and/or status."""
    records = await service_of(request).list_executions(state_machine, status, _SCAN)
    if cursor is not None:
        after = decode_cursor(cursor, "-started_at")
        if not isinstance(after.value, int | float) or isinstance(after.value, bool):
            raise ValidationError("cursor: expected a cursor returned by a previous page")
        started = float(after.value)
        records = [r for r in records if (-r.started_at, r.id) > (-started, after.id)]
    page = records[:limit]
    next_cursor = None
    if len(records) > limit:
        next_cursor = encode_cursor(Cursor("-started_at", page[-1].started_at, page[-1].id))
    return ExecutionPage(items=[_execution(r) for r in page], next_cursor=next_cursor)


@router.get("/executions/{execution_id}", response_model=ExecutionOut)
async def describe_execution(
    request: Request, execution_id: str, _: Annotated[Principal, Depends(require("workflows:read"))]
) -> ExecutionOut:
    """Status, input, output or error of one execution."""
    return _execution(await service_of(request).describe(execution_id))


@router.get("/executions/{execution_id}/history", response_model=list[dict[str, Any]])
async def execution_history(
    request: Request, execution_id: str, _: Annotated[Principal, Depends(require("workflows:read"))]
) -> list[dict[str, Any]]:
    """The execution's events in GetExecutionHistory's shape, oldest first."""
    return await service_of(request).history(execution_id)


@router.post("/executions/{execution_id}/stop", response_model=ExecutionOut)
async def stop_execution(
    request: Request,
    execution_id: str,
    _: Annotated[Principal, Depends(require("workflows:write"))],
    body: StopIn | None = None,
) -> ExecutionOut:
    """Abort a RUNNING execution (409 when it has already ended)."""
    body = body or StopIn()
    try:
        record = await service_of(request).stop(execution_id, body.error, body.cause)
    except WorkflowNotFoundError:
        raise
    except WorkflowError as exc:
        raise ProblemError(409, "conflict", str(exc)) from None
    return _execution(record)


def _waiting(task: WaitingTask) -> WaitingTaskOut:
    return WaitingTaskOut(
        execution_id=task.execution_id,
        state=task.state,
        token=task.token,
        since=datetime.fromtimestamp(task.since, UTC),
        request=task.parameters,
    )


@router.get("/tasks", response_model=WaitingTaskPage)
async def list_waiting_tasks(
    request: Request,
    _: Annotated[Principal, Depends(require("workflows:read"))],
    state_machine: str | None = None,
    execution_id: str | None = None,
) -> WaitingTaskPage:
    """Tasks waiting for a person (contract approvals, renewal decisions), oldest execution last."""
    tasks = await service_of(request).waiting_tasks(execution_id, state_machine)
    return WaitingTaskPage(items=[_waiting(task) for task in tasks])


@router.post("/tasks/{token}/approve", response_model=TaskAnswerOut)
async def approve_task(
    request: Request,
    token: str,
    principal: Annotated[Principal, Depends(require("workflows:approve"))],
    body: ApproveIn | None = None,
) -> TaskAnswerOut:
    """Answer a waiting task with success (SendTaskSuccess); the execution continues with the output."""
    output = body.output if body is not None and body.output is not None else None
    output = {"approved": True, "by": principal.subject} if output is None else output
    await _answer(service_of(request).send_task_success(token, output))
    return TaskAnswerOut(answered="success")


@router.post("/tasks/{token}/reject", response_model=TaskAnswerOut)
async def reject_task(
    request: Request,
    token: str,
    _: Annotated[Principal, Depends(require("workflows:approve"))],
    body: RejectIn | None = None,
) -> TaskAnswerOut:
    """Answer a waiting task with failure (SendTaskFailure); the state's Catch/Retry see `error`."""
    body = body or RejectIn()
    await _answer(service_of(request).send_task_failure(token, body.error, body.cause))
    return TaskAnswerOut(answered="failure")


async def _answer(call: Awaitable[None]) -> None:
    """Unknown tokens are 404, tokens already answered (or timed out) 409."""
    try:
        await call
    except WorkflowTaskTokenError as exc:
        unknown = str(exc).startswith("unknown")
        raise ProblemError(
            404 if unknown else 409, "not-found" if unknown else "conflict", str(exc)
        ) from None


@router.get("/{name}", response_model=StateMachineDetail)
async def get_state_machine(
    request: Request, name: str, _: Annotated[Principal, Depends(require("workflows:read"))]
) -> StateMachineDetail:
    """One state machine with its Amazon States Language definition."""
    record = await service_of(request).get_state_machine(name)
    return StateMachineDetail(**_machine(record).model_dump(), definition=json.loads(record.definition))


@router.post("/{name}/executions", response_model=ExecutionOut, status_code=201)
async def start_execution(
    request: Request,
    name: str,
    body: StartIn,
    _: Annotated[Principal, Depends(require("workflows:write"))],
) -> ExecutionOut:
    """Start an execution of the named state machine; a worker drives it."""
    service = service_of(request)
    execution_id = await service.start(name, body.input, name=body.name)
    return _execution(await service.describe(execution_id))
