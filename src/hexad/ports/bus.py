"""The event bus store port: buses, rules, the event archive, the delivery outbox and counters.

Every bus backend (SQLite today, PostgreSQL/NATS later) keeps the same five things; the shared
semantics (validation, rule matching, input transformation, retries with backoff, dead-letter
queues, replay) live once above it in `hexad.runtime.bus.EventBus`.

The outbox is what makes delivery at-least-once: `append` stores a batch's events in the archive and
one `Delivery` row per (event, matched target) in the same transaction, so a put that returned
survives a crash. `claim` leases due rows (moving their due time to the end of the lease, so a
crashed dispatcher's rows come back by themselves), and a row leaves the outbox only in `settle`,
after its target accepted the event or the retry policy gave up. Times are seconds since the epoch
from the caller's clock. Counter updates map `(bus, rule)` (rule `""` for the bus itself) to
increments of named counters and are applied in the same transaction as the rows they count.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from hexad.runtime.events import Event

__all__ = [
    "COUNTERS",
    "DEFAULT_BUS",
    "DEFAULT_MAX_EVENT_AGE_SECONDS",
    "DEFAULT_MAX_RETRY_ATTEMPTS",
    "TARGET_KINDS",
    "ArchivedEvent",
    "Bus",
    "BusStats",
    "BusStore",
    "CounterUpdates",
    "Delivery",
    "InputTransformer",
    "RetryPolicy",
    "Rule",
    "RuleState",
    "Settlement",
    "Target",
    "TargetKind",
]

DEFAULT_BUS = "default"
DEFAULT_MAX_RETRY_ATTEMPTS = 185
DEFAULT_MAX_EVENT_AGE_SECONDS = 86400
COUNTERS = ("events", "matched", "unmatched", "delivered", "retried", "failed", "dead_lettered")

TargetKind = Literal["queue", "mailbox", "workflow", "webhook", "callable"]
TARGET_KINDS: tuple[str, ...] = ("queue", "mailbox", "workflow", "webhook", "callable")
RuleState = Literal["ENABLED", "DISABLED"]
CounterUpdates = Mapping[tuple[str, str], Mapping[str, int]]


@dataclass(frozen=True)
class Bus:
    """A named event bus; its archive keeps every event for `archive_retention_days`."""

    name: str
    archive_retention_days: int = 7
    created_at: float = 0.0


@dataclass(frozen=True)
class InputTransformer:
    """EventBridge's input transformer: `<var>` placeholders in `input_template` filled from JSONPaths."""

    input_template: str
    input_paths_map: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RetryPolicy:
    """How long a target is retried (exponential backoff) before its dead-letter queue gets the event."""

    maximum_retry_attempts: int = DEFAULT_MAX_RETRY_ATTEMPTS
    maximum_event_age_seconds: int = DEFAULT_MAX_EVENT_AGE_SECONDS


@dataclass(frozen=True)
class Target:
    """Where a rule sends matching events.

    `destination` is the queue name (`queue`), the agent name (`mailbox`: FIFO queue
    `mailbox-<agent>`), the state machine name (`workflow`), the URL (`webhook`) or the registered
    callable's name (`callable`). At most one of `input`, `input_path`, `input_transformer` is set;
    with none the whole event is delivered. `group_key` is a JSONPath into the event giving the FIFO
    group id (mailboxes, FIFO queues); without it the event's source is the group.
    """

    id: str
    kind: TargetKind
    destination: str
    input: str | None = None
    input_path: str | None = None
    input_transformer: InputTransformer | None = None
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    dead_letter_queue: str | None = None
    group_key: str | None = None
    timeout_seconds: float = 5.0

    def to_dict(self) -> dict[str, Any]:
        """The target as plain data (the form stores and `--json` listings use)."""
        transformer = self.input_transformer
        return {
            "id": self.id,
            "kind": self.kind,
            "destination": self.destination,
            "input": self.input,
            "input_path": self.input_path,
            "input_transformer": None
            if transformer is None
            else {
                "input_paths_map": dict(transformer.input_paths_map),
                "input_template": transformer.input_template,
            },
            "retry_policy": {
                "maximum_retry_attempts": self.retry_policy.maximum_retry_attempts,
                "maximum_event_age_seconds": self.retry_policy.maximum_event_age_seconds,
            },
            "dead_letter_queue": self.dead_letter_queue,
            "group_key": self.group_key,
            "timeout_seconds": self.timeout_seconds,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Target:
        """Read a target written by `to_dict` (the service validates it)."""
        transformer = data.get("input_transformer")
        retry = data.get("retry_policy") or {}
        return cls(
            id=data["id"],
            kind=data["kind"],
            destination=data["destination"],
            input=data.get("input"),
            input_path=data.get("input_path"),
            input_transformer=None
            if transformer is None
            else InputTransformer(
                transformer["input_template"], dict(transformer.get("input_paths_map") or {})
            ),
            retry_policy=RetryPolicy(**retry),
            dead_letter_queue=data.get("dead_letter_queue"),
            group_key=data.get("group_key"),
            timeout_seconds=float(data.get("timeout_seconds", 5.0)),
        )


@dataclass(frozen=True)
class Rule:
    """A rule on a bus: an event pattern (JSON text) or a schedule expression, and its targets."""

    name: str
    bus: str = DEFAULT_BUS
    event_pattern: str | Mapping[str, Any] | None = None
    schedule_expression: str | None = None
    state: RuleState = "ENABLED"
    description: str = ""
    targets: tuple[Target, ...] = ()

    def to_json(self) -> str:
        """The rule as JSON, the form backends store."""
        data = {**self.__dict__, "targets": [target.to_dict() for target in self.targets]}
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Rule:
        """Read a rule written by `to_json`."""
        data = json.loads(text)
        data["targets"] = tuple(Target.from_dict(target) for target in data.get("targets") or ())
        return cls(**data)


@dataclass(frozen=True)
class ArchivedEvent:
    """An event as the archive holds it: `received_at` is when the bus accepted it."""

    bus: str
    event: Event
    received_at: float
    sequence: int = 0


@dataclass(frozen=True)
class Delivery:
    """One event on its way to one target; `id` is assigned by the store (0 before `append`)."""

    bus: str
    rule: str
    target: Target
    event: Event
    received_at: float
    due_at: float
    attempts: int = 0
    last_error: str | None = None
    id: int = 0


@dataclass(frozen=True)
class Settlement:
    """What happened to a claimed delivery.

    `delivered`/`dead_lettered` remove the row; `retry` keeps it due at `due_at`; `failed` keeps it
    out of dispatch as a record of an event no target and no dead-letter queue took.
    """

    delivery_id: int
    outcome: Literal["delivered", "retry", "failed", "dead_lettered"]
    due_at: float = 0.0
    error: str | None = None


@dataclass(frozen=True)
class BusStats:
    """Counters of one bus (`events`, `matched`, `unmatched`) and of each of its rules."""

    bus: str
    counters: Mapping[str, int]
    rules: Mapping[str, Mapping[str, int]]
    pending: int = 0
    failed: int = 0


class BusStore(Protocol):
    """Atomic bus operations; each call is one transaction on the backend."""

    async def create_bus(self, bus: Bus) -> None:
        """Store a new bus; `ConflictError` if the name is taken."""
        ...

    async def update_bus(self, bus: Bus) -> None:
        """Change a bus's archive retention; `NotFoundError` if there is no such bus."""
        ...

    async def get_bus(self, name: str) -> Bus:
        """One bus; `NotFoundError` if there is none."""
        ...

    async def list_buses(self) -> builtins.list[Bus]:
        """Every bus, by name."""
        ...

    async def delete_bus(self, name: str) -> None:
        """Delete a bus with its archive; `ConflictError` while it has rules, `NotFoundError` if none."""
        ...

    async def put_rule(self, rule: Rule) -> None:
        """Create or replace a rule (by bus and name) and bump the rules version."""
        ...

    async def get_rule(self, bus: str, name: str) -> Rule:
        """One rule; `NotFoundError` if there is none."""
        ...

    async def list_rules(self, bus: str | None) -> builtins.list[Rule]:
        """The rules of one bus, or of every bus, by bus and name."""
        ...

    async def delete_rule(self, bus: str, name: str) -> bool:
        """Delete a rule and bump the rules version; False if there was none."""
        ...

    def rules_version(self) -> int:
        """A number that changes whenever any process changes a rule (cheap; called on every put)."""
        ...

    async def append(
        self,
        events: Sequence[ArchivedEvent],
        deliveries: Sequence[Delivery],
        counters: CounterUpdates,
        *,
        archive: bool = True,
    ) -> builtins.list[int]:
        """Archive `events` (unless `archive` is False), queue `deliveries`, count; all or nothing.

        Returns the ids of the stored deliveries, in order. A delivery whose `due_at` lies in the
        future is stored leased: the caller delivers it from memory, and others claim it only after.
        """
        ...

    async def claim(self, now: float, lease_until: float, limit: int) -> builtins.list[Delivery]:
        """Lease up to `limit` deliveries due at `now` (earliest first) until `lease_until`."""
        ...

    async def settle(self, settlements: Sequence[Settlement], counters: CounterUpdates) -> None:
        """Apply delivery outcomes and their counters in one transaction."""
        ...

    async def next_due(self) -> float | None:
        """The earliest due time of a pending delivery, or None when the outbox is empty."""
        ...

    async def archived(
        self, bus: str, start: float | None, end: float | None, after: int, limit: int
    ) -> builtins.list[ArchivedEvent]:
        """Archived events of `bus` with event time in [start, end) and sequence > `after`, in order."""
        ...

    async def last_sequence(self, bus: str) -> int:
        """The sequence of the newest archived event of `bus` (0 when the archive is empty)."""
        ...

    async def expire(self, bus: str, received_before: float) -> int:
        """Drop archived events and failed deliveries received before the cut-off; returns the events."""
        ...

    async def failed_deliveries(self, bus: str, limit: int) -> builtins.list[Delivery]:
        """Deliveries given up without a dead-letter queue, newest first."""
        ...

    def stats(self, bus: str) -> BusStats:
        """The bus's counters, its rules' counters and its outbox sizes."""
        ...
