"""The queue benchmark's engines each move every message: none lost, none left behind.

`benchmarks/queue_engines.py` drives the same load through Hexad on SQLite, PostgreSQL and NATS and
through Dramatiq on Redis; a run only returns once every message was received and deleted (Hexad) or
every job ran (Dramatiq, which raises when the count differs), so a number in the table is never
measured on work that did not happen.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.services import require_service

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import queue_engines

SERVICES = {"postgres": "postgres", "nats": "nats", "dramatiq": "redis"}


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "engine",
    [
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("nats", marks=pytest.mark.nats),
        "dramatiq",
    ],
)
def test_every_engine_moves_every_message(engine: str) -> None:
    if engine in SERVICES:
        require_service(SERVICES[engine])
    assert queue_engines.available(engine)
    for shape in queue_engines.SHAPES[engine]:  # a lost message would never let a shape finish
        assert queue_engines.run_engine(engine, 400, 4, shape) > 0
