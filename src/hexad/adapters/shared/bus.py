"""Bus store rows on any SQL backend: rules and deliveries to and from columns, counters to stats.

The SQLite and PostgreSQL bus stores keep the same columns, so reading a row (with an error that
names the table and row when it cannot be read) and writing an outbox row are done once here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from hexad.adapters.shared.rows import Row
from hexad.errors import RuntimeStoreError
from hexad.ports.bus import BusStats, Delivery, Rule, Target
from hexad.runtime.events import Event

__all__ = ["delivery_from_row", "outbox_values", "rule_from_row", "stats_from_rows"]


def delivery_from_row(row: Row) -> Delivery:
    """A `bus_outbox` row as a `Delivery`; `RuntimeStoreError` naming the row if it is unreadable."""
    try:
        target = Target.from_dict(json.loads(row["target"]))
        event = Event.from_json(row["event"])
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeStoreError(f"bus_outbox row {row['id']}: unreadable target or event: {exc}") from exc
    return Delivery(
        bus=row["bus"],
        rule=row["rule"],
        target=target,
        event=event,
        received_at=row["received_at"],
        due_at=row["due_at"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        id=row["id"],
    )


def rule_from_row(row: Row) -> Rule:
    """A `bus_rules` row as a `Rule`; `RuntimeStoreError` naming the rule if it is unreadable."""
    try:
        return Rule.from_json(row["definition"])
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeStoreError(f"bus_rules row {row['bus']}/{row['name']}: unreadable rule: {exc}") from exc


def outbox_values(delivery: Delivery) -> tuple[Any, ...]:
    """(bus, rule, target, event, received_at, due_at, attempts) for an outbox insert."""
    return (
        delivery.bus,
        delivery.rule,
        _target_json(delivery.target),
        delivery.event.to_json(),
        delivery.received_at,
        delivery.due_at,
        delivery.attempts,
    )


def stats_from_rows(bus: str, counters: Iterable[Row], sizes: Iterable[Row]) -> BusStats:
    """`BusStats` from (rule, name, value) counter rows and (status, n) outbox size rows."""
    totals: dict[str, int] = {}
    rules: dict[str, dict[str, int]] = {}
    for row in counters:
        bucket = totals if row["rule"] == "" else rules.setdefault(row["rule"], {})
        bucket[row["name"]] = int(row["value"])
    by_status = {row["status"]: int(row["n"]) for row in sizes}
    return BusStats(bus, totals, rules, by_status.get("pending", 0), by_status.get("failed", 0))


# a rule's targets are the same objects for every event it matches: encode each once
_target_cache: dict[int, tuple[Target, str]] = {}


def _target_json(target: Target) -> str:
    cached = _target_cache.get(id(target))
    if cached is not None and cached[0] is target:
        return cached[1]
    text = json.dumps(target.to_dict(), sort_keys=True)
    if len(_target_cache) > 10_000:
        _target_cache.clear()
    _target_cache[id(target)] = (target, text)
    return text
