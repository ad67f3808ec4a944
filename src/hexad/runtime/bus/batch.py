"""The rows one bus transaction stores: archived events, outbox deliveries and counter increments."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from hexad.ports.bus import ArchivedEvent, BusStore, Delivery, Rule
from hexad.runtime.events import Event

__all__ = ["Batch"]


class Batch:
    """Archive rows, outbox rows and counter increments of one transaction.

    `lease_until` stores the deliveries already leased (due then), for a caller that delivers them
    from memory; `count_events=False` (replays) counts rule matches but not new bus events.
    """

    def __init__(self, *, count_events: bool = True, lease_until: float | None = None) -> None:
        self.lease_until = lease_until
        self.events: list[ArchivedEvent] = []
        self.deliveries: list[Delivery] = []
        self.counters: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self._count_events = count_events

    def add(self, bus: str, event: Event, received_at: float, rules: Sequence[Rule]) -> None:
        """Add an event and one delivery per target of each rule it matched."""
        self.events.append(ArchivedEvent(bus, event, received_at))
        if self._count_events:
            self.counters[(bus, "")]["events"] += 1
            self.counters[(bus, "")]["matched" if rules else "unmatched"] += 1
        for rule in rules:
            self.counters[(bus, rule.name)]["matched"] += 1
            for target in rule.targets:
                due_at = received_at if self.lease_until is None else self.lease_until
                self.deliveries.append(Delivery(bus, rule.name, target, event, received_at, due_at=due_at))

    async def commit(self, store: BusStore, *, archive: bool) -> list[int]:
        """Store everything in one transaction; returns the deliveries' ids in order."""
        if not self.events:
            return []
        return await store.append(self.events, self.deliveries, self.counters, archive=archive)
