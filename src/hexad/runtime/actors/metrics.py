"""Per-actor metrics for Prometheus, cheap enough for the in-process hot path.

Counting through `prometheus_client` counters on every message (a label lookup and a lock each time)
would cost more than handling the message, so each actor kind keeps plain integers and a fixed-bucket
histogram in a `KindStats`, and a custom collector turns them into Prometheus families at scrape time.
Series are labelled by actor *kind* (the spawn name without numeric suffixes, or the class name), not
by path, so 100,000 keyed actors do not make 100,000 series.

`REGISTRY` is the module-level registry the API can expose at `/metrics`
(`prometheus_client.generate_latest(REGISTRY)`).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["BUCKETS", "REGISTRY", "KindStats", "kind_stats", "snapshot"]

BUCKETS: tuple[float, ...] = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0)


class KindStats:
    """Counters and a processing-time histogram shared by every actor of one kind."""

    __slots__ = ("buckets", "failures", "handled", "kind", "restarts", "seconds")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.handled = 0
        self.failures = 0
        self.restarts = 0
        self.seconds = 0.0
        self.buckets = [0] * (len(BUCKETS) + 1)

    def observe(self, seconds: float) -> None:
        """Count one handled message that took `seconds`."""
        self.handled += 1
        self.seconds += seconds
        self.buckets[bisect.bisect_left(BUCKETS, seconds)] += 1


_stats: dict[str, KindStats] = {}
_lock = threading.Lock()


def kind_stats(kind: str) -> KindStats:
    """The process-wide stats of `kind` (created on first use, kept for the life of the process)."""
    stats = _stats.get(kind)
    if stats is None:
        with _lock:
            stats = _stats.setdefault(kind, KindStats(kind))
    return stats


def snapshot() -> dict[str, dict[str, float]]:
    """Every kind's counters as plain numbers (for the control socket and tests)."""
    return {
        kind: {
            "handled": s.handled,
            "failures": s.failures,
            "restarts": s.restarts,
            "seconds": s.seconds,
        }
        for kind, s in list(_stats.items())
    }


class _ActorCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        handled = CounterMetricFamily("hexad_actor_messages", "Messages handled", labels=["actor"])
        failures = CounterMetricFamily("hexad_actor_failures", "Messages that raised", labels=["actor"])
        restarts = CounterMetricFamily("hexad_actor_restarts", "Restarts by a supervisor", labels=["actor"])
        timing = HistogramMetricFamily(
            "hexad_actor_processing_seconds", "Time in receive per message", labels=["actor"]
        )
        for kind, stats in list(_stats.items()):
            handled.add_metric([kind], stats.handled)
            failures.add_metric([kind], stats.failures)
            restarts.add_metric([kind], stats.restarts)
            timing.add_metric([kind], _cumulative(stats), stats.seconds)
        yield from (handled, failures, restarts, timing)


def _cumulative(stats: KindStats) -> list[tuple[str, float]]:
    total = 0
    out: list[tuple[str, float]] = []
    for bound, count in zip((*BUCKETS, float("inf")), stats.buckets, strict=True):
        total += count
        out.append(("+Inf" if bound == float("inf") else repr(bound), float(total)))
    return out


REGISTRY = CollectorRegistry(auto_describe=True)
REGISTRY.register(_ActorCollector())
