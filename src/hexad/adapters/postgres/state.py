"""The state store on PostgreSQL (table `actor_state`, values as JSONB).

A transaction first locks every key it touches, in sorted order (so two transactions over the same
keys cannot deadlock), with one upsert per key that either creates an absent placeholder row
(version 0, deleted) or locks the existing row and returns it. The version checks and writes then run
on locked rows, so they are atomic across any number of processes without SERIALIZABLE retries.
Versions grow monotonically per key even across expiry and deletion, as on SQLite, so a writer holding
a version read before a key expired cannot overwrite its successor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import DictRow

from hexad.adapters.postgres.database import PostgresDatabase
from hexad.adapters.shared.state import check_distinct_keys, encode_value
from hexad.errors import ConflictError
from hexad.ports.state import StateCheck, StateDelete, StateOperation, StatePut
from hexad.runtime.clock import Clock, SystemClock

__all__ = ["PostgresStateStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS actor_state (
    key TEXT COLLATE "C" PRIMARY KEY,
    value JSONB,
    version BIGINT NOT NULL,
    expires_at DOUBLE PRECISION,
    deleted BOOLEAN NOT NULL DEFAULT FALSE
);
"""

# creates an absent key as a deleted placeholder, or locks the existing row; returns it either way
_LOCK_KEY = """
INSERT INTO actor_state (key, value, version, expires_at, deleted) VALUES (%s, NULL, 0, NULL, TRUE)
ON CONFLICT (key) DO UPDATE SET version = actor_state.version
RETURNING version, expires_at, deleted
"""
_WRITE = """
UPDATE actor_state SET value = %s::jsonb, version = %s, expires_at = %s, deleted = FALSE WHERE key = %s
"""


class PostgresStateStore:
    """`StateStore` on a `PostgresDatabase`; TTLs are measured on `clock`."""

    def __init__(self, database: PostgresDatabase, clock: Clock | None = None) -> None:
        self._db = database
        self._clock: Clock = clock or SystemClock()
        database.ensure_schema("actor_state", _DDL)

    async def get(self, key: str) -> tuple[Any, int]:
        rows = self._db.query(
            "SELECT value, version, expires_at, deleted FROM actor_state WHERE key = %s", (key,)
        )
        if not rows or not self._live(rows[0]):
            return None, 0
        return rows[0]["value"], int(rows[0]["version"])

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
        keys = check_distinct_keys(operations)
        prepared = [(operation, encode_value(operation)) for operation in operations]
        with self._db.transaction() as conn:
            rows = {key: conn.execute(_LOCK_KEY, (key,)).fetchone() for key in sorted(keys)}
            return [self._apply(conn, operation, rows[operation.key], value) for operation, value in prepared]

    async def keys(self, prefix: str = "") -> list[str]:
        rows = self._db.query(
            "SELECT key, version, expires_at, deleted FROM actor_state "
            "WHERE starts_with(key, %s) AND NOT deleted ORDER BY key",
            (prefix,),
        )
        return [row["key"] for row in rows if self._live(row)]

    async def purge_expired(self) -> int:
        """Drop expired and deleted rows for good; returns how many (their versions are forgotten)."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM actor_state WHERE deleted OR (expires_at IS NOT NULL AND expires_at <= %s)",
                (self._clock.time(),),
            )
            return cursor.rowcount

    def _live(self, row: DictRow | None) -> bool:
        if row is None or row["deleted"]:
            return False
        expires = row["expires_at"]
        return expires is None or expires > self._clock.time()

    def _apply(
        self,
        conn: psycopg.Connection[DictRow],
        operation: StateOperation,
        row: DictRow | None,
        value: str | None,
    ) -> int:
        stored = 0 if row is None else int(row["version"])
        current = stored if self._live(row) else 0
        if operation.expected_version is not None and operation.expected_version != current:
            raise ConflictError(
                f"state key {operation.key!r}: expected version {operation.expected_version}, found {current}"
            )
        if isinstance(operation, StateCheck):
            return current
        if isinstance(operation, StateDelete):
            conn.execute(
                "UPDATE actor_state SET deleted = TRUE, value = NULL WHERE key = %s", (operation.key,)
            )
            return 0
        expires = None if operation.ttl is None else self._clock.time() + operation.ttl
        conn.execute(_WRITE, (value, stored + 1, expires, operation.key))
        return stored + 1
