"""`NotificationService`: topics, subscriptions with confirmation, and publishing with fan-out.

Publishing is SNS's: the message is matched against every confirmed subscription's filter policy
of the topic and one delivery job per match goes to the durable queue `notify-deliveries`
(10 per batch), so a publish returns once the fan-out is stored and a crash loses nothing; the
`DeliveryWorker` sends them. A new `email` or `https` subscription is `pending`: the only thing
it receives is a confirmation request carrying a signed link/token, and `confirm(token)` turns it
on. Other protocols are confirmed at once (their endpoint is a user, a queue or a chat webhook
that only an admin can add).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from hexad.errors import ValidationError
from hexad.notifications.filters import FilterPolicy, FilterScope, compile_filter_policy
from hexad.notifications.model import (
    CONFIRMED_PROTOCOLS,
    PROTOCOLS,
    Message,
    Subscription,
    Topic,
    check_topic_name,
)
from hexad.notifications.retry import DeliveryPolicy
from hexad.notifications.signing import LinkSigner
from hexad.notifications.store import NotificationStore
from hexad.ports.queue import OutgoingMessage
from hexad.runtime.clock import Clock
from hexad.runtime.queues import QueueService

__all__ = [
    "CONFIRM_PURPOSE",
    "DEAD_LETTER_QUEUE",
    "DELIVERY_QUEUE",
    "MUTE_PURPOSE",
    "NotificationService",
    "PublishResult",
]

DELIVERY_QUEUE: Final = "notify-deliveries"
DEAD_LETTER_QUEUE: Final = "notify-deliveries-dlq"
CONFIRM_PURPOSE: Final = "confirm-subscription"
MUTE_PURPOSE: Final = "mute-subject"
CONFIRM_LINK_SECONDS: Final = 3 * 86400.0
MUTE_LINK_SECONDS: Final = 30 * 86400.0
_BATCH: Final = 10


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: the message id, subscriptions matched, and those the policy filtered out."""

    message_id: str
    matched: int
    filtered: int
    pending: int


class NotificationService:
    """Topics and subscriptions in the store; deliveries on the runtime's queues."""

    def __init__(
        self,
        store: NotificationStore,
        queues: QueueService,
        clock: Clock,
        signer: LinkSigner,
        *,
        links_base: str,
    ) -> None:
        self.store, self.queues, self.clock, self.signer = store, queues, clock, signer
        self._links_base = links_base.rstrip("/")
        self._policies: dict[str, FilterPolicy] = {}
        self._queues_ready = False

    async def ensure_queues(self) -> None:
        """Create the delivery queue and its dead-letter queue when missing (idempotent)."""
        if not self._queues_ready:
            await self.queues.ensure_queue(DEAD_LETTER_QUEUE, retention_seconds=14 * 86400.0)
            await self.queues.ensure_queue(
                DELIVERY_QUEUE,
                dead_letter_queue=DEAD_LETTER_QUEUE,
                max_receive_count=101,
                visibility_timeout=60.0,
            )
            self._queues_ready = True

    # --- topics

    async def create_topic(self, name: str, display_name: str = "") -> Topic:
        """Create the topic, or return it unchanged when it exists (idempotent, as SNS's CreateTopic)."""
        check_topic_name(name)
        if await self.store.has_topic(name):
            return await self.store.get_topic(name)
        return await self.store.put_topic(Topic(name, display_name, self.clock.time()))

    # --- subscriptions

    async def subscribe(
        self,
        topic: str,
        protocol: str,
        endpoint: str,
        *,
        owner: str | None = None,
        filter_policy: dict[str, Any] | str | None = None,
        filter_scope: FilterScope = "MessageAttributes",
        delivery_policy: Mapping[str, Any] | DeliveryPolicy | None = None,
    ) -> Subscription:
        """A new subscription (pending for email and https, which then get a confirmation request)."""
        await self.store.get_topic(topic)
        if protocol not in PROTOCOLS:
            raise ValidationError(f"protocol: expected one of {', '.join(PROTOCOLS)}, got {protocol!r}")
        _check_endpoint(protocol, endpoint)
        document: dict[str, Any] | None = None
        if filter_policy is not None:
            document = compile_filter_policy(filter_policy, filter_scope).document
        policy = _delivery_policy(delivery_policy)
        pending = protocol in CONFIRMED_PROTOCOLS
        subscription = Subscription(
            id=f"{topic}:{uuid.uuid4().hex}", topic=topic, protocol=protocol,  # type: ignore[arg-type]
            endpoint=endpoint.strip(), owner=owner, filter_policy=document, filter_scope=filter_scope,
            delivery_policy=policy, status="pending" if pending else "confirmed",
            secret=secrets.token_urlsafe(32) if protocol == "https" else "", created_at=self.clock.time(),
        )  # fmt: skip
        await self.store.put_subscription(subscription)
        if pending:
            await self._request_confirmation(subscription)
        return subscription

    def confirm_token(self, subscription: Subscription) -> str:
        """The signed token that confirms `subscription` (valid three days)."""
        expires = self.clock.time() + CONFIRM_LINK_SECONDS
        return self.signer.make(CONFIRM_PURPOSE, {"s": subscription.id}, expires_at=expires)

    def confirm_url(self, token: str) -> str:
        return f"{self._links_base}/notifications/confirm?token={token}"

    async def confirm(self, token: str) -> Subscription:
        """Confirm the subscription a token names (idempotent); `InvalidLinkError` for a bad token."""
        data = self.signer.read(CONFIRM_PURPOSE, token, now=self.clock.time())
        subscription = await self.store.get_subscription(str(data.get("s")))
        if subscription.status == "confirmed":
            return subscription
        return await self.store.put_subscription(subscription.confirmed())

    async def unsubscribe(self, subscription_id: str) -> Subscription:
        return await self.store.delete_subscription(subscription_id)

    def mute_url(self, user: str, subject: str) -> str:
        """A one-click link that mutes `subject` for `user` (valid 30 days)."""
        return f"{self._links_base}/notifications/mute?token={self.mute_token(user, subject)}"

    def mute_token(self, user: str, subject: str) -> str:
        """The signed token of `mute_url` (the bell hands it to `POST /notifications/mute`)."""
        return self.signer.make(
            MUTE_PURPOSE, {"u": user, "s": subject}, expires_at=self.clock.time() + MUTE_LINK_SECONDS
        )

    def read_mute_token(self, token: str) -> tuple[str, str]:
        """(user, subject) of a valid mute token."""
        data = self.signer.read(MUTE_PURPOSE, token, now=self.clock.time())
        return str(data.get("u")), str(data.get("s"))

    # --- publishing

    async def publish(
        self,
        topic: str,
        subject: str,
        body: dict[str, Any] | str,
        attributes: Mapping[str, Any] | None = None,
    ) -> PublishResult:
        """Fan the message out to every confirmed subscription whose filter policy it passes."""
        await self.store.get_topic(topic)
        message = Message(uuid.uuid4().hex, topic, subject, body, dict(attributes or {}), self.clock.time())
        matched: list[Subscription] = []
        filtered = pending = 0
        for subscription in await self.store.subscriptions(topic):
            if subscription.status != "confirmed":
                pending += 1
            elif self._passes(subscription, message):
                matched.append(subscription)
            else:
                filtered += 1
        await self.enqueue(message, [s.id for s in matched])
        return PublishResult(message.id, len(matched), filtered, pending)

    async def enqueue(
        self, message: Message, subscription_ids: list[str], *, kind: str = "notification"
    ) -> None:
        """Store one delivery job per subscription on the delivery queue."""
        if not subscription_ids:
            return
        await self.ensure_queues()
        payload = message.to_dict()
        jobs = [
            OutgoingMessage(json.dumps({"kind": kind, "subscription": sid, "message": payload}, default=str))
            for sid in subscription_ids
        ]
        for start in range(0, len(jobs), _BATCH):
            await self.queues.send_batch(DELIVERY_QUEUE, jobs[start : start + _BATCH])

    def _passes(self, subscription: Subscription, message: Message) -> bool:
        """Whether the message passes the subscription's policy (compiled once per subscription id:
        a subscription's policy never changes, a new policy is a new subscription)."""
        if subscription.filter_policy is None:
            return True
        policy = self._policies.get(subscription.id)
        if policy is None:
            scope: FilterScope = (
                "MessageBody" if subscription.filter_scope == "MessageBody" else "MessageAttributes"
            )
            policy = self._policies[subscription.id] = compile_filter_policy(
                subscription.filter_policy, scope
            )
        return policy.matches(message.attributes, message.body)

    async def _request_confirmation(self, subscription: Subscription) -> None:
        token = self.confirm_token(subscription)
        body = {
            "title": f"Confirm your subscription to {subscription.topic}",
            "confirm_url": self.confirm_url(token),
        }
        message = Message(
            uuid.uuid4().hex, subscription.topic, "Subscription confirmation", body, {}, self.clock.time()
        )
        await self.ensure_queues()
        job = {
            "kind": "confirmation",
            "subscription": subscription.id,
            "message": message.to_dict(),
            "token": token,
        }
        await self.queues.send(DELIVERY_QUEUE, json.dumps(job))


def _delivery_policy(given: Mapping[str, Any] | DeliveryPolicy | None) -> DeliveryPolicy:
    if isinstance(given, DeliveryPolicy):
        return given
    fields = set(DeliveryPolicy.__dataclass_fields__)
    unknown = sorted(set(given or {}) - fields)
    if unknown:
        raise ValidationError(
            f"delivery_policy: unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(fields))}"
        )
    try:
        return DeliveryPolicy(**(given or {}))
    except TypeError as exc:
        raise ValidationError(f"delivery_policy: {exc}") from None


def _check_endpoint(protocol: str, endpoint: str) -> None:
    value = endpoint.strip()
    if protocol == "email" and ("@" not in value or " " in value or len(value) > 254):
        raise ValidationError(f"endpoint: expected an email address for protocol email, got {value!r}")
    if protocol in ("slack", "teams", "https") and not value.startswith(("https://", "http://")):
        raise ValidationError(f"endpoint: expected an https:// URL for protocol {protocol}")
    if protocol in ("queue", "in_app") and not value:
        raise ValidationError(f"endpoint: expected a {'queue name' if protocol == 'queue' else 'user id'}")
