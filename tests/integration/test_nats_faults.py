"""Faults with real processes on NATS JetStream: nothing lost, no effect applied twice.

Runs `benchmarks/faults.py` small: 2,000 events through rules into keyed actors on three worker
processes (partition leases in NATS KV, mailboxes on JetStream, effects in a PostgreSQL schema of
its own), once with a worker killed by `kill -9` and once with the NATS server restarted. The
PostgreSQL restart runs only in the benchmark (it would disturb every other test using the server).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import require_service

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "faults.py"

pytestmark = [pytest.mark.slow, pytest.mark.nats, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def services() -> None:
    require_service("nats")
    require_service("postgres")


def run(fault: str) -> dict[str, object]:
    """One run of the benchmark script; its last line is the JSON result."""
    arguments = ["--fault", fault, "--events", "2000", "--workers", "3", "--keys", "200", "--stall", "60"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *arguments], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_killed_worker_loses_nothing_and_applies_nothing_twice() -> None:
    result = run("kill-worker")
    assert result["injected"] != "-"
    assert (result["sent"], result["lost"], result["effects_applied_twice"]) == (2000, 0, 0)
    assert result["handled"] == 2000


@pytest.mark.skipif(os.geteuid() != 0, reason="restarting the NATS server needs root")
def test_a_nats_restart_loses_nothing_and_applies_nothing_twice() -> None:
    result = run("restart-nats")
    assert result["injected"] == "restart-nats"
    assert (result["sent"], result["lost"], result["effects_applied_twice"]) == (2000, 0, 0)
