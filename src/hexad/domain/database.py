"""The domain database: engine, sessions and migrations for `settings.effective_database_url`.

SQLite (the embedded profile) gets the pragmas a shared file needs: WAL so the CLI can read while the
demo writes, a busy timeout instead of instant "database is locked", and foreign keys enforced like on
PostgreSQL. The schema is only ever created by the Alembic migrations in `hexad/domain/migrations`, the
same ones on both engines; `upgrade()` runs them programmatically, so no `alembic.ini` is needed.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from hexad.config import Settings, get_settings

__all__ = [
    "create_domain_engine",
    "current_revision",
    "engine_for",
    "head_revision",
    "session_factory",
    "upgrade",
]

MIGRATIONS = Path(__file__).parent / "migrations"
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=15000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA temp_store=MEMORY",
)


def create_domain_engine(url: str) -> Engine:
    """A new engine on `url`; SQLite files get their folder created and the pragmas above."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(_psycopg(url), pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 15})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _psycopg(url: str) -> str:
    """`postgresql://` means psycopg 3 here (the only PostgreSQL driver Hexad installs)."""
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith("postgresql://") else url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return create_domain_engine(url)


def engine_for(settings: Settings | None = None) -> Engine:
    """The process-wide engine for the settings' database (one per URL)."""
    return _engine_for((settings or get_settings()).effective_database_url)


def session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    """Sessions on the domain database."""
    return sessionmaker(engine_for(settings), expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(settings: Settings | None = None, *, engine: Engine | None = None, revision: str = "head") -> str:
    """Migrate the domain database to `revision` (default: the newest); returns the revision reached."""
    engine = engine or engine_for(settings)
    with _migration_lock(engine):
        command.upgrade(_alembic_config(engine), revision)
    return current_revision(engine=engine) or "base"


_MIGRATION_LOCK_KEY = 0x4E5841_4D4947  # pg_advisory_lock key of Hexad's domain migrations


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One migrating process at a time: workers and API processes started together on a fresh
    database would otherwise all create the same tables, and all but one fail.

    The process that waited finds the database at head and has nothing left to do.
    """
    url = engine.url
    if url.get_backend_name() == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        return
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        with Path(f"{url.database}.migrate.lock").open("a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return
    yield


def current_revision(settings: Settings | None = None, *, engine: Engine | None = None) -> str | None:
    """The revision the database is at, or None before the first migration."""
    engine = engine or engine_for(settings)
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest migration shipped with this version of Hexad."""
    head = ScriptDirectory.from_config(_alembic_config(create_engine("sqlite://"))).get_current_head()
    return head or "base"
