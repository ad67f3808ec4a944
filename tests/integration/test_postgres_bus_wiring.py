"""The distributed profile with a PostgreSQL `database_url` puts the event bus and workflows there too.

A "second process" is a second set of services built from the same settings after the first's pools
are closed: rules, archived events, pending deliveries and executions written by one are seen by the
other, and the embedded runtime file is never created.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hexad import wiring
from hexad.adapters.postgres.bus import PostgresBusStore
from hexad.adapters.postgres.database import PostgresDatabase
from hexad.adapters.postgres.workflows import PostgresWorkflowStore
from hexad.config import Settings
from hexad.ports.bus import Rule, Target
from hexad.runtime.clock import ManualClock
from tests.support.postgres import session_database_url
from tests.support.services import unique_name

pytestmark = pytest.mark.postgres


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    url = session_database_url().replace("postgresql://", "postgresql+psycopg://")
    yield Settings(profile="distributed", database_url=url, home=tmp_path)
    forget_pools()


def forget_pools() -> None:
    """Close the process's pools and drop what was built on them, as a process exiting would."""
    for database in wiring._postgres_databases.values():
        database.close()
    wiring._postgres_databases.clear()
    for cache in (wiring._queue_backends, wiring._event_buses):
        for key in [key for key in cache if isinstance(key, PostgresDatabase)]:
            del cache[key]


async def test_the_distributed_bus_and_workflows_live_in_postgresql(settings: Settings) -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    bus_name, queue, machine = unique_name("orders"), unique_name("jobs"), unique_name("approve")
    bus = wiring.event_bus(settings, clock=clock)
    assert isinstance(bus.store, PostgresBusStore)
    await bus.create_bus(bus_name)
    await bus.put_rule(
        Rule(
            name="to-queue",
            bus=bus_name,
            event_pattern={"source": ["hexad.cpi"]},
            targets=(Target(id="q", kind="queue", destination=queue),),
        )
    )
    await wiring.queue_service(settings, clock=clock).ensure_queue(queue)
    entry = {"Source": "hexad.cpi", "DetailType": "t", "Detail": "{}", "EventBusName": bus_name}
    assert (await bus.put_events([entry])).failed_entry_count == 0
    workflows = wiring.workflow_service(settings, clock=clock)
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    await workflows.create_state_machine(machine, json.dumps(definition))

    forget_pools()  # a second process: new pools on the same database
    other = wiring.event_bus(settings, clock=clock)
    assert [rule.name for rule in await other.list_rules(bus_name)] == ["to-queue"]
    assert len(await other.store.archived(bus_name, None, None, 0, 10)) == 1
    assert await other.dispatch_pending() == 1
    [message] = await wiring.queue_service(settings, clock=clock).receive(queue)
    assert json.loads(message.body)["source"] == "hexad.cpi"
    store = wiring.workflow_service(settings, clock=clock).store
    assert isinstance(store, PostgresWorkflowStore)
    assert (await store.get_state_machine(machine)).name == machine
    assert not settings.runtime_database_path.exists()
