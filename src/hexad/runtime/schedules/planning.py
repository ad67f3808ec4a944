"""Where a schedule's pointer goes next, and what a due schedule fires, including after downtime.

Pure functions over a `ScheduleRecord` and a time, so every backend and every process agree.
A firing is *late* but still fired normally when its due time is within `grace` seconds of now
(a busy loop, a short restart). Firings due longer ago were *missed* (the scheduler was down) and
follow the schedule's `missed` policy: `fire_once`, Hexad's default, fires one catch-up firing for
all of them, carrying the first missed scheduled time; `skip` fires none. EventBridge Scheduler
itself never stops, so it has no such policy; one catch-up firing is the choice that never silently
loses a daily report and never floods a target with a backlog.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from hexad.ports.schedules import Schedule, ScheduleRecord
from hexad.runtime.schedules.expressions import AtExpression, firing_times, parse_expression, time_zone
from hexad.runtime.schedules.windows import window_offset

__all__ = ["FiringPlan", "Pointer", "firing_id", "first_pointer", "next_pointer", "plan_firing"]

_FIRING_NAMESPACE = uuid.UUID("6f1c9a52-3f0e-4d3b-9a8e-5f2d7c4b1e10")


@dataclass(frozen=True)
class Pointer:
    """A schedule's next nominal firing and its due time (window applied); None: no more firings."""

    scheduled_at: float | None
    due_at: float | None


@dataclass(frozen=True)
class FiringPlan:
    """What to do with a due schedule: the scheduled time to fire (if any) and the next pointer."""

    fire_at: float | None
    catch_up: bool
    next: Pointer


def firing_id(schedule_uid: str, scheduled_at: float) -> str:
    """The id of one firing: the same in every process and on every retry, unique per schedule."""
    return str(uuid.uuid5(_FIRING_NAMESPACE, f"{schedule_uid}|{round(scheduled_at)}"))


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def pointer_from(schedule: Schedule, created_at: float, since: float) -> Pointer:
    """The first firing at or after `since`, within the schedule's start and end dates."""
    expression = parse_expression(schedule.expression)
    moment = _utc(since)
    if schedule.start is not None and not isinstance(expression, AtExpression):
        moment = max(moment, _aware(schedule.start))
    anchor = _aware(schedule.start) if schedule.start is not None else _utc(created_at)
    end = _aware(schedule.end) if schedule.end is not None else None
    times = firing_times(expression, time_zone(schedule.timezone), moment, anchor=anchor, end=end)
    instant = next(times, None)
    if instant is None:
        return Pointer(None, None)
    scheduled_at = instant.timestamp()
    return Pointer(
        scheduled_at, scheduled_at + window_offset(schedule.name, scheduled_at, schedule.window_minutes)
    )


def first_pointer(schedule: Schedule, created_at: float, now: float) -> Pointer:
    """Where a new or updated schedule starts: its first firing from `now` on."""
    return pointer_from(schedule, created_at, now)


def next_pointer(record: ScheduleRecord, after: float) -> Pointer:
    """The firing after the one scheduled at `after` (firing times are whole seconds)."""
    return pointer_from(record.schedule, record.created_at, after + 1)


def plan_firing(record: ScheduleRecord, now: float, grace: float) -> FiringPlan:
    """Decide what a due schedule fires now, applying the missed-firing policy after downtime."""
    scheduled_at, due_at = record.next_scheduled_at, record.next_due_at
    if scheduled_at is None or due_at is None:
        return FiringPlan(None, False, Pointer(None, None))
    late_limit = now - grace
    if due_at >= late_limit:
        return FiringPlan(scheduled_at, False, next_pointer(record, scheduled_at))
    window = (record.schedule.window_minutes or 0) * 60.0
    pointer = pointer_from(record.schedule, record.created_at, max(scheduled_at + 1, late_limit - window))
    while pointer.scheduled_at is not None and pointer.due_at is not None and pointer.due_at < late_limit:
        pointer = next_pointer(record, pointer.scheduled_at)
    if record.schedule.missed == "skip":
        return FiringPlan(None, False, pointer)
    return FiringPlan(scheduled_at, True, pointer)
