"""The event bus store on PostgreSQL.

The same tables as on SQLite (`bus_buses`, `bus_rules`, `bus_meta`, `bus_archive`, `bus_outbox`,
`bus_counters`); what SQLite gets from its single writer is built here from locks:

- The archive's `sequence` must follow commit order, because the API's live feed and
  `hexad events tail` follow a bus by "sequence > last seen": an event committed after a reader
  passed its sequence would be missed. An archiving `append` therefore takes a transaction-scoped
  advisory lock per bus before it allocates sequences, so appends to one bus commit one at a time
  (appends to different buses, and delivery, still run in parallel).
- `claim` is `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)`: dispatchers in any number of
  processes skip each other's rows and never wait; a row another dispatcher leased just before is
  re-checked against `due_at <= now` on its new version and so not taken twice.
- Counter rows are upserted in sorted order, so two transactions counting the same rules cannot
  deadlock.

Claims and settlements commit with `synchronous_commit=off` (see `PostgresDatabase.transaction`): a
server crash can undo the last of them, whole, which only makes those deliveries due again
(at-least-once holds). Appends are durable commits.
"""

from __future__ import annotations

import builtins
import zlib
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import DictRow

from hexad.adapters.postgres.database import PostgresDatabase
from hexad.adapters.shared.bus import delivery_from_row, outbox_values, rule_from_row, stats_from_rows
from hexad.errors import ConflictError, NotFoundError
from hexad.ports.bus import (
    DEFAULT_BUS,
    ArchivedEvent,
    Bus,
    BusStats,
    CounterUpdates,
    Delivery,
    Rule,
    Settlement,
)
from hexad.runtime.events import Event

__all__ = ["PostgresBusStore"]

Connection = psycopg.Connection[DictRow]

_DDL = """
CREATE TABLE IF NOT EXISTS bus_buses (
    name TEXT COLLATE "C" PRIMARY KEY,
    archive_retention_days INTEGER NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS bus_rules (
    bus TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (bus, name)
);
CREATE TABLE IF NOT EXISTS bus_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS bus_archive (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bus TEXT COLLATE "C" NOT NULL,
    event_id TEXT NOT NULL,
    event_time DOUBLE PRECISION NOT NULL,
    received_at DOUBLE PRECISION NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bus_archive_time ON bus_archive (bus, event_time);
CREATE INDEX IF NOT EXISTS bus_archive_received ON bus_archive (bus, received_at);
CREATE INDEX IF NOT EXISTS bus_archive_sequence ON bus_archive (bus, sequence);
CREATE TABLE IF NOT EXISTS bus_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bus TEXT COLLATE "C" NOT NULL,
    rule TEXT COLLATE "C" NOT NULL,
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    received_at DOUBLE PRECISION NOT NULL,
    due_at DOUBLE PRECISION NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS bus_outbox_due ON bus_outbox (status, due_at);
CREATE TABLE IF NOT EXISTS bus_counters (
    bus TEXT COLLATE "C" NOT NULL,
    rule TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (bus, rule, name)
);
"""

_OUTBOX_COLUMNS = "id, bus, rule, target, event, received_at, due_at, attempts, last_error"
_ARCHIVE_LOCK = 0x68627573  # "hbus": with the bus name's CRC, the advisory lock of one bus's archive
_INSERT_OUTBOX = """
INSERT INTO bus_outbox (bus, rule, target, event, received_at, due_at, attempts)
VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id
"""
_CLAIM = f"""
UPDATE bus_outbox AS o SET due_at = %(lease_until)s
FROM (SELECT id FROM bus_outbox WHERE status = 'pending' AND due_at <= %(now)s
      ORDER BY due_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED) AS picked
WHERE o.id = picked.id
RETURNING {", ".join(f"o.{column.strip()}" for column in _OUTBOX_COLUMNS.split(","))}
"""
_COUNT = """
INSERT INTO bus_counters (bus, rule, name, value) VALUES (%s, %s, %s, %s)
ON CONFLICT (bus, rule, name) DO UPDATE SET value = bus_counters.value + excluded.value
"""
_BUMP_RULES_VERSION = """
INSERT INTO bus_meta (key, value) VALUES ('rules_version', 1)
ON CONFLICT (key) DO UPDATE SET value = bus_meta.value + 1
"""


def _count(conn: Connection, counters: CounterUpdates) -> None:
    rows = sorted(
        (bus, rule, name, value)
        for (bus, rule), increments in counters.items()
        for name, value in increments.items()
        if value
    )
    if rows:
        conn.cursor().executemany(_COUNT, rows)


def _bus(row: DictRow) -> Bus:
    return Bus(row["name"], row["archive_retention_days"], row["created_at"])


class PostgresBusStore:
    """`BusStore` on a `PostgresDatabase`; creates the default bus."""

    def __init__(self, database: PostgresDatabase, *, now: float = 0.0) -> None:
        self._db = database
        database.ensure_schema("bus", _DDL)
        with database.transaction() as conn:
            conn.execute(
                "INSERT INTO bus_buses (name, archive_retention_days, created_at) VALUES (%s, 7, %s) "
                "ON CONFLICT (name) DO NOTHING",
                (DEFAULT_BUS, now),
            )

    # --- buses

    async def create_bus(self, bus: Bus) -> None:
        with self._db.transaction() as conn:
            created = conn.execute(
                "INSERT INTO bus_buses (name, archive_retention_days, created_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (name) DO NOTHING RETURNING name",
                (bus.name, bus.archive_retention_days, bus.created_at),
            ).fetchone()
        if created is None:
            raise ConflictError(f"event bus {bus.name!r} already exists")

    async def update_bus(self, bus: Bus) -> None:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE bus_buses SET archive_retention_days = %s WHERE name = %s",
                (bus.archive_retention_days, bus.name),
            )
        if cursor.rowcount == 0:
            raise NotFoundError(f"event bus {bus.name!r} does not exist")

    async def get_bus(self, name: str) -> Bus:
        rows = self._db.query("SELECT * FROM bus_buses WHERE name = %s", (name,))
        if not rows:
            raise NotFoundError(f"event bus {name!r} does not exist")
        return _bus(rows[0])

    async def list_buses(self) -> builtins.list[Bus]:
        return [_bus(row) for row in self._db.query("SELECT * FROM bus_buses ORDER BY name")]

    async def delete_bus(self, name: str) -> None:
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM bus_buses WHERE name = %s FOR UPDATE", (name,)).fetchone() is None:
                raise NotFoundError(f"event bus {name!r} does not exist")
            if conn.execute("SELECT 1 FROM bus_rules WHERE bus = %s LIMIT 1", (name,)).fetchone():
                raise ConflictError(f"event bus {name!r} still has rules; delete them first")
            conn.execute("DELETE FROM bus_buses WHERE name = %s", (name,))
            conn.execute("DELETE FROM bus_archive WHERE bus = %s", (name,))
            conn.execute("DELETE FROM bus_counters WHERE bus = %s", (name,))

    # --- rules

    async def put_rule(self, rule: Rule) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO bus_rules (bus, name, definition) VALUES (%s, %s, %s) "
                "ON CONFLICT (bus, name) DO UPDATE SET definition = excluded.definition",
                (rule.bus, rule.name, rule.to_json()),
            )
            conn.execute(_BUMP_RULES_VERSION)

    async def get_rule(self, bus: str, name: str) -> Rule:
        rows = self._db.query("SELECT * FROM bus_rules WHERE bus = %s AND name = %s", (bus, name))
        if not rows:
            raise NotFoundError(f"rule {name!r} does not exist on event bus {bus!r}")
        return rule_from_row(rows[0])

    async def list_rules(self, bus: str | None) -> builtins.list[Rule]:
        if bus is None:
            rows = self._db.query("SELECT * FROM bus_rules ORDER BY bus, name")
        else:
            rows = self._db.query("SELECT * FROM bus_rules WHERE bus = %s ORDER BY name", (bus,))
        return [rule_from_row(row) for row in rows]

    async def delete_rule(self, bus: str, name: str) -> bool:
        with self._db.transaction() as conn:
            deleted = conn.execute("DELETE FROM bus_rules WHERE bus = %s AND name = %s", (bus, name)).rowcount
            if deleted:
                conn.execute(_BUMP_RULES_VERSION)
        return deleted > 0

    def rules_version(self) -> int:
        rows = self._db.query("SELECT value FROM bus_meta WHERE key = 'rules_version'")
        return int(rows[0]["value"]) if rows else 0

    # --- events and deliveries

    async def append(
        self,
        events: Sequence[ArchivedEvent],
        deliveries: Sequence[Delivery],
        counters: CounterUpdates,
        *,
        archive: bool = True,
    ) -> builtins.list[int]:
        with self._db.transaction() as conn:
            if archive and events:
                _archive(conn, events)
            ids = _insert_outbox(conn, deliveries)
            _count(conn, counters)
        return ids

    async def claim(self, now: float, lease_until: float, limit: int) -> builtins.list[Delivery]:
        with self._db.transaction(durable=False) as conn:
            rows = conn.execute(_CLAIM, {"now": now, "lease_until": lease_until, "limit": limit}).fetchall()
        return sorted((delivery_from_row(row) for row in rows), key=lambda delivery: delivery.id)

    async def settle(self, settlements: Sequence[Settlement], counters: CounterUpdates) -> None:
        removed = [(s.delivery_id,) for s in settlements if s.outcome in ("delivered", "dead_lettered")]
        retried = [(s.due_at, s.error, s.delivery_id) for s in settlements if s.outcome == "retry"]
        failed = [(s.error, s.delivery_id) for s in settlements if s.outcome == "failed"]
        with self._db.transaction(durable=False) as conn:
            cursor = conn.cursor()
            if removed:
                cursor.executemany("DELETE FROM bus_outbox WHERE id = %s", removed)
            if retried:
                cursor.executemany(
                    "UPDATE bus_outbox SET due_at = %s, attempts = attempts + 1, last_error = %s "
                    "WHERE id = %s",
                    retried,
                )
            if failed:
                cursor.executemany(
                    "UPDATE bus_outbox SET status = 'failed', attempts = attempts + 1, last_error = %s "
                    "WHERE id = %s",
                    failed,
                )
            _count(conn, counters)

    async def next_due(self) -> float | None:
        rows = self._db.query("SELECT MIN(due_at) AS due FROM bus_outbox WHERE status = 'pending'")
        return rows[0]["due"] if rows and rows[0]["due"] is not None else None

    async def archived(
        self, bus: str, start: float | None, end: float | None, after: int, limit: int
    ) -> builtins.list[ArchivedEvent]:
        sql = "SELECT sequence, bus, received_at, body FROM bus_archive WHERE bus = %s AND sequence > %s"
        params: list[Any] = [bus, after]
        if start is not None:
            sql += " AND event_time >= %s"
            params.append(start)
        if end is not None:
            sql += " AND event_time < %s"
            params.append(end)
        params.append(limit)
        rows = self._db.query(sql + " ORDER BY sequence LIMIT %s", params)
        return [
            ArchivedEvent(row["bus"], Event.from_json(row["body"]), row["received_at"], row["sequence"])
            for row in rows
        ]

    async def last_sequence(self, bus: str) -> int:
        rows = self._db.query("SELECT MAX(sequence) AS last FROM bus_archive WHERE bus = %s", (bus,))
        return int(rows[0]["last"] or 0)

    async def expire(self, bus: str, received_before: float) -> int:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM bus_archive WHERE bus = %s AND received_at < %s", (bus, received_before)
            )
            conn.execute(
                "DELETE FROM bus_outbox WHERE bus = %s AND status = 'failed' AND received_at < %s",
                (bus, received_before),
            )
        return cursor.rowcount

    async def failed_deliveries(self, bus: str, limit: int) -> builtins.list[Delivery]:
        rows = self._db.query(
            f"SELECT {_OUTBOX_COLUMNS} FROM bus_outbox WHERE bus = %s AND status = 'failed' "
            "ORDER BY id DESC LIMIT %s",
            (bus, limit),
        )
        return [delivery_from_row(row) for row in rows]

    def stats(self, bus: str) -> BusStats:
        counters = self._db.query("SELECT rule, name, value FROM bus_counters WHERE bus = %s", (bus,))
        sizes = self._db.query(
            "SELECT status, COUNT(*) AS n FROM bus_outbox WHERE bus = %s GROUP BY status", (bus,)
        )
        return stats_from_rows(bus, counters, sizes)


def _archive(conn: Connection, events: Sequence[ArchivedEvent]) -> None:
    """Insert events under each bus's archive lock, so sequences follow commit order per bus."""
    for bus in sorted({archived.bus for archived in events}):
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_ARCHIVE_LOCK, _lock_key(bus)))
    conn.cursor().executemany(
        "INSERT INTO bus_archive (bus, event_id, event_time, received_at, body) VALUES (%s, %s, %s, %s, %s)",
        [(a.bus, a.event.id, a.event.time.timestamp(), a.received_at, a.event.to_json()) for a in events],
    )


def _insert_outbox(conn: Connection, deliveries: Sequence[Delivery]) -> builtins.list[int]:
    if not deliveries:
        return []
    cursor = conn.cursor()
    cursor.executemany(_INSERT_OUTBOX, [outbox_values(delivery) for delivery in deliveries], returning=True)
    ids: list[int] = []
    while True:
        row = cursor.fetchone()
        if row is not None:
            ids.append(int(row["id"]))
        if not cursor.nextset():
            return ids


def _lock_key(bus: str) -> int:
    """A signed 32-bit key for the bus name (a collision only makes two buses share a lock)."""
    return zlib.crc32(bus.encode()) - 0x80000000
