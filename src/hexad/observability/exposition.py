"""One `/metrics` body for every Hexad process: process and HTTP metrics, actors, queue depth.

The API (`GET /metrics`) and `hexad worker --metrics-port` serve the same body, so a Prometheus adapter
can feed the worker autoscaler from either.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, generate_latest

from hexad.observability.queue_depth import render_queue_depth
from hexad.runtime.actors.metrics import REGISTRY as ACTOR_METRICS
from hexad.runtime.queues import QueueService

__all__ = ["process_metrics"]


async def process_metrics(queues: QueueService) -> bytes:
    """The text-format body: this process's registries, then queue depth read from the backend now."""
    return generate_latest(REGISTRY) + generate_latest(ACTOR_METRICS) + await render_queue_depth(queues)
