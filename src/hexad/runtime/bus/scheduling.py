"""The scheduler's firing sink for a worker: bus targets via the event bus, queue targets via queues.

A firing of a scheduled rule (see `hexad.runtime.bus.rules`) goes to that rule's targets only, as a
`Scheduled Event` from `hexad.scheduler`. Any other `BusTarget` firing is published with
`put_events` (the schedule's input is the detail); a `QueueTarget` firing is sent as the message
body, deduplicated on the firing id when the queue is FIFO. Raising makes the scheduler retry the
firing under the same id, so a target that is down loses nothing.
"""

from __future__ import annotations

import json
from datetime import datetime

from hexad.errors import TargetDeliveryError
from hexad.ports.schedules import BusTarget, QueueTarget, Schedule
from hexad.runtime.bus.rules import rule_of_schedule
from hexad.runtime.bus.service import EventBus
from hexad.runtime.bus.targets import QueueSender
from hexad.runtime.events import format_time

__all__ = ["BusFiringSink"]


class BusFiringSink:
    """`FiringSink` delivering `BusTarget` firings to an `EventBus` and `QueueTarget` ones to queues."""

    def __init__(self, bus: EventBus, queues: QueueSender | None) -> None:
        self._bus = bus
        self._queues = queues

    async def __call__(
        self, schedule: Schedule, scheduled_time: datetime, input: str, *, firing_id: str
    ) -> None:
        """Deliver one firing; raises (and the scheduler retries) when the target refused it."""
        target = schedule.target
        if isinstance(target, QueueTarget):
            await self._send(target, schedule, scheduled_time, input, firing_id)
            return
        rule = rule_of_schedule(schedule)
        if rule is not None:
            await self._bus.fire_scheduled_rule(rule[0], rule[1], scheduled_time, firing_id)
            return
        await self._publish(target, schedule, scheduled_time, input, firing_id)

    async def _publish(
        self, target: BusTarget, schedule: Schedule, scheduled_time: datetime, input: str, firing_id: str
    ) -> None:
        entry = {
            "Source": target.source,
            "DetailType": target.detail_type,
            "Detail": input or "{}",
            "Time": format_time(scheduled_time),
            "EventBusName": target.bus,
            "Resources": [f"hexad:scheduler:local:schedule/{schedule.name}"],
            "id": firing_id,
        }
        result = await self._bus.put_events([entry])
        outcome = result.entries[0]
        if outcome.error_code:
            raise TargetDeliveryError(
                f"schedule {schedule.name!r}: bus {target.bus!r} refused the firing: "
                f"{outcome.error_code}: {outcome.error_message}"
            )

    async def _send(
        self, target: QueueTarget, schedule: Schedule, scheduled_time: datetime, input: str, firing_id: str
    ) -> None:
        if self._queues is None:
            raise TargetDeliveryError(
                f"schedule {schedule.name!r}: no queue service to send to {target.queue!r}"
            )
        config = await self._queues.ensure_queue(target.queue)
        fifo = bool(getattr(config, "fifo", False))
        attributes = {"hexad-schedule": schedule.name, "hexad-scheduled-time": format_time(scheduled_time)}
        await self._queues.send(
            target.queue,
            input if input else json.dumps({}),
            attributes=attributes,
            group_id=schedule.name if fifo else None,
            deduplication_id=firing_id if fifo else None,
        )
