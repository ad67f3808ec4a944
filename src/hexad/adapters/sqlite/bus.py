"""The event bus store on the embedded runtime's SQLite file.

Tables: `bus_buses`, `bus_rules` (definition as JSON), `bus_meta` (the rules version other processes
watch), `bus_archive` (every accepted event, sequence = rowid, indexed by bus and event time),
`bus_outbox` (one row per event and target until the target accepted it) and `bus_counters`.
`append` and `settle` are single transactions, so an event is either archived with all its
deliveries and counted, or not stored at all. Claiming is an `UPDATE ... RETURNING` that moves the
due time to the end of the lease: two dispatchers on one file never take the same row at once, and a
crashed dispatcher's rows become due again when the lease runs out.
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence

from hexad.adapters.shared.bus import delivery_from_row, outbox_values, rule_from_row, stats_from_rows
from hexad.adapters.sqlite.database import SqliteDatabase
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

__all__ = ["SqliteBusStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS bus_buses (
    name TEXT PRIMARY KEY,
    archive_retention_days INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS bus_rules (
    bus TEXT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (bus, name)
);
CREATE TABLE IF NOT EXISTS bus_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bus_archive (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    bus TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_time REAL NOT NULL,
    received_at REAL NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bus_archive_time ON bus_archive (bus, event_time);
CREATE INDEX IF NOT EXISTS bus_archive_received ON bus_archive (bus, received_at);
CREATE TABLE IF NOT EXISTS bus_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bus TEXT NOT NULL,
    rule TEXT NOT NULL,
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    received_at REAL NOT NULL,
    due_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS bus_outbox_due ON bus_outbox (status, due_at);
CREATE TABLE IF NOT EXISTS bus_counters (
    bus TEXT NOT NULL,
    rule TEXT NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (bus, rule, name)
);
"""

_OUTBOX_COLUMNS = "id, bus, rule, target, event, received_at, due_at, attempts, last_error"


def _count(conn: sqlite3.Connection, counters: CounterUpdates) -> None:
    rows = [
        (bus, rule, name, value)
        for (bus, rule), increments in counters.items()
        for name, value in increments.items()
        if value
    ]
    conn.executemany(
        "INSERT INTO bus_counters (bus, rule, name, value) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (bus, rule, name) DO UPDATE SET value = value + excluded.value",
        rows,
    )


def _bump_rules_version(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO bus_meta (key, value) VALUES ('rules_version', 1) "
        "ON CONFLICT (key) DO UPDATE SET value = value + 1"
    )


class SqliteBusStore:
    """`BusStore` on a `SqliteDatabase` (normally the shared runtime file); creates the default bus."""

    def __init__(self, database: SqliteDatabase, *, now: float = 0.0) -> None:
        self._db = database
        database.ensure_schema("bus", _DDL)
        database.execute(
            "INSERT OR IGNORE INTO bus_buses (name, archive_retention_days, created_at) VALUES (?, 7, ?)",
            (DEFAULT_BUS, now),
        )

    # --- buses

    async def create_bus(self, bus: Bus) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO bus_buses (name, archive_retention_days, created_at) VALUES (?, ?, ?)",
                    (bus.name, bus.archive_retention_days, bus.created_at),
                )
        except sqlite3.IntegrityError:
            raise ConflictError(f"event bus {bus.name!r} already exists") from None

    async def update_bus(self, bus: Bus) -> None:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE bus_buses SET archive_retention_days = ? WHERE name = ?",
                (bus.archive_retention_days, bus.name),
            )
        if cursor.rowcount == 0:
            raise NotFoundError(f"event bus {bus.name!r} does not exist")

    async def get_bus(self, name: str) -> Bus:
        rows = self._db.query("SELECT * FROM bus_buses WHERE name = ?", (name,))
        if not rows:
            raise NotFoundError(f"event bus {name!r} does not exist")
        return Bus(rows[0]["name"], rows[0]["archive_retention_days"], rows[0]["created_at"])

    async def list_buses(self) -> builtins.list[Bus]:
        rows = self._db.query("SELECT * FROM bus_buses ORDER BY name")
        return [Bus(row["name"], row["archive_retention_days"], row["created_at"]) for row in rows]

    async def delete_bus(self, name: str) -> None:
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM bus_rules WHERE bus = ? LIMIT 1", (name,)).fetchone():
                raise ConflictError(f"event bus {name!r} still has rules; delete them first")
            if conn.execute("DELETE FROM bus_buses WHERE name = ?", (name,)).rowcount == 0:
                raise NotFoundError(f"event bus {name!r} does not exist")
            conn.execute("DELETE FROM bus_archive WHERE bus = ?", (name,))
            conn.execute("DELETE FROM bus_counters WHERE bus = ?", (name,))

    # --- rules

    async def put_rule(self, rule: Rule) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO bus_rules (bus, name, definition) VALUES (?, ?, ?) "
                "ON CONFLICT (bus, name) DO UPDATE SET definition = excluded.definition",
                (rule.bus, rule.name, rule.to_json()),
            )
            _bump_rules_version(conn)

    async def get_rule(self, bus: str, name: str) -> Rule:
        rows = self._db.query("SELECT * FROM bus_rules WHERE bus = ? AND name = ?", (bus, name))
        if not rows:
            raise NotFoundError(f"rule {name!r} does not exist on event bus {bus!r}")
        return rule_from_row(rows[0])

    async def list_rules(self, bus: str | None) -> builtins.list[Rule]:
        if bus is None:
            rows = self._db.query("SELECT * FROM bus_rules ORDER BY bus, name")
        else:
            rows = self._db.query("SELECT * FROM bus_rules WHERE bus = ? ORDER BY name", (bus,))
        return [rule_from_row(row) for row in rows]

    async def delete_rule(self, bus: str, name: str) -> bool:
        with self._db.transaction() as conn:
            deleted = conn.execute("DELETE FROM bus_rules WHERE bus = ? AND name = ?", (bus, name)).rowcount
            if deleted:
                _bump_rules_version(conn)
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
            if archive:
                conn.executemany(
                    "INSERT INTO bus_archive (bus, event_id, event_time, received_at, body) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        (a.bus, a.event.id, a.event.time.timestamp(), a.received_at, a.event.to_json())
                        for a in events
                    ],
                )
            ids = [
                int(
                    conn.execute(
                        "INSERT INTO bus_outbox (bus, rule, target, event, received_at, due_at, attempts) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        outbox_values(delivery),
                    ).lastrowid
                    or 0
                )
                for delivery in deliveries
            ]
            _count(conn, counters)
        return ids

    async def claim(self, now: float, lease_until: float, limit: int) -> builtins.list[Delivery]:
        with self._db.transaction() as conn:
            rows = conn.execute(
                f"UPDATE bus_outbox SET due_at = ? WHERE id IN (SELECT id FROM bus_outbox "
                f"WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?) "
                f"RETURNING {_OUTBOX_COLUMNS}",
                (lease_until, now, limit),
            ).fetchall()
        return sorted((delivery_from_row(row) for row in rows), key=lambda delivery: delivery.id)

    async def settle(self, settlements: Sequence[Settlement], counters: CounterUpdates) -> None:
        removed = [(s.delivery_id,) for s in settlements if s.outcome in ("delivered", "dead_lettered")]
        retried = [(s.due_at, s.error, s.delivery_id) for s in settlements if s.outcome == "retry"]
        failed = [(s.error, s.delivery_id) for s in settlements if s.outcome == "failed"]
        with self._db.transaction() as conn:
            conn.executemany("DELETE FROM bus_outbox WHERE id = ?", removed)
            conn.executemany(
                "UPDATE bus_outbox SET due_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                retried,
            )
            conn.executemany(
                "UPDATE bus_outbox SET status = 'failed', attempts = attempts + 1, last_error = ? "
                "WHERE id = ?",
                failed,
            )
            _count(conn, counters)

    async def next_due(self) -> float | None:
        rows = self._db.query("SELECT MIN(due_at) AS due FROM bus_outbox WHERE status = 'pending'")
        return rows[0]["due"] if rows and rows[0]["due"] is not None else None

    async def archived(
        self, bus: str, start: float | None, end: float | None, after: int, limit: int
    ) -> builtins.list[ArchivedEvent]:
        rows = self._db.query(
            "SELECT sequence, bus, received_at, body FROM bus_archive WHERE bus = ? AND sequence > ? "
            "AND event_time >= ? AND event_time < ? ORDER BY sequence LIMIT ?",
            (
                bus,
                after,
                start if start is not None else float("-inf"),
                end if end is not None else float("inf"),
                limit,
            ),
        )
        return [
            ArchivedEvent(row["bus"], Event.from_json(row["body"]), row["received_at"], row["sequence"])
            for row in rows
        ]

    async def last_sequence(self, bus: str) -> int:
        rows = self._db.query("SELECT MAX(sequence) AS last FROM bus_archive WHERE bus = ?", (bus,))
        return int(rows[0]["last"] or 0)

    async def expire(self, bus: str, received_before: float) -> int:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM bus_archive WHERE bus = ? AND received_at < ?", (bus, received_before)
            )
            conn.execute(
                "DELETE FROM bus_outbox WHERE bus = ? AND status = 'failed' AND received_at < ?",
                (bus, received_before),
            )
        return cursor.rowcount

    async def failed_deliveries(self, bus: str, limit: int) -> builtins.list[Delivery]:
        rows = self._db.query(
            f"SELECT {_OUTBOX_COLUMNS} FROM bus_outbox WHERE bus = ? AND status = 'failed' "
            "ORDER BY id DESC LIMIT ?",
            (bus, limit),
        )
        return [delivery_from_row(row) for row in rows]

    def stats(self, bus: str) -> BusStats:
        counters = self._db.query("SELECT rule, name, value FROM bus_counters WHERE bus = ?", (bus,))
        sizes = self._db.query(
            "SELECT status, COUNT(*) AS n FROM bus_outbox WHERE bus = ? GROUP BY status", (bus,)
        )
        return stats_from_rows(bus, counters, sizes)
