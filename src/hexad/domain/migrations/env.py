"""Alembic environment: runs on the engine `hexad.domain.database.upgrade` passes in.

`render_as_batch` lets the same migration alter tables on SQLite (copy-and-move) and PostgreSQL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from hexad.domain.models import Base


def _run(engine: Engine) -> None:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


engine = context.config.attributes.get("engine")
if engine is None:
    raise RuntimeError("run the domain migrations through hexad.domain.database.upgrade()")
_run(engine)
