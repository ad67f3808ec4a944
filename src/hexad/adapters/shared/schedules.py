"""Schedule store rows on any SQL backend: schedules and firings to and from columns."""

from __future__ import annotations

from typing import Any

from hexad.adapters.shared.rows import Row
from hexad.errors import RuntimeStoreError
from hexad.ports.schedules import Firing, Schedule, ScheduleRecord

__all__ = ["firing_from_row", "record_from_row", "schedule_values"]


def record_from_row(row: Row) -> ScheduleRecord:
    """A `scheduler_schedules` row as a `ScheduleRecord`; `RuntimeStoreError` naming it if unreadable."""
    try:
        schedule = Schedule.from_json(row["definition"])
    except (ValueError, KeyError, TypeError) as exc:
        message = f"scheduler_schedules row {row['name']!r}: unreadable definition: {exc}"
        raise RuntimeStoreError(message) from exc
    return ScheduleRecord(
        schedule=schedule,
        uid=row["uid"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        next_scheduled_at=row["next_scheduled_at"],
        next_due_at=row["next_due_at"],
    )


def firing_from_row(row: Row) -> Firing:
    """A `scheduler_firings` row as a `Firing` (an unclaimed firing's `claimed_until` is 0)."""
    return Firing(
        firing_id=row["firing_id"],
        schedule=row["schedule"],
        schedule_uid=row["schedule_uid"],
        scheduled_at=row["scheduled_at"],
        due_at=row["due_at"],
        status=row["status"],
        attempts=row["attempts"],
        claimed_until=row["claimed_until"] or 0.0,
        catch_up=bool(row["catch_up"]),
        last_error=row["last_error"],
        completed_at=row["completed_at"],
    )


def schedule_values(record: ScheduleRecord) -> dict[str, Any]:
    """The named parameters of a `scheduler_schedules` insert or update."""
    return {
        "name": record.name,
        "uid": record.uid,
        "definition": record.schedule.to_json(),
        "enabled": record.schedule.state == "ENABLED",
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "next_scheduled_at": record.next_scheduled_at,
        "next_due_at": record.next_due_at,
    }
