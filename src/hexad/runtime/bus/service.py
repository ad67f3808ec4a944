"""The event bus: PutEvents, rules and targets, at-least-once delivery, archive, replay and search.

`put_events` validates each entry, matches it against the bus's enabled rules (one `RuleIndex` per
bus, rebuilt when any process changes a rule) and stores the events in the archive together with
one outbox row per matched target, in one transaction, before it returns. `run` (or
`dispatch_pending` in tests and the CLI) delivers due outbox rows; a row is removed only after its
target accepted the event, so a crash re-delivers instead of losing. An event that matches no rule
is still archived and counted as `unmatched`.

Scheduled rules live in the scheduler as schedules named `rule.<bus>.<rule>`; their firings come
back through `fire_scheduled_rule` (see `hexad.runtime.bus.scheduling`) and reach only that rule's
targets, as EventBridge's scheduled rules do.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from hexad.errors import ConflictError, NotFoundError, ValidationError
from hexad.ports.bus import (
    DEFAULT_BUS,
    ArchivedEvent,
    Bus,
    BusStats,
    BusStore,
    Delivery,
    Rule,
    Target,
)
from hexad.runtime.bus.batch import Batch
from hexad.runtime.bus.delivery import RetryTiming, attempt_delivery
from hexad.runtime.bus.results import PutEventsResult, PutEventsResultEntry, ReplayResult
from hexad.runtime.bus.rules import RuleBook, ScheduleSync
from hexad.runtime.bus.targets import (
    CallableTarget,
    QueueSender,
    TargetHandler,
    WorkflowStarter,
    callable_handler,
    mailbox_handler,
    queue_handler,
    webhook_handler,
    workflow_handler,
)
from hexad.runtime.bus.transform import rule_arn
from hexad.runtime.bus.validation import check_bus_name, validate_rule, validate_targets
from hexad.runtime.clock import Clock
from hexad.runtime.events import EntryError, Event, entry_bus, read_entry
from hexad.runtime.patterns import compile_pattern
from hexad.runtime.schedules.service import SchedulerService

__all__ = ["EventBus", "PutEventsResult", "PutEventsResultEntry", "ReplayResult"]

_log = logging.getLogger(__name__)
MAX_ENTRIES = 10
_PAGE = 500
_EXPIRE_EVERY_SECONDS = 300.0


class EventBus:
    """Named buses with rules and targets over a `BusStore`; see the module docstring."""

    def __init__(
        self,
        store: BusStore,
        clock: Clock,
        *,
        queues: QueueSender | None = None,
        scheduler: SchedulerService | None = None,
        workflows: WorkflowStarter | None = None,
        http_client: httpx.AsyncClient | None = None,
        lease_seconds: float = 60.0,
        poll_seconds: float = 0.5,
        batch_size: int = 100,
        retry_timing: RetryTiming | None = None,
    ) -> None:
        self.store = store
        self._clock = clock
        self._queues = queues
        self._lease = lease_seconds
        self._poll = poll_seconds
        self._batch = batch_size
        self._timing = retry_timing or RetryTiming()
        self._rules = RuleBook(store)
        self._schedules = ScheduleSync(scheduler)
        self._buses: set[str] = set()
        self._callables: dict[str, CallableTarget] = {}
        self._http = http_client
        self._handlers: dict[str, TargetHandler] = {
            "callable": callable_handler(self._callables),
            "webhook": webhook_handler(self._http_client),
        }
        if queues is not None:
            self._handlers["queue"] = queue_handler(queues)
            self._handlers["mailbox"] = mailbox_handler(queues)
        if workflows is not None:
            self._handlers["workflow"] = workflow_handler(workflows)
        self._wake: asyncio.Event | None = None
        self._local: deque[Delivery] = deque()
        self._last_expiry = float("-inf")

    # --- plug-ins

    def register_callable(self, name: str, fn: CallableTarget) -> None:
        """Make `callable` targets named `name` call `fn` with the target's input (parsed JSON)."""
        self._callables[name] = fn

    def register_target_handler(self, kind: str, handler: TargetHandler) -> None:
        """Deliver targets of `kind` (e.g. `workflow`) with `handler(delivery, payload)`."""
        self._handlers[kind] = handler

    def _http_client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient()
        return self._http

    async def close(self) -> None:
        """Close the webhook HTTP client (given or opened); the next webhook delivery opens a new one."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # --- buses

    async def create_bus(self, name: str, *, archive_retention_days: int = 7) -> Bus:
        """Create a bus whose archive keeps events `archive_retention_days` (0: forever)."""
        check_bus_name(name)
        if archive_retention_days < 0:
            raise ValidationError(f"bus {name!r}: archive_retention_days: expected 0 or more days")
        bus = Bus(name, archive_retention_days, self._clock.time())
        await self.store.create_bus(bus)
        self._buses.add(name)
        return bus

    async def update_bus(self, name: str, *, archive_retention_days: int) -> Bus:
        """Change how long the bus's archive keeps events (0: forever); applies to events already kept."""
        if archive_retention_days < 0:
            raise ValidationError(f"bus {name!r}: archive_retention_days: expected 0 or more days")
        bus = replace(await self.store.get_bus(name), archive_retention_days=archive_retention_days)
        await self.store.update_bus(bus)
        return bus

    async def delete_bus(self, name: str) -> None:
        """Delete a bus and its archive; the default bus stays, and a bus with rules is refused."""
        if name == DEFAULT_BUS:
            raise ConflictError("the default event bus cannot be deleted")
        await self.store.delete_bus(name)
        self._buses.discard(name)

    async def list_buses(self) -> builtins.list[Bus]:
        """Every bus, by name (the default bus always exists)."""
        return await self.store.list_buses()

    async def get_bus(self, name: str) -> Bus:
        """One bus; `NotFoundError` if there is none."""
        return await self.store.get_bus(name)

    async def _bus_exists(self, name: str) -> bool:
        if name in self._buses:
            return True
        try:
            await self.store.get_bus(name)
        except NotFoundError:
            return False
        self._buses.add(name)
        return True

    # --- rules

    async def put_rule(self, rule: Rule) -> Rule:
        """Create or replace a rule (its targets included); a schedule rule also gets its schedule."""
        rule = validate_rule(rule)
        await self.store.get_bus(rule.bus)
        try:
            previous: Rule | None = await self.store.get_rule(rule.bus, rule.name)
        except NotFoundError:
            previous = None
        await self._schedules.sync(rule, previous)
        await self.store.put_rule(rule)
        return rule

    async def get_rule(self, name: str, bus: str = DEFAULT_BUS) -> Rule:
        """One rule; `NotFoundError` if the bus has none of that name."""
        return await self.store.get_rule(bus, name)

    async def list_rules(self, bus: str | None = None) -> builtins.list[Rule]:
        """The rules of `bus`, or of every bus."""
        return await self.store.list_rules(bus)

    async def delete_rule(self, name: str, bus: str = DEFAULT_BUS) -> None:
        """Delete a rule (and its schedule); pending deliveries of it are still made."""
        rule = await self.store.get_rule(bus, name)
        await self._schedules.remove(rule)
        await self.store.delete_rule(bus, name)

    async def enable_rule(self, name: str, bus: str = DEFAULT_BUS) -> Rule:
        """Start matching (or firing) the rule."""
        return await self._set_state(name, bus, "ENABLED")

    async def disable_rule(self, name: str, bus: str = DEFAULT_BUS) -> Rule:
        """Stop matching (or firing) the rule; it keeps its targets."""
        return await self._set_state(name, bus, "DISABLED")

    async def _set_state(self, name: str, bus: str, state: str) -> Rule:
        rule = await self.store.get_rule(bus, name)
        return await self.put_rule(replace(rule, state=state))  # type: ignore[arg-type]

    async def put_targets(self, rule: str, bus: str, targets: Sequence[Target]) -> Rule:
        """Add targets to a rule, replacing those with the same ids."""
        current = await self.store.get_rule(bus, rule)
        incoming = {target.id: target for target in targets}
        kept = [target for target in current.targets if target.id not in incoming]
        merged = tuple(kept) + tuple(incoming.values())
        validate_targets(merged, f"rule {rule!r}")
        return await self.put_rule(replace(current, targets=merged))

    async def remove_targets(self, rule: str, bus: str, ids: Sequence[str]) -> Rule:
        """Remove targets by id; `NotFoundError` names an id the rule does not have."""
        current = await self.store.get_rule(bus, rule)
        missing = set(ids) - {target.id for target in current.targets}
        if missing:
            raise NotFoundError(f"rule {rule!r} on bus {bus!r} has no target {sorted(missing)[0]!r}")
        kept = tuple(target for target in current.targets if target.id not in set(ids))
        return await self.put_rule(replace(current, targets=kept))

    # --- putting events

    async def put_events(self, entries: Sequence[Mapping[str, Any] | Event]) -> PutEventsResult:
        """Store up to ten events durably with their deliveries; one result per entry.

        Returns after the accepted events and their deliveries are committed (one transaction);
        refused entries carry PutEvents' error code and message and do not stop the others.
        """
        if not 1 <= len(entries) <= MAX_ENTRIES:
            raise ValidationError(f"entries: expected 1 to {MAX_ENTRIES} entries, got {len(entries)}")
        await self._rules.refresh()
        now, received_at = self._clock.now(), self._clock.time()
        results: list[PutEventsResultEntry] = []
        local = self._wake is not None  # a delivery loop runs here: hand it the deliveries directly
        batch = Batch(lease_until=received_at + self._lease if local else None)
        for entry in entries:
            bus = entry_bus(entry, DEFAULT_BUS)
            outcome = read_entry(entry, now)
            if isinstance(outcome, Event) and not await self._bus_exists(bus):
                outcome = EntryError("ResourceNotFoundException", f"Event bus {bus} does not exist.")
            if isinstance(outcome, EntryError):
                results.append(PutEventsResultEntry(error_code=outcome.code, error_message=outcome.message))
                continue
            batch.add(bus, outcome, received_at, self._rules.match(bus, outcome.to_dict()))
            results.append(PutEventsResultEntry(event_id=outcome.id))
        ids = await batch.commit(self.store, archive=True)
        if local:
            self._local.extend(replace(d, id=i) for d, i in zip(batch.deliveries, ids, strict=True))
        if batch.deliveries:
            self._notify()
        failed = sum(1 for result in results if result.error_code)
        return PutEventsResult(failed, results)

    async def fire_scheduled_rule(
        self, bus: str, name: str, scheduled_time: datetime, firing_id: str
    ) -> str | None:
        """Deliver one firing of a scheduled rule to its targets; returns the event id (None: skipped).

        The event id is derived from `firing_id`, so a firing delivered twice after a crash carries
        the same id and receivers (mailboxes, FIFO queues) deduplicate it.
        """
        try:
            rule = await self.store.get_rule(bus, name)
        except NotFoundError:
            _log.warning(
                "scheduled rule %s on bus %s no longer exists; firing %s skipped", name, bus, firing_id
            )
            return None
        if rule.state != "ENABLED":
            return None
        event = Event(
            source="hexad.scheduler",
            detail_type="Scheduled Event",
            detail={},
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"hexad:firing:{firing_id}")),
            time=scheduled_time.replace(microsecond=0),
            resources=(rule_arn(bus, name),),
        )
        batch = Batch()
        batch.add(bus, event, self._clock.time(), [rule])
        await batch.commit(self.store, archive=True)
        self._notify()
        return event.id

    # --- delivering

    def _notify(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def dispatch_pending(self, limit: int = 100) -> int:
        """Attempt every delivery due now (up to `limit`); returns how many targets accepted.

        Deliveries put in this process while `run` is active come first, straight from memory (their
        outbox rows were stored already leased to this process); then due rows are claimed.
        """
        now = self._clock.time()
        deliveries = [self._local.popleft() for _ in range(min(limit, len(self._local)))]
        if len(deliveries) < limit:
            deliveries += await self.store.claim(now, now + self._lease, limit - len(deliveries))
        if not deliveries:
            return 0
        attempts = await asyncio.gather(
            *(attempt_delivery(d, self._handlers, self._queues, now, self._timing) for d in deliveries)
        )
        counters: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for delivery, attempt in zip(deliveries, attempts, strict=True):
            counters[(delivery.bus, delivery.rule)][attempt.counter] += 1
        await self.store.settle([attempt.settlement for attempt in attempts], counters)
        return sum(1 for attempt in attempts if attempt.counter == "delivered")

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Deliver until `stop` is set: at once after in-process puts, else polling the outbox.

        Deliveries handed over in memory but not attempted when the loop stops (or the process dies)
        are claimed again from the outbox once their lease runs out.
        """
        self._wake = wake = asyncio.Event()
        try:
            while stop is None or not stop.is_set():
                wake.clear()
                try:
                    busy = await self._cycle()
                except Exception:  # the store failed (disk full, locked too long): log, wait, go on
                    _log.exception("event bus delivery loop: the cycle failed; retrying in %.1fs", self._poll)
                    await self._clock.sleep(self._poll)
                    continue
                if not busy:
                    await self._idle(wake, stop)
        finally:
            self._wake = None
            self._local.clear()

    async def _cycle(self) -> bool:
        """One round of housekeeping and delivery; True when more work is waiting."""
        if self._clock.time() - self._last_expiry >= _EXPIRE_EVERY_SECONDS:
            await self.expire_archives()
        return await self.dispatch_pending(self._batch) >= self._batch or bool(self._local)

    async def _idle(self, wake: asyncio.Event, stop: asyncio.Event | None) -> None:
        due = await self.store.next_due()
        wait = self._poll if due is None else min(self._poll, max(0.0, due - self._clock.time()))
        if wait <= 0 or wake.is_set():
            await asyncio.sleep(0)
            return
        waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(self._clock.sleep(wait))]
        if stop is not None:
            waiters.append(asyncio.ensure_future(stop.wait()))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter

    # --- archive

    async def expire_archives(self) -> int:
        """Drop archived events past each bus's retention; returns how many."""
        now = self._clock.time()
        self._last_expiry = now
        dropped = 0
        for bus in await self.store.list_buses():
            if bus.archive_retention_days > 0:
                dropped += await self.store.expire(bus.name, now - bus.archive_retention_days * 86400.0)
        return dropped

    async def replay(
        self, bus: str, start: datetime, end: datetime, rule_names: Sequence[str] | None = None
    ) -> ReplayResult:
        """Re-deliver archived events with event time in [start, end) to the bus's (or the named) rules.

        Replayed events carry `replay-name`, are not archived again, and are delivered like new ones.
        """
        await self.store.get_bus(bus)
        if end <= start:
            raise ValidationError(
                f"replay: expected --to after --from, got {start.isoformat()} .. {end.isoformat()}"
            )
        await self._rules.refresh()
        selected = self._rules.selection(bus, rule_names)
        name = f"replay-{bus}-{self._clock.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        replayed = deliveries = after = 0
        while True:
            page = await self.store.archived(bus, start.timestamp(), end.timestamp(), after, _PAGE)
            if not page:
                break
            batch = Batch(count_events=False)
            for archived in page:
                event = archived.event.replayed(name)
                matched = [rule for rule in self._rules.match(bus, event.to_dict()) if rule.name in selected]
                batch.add(bus, event, self._clock.time(), matched)
            await batch.commit(self.store, archive=False)
            replayed, deliveries, after = (
                replayed + len(page),
                deliveries + len(batch.deliveries),
                page[-1].sequence,
            )
        if deliveries:
            self._notify()
        return ReplayResult(name, replayed, deliveries, tuple(sorted(selected)))

    async def search(
        self,
        bus: str,
        *,
        pattern: str | Mapping[str, Any] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 100,
    ) -> builtins.list[Event]:
        """Archived events of `bus` (oldest first) with event time in [start, end) matching `pattern`."""
        await self.store.get_bus(bus)
        matcher = (
            None
            if pattern is None
            else compile_pattern(pattern if isinstance(pattern, str) else dict(pattern))
        )
        found: list[Event] = []
        after = 0
        while len(found) < limit:
            page = await self.store.archived(
                bus, start.timestamp() if start else None, end.timestamp() if end else None, after, _PAGE
            )
            if not page:
                break
            found.extend(a.event for a in page if matcher is None or matcher.matches(a.event.to_dict()))
            after = page[-1].sequence
        return found[:limit]

    async def archived_after(self, bus: str, after: int, limit: int = 100) -> builtins.list[ArchivedEvent]:
        """Archived events of `bus` with sequence above `after`, in order (what `events tail` follows)."""
        return await self.store.archived(bus, None, None, after, limit)

    def stats(self, bus: str = DEFAULT_BUS) -> BusStats:
        """Counters of the bus and of each rule: events, matched, unmatched, delivered, retried, failed,
        dead-lettered; plus the outbox's pending and failed deliveries."""
        return self.store.stats(bus)
