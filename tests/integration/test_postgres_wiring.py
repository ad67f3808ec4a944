"""The distributed profile with a PostgreSQL `database_url` puts queues, schedules and state there.

Two "processes" are two sets of services built from the same settings: what one stores, the other
sees, and nothing lands in the embedded runtime file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from hexad import wiring
from hexad.adapters.postgres.database import PostgresDatabase
from hexad.config import Settings
from hexad.errors import RuntimeStoreError
from hexad.ports.schedules import QueueTarget, Schedule
from hexad.runtime.clock import ManualClock
from tests.support.postgres import session_database_url
from tests.support.services import unique_name

pytestmark = pytest.mark.postgres


@pytest.fixture
def settings() -> Iterator[Settings]:
    url = session_database_url().replace("postgresql://", "postgresql+psycopg://")
    yield Settings(profile="distributed", database_url=url)
    forget_pools()


def forget_pools() -> None:
    """Close the process's pools, as a process exiting would."""
    for database in wiring._postgres_databases.values():
        database.close()
    wiring._postgres_databases.clear()
    for key in [key for key in wiring._queue_backends if isinstance(key, PostgresDatabase)]:
        del wiring._queue_backends[key]


async def test_services_of_the_distributed_profile_share_postgresql(settings: Settings) -> None:
    queue, key, schedule = unique_name("jobs"), unique_name("actor:k"), unique_name("nightly")
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    sender = wiring.queue_service(settings, clock=clock)
    await sender.ensure_queue(queue)
    await sender.send(queue, "hello")
    await wiring.state_store(settings, clock=clock).put(key, {"n": 1})
    await wiring.scheduler(settings, clock=clock).add(
        Schedule(schedule, "rate(1 hour)", target=QueueTarget(queue))
    )

    forget_pools()  # a second process: new pools on the same database
    [message] = await wiring.queue_service(settings, clock=clock).receive(queue)
    assert message.body == "hello"
    assert await wiring.state_store(settings, clock=clock).get(key) == ({"n": 1}, 1)
    assert (await wiring.scheduler(settings, clock=clock).get(schedule)).name == schedule
    assert not settings.runtime_database_path.exists()


def test_the_embedded_profile_ignores_a_postgresql_url() -> None:
    settings = Settings(profile="embedded", database_url=session_database_url())
    assert wiring.postgres_database(settings) is None


def test_an_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(RuntimeStoreError, match=r"cannot connect to PostgreSQL at postgresql://u:\*\*\*@"):
        PostgresDatabase("postgresql://u:secret@127.0.0.1:1/none", connect_timeout=0.5)
