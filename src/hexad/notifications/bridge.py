"""From bus events to a topic: a rule routes events to a queue, a bridge publishes each to its topic.

The queue between the bus and the topic makes publishing durable: an event whose message cannot
be published (the store is briefly away) is retried with the queue's backoff and dead-lettered
after its attempts, never lost and never blocking the bus. Subclasses say which events (`rule`)
and what message each becomes (`describe`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from abc import ABC, abstractmethod
from typing import Any

from hexad.notifications.service import NotificationService, PublishResult
from hexad.ports.bus import Rule
from hexad.ports.queue import Message as QueueMessage

__all__ = ["TopicBridge"]

_log = logging.getLogger("hexad.notifications.bridge")


class TopicBridge(ABC):
    """Publishes the events a rule sends to `queue` as messages on `topic`."""

    topic: str
    topic_description: str
    queue: str

    def __init__(self, service: NotificationService) -> None:
        self._service = service

    @abstractmethod
    def rule(self) -> Rule:
        """The bus rule that routes this bridge's events to its queue."""

    @abstractmethod
    def describe(self, event: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """(subject, body, attributes) of the message for `event`."""

    async def install(self, bus: Any) -> None:
        """Create the topic and the queue, and put the rule on `bus` (idempotent)."""
        await self.prepare()
        await bus.put_rule(self.rule())

    async def prepare(self) -> None:
        """Create the topic and the queue (idempotent), so people can subscribe before any event."""
        await self._service.create_topic(self.topic, self.topic_description)
        await self._service.queues.ensure_queue(self.queue, dead_letter_queue=f"{self.queue}-dlq")

    async def run(self, stop: asyncio.Event) -> None:
        """Publish events from the queue until `stop` is set."""
        while not stop.is_set():
            await self.drain(wait_seconds=1.0)

    async def drain(self, *, wait_seconds: float = 0.0) -> int:
        """Publish the events waiting now; returns how many."""
        handled = 0
        while True:
            batch = await self._service.queues.receive(self.queue, max_messages=10, wait_seconds=wait_seconds)
            if not batch:
                return handled
            for job in batch:
                await self._handle(job)
            handled += len(batch)
            wait_seconds = 0.0

    async def publish_event(self, event: dict[str, Any]) -> PublishResult:
        """Publish one event (an EventBridge envelope) to the topic."""
        subject, body, attributes = self.describe(event)
        return await self._service.publish(self.topic, subject, body, attributes)

    async def _handle(self, job: QueueMessage) -> None:
        queues = self._service.queues
        try:
            await self.publish_event(json.loads(job.body))
        except Exception as exc:  # recorded on the message, retried, then dead-lettered
            _log.warning("event %s could not be published to %s: %s", job.message_id, self.topic, exc)
            await queues.fail(self.queue, job, f"{type(exc).__name__}: {exc}", retry_delay=5.0)
            return
        await queues.delete(self.queue, job.receipt_handle)
