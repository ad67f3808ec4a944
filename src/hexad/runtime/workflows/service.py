"""The durable workflow service: state machines, executions, a run loop, and task-token answers.

`start` stores an execution (with its ExecutionStarted event) as due; the run loop (`run`, or
`run_until_idle` for one pass) leases due executions and drives each one: it replays the recorded
history (see `interpreter`) and carries on until the execution ends or suspends. A suspended
execution records when it must wake (a Wait, a retry interval, a token's timeout) and is released;
`send_task_success`/`failure` store the answer and make the execution due at once, from any process.
A process killed mid-execution leaves a lease that runs out; the next run loop resumes from the
history, and completed Task states are replayed, not called again.

History events are buffered and appended in one transaction per batch (`flush_events`, and always
right after a Task's outcome), so a crash can only re-run the last few side-effect-free states.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import logging
import os
import random
import re
import secrets
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from hexad.errors import ConflictError, ValidationError, WorkflowError, WorkflowTaskTokenError
from hexad.ports.workflows import (
    ExecutionRecord,
    StateMachineRecord,
    StoredEvent,
    TokenRecord,
    WorkflowStatus,
    WorkflowStore,
)
from hexad.runtime.clock import Clock
from hexad.runtime.workflows.definition import parse_definition
from hexad.runtime.workflows.failures import ExecutionAborted, StateFailure, Suspended
from hexad.runtime.workflows.host import Event, TaskCall
from hexad.runtime.workflows.interpreter import Execution, to_json
from hexad.runtime.workflows.resources import Activity, ResourceTable

__all__ = ["WaitingTask", "WorkflowService"]

_log = logging.getLogger(__name__)
_MAX_TIMEOUT = 99_999_999.0


def _stored(event: Event, seq: int) -> StoredEvent:
    memo = event.memo
    if memo is not None and event.key is not None and event.key[0] == "x":
        memo = memo["next"]  # a state exit's output is already in its details
    text = None if memo is None else to_json(memo)
    return StoredEvent(seq, event.type, event.timestamp, to_json(event.details), event.key, text)


def _memo(event: StoredEvent) -> Any:
    """The replay memo of a stored event (a state exit's output comes back from its details)."""
    value = json.loads(event.memo) if event.memo is not None else None
    if event.key is not None and event.key[0] == "x":
        details = json.loads(event.details)
        memo = {"output": json.loads(details["output"]), "next": value}
        assigned = details.get("assignedVariables")
        if assigned:  # the variables a state set come back from its details, as Step Functions shows them
            memo["assigned"] = {name: json.loads(text) for name, text in assigned.items()}
        return memo
    return value


def public_history(events: builtins.list[StoredEvent]) -> builtins.list[dict[str, Any]]:
    """Stored events in GetExecutionHistory's shape (id, previousEventId, timestamp, type, details)."""
    out = []
    for event in events:
        public = Event(event.type, event.timestamp, json.loads(event.details), id=event.seq)
        out.append(public.public(event.seq - 1))
    return out


@dataclass(frozen=True)
class WaitingTask:
    """A `.waitForTaskToken` task waiting for its answer: where, since when, the token and what it sent."""

    execution_id: str
    state: str
    token: str
    since: float
    parameters: Any


def _state_of(key: str) -> str:
    """The state name in a task attempt's key (`<scope>/<name>#<visit>:<attempt>`)."""
    return key.rsplit("/", 1)[-1].rsplit("#", 1)[0]


_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,80}$")


def _check_name(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise ValidationError(f"{what}: expected 1 to 80 letters, digits, '-', '_' or '.', got {name!r}")
    return name


class _DurableHost:
    """The interpreter's host for one drive of one execution (see `Host`)."""

    def __init__(self, service: WorkflowService, execution: ExecutionRecord, next_seq: int) -> None:
        self.service = service
        self.execution = execution
        self.seq = next_seq

    def now(self) -> float:
        return self.service.clock.time()

    def busy(self, delta: int) -> None:
        return None

    async def sleep_until(self, deadline: float) -> None:
        remaining = deadline - self.now()
        if remaining > self.service.inline_wait_seconds:
            raise Suspended(deadline)
        await self.service.clock.sleep(remaining)

    async def timer(self, deadline: float) -> None:
        await self.service.clock.sleep(deadline - self.now())

    async def invoke(self, call: TaskCall, payload: Any) -> Any:
        return await self.service.resources.invoke(call, payload)

    def new_token(self) -> str:
        # hex, not urlsafe base64: a token starting with "-" reads as an option on a command line
        return secrets.token_hex(16)

    async def open_token(self, token: str, started: float) -> None:
        await self.service.store.open_token(token, self.execution.id, started)

    async def await_token(self, token: str, deadline: float, heartbeat: float | None) -> Any:
        record = await self.service.store.get_token(token)
        if record is None:
            raise StateFailure("States.Runtime", f"the task token {token!r} was lost from the store")
        if record.outcome == "success":
            return json.loads(record.output or "null")
        if record.outcome == "failure":
            raise StateFailure(record.error or "States.TaskFailed", record.cause or "")
        now = self.now()
        if now >= deadline:
            raise StateFailure("States.Timeout", "The task token was not answered before the task's timeout.")
        wake = deadline
        if heartbeat is not None:
            if now >= record.heartbeat_at + heartbeat:
                raise StateFailure("States.HeartbeatTimeout", f"No heartbeat for {heartbeat:g} seconds.")
            wake = min(wake, record.heartbeat_at + heartbeat)
        raise Suspended(wake)

    def stored(self, events: builtins.list[Event]) -> builtins.list[StoredEvent]:
        out = [_stored(event, self.seq + index) for index, event in enumerate(events)]
        self.seq += len(events)
        events.clear()
        return out

    async def checkpoint(self, events: builtins.list[Event], force: bool) -> None:
        if not events or (not force and len(events) < self.service.flush_events):
            return
        lease = self.now() + self.service.lease_seconds
        if not await self.service.store.append(
            self.execution.id, self.stored(events), self.service.owner, lease
        ):
            raise ExecutionAborted(self.execution.id)

    def random(self) -> float:
        return random.random()


class WorkflowService:
    """Manage state machines and executions on a `WorkflowStore`; drive executions on a `Clock`."""

    def __init__(
        self,
        store: WorkflowStore,
        clock: Clock,
        *,
        resources: ResourceTable | None = None,
        owner: str | None = None,
        lease_seconds: float = 60.0,
        tick_seconds: float = 1.0,
        inline_wait_seconds: float = 1.0,
        flush_events: int = 256,
        batch_size: int = 50,
    ) -> None:
        self.store = store
        self.clock = clock
        self.resources = resources or ResourceTable()
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = lease_seconds
        self.tick_seconds = tick_seconds
        self.inline_wait_seconds = inline_wait_seconds
        self.flush_events = flush_events
        self.batch_size = batch_size

    def register_activity(self, resource: str, function: Activity) -> None:
        """Make a Python function callable as a Task `Resource`."""
        self.resources.register_activity(resource, function)

    # --- state machines

    async def create_state_machine(
        self, name: str, definition: Mapping[str, Any] | str, description: str = ""
    ) -> StateMachineRecord:
        """Validate and store a new definition; `ConflictError` if the name is taken."""
        _check_name(name, "state machine name")
        text = to_json(parse_definition(definition))
        now = self.clock.time()
        record = StateMachineRecord(name, text, now, now, description)
        await self.store.put_state_machine(record, create=True)
        return record

    async def update_state_machine(
        self, name: str, definition: Mapping[str, Any] | str
    ) -> StateMachineRecord:
        """Validate and replace a definition; running executions keep the one they started with."""
        existing = await self.store.get_state_machine(name)
        record = replace(
            existing, definition=to_json(parse_definition(definition)), updated_at=self.clock.time()
        )
        await self.store.put_state_machine(record, create=False)
        return record

    async def get_state_machine(self, name: str) -> StateMachineRecord:
        """One state machine; `WorkflowNotFoundError` if there is none."""
        return await self.store.get_state_machine(name)

    async def list_state_machines(self) -> builtins.list[StateMachineRecord]:
        """Every state machine, by name."""
        return await self.store.list_state_machines()

    # --- executions

    async def start(self, state_machine: str, input: Any = None, *, name: str | None = None) -> str:
        """Start an execution of a stored state machine; returns its id (`<machine>:<name>`)."""
        machine = await self.store.get_state_machine(state_machine)
        execution_name = _check_name(name, "execution name") if name is not None else uuid.uuid4().hex
        try:
            to_json(input)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"execution input: expected a JSON value ({exc})") from None
        execution_id = f"{state_machine}:{execution_name}"
        now = self.clock.time()
        limit = json.loads(machine.definition).get("TimeoutSeconds")
        record = ExecutionRecord(
            execution_id,
            execution_name,
            state_machine,
            machine.definition,
            to_json(input),
            "RUNNING",
            now,
            wake_at=now,
            timeout_at=now + limit if limit else None,
        )
        started = Event("ExecutionStarted", now, {"input": to_json(input), "stateMachine": state_machine})
        try:
            await self.store.create_execution(record, [_stored(started, 1)])
        except ConflictError:
            raise ConflictError(
                f"an execution named {execution_name!r} of {state_machine!r} already exists"
            ) from None
        return execution_id

    async def describe(self, execution_id: str) -> ExecutionRecord:
        """An execution's status, input, output or error; `WorkflowNotFoundError` if unknown."""
        return await self.store.get_execution(execution_id)

    async def list_executions(
        self, state_machine: str | None = None, status: str | None = None, limit: int = 100
    ) -> builtins.list[ExecutionRecord]:
        """Executions, newest first, filtered by state machine and/or status."""
        if status is not None and status not in ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"):
            raise WorkflowError(
                f"status: expected RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED, got {status!r}"
            )
        return await self.store.list_executions(state_machine, status, limit)

    async def history(self, execution_id: str) -> builtins.list[dict[str, Any]]:
        """An execution's events in GetExecutionHistory's shape."""
        await self.store.get_execution(execution_id)
        return public_history(await self.store.history(execution_id))

    async def waiting_tasks(
        self, execution_id: str | None = None, state_machine: str | None = None
    ) -> builtins.list[WaitingTask]:
        """Unanswered task tokens of one execution, or of every RUNNING one (of a state machine)."""
        if execution_id is not None:
            ids = [execution_id]
        else:
            ids = [r.id for r in await self.store.list_executions(state_machine, "RUNNING", 10_000)]
        waiting: builtins.list[WaitingTask] = []
        for current in ids:
            waiting.extend(await self._waiting_in(current))
        return waiting

    async def _waiting_in(self, execution_id: str) -> builtins.list[WaitingTask]:
        events = await self.store.history(execution_id)
        answered = {event.key[1:] for event in events if event.key is not None and event.key[0] == "t"}
        scheduled: dict[str, Any] = {}
        found = []
        for event in events:
            if event.type == "TaskScheduled":
                details = json.loads(event.details)
                scheduled[details["resource"]] = details.get("parameters")
            key = event.key
            if event.type != "TaskSubmitted" or key is None or key[1:] in answered or event.memo is None:
                continue
            memo = json.loads(event.memo)
            token = await self.store.get_token(memo["token"])
            if token is None or token.outcome is not None:
                continue
            resource = json.loads(event.details)["resource"]
            parameters = scheduled.get(resource)
            found.append(
                WaitingTask(
                    execution_id,
                    _state_of(key[1:]),
                    memo["token"],
                    float(memo["started"]),
                    json.loads(parameters) if isinstance(parameters, str) else parameters,
                )
            )
        return found

    async def stop(
        self, execution_id: str, error: str | None = None, cause: str | None = None
    ) -> ExecutionRecord:
        """Abort a RUNNING execution; a process driving it stops at its next history write."""
        record = await self.store.get_execution(execution_id)
        if record.status != "RUNNING":
            raise WorkflowError(f"execution {execution_id!r} is {record.status}, not RUNNING")
        return await self._end(record, "ABORTED", None, error, cause, [], None)

    async def _end(
        self,
        record: ExecutionRecord,
        status: WorkflowStatus,
        output: Any,
        error: str | None,
        cause: str | None,
        events: builtins.list[StoredEvent],
        owner: str | None,
        next_seq: int | None = None,
    ) -> ExecutionRecord:
        now = self.clock.time()
        ended = replace(
            record,
            status=status,
            stopped_at=now,
            output=None if status != "SUCCEEDED" else to_json(output),
            error=error,
            cause=cause,
        )
        kind = {
            "SUCCEEDED": "ExecutionSucceeded",
            "FAILED": "ExecutionFailed",
            "TIMED_OUT": "ExecutionTimedOut",
        }
        details = {"output": ended.output} if status == "SUCCEEDED" else {"error": error, "cause": cause}
        seq = events[-1].seq + 1 if events else (next_seq or await self._last_seq(record.id) + 1)
        final = StoredEvent(seq, kind.get(status, "ExecutionAborted"), now, to_json(details))
        if not await self.store.finish(ended, [*events, final], owner):
            raise WorkflowError(f"execution {record.id!r} is no longer RUNNING")
        return ended

    async def _last_seq(self, execution_id: str) -> int:
        events = await self.store.history(execution_id)
        return events[-1].seq if events else 0

    # --- task tokens

    async def send_task_success(self, token: str, output: Any) -> None:
        """Complete a `.waitForTaskToken` task with `output` (any JSON value, or JSON text)."""
        record = await self._token(token)
        await self._answer(replace(record, outcome="success", output=to_json(output)))

    async def send_task_failure(self, token: str, error: str | None = None, cause: str | None = None) -> None:
        """Fail a `.waitForTaskToken` task with an error name and cause (Retry and Catch apply)."""
        record = await self._token(token)
        await self._answer(
            replace(record, outcome="failure", error=error or "States.TaskFailed", cause=cause or "")
        )

    async def send_task_heartbeat(self, token: str) -> None:
        """Tell a task with HeartbeatSeconds that its worker is still alive."""
        await self._token(token)
        if not await self.store.heartbeat_token(token, self.clock.time()):
            raise WorkflowTaskTokenError("the task token was already answered")

    async def _token(self, token: str) -> TokenRecord:
        record = await self.store.get_token(token)
        if record is None:
            raise WorkflowTaskTokenError(f"unknown task token {token[:16]!r}...")
        return record

    async def _answer(self, record: TokenRecord) -> None:
        if not await self.store.answer_token(record, self.clock.time()):
            raise WorkflowTaskTokenError("the task token was already answered (or its task timed out)")

    # --- running

    async def run_until_idle(self, max_rounds: int = 1000) -> int:
        """Drive due executions until none is due; returns how many drives ran."""
        drives = 0
        for _ in range(max_rounds):
            due = await self.store.claim_due(
                self.clock.time(), self.owner, self.clock.time() + self.lease_seconds, self.batch_size
            )
            if not due:
                return drives
            await asyncio.gather(*(self._drive_safely(record) for record in due))
            drives += len(due)
        return drives

    async def run(self) -> None:
        """Drive due executions forever (until cancelled), checking every `tick_seconds`."""
        while True:
            try:
                await self.run_until_idle()
            except asyncio.CancelledError:
                raise
            except Exception:  # a store error must not end the loop; the next tick tries again
                _log.exception("the workflow run loop failed to claim executions")
            await self.clock.sleep(self.tick_seconds)

    async def _drive_safely(self, record: ExecutionRecord) -> None:
        try:
            await self.drive(record)
        except asyncio.CancelledError:
            raise
        except Exception:  # one broken execution must not stop the loop
            _log.exception("workflow execution %s failed to run", record.id)

    async def drive(self, record: ExecutionRecord) -> None:
        """Replay an execution's history and run it until it ends or suspends."""
        events = await self.store.history(record.id)
        memo = {event.key: _memo(event) for event in events if event.key is not None}
        host = _DurableHost(self, record, (events[-1].seq if events else 0) + 1)
        if record.timeout_at is not None and self.clock.time() >= record.timeout_at:
            cause = "the execution ran past its TimeoutSeconds"
            await self._end(record, "TIMED_OUT", None, "States.Timeout", cause, [], self.owner, host.seq)
            return
        execution = Execution(
            json.loads(record.definition),
            json.loads(record.input),
            host,
            execution_id=record.id,
            name=record.name,
            state_machine=record.state_machine,
            start_time=record.started_at,
            memo=memo,
        )
        renewer = asyncio.ensure_future(self._renew_lease(record.id))
        try:
            await self._run_execution(record, execution, host)
        finally:
            renewer.cancel()

    async def _renew_lease(self, execution_id: str) -> None:
        """Keep the lease while a long Task runs, so no other process takes the execution over."""
        while True:
            await self.clock.sleep(self.lease_seconds / 3)
            lease = self.clock.time() + self.lease_seconds
            if not await self.store.append(execution_id, [], self.owner, lease):
                return

    async def _run_execution(self, record: ExecutionRecord, execution: Execution, host: _DurableHost) -> None:
        try:
            output = await execution.run()
        except ExecutionAborted:
            return
        except Suspended as suspended:
            wake = suspended.wake_at
            if record.timeout_at is not None:
                wake = record.timeout_at if wake is None else min(wake, record.timeout_at)
            await self.store.suspend(record.id, host.stored(execution.pending), self.owner, wake)
            return
        except StateFailure as failure:
            pending = host.stored(execution.pending)
            await self._end(
                record, "FAILED", None, failure.error, failure.cause, pending, self.owner, host.seq
            )
            return
        pending = host.stored(execution.pending)
        await self._end(record, "SUCCEEDED", output, None, None, pending, self.owner, host.seq)
