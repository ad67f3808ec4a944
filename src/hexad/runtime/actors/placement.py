"""Agents on exactly one worker at a time: each agent's mailbox is consumed under a lease.

An agent is an ordinary actor fed by its FIFO mailbox (`mailbox-<agent>`). With several workers on
one queue backend, every worker would otherwise run every agent, so one agent's messages would be
handled in several processes at once, each with its own in-memory state. `AgentPlacement` treats the
agents as the partitions of `PartitionOwnership` (agent `i` of the sorted names is partition `i`):
each worker holds leases on its rendezvous share, runs the actors of the agents it holds, and hands
an agent over (stop consuming, then release) when a worker joins. A worker that dies stops renewing;
its agents' leases expire and the survivors take them within `ttl` plus one tick.

Every worker of a group must run the same agent names (the partition numbers come from them).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from hexad.runtime.actors.actor import Actor
from hexad.runtime.actors.leases import Lease, LeaseStore
from hexad.runtime.actors.mailbox import MailboxBinding
from hexad.runtime.actors.ownership import PartitionOwnership
from hexad.runtime.actors.system import ActorSystem
from hexad.runtime.actors.worker import agent_mailbox
from hexad.runtime.queues import QueueService

__all__ = ["AGENT_GROUP", "AgentPlacement"]

AGENT_GROUP = "agents"


class AgentPlacement:
    """Run, in this worker, the actors of the agents whose leases it holds."""

    def __init__(
        self,
        system: ActorSystem,
        queues: QueueService,
        factories: dict[str, Callable[[], Actor]],
        names: Sequence[str],
        leases: LeaseStore,
        *,
        member: str,
        ttl: float = 10.0,
        grace: float = 30.0,
        group: str = AGENT_GROUP,
    ) -> None:
        self.system, self.queues, self.factories = system, queues, factories
        self.names = sorted(names)
        self.grace = grace
        self.bindings: dict[str, MailboxBinding] = {}
        self.ownership = PartitionOwnership(
            leases, system.clock, group=group, member=member, partitions=len(self.names),
            on_gain=self._gain, on_lose=self._lose, ttl=ttl,
        )  # fmt: skip

    @property
    def running(self) -> list[str]:
        """The agents this worker runs now."""
        return sorted(self.bindings)

    async def run(self, stop: asyncio.Event) -> None:
        """Hold and rebalance agents until `stop`; then finish the messages in hand and let them go."""
        await self.ownership.run(stop)

    async def _gain(self, partition: int, lease: Lease) -> None:
        name = self.names[partition]
        ref = self.system.spawn(self.factories[name], name=f"{name}.t{lease.token}")
        binding = MailboxBinding(ref, self.queues, agent_mailbox(name))
        binding.start()
        self.bindings[name] = binding

    async def _lose(self, partition: int) -> None:
        binding = self.bindings.pop(self.names[partition], None)
        if binding is not None:
            await binding.stop(self.grace)
            await self.system.stop(binding.ref, self.grace)
