"""The state store on the embedded runtime's SQLite file.

Each write runs in a `BEGIN IMMEDIATE` transaction, so the version check and the write are atomic
across processes sharing the file. Versions grow monotonically per key even across expiry, so a
writer holding a version read before a key expired cannot overwrite its successor.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from hexad.adapters.shared.state import check_distinct_keys, encode_value
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.errors import ConflictError
from hexad.ports.state import StateCheck, StateDelete, StateOperation, StatePut
from hexad.runtime.clock import Clock, SystemClock

__all__ = ["SqliteStateStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS actor_state (
    key TEXT PRIMARY KEY,
    value TEXT,
    version INTEGER NOT NULL,
    expires_at REAL,
    deleted INTEGER NOT NULL DEFAULT 0
);
"""


class SqliteStateStore:
    """`StateStore` on one SQLite file; TTLs are measured on `clock`."""

    def __init__(self, database: SqliteDatabase, clock: Clock | None = None) -> None:
        self._db = database
        self._clock: Clock = clock or SystemClock()
        database.ensure_schema("actor_state", _DDL)

    async def get(self, key: str) -> tuple[Any, int]:
        rows = self._db.query(
            "SELECT value, version, expires_at, deleted FROM actor_state WHERE key = ?", (key,)
        )
        if not rows or not self._live(rows[0]):
            return None, 0
        return json.loads(rows[0]["value"]), int(rows[0]["version"])

    async def put(
        self, key: str, value: Any, expected_version: int | None = None, *, ttl: float | None = None
    ) -> int:
        [version] = await self.transact([StatePut(key, value, expected_version, ttl)])
        return version

    async def delete(self, key: str, expected_version: int | None = None) -> bool:
        existed = (await self.get(key))[1] > 0
        await self.transact([StateDelete(key, expected_version)])
        return existed

    async def transact(self, operations: Sequence[StateOperation]) -> list[int]:
        check_distinct_keys(operations)
        prepared = [(operation, encode_value(operation)) for operation in operations]
        with self._db.transaction() as conn:
            return [self._apply(conn, operation, text) for operation, text in prepared]

    async def keys(self, prefix: str = "") -> list[str]:
        rows = self._db.query(
            "SELECT key, version, expires_at, deleted FROM actor_state "
            "WHERE substr(key, 1, ?) = ? ORDER BY key",
            (len(prefix), prefix),
        )
        return [row["key"] for row in rows if self._live(row)]

    async def purge_expired(self) -> int:
        """Drop expired and deleted rows for good; returns how many (their versions are forgotten)."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM actor_state WHERE deleted = 1 OR (expires_at IS NOT NULL AND expires_at <= ?)",
                (self._clock.time(),),
            )
            return cursor.rowcount

    def _live(self, row: sqlite3.Row) -> bool:
        if row["deleted"]:
            return False
        expires = row["expires_at"]
        return expires is None or expires > self._clock.time()

    def _apply(self, conn: sqlite3.Connection, operation: StateOperation, text: str | None) -> int:
        row = conn.execute(
            "SELECT value, version, expires_at, deleted FROM actor_state WHERE key = ?", (operation.key,)
        ).fetchone()
        stored = 0 if row is None else int(row["version"])
        current = stored if row is not None and self._live(row) else 0
        if operation.expected_version is not None and operation.expected_version != current:
            raise ConflictError(
                f"state key {operation.key!r}: expected version {operation.expected_version}, found {current}"
            )
        if isinstance(operation, StateCheck):
            return current
        if isinstance(operation, StateDelete):
            conn.execute("UPDATE actor_state SET deleted = 1, value = NULL WHERE key = ?", (operation.key,))
            return 0
        expires = None if operation.ttl is None else self._clock.time() + operation.ttl
        conn.execute(
            "INSERT INTO actor_state (key, value, version, expires_at, deleted) VALUES (?, ?, ?, ?, 0) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version, "
            "expires_at = excluded.expires_at, deleted = 0",
            (operation.key, text, stored + 1, expires),
        )
        return stored + 1
