"""Agents placed on workers by leases: each agent runs on exactly one worker, and moves when it dies.

Two workers (two actor systems) share one queue backend and one lease store, as two processes on the
distributed profile do. Rebalancing is driven round by round (`ownership.rebalance()`), so the test
decides when each worker looks; a dead worker is one that stopped consuming and never renews.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.adapters.sqlite.queue import SqliteQueueBackend
from hexad.adapters.sqlite.state import SqliteStateStore
from hexad.runtime.actors import Actor, ActorContext, ActorSystem
from hexad.runtime.actors.leases import StateStoreLeases
from hexad.runtime.actors.mailbox import Delivery
from hexad.runtime.actors.placement import AgentPlacement
from hexad.runtime.actors.worker import agent_mailbox, ensure_agent_mailbox
from hexad.runtime.clock import SystemClock
from hexad.runtime.queues import QueueService
from tests.unit.runtime.actors.helpers import until

AGENTS = ("alpha", "beta", "delta", "gamma")
TTL = 0.5


class Agent(Actor):
    """Records (worker, agent, body) for every message it handles."""

    handled: ClassVar[list[tuple[str, str, str]]] = []

    def __init__(self, worker: str, agent: str) -> None:
        self.worker, self.agent = worker, agent

    async def receive(self, message: Delivery, context: ActorContext) -> Any:
        Agent.handled.append((self.worker, self.agent, message.body))
        return None


def factories(worker: str) -> dict[str, Callable[[], Actor]]:
    return {name: (lambda name=name: Agent(worker, name)) for name in AGENTS}


async def cluster(tmp_path: Path) -> tuple[QueueService, AgentPlacement, AgentPlacement]:
    Agent.handled = []
    clock = SystemClock()
    database = SqliteDatabase(tmp_path / "runtime.db")
    queues = QueueService(SqliteQueueBackend(database), clock)
    for name in AGENTS:
        await ensure_agent_mailbox(queues, name)
    leases = StateStoreLeases(SqliteStateStore(database, clock))
    placements = [
        AgentPlacement(
            ActorSystem(f"w{n}", clock=clock),
            queues,
            factories(member),
            AGENTS,
            leases,
            member=member,
            ttl=TTL,
            grace=1.0,
        )
        for n, member in enumerate(("worker-1", "worker-2"))
    ]
    return queues, placements[0], placements[1]


async def settle(*placements: AgentPlacement) -> None:
    for _ in range(2):  # the newcomer is seen, the others give up its share, it takes it
        for placement in placements:
            await placement.ownership.rebalance()


async def deliver_to_every_agent(queues: QueueService, tag: str) -> dict[str, str]:
    """Send one message to each agent's mailbox; which worker handled each agent's."""
    for name in AGENTS:
        await queues.send(
            agent_mailbox(name), f"{tag}-{name}", group_id="g", deduplication_id=f"{tag}-{name}"
        )
    await until(lambda: sum(1 for _, _, body in Agent.handled if body.startswith(tag)) == len(AGENTS))
    return {agent: worker for worker, agent, body in Agent.handled if body.startswith(tag)}


async def test_each_agent_runs_on_exactly_one_worker(tmp_path: Path) -> None:
    queues, first, second = await cluster(tmp_path)
    await first.ownership.rebalance()
    assert first.running == sorted(AGENTS)  # alone: every agent
    await settle(second, first, second)
    assert first.running and second.running
    assert sorted(first.running + second.running) == sorted(AGENTS)  # no agent on both
    handled_by = await deliver_to_every_agent(queues, "split")
    assert handled_by == {name: "worker-1" if name in first.running else "worker-2" for name in AGENTS}
    for placement in (first, second):
        await placement.ownership.release_all()


async def test_a_dead_workers_agents_move_to_the_survivor_once_its_leases_expire(tmp_path: Path) -> None:
    queues, first, second = await cluster(tmp_path)
    await settle(first, second, first, second)
    moved = first.running
    assert moved
    for binding in first.bindings.values():  # the process dies: nothing consumes, nothing renews
        await binding.stop(0)
    await second.ownership.rebalance()
    assert second.running == sorted(set(AGENTS) - set(moved))  # its leases still hold the agents
    await asyncio.sleep(TTL + 0.1)
    await second.ownership.rebalance()
    assert second.running == sorted(AGENTS)
    assert set((await deliver_to_every_agent(queues, "after")).values()) == {"worker-2"}
    await second.ownership.release_all()
