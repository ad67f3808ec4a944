"""The scheduler: durable schedules and a run loop that fires them through a firing sink.

Delivery is at-least-once with a stable firing id, which makes it effectively-once for a receiver
that dedupes on the id: a firing is journaled (claimed, with a lease) in the same transaction that
moves the schedule's pointer, then the sink is called, then the firing is marked completed. A crash
between the claim and the completion leaves a claimed firing whose lease runs out; the next loop
(in this process or a restarted one) delivers it again under the same id. A completed firing is
never delivered again. A sink that raises is retried with backoff (the firing keeps its id) up to
`max_attempts`, then the firing is marked failed; one failing target never stops the loop.

What the target means is the sink's business: the event bus wiring interprets `BusTarget` and
`QueueTarget`; this module only hands over the schedule, its scheduled time and its input.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from hexad.errors import NotFoundError
from hexad.ports.schedules import Firing, Schedule, ScheduleRecord, ScheduleStore
from hexad.runtime.clock import Clock
from hexad.runtime.schedules.planning import firing_id, first_pointer, next_pointer, plan_firing
from hexad.runtime.schedules.validation import validate_schedule

__all__ = ["FiringSink", "SchedulerService"]

_log = logging.getLogger(__name__)
_MAX_BACKOFF_SECONDS = 300.0
_MAX_ROUNDS = 1000


class FiringSink(Protocol):
    """Receives each firing; raising makes the scheduler retry it later under the same `firing_id`."""

    async def __call__(
        self, schedule: Schedule, scheduled_time: datetime, input: str, *, firing_id: str
    ) -> None:
        """Deliver one firing of `schedule` to its target."""
        ...


class SchedulerService:
    """Manage schedules (add, update, remove, get, list) and fire the due ones on a `Clock`."""

    def __init__(
        self,
        store: ScheduleStore,
        clock: Clock,
        sink: FiringSink | None = None,
        *,
        tick_seconds: float = 1.0,
        lease_seconds: float = 60.0,
        misfire_grace_seconds: float = 60.0,
        max_attempts: int = 185,
        batch_size: int = 100,
    ) -> None:
        self.store = store
        self._clock = clock
        self._sink = sink
        self._tick = tick_seconds
        self._lease = lease_seconds
        self._grace = misfire_grace_seconds
        self._max_attempts = max_attempts
        self._batch = batch_size

    # --- managing schedules

    async def add(self, schedule: Schedule) -> ScheduleRecord:
        """Validate and store a new schedule; `ConflictError` if the name is taken."""
        schedule = validate_schedule(schedule)
        now = float(int(self._clock.time()))
        pointer = first_pointer(schedule, now, now)
        record = ScheduleRecord(schedule, uuid.uuid4().hex, now, now, pointer.scheduled_at, pointer.due_at)
        await self.store.create(record)
        return record

    async def update(self, schedule: Schedule) -> ScheduleRecord:
        """Replace a schedule's definition; it starts afresh from now (like re-creating it in AWS)."""
        schedule = validate_schedule(schedule)
        existing = await self.store.get(schedule.name)
        now = float(int(self._clock.time()))
        pointer = first_pointer(schedule, existing.created_at, now)
        record = replace(
            existing,
            schedule=schedule,
            updated_at=now,
            next_scheduled_at=pointer.scheduled_at,
            next_due_at=pointer.due_at,
        )
        await self.store.replace(record)
        return record

    async def remove(self, name: str) -> None:
        """Delete a schedule; `NotFoundError` if there is none. Unfinished firings are then cancelled."""
        if not await self.store.delete(name):
            raise NotFoundError(f"schedule {name!r} does not exist")

    async def get(self, name: str) -> ScheduleRecord:
        """One schedule; `NotFoundError` if there is none."""
        return await self.store.get(name)

    async def list(self) -> builtins.list[ScheduleRecord]:
        """Every schedule, by name."""
        return await self.store.list()

    async def firings(self, name: str, limit: int = 20) -> builtins.list[Firing]:
        """A schedule's latest firings, newest first."""
        return await self.store.firings(name, limit)

    async def upcoming(self, name: str, count: int) -> builtins.list[tuple[datetime, datetime]]:
        """The next `count` (scheduled time, due time) pairs of a stored schedule, windows applied."""
        record = await self.store.get(name)
        result: builtins.list[tuple[datetime, datetime]] = []
        scheduled, due = record.next_scheduled_at, record.next_due_at
        while scheduled is not None and due is not None and len(result) < count:
            result.append((datetime.fromtimestamp(scheduled, UTC), datetime.fromtimestamp(due, UTC)))
            pointer = next_pointer(record, scheduled)
            scheduled, due = pointer.scheduled_at, pointer.due_at
        return result

    # --- firing

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Fire due schedules until `stop` is set, waking at least every `tick_seconds`."""
        while stop is None or not stop.is_set():
            await self.run_once()
            await self._clock.sleep(await self._idle_seconds())

    async def run_once(self) -> int:
        """Deliver every firing due now (retries first); returns how many completed."""
        if self._sink is None:
            raise RuntimeError("SchedulerService.run_once needs a firing sink; pass sink= when building it")
        delivered = 0
        now = self._clock.time()
        for firing in await self.store.reclaim(now, now + self._lease, self._batch):
            delivered += await self._redeliver(firing)
        for _ in range(_MAX_ROUNDS):
            records = await self.store.due(self._clock.time(), self._batch)
            if not records:
                break
            for record in records:
                delivered += await self._fire(record)
        return delivered

    async def _idle_seconds(self) -> float:
        wakeup = await self.store.next_wakeup()
        if wakeup is None:
            return self._tick
        return min(self._tick, max(0.0, wakeup - self._clock.time()))

    async def _fire(self, record: ScheduleRecord) -> int:
        now = self._clock.time()
        plan = plan_firing(record, now, self._grace)
        firing = None
        if plan.fire_at is not None:
            firing = Firing(
                firing_id=firing_id(record.uid, plan.fire_at),
                schedule=record.name,
                schedule_uid=record.uid,
                scheduled_at=plan.fire_at,
                due_at=record.next_due_at or plan.fire_at,
                claimed_until=now + self._lease,
                catch_up=plan.catch_up,
            )
        expected = record.next_scheduled_at
        if expected is None or not await self.store.claim(
            record.name, expected, firing, plan.next.scheduled_at, plan.next.due_at
        ):
            return 0
        if firing is None:
            if record.schedule.delete_after_completion:
                await self._delete_if_done(record.name, record.uid)
            return 0
        return await self._deliver(record.schedule, firing)

    async def _redeliver(self, firing: Firing) -> int:
        try:
            record = await self.store.get(firing.schedule)
        except NotFoundError:
            record = None
        if record is None or record.uid != firing.schedule_uid:
            await self.store.cancel(firing.firing_id, "the schedule was deleted before this firing completed")
            return 0
        return await self._deliver(record.schedule, firing)

    async def _deliver(self, schedule: Schedule, firing: Firing) -> int:
        assert self._sink is not None
        scheduled_time = datetime.fromtimestamp(firing.scheduled_at, UTC)
        try:
            await self._sink(schedule, scheduled_time, schedule.input, firing_id=firing.firing_id)
        except Exception as exc:  # a failing target must not stop the loop; retried below
            await self._release(firing, exc)
            return 0
        await self.store.complete(firing.firing_id, self._clock.time())
        if schedule.delete_after_completion:
            await self._delete_if_done(schedule.name, firing.schedule_uid)
        return 1

    async def _release(self, firing: Firing, exc: Exception) -> None:
        failed = firing.attempts >= self._max_attempts
        backoff = min(_MAX_BACKOFF_SECONDS, 2.0**firing.attempts)
        _log.warning(
            "schedule %s: firing %s (attempt %d) failed: %s%s",
            firing.schedule,
            firing.firing_id,
            firing.attempts,
            exc,
            "; giving up" if failed else f"; retrying in {backoff:.0f}s",
        )
        error = f"{type(exc).__name__}: {exc}"
        await self.store.release(firing.firing_id, error, self._clock.time() + backoff, failed=failed)

    async def _delete_if_done(self, name: str, uid: str) -> None:
        try:
            record = await self.store.get(name)
        except NotFoundError:
            return
        finished = record.next_scheduled_at is None and record.uid == uid
        if finished and record.schedule.delete_after_completion:
            await self.store.delete(name)
