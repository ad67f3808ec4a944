"""Keyed actors across many workers: one `KeyedBinding` per owned partition queue.

`send_keyed` puts a message for `key` on the FIFO queue of the key's partition (group id = key), and
`PartitionedKeyedBinding` runs, in each worker, a `KeyedBinding` for exactly the partitions this
worker holds leases on (`hexad.runtime.actors.ownership`). A key therefore has at most one live
activation in the whole deployment, and moves (state saved by the old owner, loaded by the new) when
its partition is rebalanced. Add it to a worker with `worker.add_service(name, binding.run)`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hexad.runtime.actors.keyed import KeyedActor, KeyedBinding
from hexad.runtime.actors.leases import Lease, LeaseStore
from hexad.runtime.actors.ownership import PartitionOwnership, partition_of, partition_queue
from hexad.runtime.actors.system import ActorSystem
from hexad.runtime.queues import QueueService

__all__ = ["PartitionedKeyedBinding", "ensure_partition_queues", "send_keyed"]


async def ensure_partition_queues(
    queues: QueueService, queue: str, partitions: int, **settings: Any
) -> list[str]:
    """Create the partition queues of `queue` (FIFO, content-based deduplication unless told)."""
    settings.setdefault("content_based_deduplication", True)
    names = [partition_queue(queue, p) for p in range(partitions)]
    for name in names:
        await queues.ensure_queue(name, fifo=True, **settings)
    return names


async def send_keyed(
    queues: QueueService,
    queue: str,
    partitions: int,
    key: str,
    body: str,
    *,
    deduplication_id: str | None = None,
) -> str:
    """Send `body` to the keyed actor `key` of `queue`; returns the message id."""
    target = partition_queue(queue, partition_of(key, partitions))
    return await queues.send(target, body, group_id=key, deduplication_id=deduplication_id)


class PartitionedKeyedBinding:
    """Feeds this worker's share of `queue`'s partitions into keyed actors made by `factory`."""

    def __init__(
        self,
        system: ActorSystem,
        queues: QueueService,
        queue: str,
        factory: type[KeyedActor],
        leases: LeaseStore,
        *,
        member: str,
        partitions: int = 16,
        ttl: float = 10.0,
        grace: float = 5.0,
        **keyed_options: Any,
    ) -> None:
        self.system, self.queues, self.queue, self.factory = system, queues, queue, factory
        self.grace = grace
        self.keyed_options = keyed_options
        self.bindings: dict[int, KeyedBinding] = {}
        self.ownership = PartitionOwnership(
            leases, system.clock, group=queue, member=member, partitions=partitions,
            on_gain=self._gain, on_lose=self._lose, ttl=ttl,
        )  # fmt: skip

    @property
    def delivered(self) -> int:
        return sum(binding.delivered for binding in self.bindings.values())

    async def run(self, stop: asyncio.Event) -> None:
        """Hold and rebalance partitions until `stop`; then finish in-hand work and let them go."""
        await self.ownership.run(stop)

    async def _gain(self, partition: int, lease: Lease) -> None:
        binding = KeyedBinding(
            self.system, self.queues, partition_queue(self.queue, partition), self.factory,
            name=f"{self.queue}.p{partition:03d}.t{lease.token}", **self.keyed_options,
        )  # fmt: skip
        binding.start()
        self.bindings[partition] = binding

    async def _lose(self, partition: int) -> None:
        binding = self.bindings.pop(partition, None)
        if binding is not None:
            await binding.stop(self.grace)
            await binding.host.stop()
