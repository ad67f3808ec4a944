"""The bus state machine rebuilds exactly from a snapshot plus later records, even across a purged hole.

Two states apply the same stream; one of them misses records (purged before its tail read them) and
must come back to the same state at the next snapshot that covers the hole, by replaying what it saw
after the snapshot's `as_of`.
"""

from __future__ import annotations

from typing import Any

from hexad.adapters.nats.bus_state import BusState


def put(n: int, due_at: float = 0.0) -> dict[str, Any]:
    event = f'{{"id": "e{n}"}}'
    return {
        "op": "append",
        "bus": "default",
        "archive": True,
        "events": [["default", 1.0, 1.0, event]],
        "deliveries": [[0, "default", "r", '{"id": "t"}', 1.0, due_at, 0]],
        "counters": [["default", "", "events", 1], ["default", "r", "matched", 1]],
    }


def settle(delivery_id: int, outcome: str = "delivered") -> dict[str, Any]:
    return {
        "op": "settle",
        "settlements": [[delivery_id, outcome, 5.0, "boom"]],
        "counters": [["default", "r", outcome, 1]],
    }


def view(state: BusState) -> tuple[Any, ...]:
    return (
        sorted((row.id, row.due_at, row.attempts) for row in state.pending.values()),
        sorted(state.failed),
        state.counters,
        state.rules_version,
    )


def test_a_state_with_a_hole_is_rebuilt_by_the_next_snapshot_that_covers_it() -> None:
    whole, holed = BusState(), BusState()
    records: list[dict[str, Any]] = [
        {"op": "create_bus", "name": "default", "archive_retention_days": 7, "created_at": 0.0},
        {"op": "put_rule", "bus": "default", "name": "r", "definition": "{}"},
        put(3),
        put(4),
        settle(30_000),
        put(6),
        settle(40_000, "retry"),
    ]
    for sequence, record in enumerate(records, start=1):
        whole.apply(sequence, record)
    snapshot_at_7 = whole.snapshot()
    assert snapshot_at_7["as_of"] == 7
    for sequence, record in enumerate(records[:2], start=1):
        holed.apply(sequence, record)
    holed.apply(6, records[5])  # 3..5 were purged before this tail read them
    assert not holed.exact
    holed.apply(7, records[6])
    whole.apply(8, {**snapshot_at_7})
    whole.apply(9, settle(60_000, "failed"))
    early = {**snapshot_at_7, "as_of": 4}  # a snapshot that does not cover the hole changes nothing
    holed.apply(8, early)
    assert not holed.exact
    holed.apply(9, settle(60_000, "failed"))
    whole.apply(10, put(10))
    holed.apply(10, put(10))
    later = whole.snapshot()
    whole.apply(11, later)
    holed.apply(11, later)
    assert holed.exact and holed.buffer == []
    assert view(holed) == view(whole)
    assert view(whole)[0] == [(40_000, 5.0, 1), (100_000, 0.0, 0)]
    assert view(whole)[1] == [60_000]


def test_a_new_process_installs_the_snapshot_and_skips_what_it_covers() -> None:
    whole = BusState()
    whole.apply(1, put(1, due_at=2.0))
    whole.apply(2, put(2))
    snapshot = whole.snapshot()
    whole.apply(3, snapshot)
    whole.apply(4, settle(20_000))
    fresh = BusState()
    fresh.install(3, snapshot)
    for sequence, record in ((1, put(1)), (2, put(2)), (3, snapshot), (4, settle(20_000))):
        fresh.apply(sequence, record)
    assert fresh.exact
    assert view(fresh) == view(whole)
    assert fresh.plan_claim(1.0, 10) == [] and fresh.plan_claim(2.0, 10) == [10_000]
