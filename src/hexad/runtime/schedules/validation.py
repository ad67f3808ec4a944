"""Checks a schedule definition once, when it is added or updated, so the run loop never meets bad data.

Each failure is a `ScheduleError` that names the schedule, the field and what was expected.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from hexad.errors import ScheduleError
from hexad.ports.schedules import QueueTarget, Schedule
from hexad.runtime.schedules.expressions import parse_expression, time_zone
from hexad.runtime.schedules.windows import check_window

__all__ = ["validate_schedule"]

_NAME = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _check_fields(schedule: Schedule) -> None:
    parse_expression(schedule.expression)
    time_zone(schedule.timezone)
    check_window(schedule.window_minutes)
    if schedule.state not in ("ENABLED", "DISABLED"):
        raise ScheduleError(f"state: expected ENABLED or DISABLED, got {schedule.state}")
    if schedule.missed not in ("fire_once", "skip"):
        raise ScheduleError(f"missed: expected fire_once or skip, got {schedule.missed}")
    try:
        json.loads(schedule.input)
    except ValueError as exc:
        raise ScheduleError(f"input: expected a JSON text, got {schedule.input[:80]!r} ({exc})") from None
    if isinstance(schedule.target, QueueTarget) and not schedule.target.queue:
        raise ScheduleError("target.queue: expected a queue name, got an empty one")


def validate_schedule(schedule: Schedule) -> Schedule:
    """The schedule with naive start/end dates read as UTC; `ScheduleError` if anything is off."""
    if not _NAME.match(schedule.name):
        raise ScheduleError(
            f"name: expected 1-64 letters, digits, '.', '-' or '_', got {schedule.name or '(empty)'!r}"
        )
    try:
        _check_fields(schedule)
    except ScheduleError as exc:
        raise type(exc)(f"schedule {schedule.name!r}: {exc}") from None
    start, end = _aware(schedule.start), _aware(schedule.end)
    if start is not None and end is not None and end <= start:
        raise ScheduleError(
            f"schedule {schedule.name!r}: end: expected a date after start {start.isoformat()}, "
            f"got {end.isoformat()}"
        )
    return schedule.with_changes(start=start, end=end)
