"""PostgreSQL for conformance tests: one database per test session, one schema per test.

The session database (`hexad_test_<random>`) is created in the local server on first use and dropped
when the test process exits (`DROP DATABASE ... WITH (FORCE)`, so a pool a test forgot cannot keep it
alive); each test gets its own schema in it, so tests never see each other's rows and parallel or
repeated runs never collide. Connections use trust auth as user `postgres` on 127.0.0.1:5432.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from hexad.adapters.postgres.database import PostgresDatabase
from tests.support.services import require_service, unique_name

__all__ = ["PostgresSchema", "fresh_database_url", "postgres_schema", "session_database_url"]

SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
_lock = threading.Lock()
_session_url: list[str] = []


def _drop(name: str) -> None:
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def session_database_url() -> str:
    """The URL of this test process's own database, created on first call (the service must be up)."""
    require_service("postgres")
    with _lock:
        if not _session_url:
            name = unique_name("hexad_test")
            with psycopg.connect(SERVER_URL, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            atexit.register(_drop, name)
            _session_url.append(f"postgresql://postgres@127.0.0.1:5432/{name}")
        return _session_url[0]


class PostgresSchema:
    """A fresh schema for one test; `database()` opens another pool on it (another process)."""

    def __init__(self, url: str, schema: str) -> None:
        self.url = url
        self.schema = schema
        self._opened: list[PostgresDatabase] = []
        self._lock = threading.Lock()

    def database(self) -> PostgresDatabase:
        database = PostgresDatabase(self.url, schema=self.schema, min_size=1, max_size=4)
        with self._lock:
            self._opened.append(database)
        return database

    def close(self) -> None:
        """Close every pool the test opened."""
        with self._lock:
            opened, self._opened = self._opened, []
        for database in opened:
            database.close()


def postgres_schema(request: pytest.FixtureRequest) -> PostgresSchema:
    """A schema for the requesting test; its pools are closed when the test ends."""
    schema = PostgresSchema(session_database_url(), unique_name("t"))
    request.addfinalizer(schema.close)
    return schema


@contextmanager
def fresh_database_url(prefix: str) -> Iterator[str]:
    """A new, empty database of its own (for processes that migrate it), dropped afterwards."""
    require_service("postgres")
    name = unique_name(prefix)
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        _drop(name)
