"""The schedule store port: durable schedules and their firings, for every scheduler backend.

A backend keeps two things: each schedule with a pointer to its next nominal firing, and a journal
of firings (claimed, completed, failed). `hexad.runtime.schedules.service.SchedulerService` does the
rest once for all backends (expressions, time zones, windows, catch-up after downtime, retries).
Moving a schedule's pointer and journaling the firing it fires happen in one `claim` transaction,
so a crash can neither lose a firing (the claim is retried) nor fire it twice (completed firings
are never claimed again; the pointer moved with the claim). Times are seconds since the epoch.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from hexad.errors import ScheduleError

__all__ = [
    "DEFAULT_BUS",
    "DEFAULT_DETAIL_TYPE",
    "DEFAULT_SOURCE",
    "BusTarget",
    "Firing",
    "FiringStatus",
    "MissedPolicy",
    "QueueTarget",
    "Schedule",
    "ScheduleRecord",
    "ScheduleState",
    "ScheduleStore",
    "Target",
    "target_from_dict",
]

DEFAULT_BUS = "default"
DEFAULT_SOURCE = "hexad.scheduler"
DEFAULT_DETAIL_TYPE = "Scheduled Event"

ScheduleState = Literal["ENABLED", "DISABLED"]
MissedPolicy = Literal["fire_once", "skip"]
FiringStatus = Literal["claimed", "completed", "failed", "cancelled"]


@dataclass(frozen=True)
class BusTarget:
    """Publish the schedule's input as an event's detail on an event bus."""

    bus: str = DEFAULT_BUS
    source: str = DEFAULT_SOURCE
    detail_type: str = DEFAULT_DETAIL_TYPE

    def as_dict(self) -> dict[str, str]:
        """The target as data, the form the firing sink and the store read."""
        return {"type": "bus", "bus": self.bus, "source": self.source, "detail_type": self.detail_type}


@dataclass(frozen=True)
class QueueTarget:
    """Send the schedule's input as a message body to a queue."""

    queue: str

    def as_dict(self) -> dict[str, str]:
        """The target as data, the form the firing sink and the store read."""
        return {"type": "queue", "queue": self.queue}


Target = BusTarget | QueueTarget


def target_from_dict(data: Mapping[str, Any]) -> Target:
    """Read a target written by `as_dict`; `ScheduleError` names the key that is wrong."""
    kind = data.get("type")
    if kind == "queue":
        return QueueTarget(queue=_text(data, "queue", None))
    if kind == "bus":
        return BusTarget(
            bus=_text(data, "bus", DEFAULT_BUS),
            source=_text(data, "source", DEFAULT_SOURCE),
            detail_type=_text(data, "detail_type", DEFAULT_DETAIL_TYPE),
        )
    raise ScheduleError(f"target.type: expected 'bus' or 'queue', got {kind!r}")


def _text(data: Mapping[str, Any], key: str, default: str | None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise ScheduleError(f"target.{key}: expected a non-empty string, got {value!r}")
    return value


@dataclass(frozen=True)
class Schedule:
    """What a user defines: when (expression, time zone, window, dates), what (target, input), how.

    `missed` says what happens to firings missed while no scheduler ran: `fire_once` (Hexad's
    default) fires one catch-up firing for all of them, `skip` drops them. `delete_after_completion`
    deletes the schedule once its last firing completed (an at(), or a schedule past its end date).
    """

    name: str
    expression: str
    target: Target = field(default_factory=BusTarget)
    timezone: str = "UTC"
    input: str = "{}"
    state: ScheduleState = "ENABLED"
    window_minutes: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    missed: MissedPolicy = "fire_once"
    delete_after_completion: bool = False
    description: str = ""

    def to_json(self) -> str:
        """The definition as JSON, the form backends store."""
        data = {**self.__dict__, "target": self.target.as_dict()}
        data["start"] = self.start.isoformat() if self.start else None
        data["end"] = self.end.isoformat() if self.end else None
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Schedule:
        """Read a definition written by `to_json`."""
        data = json.loads(text)
        data["target"] = target_from_dict(data["target"])
        for key in ("start", "end"):
            data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
        return cls(**data)

    def with_changes(self, **changes: Any) -> Schedule:
        """A copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class ScheduleRecord:
    """A stored schedule: its definition, identity and the pointer to its next firing.

    `uid` changes when a schedule is deleted and created again under the same name, so firing ids of
    the old and the new schedule never collide. `next_scheduled_at` is the next nominal firing
    time (None: no more firings); `next_due_at` adds the flexible-window offset.
    """

    schedule: Schedule
    uid: str
    created_at: float
    updated_at: float
    next_scheduled_at: float | None
    next_due_at: float | None

    @property
    def name(self) -> str:
        """The schedule's name."""
        return self.schedule.name

    def next_time(self) -> datetime | None:
        """The next nominal firing as an aware UTC datetime."""
        if self.next_scheduled_at is None:
            return None
        return datetime.fromtimestamp(self.next_scheduled_at, UTC)


@dataclass(frozen=True)
class Firing:
    """One firing of a schedule, journaled before the sink is called.

    `firing_id` is stable across retries and restarts: a receiver dedupes on it. `catch_up` marks the
    one firing that stands for all firings missed during downtime (`missed="fire_once"`).
    """

    firing_id: str
    schedule: str
    schedule_uid: str
    scheduled_at: float
    due_at: float
    status: FiringStatus = "claimed"
    attempts: int = 1
    claimed_until: float = 0.0
    catch_up: bool = False
    last_error: str | None = None
    completed_at: float | None = None


class ScheduleStore(Protocol):
    """Atomic schedule and firing operations; each call is one transaction on the backend."""

    async def create(self, record: ScheduleRecord) -> None:
        """Store a new schedule; `ConflictError` if the name is taken."""
        ...

    async def replace(self, record: ScheduleRecord) -> None:
        """Overwrite a schedule's definition and pointer; `NotFoundError` if there is none."""
        ...

    async def get(self, name: str) -> ScheduleRecord:
        """One schedule; `NotFoundError` if there is no such schedule."""
        ...

    async def list(self) -> builtins.list[ScheduleRecord]:
        """Every schedule, by name."""
        ...

    async def delete(self, name: str) -> bool:
        """Delete a schedule (its journal stays); False if there was none."""
        ...

    async def due(self, now: float, limit: int) -> builtins.list[ScheduleRecord]:
        """Enabled schedules whose next firing is due at `now`, earliest first."""
        ...

    async def claim(
        self,
        name: str,
        expected_next: float,
        firing: Firing | None,
        next_scheduled_at: float | None,
        next_due_at: float | None,
    ) -> bool:
        """Journal `firing` (if any) and move the pointer, only if it still is `expected_next`."""
        ...

    async def reclaim(self, now: float, claimed_until: float, limit: int) -> builtins.list[Firing]:
        """Take claimed firings whose claim ran out, counting an attempt and renewing the claim."""
        ...

    async def complete(self, firing_id: str, now: float) -> None:
        """Mark a firing completed; it is never delivered again."""
        ...

    async def release(self, firing_id: str, error: str, retry_at: float, *, failed: bool) -> None:
        """Record a failed delivery: retry at `retry_at`, or give up for good when `failed`."""
        ...

    async def cancel(self, firing_id: str, reason: str) -> None:
        """Give up a firing whose schedule is gone."""
        ...

    async def firings(self, name: str, limit: int) -> builtins.list[Firing]:
        """A schedule's latest firings, newest first."""
        ...

    async def next_wakeup(self) -> float | None:
        """The earliest time anything (a due schedule or a claim running out) needs attention."""
        ...
