"""The same Alembic migrations build the same schema on SQLite and PostgreSQL, equal to the models."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hexad.domain.database import create_domain_engine, current_revision, head_revision, upgrade
from hexad.domain.models import Base, Client, Finding
from tests.support.services import require_service, unique_name

SERVER = os.environ.get("HEXAD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_domain_engine(f"sqlite:///{tmp_path / 'domain.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    require_service("postgres")
    name = unique_name("hexad_migrations")
    admin = sa.create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = create_domain_engine(f"{SERVER}/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(f"{request.param}_engine")  # type: ignore[no-any-return]


def test_upgrade_reaches_head_and_the_schema_equals_the_models(engine: Engine) -> None:
    assert current_revision(engine=engine) is None
    assert upgrade(engine=engine) == head_revision()
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert differences == []


def test_upgrade_twice_is_a_no_op(engine: Engine) -> None:
    upgrade(engine=engine)
    assert upgrade(engine=engine) == head_revision()


def test_money_round_trips_as_exact_decimals(engine: Engine) -> None:
    upgrade(engine=engine)
    amount = Decimal("123456789012.34")
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Client.__table__),
            [{"client_id": "CL-1", "name": "A", "status": "active", "contract_value": amount,
              "start_date": date(2024, 1, 1), "row_hash": "x", "imported_at": datetime.now(UTC)}],
        )  # fmt: skip
    with engine.connect() as connection:
        stored = connection.execute(sa.select(Client.contract_value)).scalar_one()
        total = connection.execute(sa.select(sa.func.sum(Client.__table__.c.contract_value))).scalar_one()
    assert stored == amount
    assert isinstance(stored, Decimal)
    assert Decimal(str(total)) == amount


def test_findings_are_unique_per_agent_kind_and_subject(engine: Engine) -> None:
    upgrade(engine=engine)
    row = {"agent": "cpi", "kind": "margin_erosion", "subject_type": "client", "subject_id": "CL-1",
           "severity": "high", "score": 0.8, "summary": "s", "evidence": {"rows": [1]},
           "recommended_action": "a", "status": "open"}  # fmt: skip
    with Session(engine) as session:
        session.add(Finding(**row))
        session.commit()
        stored = session.scalars(sa.select(Finding)).one()
        assert len(stored.id) == 32
        assert stored.evidence == {"rows": [1]}
        session.add(Finding(**row))
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()


@pytest.mark.slow
def test_processes_started_together_on_a_fresh_database_all_migrate_it(engine: Engine) -> None:
    """Workers and API processes started at once each run the migrations; one migrates, the rest wait."""
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "HEXAD_DATABASE_URL": url}
    command = [sys.executable, "-m", "hexad", "db", "upgrade"]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(4)
    ]
    outputs = [process.communicate(timeout=300)[0].decode(errors="replace") for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, "\n".join(outputs)[-3000:]
    assert current_revision(engine=engine) == head_revision()
