"""`DeliveryWorker`: takes delivery jobs off `notify-deliveries` and sends them through the channels.

Each job names a subscription and carries the message. Before sending, the owner's preferences
decide (`preferences.decide`): skip, hold (a digest or quiet hours; the job becomes a held record
the flush releases later) or send. A failed send is retried after the subscription's delivery-policy
delay (the queue message comes back after that time, so retries survive a restart); after
`num_retries` retries, or at once for an answer retrying cannot fix (a 4xx), the job goes to
`notify-deliveries-dlq` with the error, the attempt count and the subscription id (never its
endpoint). A failing channel never stops the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Mapping
from typing import Any

from hexad.notifications.channels.base import Channel, Delivery
from hexad.notifications.errors import DeliveryError, SubscriptionNotFoundError
from hexad.notifications.model import Message, Subscription, masked_endpoint
from hexad.notifications.preferences import Preferences, decide
from hexad.notifications.service import DEAD_LETTER_QUEUE, DELIVERY_QUEUE, NotificationService
from hexad.ports.queue import Message as QueueMessage

__all__ = ["DeliveryWorker"]

_log = logging.getLogger("hexad.notifications.delivery")


class DeliveryWorker:
    """Sends queued deliveries; `run(stop)` in a worker, `drain()` in tests and the CLI."""

    def __init__(
        self,
        service: NotificationService,
        channels: Mapping[str, Channel],
        *,
        flush_every: float = 30.0,
        receivers: int = 2,
    ) -> None:
        self._service, self._channels, self._flush_every = service, dict(channels), flush_every
        self.receivers = receivers
        self.counts: Counter[str] = Counter()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set with `receivers` receive loops (their HTTP waits overlap);
        release due held messages every `flush_every` seconds."""
        await self._service.ensure_queues()
        loops = (self._receive_loop(stop) for _ in range(self.receivers))
        await asyncio.gather(self._flush_loop(stop), *loops)

    async def _receive_loop(self, stop: asyncio.Event) -> None:
        queues = self._service.queues
        while not stop.is_set():
            batch = await queues.receive(DELIVERY_QUEUE, max_messages=10, wait_seconds=1.0)
            if batch:
                await self.handle(batch)

    async def _flush_loop(self, stop: asyncio.Event) -> None:
        clock = self._service.clock
        while not stop.is_set():
            await self._guarded(self.flush_held())
            deadline = clock.time() + self._flush_every
            while not stop.is_set() and clock.time() < deadline:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=1.0)

    async def drain(self, *, max_rounds: int = 10_000) -> int:
        """Deliver what is visible now, until the queue has nothing visible; returns jobs handled."""
        await self._service.ensure_queues()
        handled = 0
        for _ in range(max_rounds):
            batch = await self._service.queues.receive(DELIVERY_QUEUE, max_messages=10)
            if not batch:
                break
            await self.handle(batch)
            handled += len(batch)
        return handled

    async def handle(self, batch: list[QueueMessage]) -> None:
        """Process a received batch concurrently, then delete the finished jobs in one transaction."""
        handles = await asyncio.gather(*(self.process(job) for job in batch))
        await self._service.queues.delete_batch(DELIVERY_QUEUE, [h for h in handles if h is not None])

    async def process(self, job: QueueMessage) -> str | None:
        """Handle one job: the receipt handle when it is finished (to delete), None when it was given
        back for a retry or dead-lettered."""
        data = json.loads(job.body)
        try:
            subscription = await self._service.store.get_subscription(str(data["subscription"]))
        except SubscriptionNotFoundError:
            self.counts["unsubscribed"] += 1
            return job.receipt_handle
        delivery = await self._prepare(data, subscription)
        if delivery is None:
            return job.receipt_handle
        try:
            await self._send(delivery)
        except DeliveryError as exc:
            await self._failed(job, data, subscription, exc)
            return None
        self.counts["delivered"] += 1
        return job.receipt_handle

    async def _prepare(self, data: dict[str, Any], subscription: Subscription) -> Delivery | None:
        message = Message.from_dict(data["message"])
        kind = data.get("kind", "notification")
        if kind == "confirmation":
            body = message.body if isinstance(message.body, dict) else {}
            return Delivery(
                subscription,
                message,
                confirm_url=str(body.get("confirm_url", "")),
                confirm_token=str(data["token"]),
            )
        if subscription.status != "confirmed":
            self.counts["unconfirmed"] += 1
            return None
        owner = subscription.owner
        if kind == "notification" and owner is not None:
            decision = decide(
                await self._preferences(owner), message, subscription.protocol, self._service.clock.time()
            )
            if decision.action == "skip":
                self.counts["skipped"] += 1
                return None
            if decision.action == "hold":
                held = {
                    "subscription": subscription.id,
                    "message": message.to_dict(),
                    "due_at": decision.until,
                    "digest": decision.digest,
                }
                await self._service.store.hold(
                    owner, subscription.id, _item_id(self._service.clock.time()), held
                )
                self.counts["held"] += 1
                return None
        subject = str(message.attributes.get("subject_id", ""))
        mute_url = self._service.mute_url(owner, subject) if owner and subject else ""
        return Delivery(subscription, message, mute_url=mute_url)

    async def _send(self, delivery: Delivery) -> None:
        channel = self._channels.get(delivery.subscription.protocol)
        if channel is None:
            raise DeliveryError(
                f"no channel is configured for protocol {delivery.subscription.protocol}", retryable=False
            )
        try:
            await channel.deliver(delivery)
        except DeliveryError:
            raise
        except Exception as exc:  # a broken channel must not stop the loop
            raise DeliveryError(
                f"{delivery.subscription.protocol} channel failed: {type(exc).__name__}"
            ) from None

    async def _failed(
        self, job: QueueMessage, data: dict[str, Any], subscription: Subscription, exc: DeliveryError
    ) -> None:
        queues, policy = self._service.queues, subscription.delivery_policy
        attempt = job.receive_count
        where = masked_endpoint(subscription)
        if exc.retryable and attempt <= policy.num_retries:
            delay = policy.delay(attempt)
            _log.warning(
                "delivery to %s (%s) failed, retry %d in %.1fs: %s",
                subscription.id,
                where,
                attempt,
                delay,
                exc,
            )
            self.counts["retried"] += 1
            await queues.fail(DELIVERY_QUEUE, job, str(exc), retry_delay=delay)
            return
        _log.warning(
            "delivery to %s (%s) dead-lettered after %d attempt(s): %s", subscription.id, where, attempt, exc
        )
        attributes = {
            "subscription": subscription.id,
            "topic": subscription.topic,
            "error": str(exc),
            "attempts": str(attempt),
        }
        await queues.send(DEAD_LETTER_QUEUE, json.dumps(data), attributes=attributes)
        await queues.delete(DELIVERY_QUEUE, job.receipt_handle)
        self.counts["dead_lettered"] += 1

    async def _preferences(self, user: str) -> Preferences | None:
        stored = await self._service.store.get_preferences(user)
        return None if stored is None else Preferences.from_dict(stored)

    async def flush_held(self) -> int:
        """Release the held messages that are due: a digest per subscription, the others one by one."""
        now = self._service.clock.time()
        digests: dict[str, list[dict[str, Any]]] = defaultdict(list)
        released: list[str] = []
        store = self._service.store
        for held in await store.held():
            if held.due_at > now or held.claimed_until > now or not await store.claim(held, now + 60.0):
                continue
            released.append(held.key)
            if held.digest:
                digests[held.subscription].append(held.message)
            else:
                await self._service.enqueue(
                    Message.from_dict(held.message), [held.subscription], kind="release"
                )
        for subscription_id, messages in digests.items():
            await self._service.enqueue(_digest(messages, now), [subscription_id], kind="release")
        await store.release(released)
        self.counts["released"] += len(released)
        return len(released)

    async def _guarded(self, work: Awaitable[Any]) -> None:
        try:
            await work
        except Exception:
            _log.exception("releasing held notifications failed; trying again at the next flush")


def _digest(messages: list[dict[str, Any]], now: float) -> Message:
    parsed = sorted((Message.from_dict(m) for m in messages), key=lambda m: m.published_at)
    items = [
        {"title": m.title, "link": m.field("link"), "severity": str(m.attributes.get("severity", ""))}
        for m in parsed
    ]
    title = f"Hexad digest: {len(items)} notification{'s' if len(items) != 1 else ''}"
    body = {"title": title, "summary": f"{len(items)} notifications since the last digest.", "items": items}
    return Message(
        uuid.uuid4().hex, parsed[0].topic, title, body, {"digest": "true", "count": len(items)}, now
    )


def _item_id(now: float) -> str:
    return f"{int(now * 1000):013d}-{uuid.uuid4().hex[:8]}"
