"""The schedule store on the embedded runtime's SQLite file.

Two tables: `scheduler_schedules` (definition as JSON plus the next-firing pointer, indexed by due
time) and `scheduler_firings` (the firing journal, unique per schedule identity and scheduled time,
so even a bug above cannot journal one firing twice). `claim` is a compare-and-set on the pointer in
the same transaction as the journal insert: two scheduler processes on one file never both fire.
"""

from __future__ import annotations

import builtins
import sqlite3
from dataclasses import replace
from typing import Any

from hexad.adapters.shared.schedules import firing_from_row, record_from_row, schedule_values
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.errors import ConflictError, NotFoundError
from hexad.ports.schedules import Firing, ScheduleRecord

__all__ = ["SqliteScheduleStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS scheduler_schedules (
    name TEXT PRIMARY KEY,
    uid TEXT NOT NULL,
    definition TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    next_scheduled_at REAL,
    next_due_at REAL
);
CREATE INDEX IF NOT EXISTS scheduler_schedules_due ON scheduler_schedules (enabled, next_due_at);
CREATE TABLE IF NOT EXISTS scheduler_firings (
    firing_id TEXT PRIMARY KEY,
    schedule TEXT NOT NULL,
    schedule_uid TEXT NOT NULL,
    scheduled_at REAL NOT NULL,
    due_at REAL NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    claimed_until REAL,
    catch_up INTEGER NOT NULL,
    last_error TEXT,
    completed_at REAL,
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


class SqliteScheduleStore:
    """`ScheduleStore` on a `SqliteDatabase` (normally the shared runtime file)."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        database.ensure_schema("scheduler", _DDL)

    async def create(self, record: ScheduleRecord) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO scheduler_schedules (name, uid, definition, enabled, created_at, "
                    "updated_at, next_scheduled_at, next_due_at) VALUES (:name, :uid, :definition, "
                    ":enabled, :created_at, :updated_at, :next_scheduled_at, :next_due_at)",
                    schedule_values(record),
                )
        except sqlite3.IntegrityError:
            raise ConflictError(f"schedule {record.name!r} already exists") from None

    async def replace(self, record: ScheduleRecord) -> None:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE scheduler_schedules SET uid = :uid, definition = :definition, enabled = :enabled, "
                "created_at = :created_at, updated_at = :updated_at, "
                "next_scheduled_at = :next_scheduled_at, next_due_at = :next_due_at WHERE name = :name",
                schedule_values(record),
            )
        if cursor.rowcount == 0:
            raise NotFoundError(f"schedule {record.name!r} does not exist")

    async def get(self, name: str) -> ScheduleRecord:
        rows = self._db.query(f"SELECT {_SCHEDULE_COLUMNS} FROM scheduler_schedules WHERE name = ?", (name,))
        if not rows:
            raise NotFoundError(f"schedule {name!r} does not exist")
        return record_from_row(rows[0])

    async def list(self) -> builtins.list[ScheduleRecord]:
        rows = self._db.query(f"SELECT {_SCHEDULE_COLUMNS} FROM scheduler_schedules ORDER BY name")
        return [record_from_row(row) for row in rows]

    async def delete(self, name: str) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute("DELETE FROM scheduler_schedules WHERE name = ?", (name,))
        return cursor.rowcount > 0

    async def due(self, now: float, limit: int) -> builtins.list[ScheduleRecord]:
        rows = self._db.query(
            f"SELECT {_SCHEDULE_COLUMNS} FROM scheduler_schedules WHERE enabled = 1 "
            "AND next_due_at IS NOT NULL AND next_due_at <= ? ORDER BY next_due_at LIMIT ?",
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
            cursor = conn.execute(
                "UPDATE scheduler_schedules SET next_scheduled_at = ?, next_due_at = ? "
                "WHERE name = ? AND next_scheduled_at = ?",
                (next_scheduled_at, next_due_at, name, expected_next),
            )
            if cursor.rowcount == 0:
                return False
            if firing is not None:
                _insertfiring_from_row(conn, firing)
        return True

    async def reclaim(self, now: float, claimed_until: float, limit: int) -> builtins.list[Firing]:
        with self._db.transaction() as conn:
            rows = conn.execute(
                f"SELECT {_FIRING_COLUMNS} FROM scheduler_firings WHERE status = 'claimed' "
                "AND claimed_until <= ? ORDER BY claimed_until, scheduled_at LIMIT ?",
                (now, limit),
            ).fetchall()
            ids = [(claimed_until, row["firing_id"]) for row in rows]
            conn.executemany(
                "UPDATE scheduler_firings SET attempts = attempts + 1, claimed_until = ? WHERE firing_id = ?",
                ids,
            )
        return [
            replace(firing_from_row(row), attempts=row["attempts"] + 1, claimed_until=claimed_until)
            for row in rows
        ]

    async def complete(self, firing_id: str, now: float) -> None:
        self._set_status(firing_id, "completed", completed_at=now)

    async def release(self, firing_id: str, error: str, retry_at: float, *, failed: bool) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE scheduler_firings SET status = ?, last_error = ?, claimed_until = ? "
                "WHERE firing_id = ? AND status = 'claimed'",
                ("failed" if failed else "claimed", error, None if failed else retry_at, firing_id),
            )

    async def cancel(self, firing_id: str, reason: str) -> None:
        self._set_status(firing_id, "cancelled", last_error=reason)

    async def firings(self, name: str, limit: int) -> builtins.list[Firing]:
        rows = self._db.query(
            f"SELECT {_FIRING_COLUMNS} FROM scheduler_firings WHERE schedule = ? "
            "ORDER BY scheduled_at DESC LIMIT ?",
            (name, limit),
        )
        return [firing_from_row(row) for row in rows]

    async def next_wakeup(self) -> float | None:
        rows = self._db.query(
            "SELECT MIN(t) AS t FROM ("
            "SELECT MIN(next_due_at) AS t FROM scheduler_schedules WHERE enabled = 1 UNION ALL "
            "SELECT MIN(claimed_until) FROM scheduler_firings WHERE status = 'claimed')"
        )
        value = rows[0]["t"] if rows else None
        return float(value) if value is not None else None

    def _set_status(self, firing_id: str, status: str, **columns: Any) -> None:
        assignments = "".join(f", {column} = :{column}" for column in columns)
        with self._db.transaction() as conn:
            conn.execute(
                f"UPDATE scheduler_firings SET status = :status, claimed_until = NULL{assignments} "
                "WHERE firing_id = :firing_id AND status = 'claimed'",
                {"status": status, "firing_id": firing_id, **columns},
            )


def _insertfiring_from_row(conn: sqlite3.Connection, firing: Firing) -> None:
    conn.execute(
        f"INSERT INTO scheduler_firings ({_FIRING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            firing.firing_id,
            firing.schedule,
            firing.schedule_uid,
            firing.scheduled_at,
            firing.due_at,
            firing.status,
            firing.attempts,
            firing.claimed_until,
            int(firing.catch_up),
            firing.last_error,
            firing.completed_at,
        ),
    )
