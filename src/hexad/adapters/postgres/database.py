"""A PostgreSQL database shared by the distributed runtime's backends (queues, state, schedules).

`PostgresDatabase(url)` is a small wrapper over a psycopg 3 `ConnectionPool`: every backend creates
its own tables with `ensure_schema(name, ddl)` (once per pool, serialised across processes by an
advisory lock, because concurrent `CREATE TABLE IF NOT EXISTS` can collide in the catalog), and
writes inside `with database.transaction() as conn:`. An optional `schema` keeps one deployment's
tables apart from another's in the same database (`search_path` is set on every connection).

Calls are synchronous, like the SQLite backends': the async backends call them directly on the event
loop. A statement to a PostgreSQL server on the local network is a round trip of about 0.1-1 ms, and
keeping it synchronous means an operation is finished when the coroutine next yields, which the queue
service's wake-ups and the `ManualClock` tests rely on. No statement here waits on a lock for long:
receives skip locked rows, and `lock_timeout` bounds every other wait so a stuck peer cannot freeze the
event loop. A thread per call (`asyncio.to_thread`) would cost a thread hop per operation and let a
caller observe half-finished operations at the next `await`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from hexad.adapters.postgres.listener import ChannelListener
from hexad.errors import RuntimeStoreError

__all__ = ["PostgresDatabase", "is_postgres_url", "libpq_url"]

_SCHEMA_LOCK = 0x6865786164  # "hexad": the advisory lock that serialises schema creation
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_URL_PREFIXES = ("postgresql+psycopg://", "postgresql+psycopg2://", "postgresql://", "postgres://")
Params = Sequence[Any] | Mapping[str, Any]


def is_postgres_url(url: str | None) -> bool:
    """True for a PostgreSQL URL, in libpq form or SQLAlchemy's `postgresql+psycopg://` form."""
    return bool(url) and str(url).startswith(_URL_PREFIXES)


def libpq_url(url: str) -> str:
    """The libpq form of a PostgreSQL URL (SQLAlchemy's driver suffix removed)."""
    if not is_postgres_url(url):
        raise RuntimeStoreError(f"database URL {_masked(url)!r}: expected postgresql://...")
    return "postgresql://" + url.split("://", 1)[1]


def _masked(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def _connect_error(url: str, timeout: float) -> str | None:
    """Why a direct connection fails (the pool only says it timed out), or None if it works now."""
    try:
        psycopg.connect(url, connect_timeout=max(1, int(timeout))).close()
    except psycopg.Error as exc:
        return str(exc).strip()
    return None


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database (and optionally one schema in it)."""

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 10,
        lock_timeout_ms: int = 10_000,
        connect_timeout: float = 10.0,
        synchronous_commit: bool = True,
    ) -> None:
        if schema is not None and not _IDENTIFIER.match(schema):
            raise RuntimeStoreError(f"schema {schema!r}: expected lower-case letters, digits and _")
        self.url = libpq_url(url)
        self.schema = schema
        # kept after any `options` the URL itself carries (connection kwargs replace the URL's)
        given = conninfo_to_dict(self.url).get("options")
        options = f"{given} " if given else ""
        options += f"-c lock_timeout={lock_timeout_ms}"
        if schema is not None:
            options += f" -c search_path={schema}"
        if not synchronous_commit:
            options += " -c synchronous_commit=off"
        # single statements from the event loop rarely overlap: a smaller pool keeps connections for others
        self._open_relaxed: Callable[[], PostgresDatabase] = lambda: PostgresDatabase(
            url, schema=schema, min_size=1, max_size=max(2, max_size // 2), lock_timeout_ms=lock_timeout_ms,
            connect_timeout=connect_timeout, synchronous_commit=False,
        )  # fmt: skip
        self._relaxed: PostgresDatabase | None = None
        self._pool: ConnectionPool[psycopg.Connection[DictRow]] = ConnectionPool(
            self.url,
            connection_class=psycopg.Connection[DictRow],
            kwargs={"autocommit": True, "row_factory": dict_row, "options": options},
            min_size=min_size,
            max_size=max_size,
            open=False,
            name=f"hexad-{schema or 'public'}",
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except PoolTimeout as exc:
            self._pool.close()
            reason = _connect_error(self.url, connect_timeout) or str(exc)
            raise RuntimeStoreError(f"cannot connect to PostgreSQL at {_masked(self.url)}: {reason}") from exc
        self._schemas: set[str] = set()
        self._listeners: dict[str, ChannelListener] = {}

    @property
    def identity(self) -> str:
        """Names the data this pool reaches (server, database, schema), without the password."""
        return f"{_masked(self.url)}#{self.schema or 'public'}"

    def ensure_schema(self, name: str, ddl: str) -> None:
        """Run `ddl` (idempotent `CREATE ... IF NOT EXISTS` statements) once per pool."""
        if name in self._schemas:
            return
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            if self.schema is not None:
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            conn.execute(ddl)
        self._schemas.add(name)

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[psycopg.Connection[DictRow]]:
        """One transaction on a pooled connection: committed on exit, rolled back on an exception.

        `durable=False` commits without waiting for the WAL flush (`synchronous_commit=off` for this
        transaction only): the commit is visible at once and survives anything but a server crash
        within ~0.6 s, which then rolls it back as a whole, never half. Only for changes whose loss
        is harmless under at-least-once delivery (a receive or a delete that comes undone makes a
        message visible again). Driver and server errors come out as `RuntimeStoreError` naming the
        database; Hexad's own errors raised inside pass through unchanged.
        """
        with self._connection() as conn, conn.transaction():
            if not durable:
                conn.execute("SET LOCAL synchronous_commit = off")
            yield conn

    def query(self, sql: str, params: Params = ()) -> list[DictRow]:
        """Run one read (or a self-committing statement) and return all rows."""
        with self._connection() as conn:
            return conn.execute(sql, params).fetchall()

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one self-committing statement that returns no rows; how many rows it changed."""
        with self._connection() as conn:
            return conn.execute(sql, params).rowcount

    def relaxed(self) -> PostgresDatabase:
        """A sibling pool on the same data whose every commit skips the WAL flush.

        For single statements in autocommit whose loss in a server crash is harmless (a receive or a
        delete of a queue message that comes undone makes it visible again): one round trip each,
        where `transaction(durable=False)` needs four (`BEGIN`, `SET LOCAL`, the statement, `COMMIT`).
        Opened on first use (half this pool's size), closed with this one.
        """
        if self._relaxed is None:
            self._relaxed = self._open_relaxed()
            self._relaxed._schemas = self._schemas
        return self._relaxed

    def listen(self, channel: str, callback: Callable[[str], None]) -> ChannelListener:
        """Call `callback(payload)` for every `NOTIFY` on `channel` (one listening connection per
        channel and pool, in a thread of its own, closed with the pool)."""
        listener = self._listeners.get(channel)
        if listener is None:
            listener = self._listeners[channel] = ChannelListener(self.url, channel)
        listener.watch(callback)
        return listener

    def close(self) -> None:
        """Close every connection of the pool (and of its relaxed sibling and its listeners)."""
        for listener in self._listeners.values():
            listener.close()
        self._listeners.clear()
        if self._relaxed is not None:
            self._relaxed.close()
        self._pool.close()

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[DictRow]]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except psycopg.Error as exc:
            raise RuntimeStoreError(f"PostgreSQL {self.identity}: {exc}") from exc
        except PoolTimeout as exc:
            raise RuntimeStoreError(f"PostgreSQL {self.identity}: no free connection: {exc}") from exc
