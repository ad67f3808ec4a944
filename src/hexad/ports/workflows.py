"""The workflow store port: state machines, executions, their durable history and task tokens.

`hexad.runtime.workflows.service.WorkflowService` does everything else once for all backends. A
backend must make three things atomic: appending a batch of history events (refused, returning
False, once the execution is no longer RUNNING or another process holds its lease), ending or
suspending an execution together with its last events, and answering a task token together with
making its execution due. Times are seconds since the epoch; JSON documents are stored as text.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "ExecutionRecord",
    "StateMachineRecord",
    "StoredEvent",
    "TokenRecord",
    "WorkflowStatus",
    "WorkflowStore",
]

WorkflowStatus = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]


@dataclass(frozen=True)
class StateMachineRecord:
    """A named definition (JSON text) and when it was created and last updated."""

    name: str
    definition: str
    created_at: float
    updated_at: float
    description: str = ""


@dataclass(frozen=True)
class ExecutionRecord:
    """One execution; `definition` is the definition as it was when the execution started."""

    id: str
    name: str
    state_machine: str
    definition: str
    input: str
    status: WorkflowStatus
    started_at: float
    stopped_at: float | None = None
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    wake_at: float | None = None
    timeout_at: float | None = None


@dataclass(frozen=True)
class StoredEvent:
    """A history event as stored: its position, and the replay key and memo (JSON) if it has them."""

    seq: int
    type: str
    timestamp: float
    details: str
    key: str | None = None
    memo: str | None = None


@dataclass(frozen=True)
class TokenRecord:
    """A task token: whose it is, when it was handed out, its last heartbeat and its answer if any."""

    token: str
    execution_id: str
    started_at: float
    heartbeat_at: float
    outcome: Literal["success", "failure"] | None = None
    output: str | None = None
    error: str | None = None
    cause: str | None = None


class WorkflowStore(Protocol):
    """Durable state machines, executions, histories and task tokens."""

    async def put_state_machine(self, record: StateMachineRecord, *, create: bool) -> None:
        """Create (ConflictError if the name exists) or replace (NotFound if it does not) a definition."""
        ...

    async def get_state_machine(self, name: str) -> StateMachineRecord:
        """One definition; `WorkflowNotFoundError` if there is none."""
        ...

    async def list_state_machines(self) -> builtins.list[StateMachineRecord]:
        """Every definition, by name."""
        ...

    async def create_execution(self, record: ExecutionRecord, events: Sequence[StoredEvent]) -> None:
        """Store a new execution with its first events; ConflictError if the id exists."""
        ...

    async def get_execution(self, execution_id: str) -> ExecutionRecord:
        """One execution; `WorkflowNotFoundError` if there is none."""
        ...

    async def list_executions(
        self, state_machine: str | None = None, status: str | None = None, limit: int = 100
    ) -> builtins.list[ExecutionRecord]:
        """Executions, newest first, optionally of one state machine and/or in one status."""
        ...

    async def history(self, execution_id: str) -> builtins.list[StoredEvent]:
        """An execution's events in order."""
        ...

    async def claim_due(
        self, now: float, owner: str, lease_until: float, limit: int
    ) -> builtins.list[ExecutionRecord]:
        """Lease RUNNING executions that are due (wake_at <= now) and not leased by a live owner."""
        ...

    async def append(
        self, execution_id: str, events: Sequence[StoredEvent], owner: str, lease_until: float
    ) -> bool:
        """Append events and renew the lease; False if the execution stopped or another owner holds it."""
        ...

    async def suspend(
        self, execution_id: str, events: Sequence[StoredEvent], owner: str, wake_at: float | None
    ) -> bool:
        """Append the last events, release the lease and sleep until `wake_at` (None: a token wakes it)."""
        ...

    async def finish(
        self, execution: ExecutionRecord, events: Sequence[StoredEvent], owner: str | None
    ) -> bool:
        """End a RUNNING execution (status, output/error, stopped_at) with its last events."""
        ...

    async def open_token(self, token: str, execution_id: str, started_at: float) -> None:
        """Record a handed-out task token."""
        ...

    async def get_token(self, token: str) -> TokenRecord | None:
        """A task token, or None."""
        ...

    async def answer_token(self, token: TokenRecord, now: float) -> bool:
        """Store an answer (first answer wins) and make the execution due; False if already answered."""
        ...

    async def heartbeat_token(self, token: str, now: float) -> bool:
        """Record a heartbeat; False if the token is unknown or answered."""
        ...
