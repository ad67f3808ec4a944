"""The event bus's small state, rebuilt in every process from the bus stream (`NatsBusStore`).

Every process applies the stream's records in order to a `BusState`: buses, rules and their version,
counters, the outbox deliveries that are pending or failed (each with its event), and what hides
archived events (a bus's deletion point and its expiry cut-off). The archive itself is not kept: its
events stay in the `append` records, which `NatsBusStore` reads back from the stream. Applying is
deterministic (times, ids and choices are in the records; ids come from stream sequences), so all
processes agree, and a claim re-checks on the applied state that each delivery is still due.

Start-up does not replay the whole stream into memory: a `snapshot` record holds this state as of a
stream sequence (`as_of`); a new process installs the latest one and applies only later records.
Records older than a snapshot may be purged; a process whose tail finds such a hole (a gap in the
stream sequence) keeps the records it sees and rebuilds from the next snapshot that covers the hole.

This module holds no I/O.
"""

from __future__ import annotations

import base64
import heapq
import json
import logging
import math
import zlib
from dataclasses import asdict, dataclass, replace
from typing import Any

from hexad.errors import RuntimeStoreError
from hexad.ports.bus import Bus

__all__ = ["EVENTS_PER_RECORD", "BusState", "Row", "event_sequence"]

EVENTS_PER_RECORD = 10_000  # an event's archive sequence is record sequence x this + its index
_log = logging.getLogger(__name__)


def event_sequence(record_sequence: int, index: int) -> int:
    """The archive sequence of the `index`-th event (or delivery id) of a record."""
    return record_sequence * EVENTS_PER_RECORD + index


@dataclass
class Row:
    """One outbox delivery; `target` and `event` stay JSON text until a dispatcher claims it."""

    id: int
    bus: str
    rule: str
    target: str
    event: str
    received_at: float
    due_at: float
    attempts: int = 0
    last_error: str | None = None
    failed: bool = False


class BusState:
    """Buses, rules, counters, live deliveries and archive visibility, as of the last applied record."""

    def __init__(self) -> None:
        self.buses: dict[str, Bus] = {}
        self.rules: dict[tuple[str, str], str] = {}  # (bus, name) -> rule JSON
        self.rules_version = 0
        self.counters: dict[tuple[str, str], dict[str, int]] = {}
        self.pending: dict[int, Row] = {}
        self.failed: dict[int, Row] = {}
        self.ready: list[tuple[float, int]] = []  # heap of (due_at, id), lazy
        self.floors: dict[str, int] = {}  # bus -> record sequence up to which its archive is gone
        self.cuts: dict[str, float] = {}  # bus -> archived events received before this are gone
        self.mixed: dict[str, list[int]] = {}  # bus -> records on other buses' subjects holding its events
        # position in the stream
        self.position = 0
        self.skip_through = 0  # records up to here are reflected in an installed snapshot
        self.exact = True
        self.gap_end = 0
        self.buffer: list[tuple[int, dict[str, Any]]] = []  # records seen since a gap
        self.snapshot_as_of = 0
        self.records_since_snapshot = 0

    # --- reads

    def visible(self, bus: str, record_sequence: int, received_at: float) -> bool:
        """Whether an archived event of `bus` is still in the archive (not deleted or expired)."""
        return record_sequence > self.floors.get(bus, 0) and received_at >= self.cuts.get(bus, -math.inf)

    def plan_claim(self, now: float, limit: int) -> list[int]:
        """Ids of up to `limit` pending deliveries due at `now`, earliest first (the heap is restored)."""
        chosen: list[int] = []
        popped: list[tuple[float, int]] = []
        while self.ready and self.ready[0][0] <= now and len(chosen) < limit:
            entry = heapq.heappop(self.ready)
            row = self.pending.get(entry[1])
            if row is None or row.due_at != entry[0]:
                continue  # a stale heap entry: dropped for good
            popped.append(entry)
            chosen.append(row.id)
        for entry in popped:
            heapq.heappush(self.ready, entry)
        return chosen

    def any_due(self, now: float) -> bool:
        while self.ready:
            due_at, key = self.ready[0]
            row = self.pending.get(key)
            if row is not None and row.due_at == due_at:
                return due_at <= now
            heapq.heappop(self.ready)
        return False

    def next_due(self) -> float | None:
        return self.ready[0][0] if self.any_due(math.inf) else None

    # --- apply

    def apply(self, sequence: int, record: dict[str, Any]) -> Any:
        """Execute one record of the stream (at `sequence`); returns the operation's outcome."""
        if sequence <= self.skip_through:
            return None  # already in the installed snapshot
        if sequence > self.position + 1:
            if self.exact:
                _log.warning(
                    "bus stream: records %d..%d were purged before this process read them; "
                    "rebuilding from the next snapshot",
                    self.position + 1,
                    sequence - 1,
                )
            self.exact = False
            self.gap_end = sequence - 1
        self.position = sequence
        op = record.get("op")
        if op == "snapshot":
            return self._apply_snapshot(sequence, record)
        if not self.exact:
            self.buffer.append((sequence, record))
        self.records_since_snapshot += 1
        return self._execute(sequence, record)

    def _execute(self, sequence: int, record: dict[str, Any]) -> Any:
        handler = getattr(self, f"_apply_{record.get('op')}", None)
        if handler is None:
            raise RuntimeStoreError(f"bus stream record {sequence}: unknown operation {record.get('op')!r}")
        return handler(sequence, record)

    def _apply_create_bus(self, sequence: int, record: dict[str, Any]) -> bool:
        name = record["name"]
        if name in self.buses:
            return False
        self.buses[name] = Bus(name, record["archive_retention_days"], record["created_at"])
        return True

    def _apply_update_bus(self, sequence: int, record: dict[str, Any]) -> bool:
        bus = self.buses.get(record["name"])
        if bus is None:
            return False
        self.buses[bus.name] = Bus(bus.name, record["archive_retention_days"], bus.created_at)
        return True

    def _apply_delete_bus(self, sequence: int, record: dict[str, Any]) -> str:
        name = record["name"]
        if name not in self.buses:
            return "missing"
        if any(bus == name for bus, _ in self.rules):
            return "rules"
        del self.buses[name]
        self.floors[name] = sequence
        self.cuts.pop(name, None)
        self.mixed.pop(name, None)
        for key in [key for key in self.counters if key[0] == name]:
            del self.counters[key]
        return "deleted"

    def _apply_put_rule(self, sequence: int, record: dict[str, Any]) -> None:
        self.rules[(record["bus"], record["name"])] = record["definition"]
        self.rules_version += 1

    def _apply_delete_rule(self, sequence: int, record: dict[str, Any]) -> bool:
        if self.rules.pop((record["bus"], record["name"]), None) is None:
            return False
        self.rules_version += 1
        return True

    def _apply_append(self, sequence: int, record: dict[str, Any]) -> list[int]:
        events = record["events"]
        if record.get("archive", True):
            for bus in {entry[0] for entry in events} - {record["bus"]}:
                self.mixed.setdefault(bus, []).append(sequence)
        ids: list[int] = []
        for index, (event, bus, rule, target, received_at, due_at, attempts) in enumerate(
            record["deliveries"]
        ):
            row = Row(
                id=event_sequence(sequence, index),
                bus=bus,
                rule=rule,
                target=target,
                event=events[event][3] if isinstance(event, int) else event,
                received_at=received_at,
                due_at=due_at,
                attempts=attempts,
            )
            self.pending[row.id] = row
            heapq.heappush(self.ready, (row.due_at, row.id))
            ids.append(row.id)
        self._count(record["counters"])
        return ids

    def _apply_claim(self, sequence: int, record: dict[str, Any]) -> list[Row]:
        now, lease_until = record["now"], record["lease_until"]
        taken: list[Row] = []
        for key in record["ids"]:
            row = self.pending.get(key)
            if row is None or row.due_at > now:
                continue  # settled or claimed by another dispatcher since it was chosen
            row.due_at = lease_until
            heapq.heappush(self.ready, (lease_until, key))
            taken.append(replace(row))
        return taken

    def _apply_settle(self, sequence: int, record: dict[str, Any]) -> None:
        for key, outcome, due_at, error in record["settlements"]:
            row = self.pending.get(key)
            if row is None:
                continue
            if outcome in ("delivered", "dead_lettered"):
                del self.pending[key]
            elif outcome == "retry":
                row.due_at, row.attempts, row.last_error = due_at, row.attempts + 1, error
                heapq.heappush(self.ready, (due_at, key))
            elif outcome == "failed":
                del self.pending[key]
                row.failed, row.attempts, row.last_error = True, row.attempts + 1, error
                self.failed[key] = row
        self._count(record["counters"])

    def _apply_expire(self, sequence: int, record: dict[str, Any]) -> float | None:
        bus, before = record["bus"], record["before"]
        old = self.cuts.get(bus)
        self.cuts[bus] = before if old is None else max(old, before)
        for key in [k for k, row in self.failed.items() if row.bus == bus and row.received_at < before]:
            del self.failed[key]
        return old

    def _count(self, counters: list[list[Any]]) -> None:
        for bus, rule, name, value in counters:
            bucket = self.counters.setdefault((bus, rule), {})
            bucket[name] = bucket.get(name, 0) + value

    # --- snapshots

    def snapshot(self) -> dict[str, Any]:
        """This state as a record (compressed), valid as of the last applied record."""
        data = {
            "buses": [asdict(bus) for bus in self.buses.values()],
            "rules": [[bus, name, definition] for (bus, name), definition in self.rules.items()],
            "rules_version": self.rules_version,
            "counters": [
                [bus, rule, name, value]
                for (bus, rule), values in self.counters.items()
                for name, value in values.items()
            ],
            "deliveries": [asdict(row) for row in (*self.pending.values(), *self.failed.values())],
            "floors": self.floors,
            "cuts": self.cuts,
            "mixed": self.mixed,
        }
        packed = base64.b64encode(zlib.compress(json.dumps(data).encode(), 6)).decode()
        return {"op": "snapshot", "as_of": self.position, "state": packed}

    def install(self, sequence: int, record: dict[str, Any]) -> None:
        """Start from a snapshot read before the tail started (records up to `as_of` are skipped)."""
        self._load(record)
        self.position = self.skip_through = self.snapshot_as_of = record["as_of"]

    def _apply_snapshot(self, sequence: int, record: dict[str, Any]) -> tuple[int, int]:
        as_of = record["as_of"]
        self.snapshot_as_of = max(self.snapshot_as_of, as_of)
        self.records_since_snapshot = 0
        if not self.exact and as_of >= self.gap_end:
            later = [(s, r) for s, r in self.buffer if s > as_of]
            self._load(record)
            self.buffer, self.exact = [], True
            for buffered_sequence, buffered in later:
                self._execute(buffered_sequence, buffered)
        return sequence, as_of

    def _load(self, record: dict[str, Any]) -> None:
        data = json.loads(zlib.decompress(base64.b64decode(record["state"])))
        self.buses = {bus["name"]: Bus(**bus) for bus in data["buses"]}
        self.rules = {(bus, name): definition for bus, name, definition in data["rules"]}
        self.rules_version = data["rules_version"]
        self.counters = {}
        self._count(data["counters"])
        self.pending, self.failed = {}, {}
        for fields in data["deliveries"]:
            row = Row(**fields)
            (self.failed if row.failed else self.pending)[row.id] = row
        self.ready = [(row.due_at, row.id) for row in self.pending.values()]
        heapq.heapify(self.ready)
        self.floors = {bus: int(value) for bus, value in data["floors"].items()}
        self.cuts = {bus: float(value) for bus, value in data["cuts"].items()}
        self.mixed = {bus: list(values) for bus, values in data["mixed"].items()}
