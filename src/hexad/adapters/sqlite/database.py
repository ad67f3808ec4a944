"""The embedded runtime's one SQLite file, shared by the bus, queues, scheduler, state store and workflows.

WAL mode lets readers in other processes (the CLI beside a running `hexad demo`) work while one writer
commits. `synchronous=NORMAL` makes a commit durable against a killed process (the WAL is written
before `COMMIT` returns); only a power cut can lose the last few commits, the documented trade-off for
an embedded store. Every backend creates its own tables with `ensure_schema`, so a component that is
never used never touches the file.

Calls are synchronous and short; async backends call them directly on the event loop because a
SQLite statement on a local file costs microseconds, far less than a thread hop.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hexad.errors import RuntimeStoreError

__all__ = ["SqliteDatabase", "open_database"]

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=15000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA temp_store=MEMORY",
)


class SqliteDatabase:
    """A connection to one SQLite file with explicit, re-entrant transactions."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=15.0
            )
        except sqlite3.Error as exc:
            raise RuntimeStoreError(f"cannot open the runtime database {self.path}: {exc}") from exc
        self._connection.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            self._connection.execute(pragma)
        self._lock = threading.RLock()
        self._depth = 0
        self._schemas: set[str] = set()

    def ensure_schema(self, name: str, ddl: str) -> None:
        """Run `ddl` (idempotent `CREATE ... IF NOT EXISTS` statements) once per connection."""
        if name in self._schemas:
            return
        with self._lock:
            self._connection.executescript(ddl)
            self._schemas.add(name)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (`BEGIN IMMEDIATE`); nested calls join the outer one as a savepoint."""
        with self._lock:
            savepoint = f"sp{self._depth}"
            self._connection.execute("BEGIN IMMEDIATE" if self._depth == 0 else f"SAVEPOINT {savepoint}")
            self._depth += 1
            try:
                yield self._connection
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._connection.execute("ROLLBACK")
                else:
                    self._connection.execute(f"ROLLBACK TO {savepoint}")
                    self._connection.execute(f"RELEASE {savepoint}")
                raise
            self._depth -= 1
            self._connection.execute("COMMIT" if self._depth == 0 else f"RELEASE {savepoint}")

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """Run one statement outside an explicit transaction (it commits by itself)."""
        with self._lock:
            return self._connection.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """Run a read and return all rows."""
        with self._lock:
            return self._connection.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the connection; the file stays."""
        with self._lock:
            self._connection.close()


_open: dict[str, SqliteDatabase] = {}
_open_lock = threading.Lock()


def open_database(path: Path | str) -> SqliteDatabase:
    """The process's shared connection to the SQLite file at `path` (one per file)."""
    key = str(path) if str(path) == ":memory:" else str(Path(path).resolve())
    with _open_lock:
        database = _open.get(key)
        if database is None or key == ":memory:":
            database = SqliteDatabase(path)
            _open[key] = database
        return database
