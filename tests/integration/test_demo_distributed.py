"""`hexad demo run --profile distributed`: the same demo with the domain and the runtime on PostgreSQL.

The demo runs as a process on its own fresh database (`hexad_demo_<random>`, dropped afterwards) with
a small data set; it must import everything, run the six agents through the bus and mailboxes without
a dead letter, recover the planted findings, and leave no SQLite file behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.errors import ConfigError
from tests.support.postgres import fresh_database_url


@pytest.fixture
def database_url() -> Iterator[str]:
    with fresh_database_url("hexad_demo") as url:
        yield url


@pytest.mark.slow
@pytest.mark.postgres
def test_the_distributed_demo_runs_on_postgresql(tmp_path: Path, database_url: str) -> None:
    env = {**os.environ, "HEXAD_HOME": str(tmp_path), "HEXAD_DATABASE_URL": database_url}
    env.pop("HEXAD_PROFILE", None)
    env.pop("HEXAD_NATS_URL", None)  # queues on PostgreSQL too: this demo needs no NATS
    args = ["demo", "run", "--profile", "distributed", "--clients", "12", "--seed", "5", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "hexad", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout)
    runtime = outcome["runtime"]
    assert not runtime["timed_out"]
    assert sum(runtime["dead_letters"].values()) == 0, runtime
    assert all(count > 0 for count in runtime["handled"].values()), runtime["handled"]
    assert outcome["imported_rows"] > 10_000
    found = sum(score["found"] for score in outcome["quality"].values())
    correct = sum(score["correct"] for score in outcome["quality"].values())
    assert found > 0 and correct / found >= 0.8, outcome["quality"]
    assert not (tmp_path / "runtime.db").exists() and not (tmp_path / "hexad.db").exists()

    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        findings = conn.execute("SELECT COUNT(*) FROM findings").fetchone()
        archived = conn.execute("SELECT COUNT(*) FROM bus_archive").fetchone()
        queues = {row[0] for row in conn.execute("SELECT name FROM queue_queues")}
    assert findings is not None and findings[0] == sum(outcome["findings_by_agent"].values())
    assert archived is not None and archived[0] >= runtime["events"] > 0
    assert {f"mailbox-{agent}" for agent in runtime["handled"]} <= queues


def test_the_distributed_demo_needs_a_postgresql_database(tmp_path: Path) -> None:
    env = {"HEXAD_HOME": str(tmp_path), "HEXAD_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = CliRunner().invoke(app, ["demo", "run", "--profile", "distributed"], env=env)
    assert isinstance(result.exception, ConfigError)
    assert "set HEXAD_DATABASE_URL to a PostgreSQL database" in str(result.exception)
    result = CliRunner().invoke(app, ["demo", "run", "--profile", "cloud"], env=env)
    assert isinstance(result.exception, ConfigError)
    assert "--profile: expected embedded or distributed, got 'cloud'" in str(result.exception)
    assert not (tmp_path / "demo-data").exists()
