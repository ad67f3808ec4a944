"""The event bus store on NATS JetStream: buses, rules, outbox and counters on a replicated log,
the archive in the stream itself.

Every operation is one record in one stream (`hexad.adapters.nats.log`), applied by every process to
the same small `BusState` (buses, rules, counters, pending and failed deliveries). What each port
guarantee rests on:

- A put is one `append` record carrying its events, the outbox rows its rules produced and its
  counter increments: stored whole or not at all. It goes on its bus's subject unchecked (the caller
  decided the rows; delivery ids and archive sequences come from the record's stream sequence), so
  puts never conflict and the archive sequence follows stream order, which is commit order.
- The archive is not kept in memory: `archived`, `search` and `replay` read the bus's `append` records
  back from the stream (`bus_archive`). `expire` records a per-bus cut-off that hides older events at
  once, then purges the bus's subject up to the first record that still holds a visible event; a
  deleted bus's archive is hidden at once and its records purged (see `_purge_archive`).
- Every other record (bus and rule changes, claims, settlements, expiry, replays, snapshots) goes on
  one control subject. A claim is decided on the latest state (`Nats-Expected-Last-Subject-Sequence`)
  and re-checked when applied (a delivery settled or claimed since it was chosen is skipped), so no
  delivery goes to two dispatchers at once; leases are due times on the caller's clock, as on
  PostgreSQL. Settlements are unchecked records applied by delivery id. Bus and rule changes are
  checked, so a conflict or a missing bus is decided on the latest state.
- Start-up: every `compact_after` records the state is written as a compressed snapshot on the
  control subject (checked, so every control record before it is in it) and the control records
  before it are purged, which leaves the snapshot first; a new process installs it and applies only
  later records. The tail still reads the retained archive records once at start, keeping nothing of
  them but what is pending.

Limits: a put larger than the server's max payload (1 MB by default) is refused; a snapshot must
fit in one message after compression (a larger outbox backlog postpones compaction).
"""

from __future__ import annotations

import asyncio
import builtins
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

from hexad.adapters.nats.bus_archive import ArchiveReader, archived_events, to_archived
from hexad.adapters.nats.bus_state import EVENTS_PER_RECORD, BusState, Row
from hexad.adapters.nats.lifecycle import OpenOnce
from hexad.adapters.nats.log import JetStreamLog
from hexad.adapters.shared.bus import outbox_values
from hexad.errors import ConflictError, NotFoundError, RuntimeStoreError, ValidationError
from hexad.ports.bus import (
    DEFAULT_BUS,
    ArchivedEvent,
    Bus,
    BusStats,
    CounterUpdates,
    Delivery,
    Rule,
    Settlement,
    Target,
)
from hexad.runtime.events import Event

__all__ = ["DEFAULT_BUS_STREAM", "NatsBusStore"]

DEFAULT_BUS_STREAM = "HEXAD_BUS"
_CONTROL = "control"  # every record but puts: buses, rules, claims, settlements, expiry, replays, snapshots
_MAX_SNAPSHOT_BYTES = 800_000
_log = logging.getLogger(__name__)


def _archive_key(bus: str) -> str:
    return f"a:{bus}"


class NatsBusStore:
    """`BusStore` on one JetStream stream (all buses of a deployment share it); creates the default bus."""

    def __init__(
        self,
        url: str = "nats://127.0.0.1:4222",
        *,
        stream: str = DEFAULT_BUS_STREAM,
        now: float = 0.0,
        compact_after: int = 1000,
    ) -> None:
        self.url = url
        self.stream = stream
        self.state = BusState()
        self.log = JetStreamLog(url, stream, self.state.apply)
        self.compact_after = compact_after
        self._lock = self.log.lock
        self._created_at = now
        self._life = OpenOnce(self._open, self._close)
        self._nc: Client | None = None
        self._reader: ArchiveReader | None = None
        self._compaction: asyncio.Future[None] | None = None
        self._targets: dict[str, Target] = {}

    # --- lifecycle

    async def start(self) -> None:
        """Connect and load the stream; every operation calls it, so calling it first is optional."""
        await self._life.start()

    async def _open(self) -> None:
        self._nc = await nats.connect(
            self.url, name=f"hexad-{self.stream}-archive", max_reconnect_attempts=-1, reconnect_time_wait=0.25
        )
        js: JetStreamContext = self._nc.jetstream(timeout=10.0)
        self._reader = ArchiveReader(js, self.stream)
        first = await self._reader.first(self.log.subject_of(_CONTROL))
        if first is not None and first[1].get("op") == "snapshot":  # compaction leaves it first
            self.state.install(*first)
        await self.log.start()
        if DEFAULT_BUS not in self.state.buses:
            record = {"op": "create_bus", "name": DEFAULT_BUS, "archive_retention_days": 7}
            await self.log.append(_CONTROL, lambda: {**record, "created_at": self._created_at})

    async def close(self) -> None:
        await self._life.close()

    def close_sync(self) -> None:
        self._life.close_sync()

    async def _close(self) -> None:
        await self.log.close()
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()

    def _archive(self) -> ArchiveReader:
        if self._reader is None:
            raise RuntimeStoreError(f"stream {self.stream}: not started")
        return self._reader

    # --- buses

    async def create_bus(self, bus: Bus) -> None:
        def decide() -> dict[str, Any]:
            if bus.name in self.state.buses:
                raise ConflictError(f"event bus {bus.name!r} already exists")
            return {
                "op": "create_bus", "name": bus.name, "archive_retention_days": bus.archive_retention_days,
                "created_at": bus.created_at,
            }  # fmt: skip

        if not await self._life.run(lambda: self.log.append(_CONTROL, decide)):
            raise ConflictError(f"event bus {bus.name!r} already exists")

    async def update_bus(self, bus: Bus) -> None:
        def decide() -> dict[str, Any]:
            self._bus(bus.name)
            return {
                "op": "update_bus",
                "name": bus.name,
                "archive_retention_days": bus.archive_retention_days,
            }

        if not await self._life.run(lambda: self._catalog(decide)):
            raise NotFoundError(f"event bus {bus.name!r} does not exist")

    async def get_bus(self, name: str) -> Bus:
        result: Bus = await self._read(lambda: self._bus(name))
        return result

    async def list_buses(self) -> builtins.list[Bus]:
        async def listing() -> list[Bus]:
            await self.log.sync()
            with self._lock:
                return [self.state.buses[name] for name in sorted(self.state.buses)]

        result: list[Bus] = await self._life.run(listing)
        return result

    async def delete_bus(self, name: str) -> None:
        def decide() -> dict[str, Any]:
            self._bus(name)
            if any(bus == name for bus, _ in self.state.rules):
                raise ConflictError(f"event bus {name!r} still has rules; delete them first")
            return {"op": "delete_bus", "name": name}

        async def delete() -> Any:
            outcome = await self._catalog(decide)
            if outcome == "deleted":  # its archive is hidden at once; its records go now
                await self._drop_hidden(name, start=1)
            return outcome

        outcome = await self._life.run(delete)
        if outcome == "missing":
            raise NotFoundError(f"event bus {name!r} does not exist")
        if outcome == "rules":
            raise ConflictError(f"event bus {name!r} still has rules; delete them first")

    # --- rules

    async def put_rule(self, rule: Rule) -> None:
        record = {"op": "put_rule", "bus": rule.bus, "name": rule.name, "definition": rule.to_json()}
        await self._life.run(lambda: self.log.append(_CONTROL, lambda: dict(record)))

    async def get_rule(self, bus: str, name: str) -> Rule:
        def find() -> Rule:
            definition = self.state.rules.get((bus, name))
            if definition is None:
                raise NotFoundError(f"rule {name!r} does not exist on event bus {bus!r}")
            return Rule.from_json(definition)

        result: Rule = await self._read(find)
        return result

    async def list_rules(self, bus: str | None) -> builtins.list[Rule]:
        def listing() -> list[Rule]:
            with self._lock:
                keys = sorted(key for key in self.state.rules if bus is None or key[0] == bus)
                return [Rule.from_json(self.state.rules[key]) for key in keys]

        if self._life.started:  # the tail's view: what `rules_version` just reported (no round trip)
            return listing()

        async def started() -> list[Rule]:
            return listing()

        result: list[Rule] = await self._life.run(started)
        return result

    async def delete_rule(self, bus: str, name: str) -> bool:
        def decide() -> dict[str, Any] | None:
            if (bus, name) not in self.state.rules:
                return None
            return {"op": "delete_rule", "bus": bus, "name": name}

        async def delete() -> bool:
            outcome = await self.log.append(_CONTROL, decide)
            if outcome is None:  # perhaps put by another process a moment ago
                await self.log.sync()
                outcome = await self.log.append(_CONTROL, decide)
            return bool(outcome)

        result: bool = await self._life.run(delete)
        return result

    def rules_version(self) -> int:
        with self._lock:
            return self.state.rules_version

    # --- events and deliveries

    async def append(
        self,
        events: Sequence[ArchivedEvent],
        deliveries: Sequence[Delivery],
        counters: CounterUpdates,
        *,
        archive: bool = True,
    ) -> builtins.list[int]:
        if not events and not deliveries and not any(counters.values()):
            return []
        if len(events) >= EVENTS_PER_RECORD or len(deliveries) >= EVENTS_PER_RECORD:
            raise ValidationError(f"append: at most {EVENTS_PER_RECORD - 1} events and deliveries at once")
        index = {id(archived.event): position for position, archived in enumerate(events)}
        bus = events[0].bus if events else DEFAULT_BUS
        record: dict[str, Any] = {
            "op": "append",
            "bus": bus,
            "archive": archive,
            "events": [[a.bus, a.received_at, a.event.time.timestamp(), a.event.to_json()] for a in events],
            "deliveries": [_delivery_row(d, index) for d in deliveries],
            "counters": _counter_rows(counters),
        }
        key = _archive_key(bus) if archive and events else _CONTROL

        async def put() -> list[int]:
            ids: list[int] = await self.log.append(key, lambda: record, checked=False)
            self._compact_soon()
            return ids

        result: list[int] = await self._life.run(put)
        return result

    async def claim(self, now: float, lease_until: float, limit: int) -> builtins.list[Delivery]:
        if self._life.started:
            with self._lock:  # an idle poll answers from the tail's view, without a round trip
                if not self.state.any_due(now):
                    return []

        def decide() -> dict[str, Any] | None:
            ids = self.state.plan_claim(now, limit)
            return {"op": "claim", "now": now, "lease_until": lease_until, "ids": ids} if ids else None

        async def take() -> list[Row]:
            rows: list[Row] | None = await self.log.append(_CONTROL, decide)
            self._compact_soon()
            return rows or []

        rows: list[Row] = await self._life.run(take)
        return sorted((self._delivery(row) for row in rows), key=lambda delivery: delivery.id)

    async def settle(self, settlements: Sequence[Settlement], counters: CounterUpdates) -> None:
        record = {
            "op": "settle",
            "settlements": [[s.delivery_id, s.outcome, s.due_at, s.error] for s in settlements],
            "counters": _counter_rows(counters),
        }

        async def put() -> None:
            await self.log.append(_CONTROL, lambda: record, checked=False)
            self._compact_soon()

        await self._life.run(put)

    async def next_due(self) -> float | None:
        if not self._life.started:
            await self.start()
        with self._lock:
            return self.state.next_due()

    async def archived(
        self, bus: str, start: float | None, end: float | None, after: int, limit: int
    ) -> builtins.list[ArchivedEvent]:
        low = -float("inf") if start is None else start
        high = float("inf") if end is None else end

        async def read() -> list[ArchivedEvent]:
            with self._lock:
                first = max(after // EVENTS_PER_RECORD, self.state.floors.get(bus, 0) + 1)
                extra = list(self.state.mixed.get(bus, ()))
            found: list[tuple[int, float, float, str]] = []
            async for sequence, record in self._archive().merged(
                self.log.subject_of(_archive_key(bus)), first, extra
            ):
                with self._lock:
                    rows = archived_events(bus, sequence, record, self.state.visible)
                found.extend(row for row in rows if row[0] > after and low <= row[2] < high)
                if len(found) >= limit:
                    break
            return to_archived(bus, found[:limit])

        result: list[ArchivedEvent] = await self._life.run(read)
        return result

    async def last_sequence(self, bus: str) -> int:
        async def read() -> int:
            last = await self._archive().last(self.log.subject_of(_archive_key(bus)))
            with self._lock:
                extra = max(self.state.mixed.get(bus, [0]))
            newest = 0
            for found in (last, (extra, await self._archive().record(extra)) if extra else None):
                if found is not None and found[1] is not None:
                    with self._lock:
                        rows = archived_events(bus, found[0], found[1], self.state.visible)
                    newest = max([newest, *(row[0] for row in rows)])
            return newest

        result: int = await self._life.run(read)
        return result

    async def expire(self, bus: str, received_before: float) -> int:
        async def expire() -> int:
            record = {"op": "expire", "bus": bus, "before": received_before}
            old_cut: float | None = await self.log.append(_CONTROL, lambda: dict(record), checked=False)
            with self._lock:
                start = self.state.floors.get(bus, 0) + 1
            low = -float("inf") if old_cut is None else old_cut
            return await self._drop_hidden(bus, start=start, low=low, before=received_before)

        result: int = await self._life.run(expire)
        return result

    async def _drop_hidden(
        self, bus: str, *, start: int, low: float = -float("inf"), before: float = -float("inf")
    ) -> int:
        """Purge the bus's records from `start` on that hold nothing visible, up to the first that does;
        returns how many of its events were received in [low, before) (what an expiry just hid)."""
        counted = 0
        hidden_to = last = 0
        async for sequence, record in self._archive().records(self.log.subject_of(_archive_key(bus)), start):
            events = record.get("events", []) if record.get("op") == "append" else []
            counted += sum(1 for b, received_at, _, _ in events if b == bus and low <= received_at < before)
            last = sequence
            with self._lock:
                if any(self.state.visible(b, sequence, received_at) for b, received_at, _, _ in events):
                    break
            hidden_to = sequence
        if hidden_to:
            await self._purge_archive(bus, min(hidden_to + 1, last))
        return counted

    async def _purge_archive(self, bus: str, keep_from: int) -> None:
        """Purge the bus's records before `keep_from` (a record of the bus that stays), as far as a
        snapshot covers them.

        A filtered purge moves every consumer of the stream (NATS 2.9) to the first record left on the
        purged subject, or past the stream's end when none is left: so one record always stays, and it
        is one this process's tail has already passed (other tails passed it long ago: it is old).
        """
        await self.log.sync()
        if self.state.snapshot_as_of + 1 < keep_from:
            await self._compact(force=True)
        upto = min(keep_from, self.state.snapshot_as_of + 1)
        if upto > 1:
            await self.log.purge_before(_archive_key(bus), upto)

    async def failed_deliveries(self, bus: str, limit: int) -> builtins.list[Delivery]:
        async def read() -> list[Delivery]:
            with self._lock:
                rows = sorted(
                    (row for row in self.state.failed.values() if row.bus == bus), key=lambda r: -r.id
                )
            return [self._delivery(row) for row in rows[:limit]]

        result: list[Delivery] = await self._life.run(read)
        return result

    def stats(self, bus: str) -> BusStats:
        with self._lock:
            totals: dict[str, int] = {}
            rules: dict[str, dict[str, int]] = {}
            for (counted_bus, rule), values in self.state.counters.items():
                if counted_bus == bus:
                    bucket = totals if rule == "" else rules.setdefault(rule, {})
                    bucket.update({name: value for name, value in values.items()})
            pending = sum(1 for row in self.state.pending.values() if row.bus == bus)
            failed = sum(1 for row in self.state.failed.values() if row.bus == bus)
        return BusStats(bus, totals, rules, pending, failed)

    # --- helpers

    def _bus(self, name: str) -> Bus:
        bus = self.state.buses.get(name)
        if bus is None:
            raise NotFoundError(f"event bus {name!r} does not exist")
        return bus

    async def _read(self, find: Callable[[], Any]) -> Any:
        """A lookup on the local view; a miss is checked again once the view caught up with the stream."""
        if self._life.started:
            with self._lock:
                try:
                    return find()
                except NotFoundError:
                    pass

        async def read() -> Any:
            await self.log.sync()
            with self._lock:
                return find()

        return await self._life.run(read)

    async def _catalog(self, decide: Callable[[], dict[str, Any] | None]) -> Any:
        """A checked catalog record; a refusal on a possibly stale view is decided again once caught up."""
        try:
            return await self.log.append(_CONTROL, decide)
        except NotFoundError:
            await self.log.sync()
            return await self.log.append(_CONTROL, decide)

    def _delivery(self, row: Row) -> Delivery:
        target = self._targets.get(row.target)
        if target is None:
            target = Target.from_dict(json.loads(row.target))
            if len(self._targets) > 10_000:
                self._targets.clear()
            self._targets[row.target] = target
        return Delivery(
            bus=row.bus, rule=row.rule, target=target, event=Event.from_json(row.event),
            received_at=row.received_at, due_at=row.due_at, attempts=row.attempts,
            last_error=row.last_error, id=row.id,
        )  # fmt: skip

    # --- compaction

    def _compact_soon(self) -> None:
        """Start a snapshot when enough records piled up since the last one."""
        if self.state.records_since_snapshot >= self.compact_after and self._compaction is None:
            self._compaction = asyncio.ensure_future(self._compact())

    async def _compact(self, *, force: bool = False) -> None:
        """Write the state as a snapshot record, then purge the control records it covers.

        A snapshot that would not fit in one message is skipped until the outbox shrinks.
        """

        def decide() -> dict[str, Any] | None:
            if not self.state.exact or (not force and self.state.records_since_snapshot < self.compact_after):
                return None
            record = self.state.snapshot()
            if len(record["state"]) > _MAX_SNAPSHOT_BYTES:
                self.state.records_since_snapshot = 0  # try again later (local bookkeeping only)
                _log.warning(
                    "event bus stream %s: the snapshot is too large; compaction postponed", self.stream
                )
                return None
            return record

        try:
            outcome: tuple[int, int] | None = await self.log.append(_CONTROL, decide)
            if outcome is not None:  # checked: every control record before it is in it
                await self.log.purge_before(_CONTROL, outcome[0])
        except Exception:  # compaction is housekeeping: the next write tries again
            _log.warning("event bus stream %s: compaction failed", self.stream, exc_info=True)
        finally:
            if not force:
                self._compaction = None


def _counter_rows(counters: CounterUpdates) -> list[list[Any]]:
    return [
        [bus, rule, name, value]
        for (bus, rule), increments in counters.items()
        for name, value in increments.items()
        if value
    ]


def _delivery_row(delivery: Delivery, events: dict[int, int]) -> list[Any]:
    """[event index in the record (or the event's JSON), bus, rule, target, received_at, due_at, attempts]."""
    bus, rule, target, event, received_at, due_at, attempts = outbox_values(delivery)
    return [events.get(id(delivery.event), event), bus, rule, target, received_at, due_at, attempts]
