"""What the interpreter needs from where it runs: time, sleeping, resources, task tokens and persistence.

Two hosts implement it: `hexad.runtime.workflows.local` (in memory, a virtual clock that jumps when
every branch is waiting, so a 90-day Wait takes no time) and the durable `WorkflowService`'s host
(history in a store; long waits and task tokens suspend the execution until the run loop wakes it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Event", "Host", "TaskCall"]


@dataclass(slots=True)
class Event:
    """One history event; `key`/`memo` let a restarted execution replay what already happened."""

    type: str
    timestamp: float
    details: dict[str, Any]
    key: str | None = None
    memo: Any = None
    id: int = 0

    def public(self, previous: int) -> dict[str, Any]:
        """The event in GetExecutionHistory's shape (`timestamp` as RFC 3339, `details`)."""
        from datetime import UTC, datetime

        moment = datetime.fromtimestamp(self.timestamp, UTC).isoformat(timespec="milliseconds")
        return {
            "id": self.id,
            "previousEventId": previous,
            "timestamp": moment.replace("+00:00", "Z"),
            "type": self.type,
            "details": self.details,
        }


@dataclass(frozen=True, slots=True)
class TaskCall:
    """A Task state's call of its resource: what the resource handler receives beside the payload."""

    resource: str
    state: str
    execution_id: str
    token: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


class Host(Protocol):
    """The services an execution uses; every method may raise `Suspended` or `ExecutionAborted`."""

    def now(self) -> float:
        """The current time in seconds since the epoch (virtual in `run_local`)."""
        ...

    def busy(self, delta: int) -> None:
        """A branch started (+1), finished or began waiting (-1): a virtual clock jumps at zero."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Wait until `deadline` (a Wait state, a retry interval); durable hosts may suspend instead."""
        ...

    async def timer(self, deadline: float) -> None:
        """Return at `deadline` without counting as idle: races a running task against its timeout."""
        ...

    async def invoke(self, call: TaskCall, payload: Any) -> Any:
        """Call a Task's resource with its effective parameters; raise to fail the task."""
        ...

    def new_token(self) -> str:
        """A fresh, unguessable task token."""
        ...

    async def open_token(self, token: str, started: float) -> None:
        """Make `token` answerable (before its resource is called, which may answer at once)."""
        ...

    async def await_token(self, token: str, deadline: float, heartbeat: float | None) -> Any:
        """The output sent for `token`; `StateFailure` for a failure, a timeout or a missed heartbeat."""
        ...

    async def checkpoint(self, events: list[Event], force: bool) -> None:
        """New events since the last call; a durable host appends them (always when `force`)."""
        ...

    def random(self) -> float:
        """A random number in [0, 1) for retry jitter."""
        ...
