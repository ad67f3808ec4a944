"""The live WebSocket's fan-out: what deciding who may see each event costs per event and connection.

`LiveHub` hands every archived event to each connection whose pattern matches and whose caller may
see it (`hexad.api.live_access.may_see`). This measures that loop alone, in process, with
CONNECTIONS subscriptions of mixed roles (viewer, sales, finance, service manager, admin; half
following everything, half a pattern) and EVENTS events cycling through every kind the access
table knows plus unmapped ones. Baseline: the same loop matching patterns only (what the hub did
before it checked permissions).

Reported: events fanned out per second and microseconds per event and connection, median of RUNS.

Run: `uv run python benchmarks/live_fanout.py [--connections 200] [--events 5000] [--runs 5]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from hexad.api.live import LiveHub, Matcher, Subscription, _Everything
from hexad.api.security import Principal
from hexad.runtime.patterns import compile_pattern

ROLES = ("viewer", "sales", "finance", "service_manager", "admin")
KINDS = [
    ("hexad.cpi", "client.profitability.changed", {"client_id": "CL-0001"}),
    ("hexad.dsa", "spend.anomaly.detected", {"department": "IT"}),
    ("hexad.sli", "license.savings.found", {"client_id": "CL-0002"}),
    ("hexad.spo", "sales.opportunity.identified", {"lead_id": "LD-1"}),
    ("hexad.vcm", "contract.renewal.due", {"contract_id": "CT-1"}),
    ("hexad.ram", "resource.utilization.alert", {"technician_id": "T-1"}),
    ("hexad.findings", "finding.status.changed", {"finding_id": "f1"}),
    ("hexad.tasks", "task.status.changed", {"submitted_by": "u-3"}),
    ("hexad.notifications", "notification.created", {"user": "u-7"}),
    ("hexad.workflow", "contract.approval.requested", {"contract_id": "CT-2"}),
    ("hexad.ingest", "data.imported", {"entity": "invoices"}),
    ("hexad.custom", "something.else", {}),
]


class _Counting(LiveHub):
    """The hub without a bus; `pattern_only` is the baseline that skips the permission check."""

    def __init__(self, pattern_only: bool) -> None:
        self._subscriptions: set[Subscription] = set()
        self._pattern_only = pattern_only

    def _fan_out(self, event: dict[str, Any]) -> None:
        if not self._pattern_only:
            super()._fan_out(event)
            return
        for subscription in list(self._subscriptions):
            if subscription.pattern.matches(event):
                subscription.offer(event)


def _subscriptions(count: int) -> list[Subscription]:
    pattern = compile_pattern({"source": [{"prefix": "hexad."}], "detail-type": [{"anything-but": ["x"]}]})
    made = []
    for n in range(count):
        matcher: Matcher = _Everything() if n % 2 else pattern
        principal = Principal(f"u-{n}", (ROLES[n % len(ROLES)],), False)
        made.append(Subscription(principal, matcher, asyncio.Queue(maxsize=10**9)))
    return made


def _events(count: int) -> list[dict[str, Any]]:
    return [
        {"source": s, "detail-type": t, "detail": d, "id": str(n)}
        for n, (s, t, d) in ((n, KINDS[n % len(KINDS)]) for n in range(count))
    ]


async def _run(connections: int, events: list[dict[str, Any]], pattern_only: bool) -> tuple[float, int]:
    hub = _Counting(pattern_only)
    subscriptions = _subscriptions(connections)
    hub._subscriptions = set(subscriptions)
    started = time.perf_counter()
    for event in events:
        hub._fan_out(event)
    elapsed = time.perf_counter() - started
    return elapsed, sum(s.queue.qsize() for s in subscriptions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    events = _events(args.events)
    results: dict[str, dict[str, float]] = {}
    for name, pattern_only in (("pattern only (baseline)", True), ("pattern + permissions", False)):
        runs = [asyncio.run(_run(args.connections, events, pattern_only)) for _ in range(args.runs)]
        seconds = statistics.median(elapsed for elapsed, _ in runs)
        results[name] = {
            "events_per_s": args.events / seconds,
            "us_per_event_connection": seconds / (args.events * args.connections) * 1e6,
            "delivered": runs[0][1],
        }
    table = Table("fan-out", "events/s", "µs per event x connection", "events queued", title="Live fan-out")
    for name, row in results.items():
        table.add_row(name, f"{row['events_per_s']:,.0f}", f"{row['us_per_event_connection']:.2f}",
                      f"{row['delivered']:,.0f}")  # fmt: skip
    Console().print(table)
    print(json.dumps({"benchmark": "live_fanout", "connections": args.connections, "events": args.events,
                      "runs": args.runs, "results": results}))  # fmt: skip


if __name__ == "__main__":
    main()
