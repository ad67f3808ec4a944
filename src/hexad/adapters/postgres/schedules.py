"""The schedule store on PostgreSQL.

The same two tables as on SQLite: `scheduler_schedules` (definition as JSON text plus the
next-firing pointer, indexed by due time) and `scheduler_firings` (the journal, unique per schedule
identity and scheduled time). `claim` is a compare-and-set on the pointer (`UPDATE ... WHERE
next_scheduled_at = expected`) in the same transaction as the journal insert: under READ COMMITTED a
second scheduler's update waits for the first's commit, re-reads the row, finds the pointer moved and
updates nothing, so two scheduler processes never both fire. `reclaim` takes expired claims with
`FOR UPDATE SKIP LOCKED`, so two schedulers recovering at once split the work instead of both retrying
one firing.
"""

from __future__ import annotations

import builtins
from typing import Any

import psycopg
from psycopg.rows import DictRow

from hexad.adapters.postgres.database import PostgresDatabase
from hexad.adapters.shared.schedules import firing_from_row, record_from_row, schedule_values
from hexad.errors import ConflictError, NotFoundError
from hexad.ports.schedules import Firing, ScheduleRecord

__all__ = ["PostgresScheduleStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS scheduler_schedules (
    name TEXT COLLATE "C" PRIMARY KEY,
    uid TEXT NOT NULL,
    definition TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    next_scheduled_at DOUBLE PRECISION,
    next_due_at DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS scheduler_schedules_due ON scheduler_schedules (enabled, next_due_at);
CREATE TABLE IF NOT EXISTS scheduler_firings (
    firing_id TEXT PRIMARY KEY,
    schedule TEXT COLLATE "C" NOT NULL,
    schedule_uid TEXT NOT NULL,
    scheduled_at DOUBLE PRECISION NOT NULL,
    due_at DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    claimed_until DOUBLE PRECISION,
    catch_up BOOLEAN NOT NULL,
    last_error TEXT,
    completed_at DOUBLE PRECISION,
    UNIQUE (schedule_uid, scheduled_at)
);
CREATE INDEX IF NOT EXISTS scheduler_firings_claims ON scheduler_firings (status, claimed_until);
CREATE INDEX IF NOT EXISTS scheduler_firings_by_schedule ON scheduler_firings (schedule, scheduled_at);
"""

_SCHEDULE_COLUMNS = "name, uid, definition, created_at, updated_at, next_scheduled_at, next_due_at"
_FIRING_COLUMNS = (
    "firing_id, schedule, schedule_uid, scheduled_at, due_at, status, attempts, claimed_until, "
    "catch_up, last_error, completed_at"
)
_INSERT_SCHEDULE = """
INSERT INTO scheduler_schedules (name, uid, definition, enabled, created_at, updated_at,
    next_scheduled_at, next_due_at)
VALUES (%(name)s, %(uid)s, %(definition)s, %(enabled)s, %(created_at)s, %(updated_at)s,
    %(next_scheduled_at)s, %(next_due_at)s)
ON CONFLICT (name) DO NOTHING
"""
_REPLACE_SCHEDULE = """
UPDATE scheduler_schedules SET uid = %(uid)s, definition = %(definition)s, enabled = %(enabled)s,
    created_at = %(created_at)s, updated_at = %(updated_at)s, next_scheduled_at = %(next_scheduled_at)s,
    next_due_at = %(next_due_at)s
WHERE name = %(name)s
"""
_RECLAIM = f"""
UPDATE scheduler_firings AS f SET attempts = f.attempts + 1, claimed_until = %(claimed_until)s
FROM (SELECT firing_id, claimed_until AS claimed_before FROM scheduler_firings
      WHERE status = 'claimed' AND claimed_until <= %(now)s
      ORDER BY claimed_until, scheduled_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED) AS expired
WHERE f.firing_id = expired.firing_id
RETURNING expired.claimed_before, {", ".join(f"f.{column.strip()}" for column in _FIRING_COLUMNS.split(","))}
"""
_NEXT_WAKEUP = """
SELECT LEAST(
    (SELECT MIN(next_due_at) FROM scheduler_schedules WHERE enabled),
    (SELECT MIN(claimed_until) FROM scheduler_firings WHERE status = 'claimed')) AS t
"""


class PostgresScheduleStore:
    """`ScheduleStore` on a `PostgresDatabase`."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database
        database.ensure_schema("scheduler", _DDL)

    async def create(self, record: ScheduleRecord) -> None:
        with self._db.transaction() as conn:
            created = conn.execute(_INSERT_SCHEDULE, schedule_values(record)).rowcount
        if not created:
            raise ConflictError(f"schedule {record.name!r} already exists")

    async def replace(self, record: ScheduleRecord) -> None:
        with self._db.transaction() as conn:
            updated = conn.execute(_REPLACE_SCHEDULE, schedule_values(record)).rowcount
        if not updated:
            raise NotFoundError(f"schedule {record.name!r} does not exist")

    async def get(self, name: str) -> ScheduleRecord:
        rows = self._db.query(f"SELECT {_SCHEDULE_COLUMNS} FROM scheduler_schedules WHERE name = %s", (name,))
        if not rows:
            raise NotFoundError(f"schedule {name!r} does not exist")
        return record_from_row(rows[0])

    async def list(self) -> builtins.list[ScheduleRecord]:
        rows = self._db.query(f"SELECT {_SCHEDULE_COLUMNS} FROM scheduler_schedules ORDER BY name")
        return [record_from_row(row) for row in rows]

    async def delete(self, name: str) -> bool:
        with self._db.transaction() as conn:
            deleted = conn.execute("DELETE FROM scheduler_schedules WHERE name = %s", (name,)).rowcount
        return deleted > 0

    async def due(self, now: float, limit: int) -> builtins.list[ScheduleRecord]:
        rows = self._db.query(
            f"SELECT {_SCHEDULE_COLUMNS} FROM scheduler_schedules WHERE enabled "
            "AND next_due_at IS NOT NULL AND next_due_at <= %s ORDER BY next_due_at LIMIT %s",
            (now, limit),
        )
        return [record_from_row(row) for row in rows]

    async def claim(
        self,
        name: str,
        expected_next: float,
        firing: Firing | None,
        next_scheduled_at: float | None,
        next_due_at: float | None,
    ) -> bool:
        with self._db.transaction() as conn:
            moved = conn.execute(
                "UPDATE scheduler_schedules SET next_scheduled_at = %s, next_due_at = %s "
                "WHERE name = %s AND next_scheduled_at = %s",
                (next_scheduled_at, next_due_at, name, expected_next),
            ).rowcount
            if not moved:
                return False
            if firing is not None:
                _insertfiring_from_row(conn, firing)
        return True

    async def reclaim(self, now: float, claimed_until: float, limit: int) -> builtins.list[Firing]:
        with self._db.transaction() as conn:
            rows = conn.execute(
                _RECLAIM, {"now": now, "claimed_until": claimed_until, "limit": limit}
            ).fetchall()
        rows.sort(key=lambda row: (row["claimed_before"], row["scheduled_at"]))  # oldest claim first
        return [firing_from_row({k: v for k, v in row.items() if k != "claimed_before"}) for row in rows]

    async def complete(self, firing_id: str, now: float) -> None:
        self._set_status(firing_id, "completed", completed_at=now)

    async def release(self, firing_id: str, error: str, retry_at: float, *, failed: bool) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE scheduler_firings SET status = %s, last_error = %s, claimed_until = %s "
                "WHERE firing_id = %s AND status = 'claimed'",
                ("failed" if failed else "claimed", error, None if failed else retry_at, firing_id),
            )

    async def cancel(self, firing_id: str, reason: str) -> None:
        self._set_status(firing_id, "cancelled", last_error=reason)

    async def firings(self, name: str, limit: int) -> builtins.list[Firing]:
        rows = self._db.query(
            f"SELECT {_FIRING_COLUMNS} FROM scheduler_firings WHERE schedule = %s "
            "ORDER BY scheduled_at DESC LIMIT %s",
            (name, limit),
        )
        return [firing_from_row(row) for row in rows]

    async def next_wakeup(self) -> float | None:
        rows = self._db.query(_NEXT_WAKEUP)
        value = rows[0]["t"] if rows else None
        return float(value) if value is not None else None

    def _set_status(self, firing_id: str, status: str, **columns: Any) -> None:
        assignments = "".join(f", {column} = %({column})s" for column in columns)
        with self._db.transaction() as conn:
            conn.execute(
                f"UPDATE scheduler_firings SET status = %(status)s, claimed_until = NULL{assignments} "
                "WHERE firing_id = %(firing_id)s AND status = 'claimed'",
                {"status": status, "firing_id": firing_id, **columns},
            )


def _insertfiring_from_row(conn: psycopg.Connection[DictRow], firing: Firing) -> None:
    conn.execute(
        f"INSERT INTO scheduler_firings ({_FIRING_COLUMNS}) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            firing.firing_id,
            firing.schedule,
            firing.schedule_uid,
            firing.scheduled_at,
            firing.due_at,
            firing.status,
            firing.attempts,
            firing.claimed_until,
            firing.catch_up,
            firing.last_error,
            firing.completed_at,
        ),
    )
