"""The event bus: EventBridge's PutEvents, rules, targets, retries, dead-letter queues, archive, replay.

`EventBus` is the service (build one with `hexad.wiring.event_bus()`); `Rule`, `Target`,
`InputTransformer` and `RetryPolicy` are the definitions it takes; a `TargetHandler` registered
for a target kind receives each `Delivery` with its input text; `BusFiringSink` lets the
scheduler deliver its firings through the bus and queues.
"""

from __future__ import annotations

from hexad.ports.bus import Bus, BusStats, Delivery, InputTransformer, RetryPolicy, Rule, Target
from hexad.runtime.bus.delivery import RetryTiming
from hexad.runtime.bus.scheduling import BusFiringSink
from hexad.runtime.bus.service import EventBus, PutEventsResult, PutEventsResultEntry, ReplayResult
from hexad.runtime.bus.targets import TargetHandler, mailbox_queue

__all__ = [
    "Bus",
    "BusFiringSink",
    "BusStats",
    "Delivery",
    "EventBus",
    "InputTransformer",
    "PutEventsResult",
    "PutEventsResultEntry",
    "ReplayResult",
    "RetryPolicy",
    "RetryTiming",
    "Rule",
    "Target",
    "TargetHandler",
    "mailbox_queue",
]
