"""Encoded answers of the hottest reads, kept per process until the domain database changes.

On SQLite, `PRAGMA data_version` on a connection changes whenever any other connection (in this
process or another: the CLI, a worker, an import) commits to the file. The cache holds one such
connection that never writes, reads the number before computing an answer and stores
the answer under it; a later request serves the stored bytes only while the number is unchanged.
So an import, a finding's status change or any other commit is visible on the next request.
Reading the number before computing errs on the safe side: a commit racing the computation only
makes the next request compute again. On other databases (PostgreSQL) nothing is cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Engine

__all__ = ["DataVersion", "ReadCache"]


class DataVersion:
    """A number that changes on every commit to the domain database; None where it cannot be read.

    The number is only comparable when read on the same connection, so every thread shares one.
    """

    def __init__(self, engine: Engine) -> None:
        database = engine.url.database
        self._enabled = engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
        self._engine = engine
        self._connection: Any = None
        self._opened = 0  # probes opened so far: numbers from different probes never compare equal
        self._lock = threading.Lock()

    def current(self) -> tuple[int, int] | None:
        """The database's version as the read-only probe connection sees it (with the probe's number)."""
        if not self._enabled:
            return None
        with self._lock:
            if self._connection is None:
                self._connection = self._engine.raw_connection()  # SQLite files: usable from any thread
                self._connection.detach()  # out of the pool: nothing else ever commits on it
                self._opened += 1
            cursor = self._connection.cursor()
            try:
                cursor.execute("PRAGMA data_version")
                row: Any = cursor.fetchone()
            finally:
                cursor.close()
            return self._opened, int(row[0])

    def close(self) -> None:
        """Close the probe (at shutdown); a later `current` opens a new one."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class ReadCache:
    """An LRU of encoded answers, `max_bytes` in all, each valid for the data version it was made at."""

    def __init__(self, version: DataVersion, max_bytes: int = 32 * 1024 * 1024) -> None:
        self._version, self._max_bytes = version, max_bytes
        self._answers: OrderedDict[Hashable, tuple[Hashable, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.computed = 0  # answers computed (misses), for tests and diagnostics

    def answer(self, key: Hashable, compute: Callable[[], bytes], *, extra: Hashable = None) -> bytes:
        """The stored answer for `key` if the data (and `extra`) are unchanged, else `compute()`'s.

        `extra` names any other input the answer depends on (e.g. which build of a cached analysis).
        """
        version = self._version.current()
        if version is None:
            return compute()
        stamp = (version, extra)
        with self._lock:
            found = self._answers.get(key)
            if found is not None and found[0] == stamp:
                self._answers.move_to_end(key)
                return found[1]
        body = compute()
        self._store(key, stamp, body)
        return body

    def close(self) -> None:
        """Release the database connection the cache holds (at shutdown)."""
        self._version.close()

    def _store(self, key: Hashable, stamp: Hashable, body: bytes) -> None:
        with self._lock:
            self.computed += 1
            replaced = self._answers.pop(key, None)
            self._bytes -= 0 if replaced is None else len(replaced[1])
            if len(body) > self._max_bytes:
                return
            self._answers[key] = (stamp, body)
            self._bytes += len(body)
            while self._bytes > self._max_bytes:
                self._bytes -= len(self._answers.popitem(last=False)[1][1])
