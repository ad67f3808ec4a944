"""Keys on exactly one worker: partitions owned under leases, rebalanced as workers come and go.

Keys are hashed into `partitions` partitions (`partition_of`); each partition has its own FIFO
mailbox queue (`partition_queue`), so only the worker that owns a partition reads its keys. Every
worker renews a membership lease `<group>/members/<id>` and, each `tick`, computes which partitions
are its share among the live members (rendezvous hashing: a joining or leaving worker moves only
its own share). It gives up partitions that are no longer its share (stop consuming first, then
release the lease), and takes the free ones that are (take the lease first, then consume).

Bounds: a joining worker gets its share within about two ticks (the others see it, release, it
takes); a killed worker's partitions are taken within `ttl` + one tick. A worker that cannot renew
stops consuming `margin` seconds before its lease ends. `LeaderElection` is the same mechanism for
one name (the scheduler's).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import zlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from hexad.runtime.actors.leases import Lease, LeaseStore
from hexad.runtime.clock import Clock

__all__ = ["LeaderElection", "PartitionOwnership", "partition_of", "partition_queue", "share"]

_log = logging.getLogger(__name__)

OnGain = Callable[[int, Lease], Awaitable[None]]
OnLose = Callable[[int], Awaitable[None]]


def partition_of(key: str, partitions: int) -> int:
    """The partition of a key (stable across processes and versions: CRC-32)."""
    return zlib.crc32(key.encode()) % partitions


def partition_queue(queue: str, partition: int) -> str:
    """The mailbox queue of one partition of `queue`."""
    return f"{queue}.p{partition:03d}"


def share(partitions: int, members: list[str], member: str) -> set[int]:
    """The partitions `member` should own among `members` (highest random weight per partition)."""
    if not members:
        return set()

    def weight(partition: int, candidate: str) -> bytes:
        return hashlib.blake2b(f"{partition}:{candidate}".encode(), digest_size=8).digest()

    return {p for p in range(partitions) if max(members, key=lambda m: weight(p, m)) == member}


class PartitionOwnership:
    """Hold this worker's share of a group's partitions; `on_gain`/`on_lose` start and stop consumers."""

    def __init__(
        self,
        leases: LeaseStore,
        clock: Clock,
        *,
        group: str,
        member: str,
        partitions: int,
        on_gain: OnGain,
        on_lose: OnLose,
        ttl: float = 10.0,
        tick: float | None = None,
        margin: float | None = None,
    ) -> None:
        self.leases, self.clock = leases, clock
        self.group, self.member, self.partitions = group, member, partitions
        self.on_gain, self.on_lose = on_gain, on_lose
        self.ttl = ttl
        self.tick = tick if tick is not None else ttl / 4
        self.margin = margin if margin is not None else ttl / 4
        self.owned: dict[int, Lease] = {}
        self.members: list[str] = []

    def _name(self, partition: int) -> str:
        return f"{self.group}/partitions/{partition:03d}"

    async def run(self, stop: asyncio.Event) -> None:
        """Rebalance every `tick` until `stop` is set, then give every partition up."""
        try:
            while not stop.is_set():
                try:
                    await self.rebalance()
                except Exception:  # the store is unreachable: keep what is still safely held
                    _log.exception("ownership %s/%s: rebalance failed", self.group, self.member)
                    await self._drop_expiring()
                await _wait(stop, self.tick)
        finally:
            await self.release_all()

    async def rebalance(self) -> None:
        """One round: renew membership, drop what is not ours any more, renew and take the rest."""
        now = self.clock.time()
        me = await self.leases.acquire(f"{self.group}/members/{self.member}", self.member, self.ttl, now)
        if me is None:
            raise RuntimeError(f"member id {self.member!r} is held by another live worker")
        live = await self.leases.holders(f"{self.group}/members/", now)
        self.members = sorted({lease.holder for lease in live.values()} | {self.member})
        mine = share(self.partitions, self.members, self.member)
        for partition in sorted(set(self.owned) - mine):
            await self._give_up(partition)
        for partition in sorted(mine):
            lease = await self.leases.acquire(self._name(partition), self.member, self.ttl, self.clock.time())
            if lease is None:
                if partition in self.owned:  # taken over (we were too slow to renew): stop now
                    await self._lost(partition)
                continue
            gained = partition not in self.owned
            self.owned[partition] = lease
            if gained:
                await self.on_gain(partition, lease)

    async def release_all(self) -> None:
        for partition in sorted(self.owned):
            await self._give_up(partition)
        now = self.clock.time()
        me = await self.leases.acquire(f"{self.group}/members/{self.member}", self.member, self.ttl, now)
        if me is not None:
            await self.leases.release(me)

    async def _give_up(self, partition: int) -> None:
        lease = self.owned.pop(partition)
        await self.on_lose(partition)
        await self.leases.release(lease)

    async def _lost(self, partition: int) -> None:
        self.owned.pop(partition, None)
        await self.on_lose(partition)

    async def _drop_expiring(self) -> None:
        horizon = self.clock.time() + self.margin
        for partition, lease in sorted(self.owned.items()):
            if lease.expires_at <= horizon:
                await self._lost(partition)


class LeaderElection:
    """Run `work` only while holding the lease `name`; another candidate takes over when we die."""

    def __init__(
        self,
        leases: LeaseStore,
        clock: Clock,
        *,
        name: str,
        member: str,
        ttl: float = 10.0,
        tick: float | None = None,
    ) -> None:
        self.leases, self.clock, self.name, self.member, self.ttl = leases, clock, name, member, ttl
        self.tick = tick if tick is not None else ttl / 4
        self.lease: Lease | None = None
        self.terms = 0  # how many times this candidate became leader

    async def run(
        self, stop: asyncio.Event, work: Callable[[asyncio.Event], Coroutine[Any, Any, None]]
    ) -> None:
        """Campaign until `stop`; while leader, run `work(resign)` and stop it when leadership ends."""
        task: asyncio.Task[None] | None = None
        resign = asyncio.Event()
        try:
            while not stop.is_set():
                try:
                    self.lease = await self.leases.acquire(
                        self.name, self.member, self.ttl, self.clock.time()
                    )
                except Exception:
                    _log.exception("leader election %s: lease store unreachable", self.name)
                    if self.lease is not None and self.lease.expires_at - self.tick <= self.clock.time():
                        self.lease = None
                if self.lease is not None and task is None:
                    self.terms += 1
                    resign = asyncio.Event()
                    task = asyncio.create_task(work(resign))
                elif self.lease is None and task is not None:
                    await _end(task, resign)
                    task = None
                await _wait(stop, self.tick)
        finally:
            if task is not None:
                await _end(task, resign)
            if self.lease is not None:
                await self.leases.release(self.lease)
                self.lease = None


async def _end(task: asyncio.Task[None], resign: asyncio.Event) -> None:
    resign.set()
    try:
        await asyncio.wait_for(task, 5.0)
    except (TimeoutError, asyncio.CancelledError):
        pass
    except Exception:
        _log.exception("leader work failed while resigning")


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
