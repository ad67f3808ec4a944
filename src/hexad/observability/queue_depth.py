"""Queue depth as Prometheus gauges, for the worker autoscaler and for dashboards.

A Kubernetes HorizontalPodAutoscaler scales workers on an external metric that a Prometheus adapter
serves; this module produces that metric. Depth is read from the queue backend at scrape time (one
`attributes` call per queue), so every process that serves it reports the same numbers: scrape one
(the API) or aggregate with `max by (queue)`.

- `hexad_queue_depth{queue, kind}`: visible + in flight + delayed messages of every queue that is no
  other queue's dead-letter queue; `kind` is `mailbox` for agents' mailboxes, `queue` otherwise.
- `hexad_queue_messages{queue, kind, state}`: the same split by `state` (visible, in_flight, delayed).
- `hexad_queue_dead_letters{queue}`: messages waiting in each dead-letter queue. They are kept out of
  the depth so the autoscaler does not add workers for messages no worker takes.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hexad.errors import NotFoundError
from hexad.ports.queue import QueueAttributes, QueueConfig
from hexad.runtime.queues import QueueService

__all__ = ["DEAD_LETTERS", "DEPTH", "DEPTH_LABELS", "MESSAGES", "queue_depth_families", "render_queue_depth"]

DEPTH = "hexad_queue_depth"
MESSAGES = "hexad_queue_messages"
DEAD_LETTERS = "hexad_queue_dead_letters"
DEPTH_LABELS = ("queue", "kind")
_MAILBOX_PREFIX = "mailbox-"


def _kind(queue: str) -> str:
    return "mailbox" if queue.startswith(_MAILBOX_PREFIX) else "queue"


async def _counts(service: QueueService) -> tuple[list[QueueConfig], dict[str, QueueAttributes]]:
    """Every queue and its counts; a queue deleted between the listing and its count is left out."""
    configs = await service.list_queues()
    counts: dict[str, QueueAttributes] = {}
    for config in configs:
        try:
            counts[config.name] = await service.attributes(config.name)
        except NotFoundError:
            continue
    return [c for c in configs if c.name in counts], counts


async def queue_depth_families(service: QueueService) -> list[Metric]:
    """The three gauge families, read from the backend now."""
    configs, counts = await _counts(service)
    dead_letter_queues = {c.dead_letter_queue for c in configs if c.dead_letter_queue}
    depth = GaugeMetricFamily(DEPTH, "Messages visible, in flight or delayed", labels=list(DEPTH_LABELS))
    messages = GaugeMetricFamily(MESSAGES, "Messages by state", labels=[*DEPTH_LABELS, "state"])
    dead = GaugeMetricFamily(DEAD_LETTERS, "Messages waiting in a dead-letter queue", labels=["queue"])
    for config in configs:
        count = counts[config.name]
        total = count.visible + count.in_flight + count.delayed
        if config.name in dead_letter_queues:
            dead.add_metric([config.name], total)
            continue
        labels = [config.name, _kind(config.name)]
        depth.add_metric(labels, total)
        states = {"visible": count.visible, "in_flight": count.in_flight, "delayed": count.delayed}
        for state, value in states.items():
            messages.add_metric([*labels, state], value)
    return [depth, messages, dead]


class _Fixed(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        yield from self._families


async def render_queue_depth(service: QueueService) -> bytes:
    """The gauges in Prometheus' text format, ready to append to a `/metrics` body."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(await queue_depth_families(service)))
    return generate_latest(registry)
