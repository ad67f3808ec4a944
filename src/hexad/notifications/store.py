"""`NotificationStore`: topics, subscriptions, in-app notifications, preferences and held messages.

Kept in the runtime's versioned key-value `StateStore` rather than in domain tables: every record is
read by key or by a key prefix (a topic's subscriptions, a user's inbox), the store already runs on
the runtime file and on PostgreSQL with the same tested semantics, and nothing here joins MSP data,
so no migration is needed. Keys:

    notify:topic:<name>                      a topic
    notify:sub:<topic>:<hex>                 a subscription (its id is `<topic>:<hex>`)
    notify:inbox:<user>:<ms>-<hex>           an in-app notification (sorted by time)
    notify:prefs:<user>                      a user's preferences
    notify:held:<user>:<sub>:<ms>-<hex>      a message held for a digest or until quiet hours end

A topic's subscriptions are cached for `cache_seconds` (fan-out reads them for every message);
writes through this store drop the cache at once, other processes' writes show within that time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hexad.errors import ConflictError
from hexad.notifications.errors import SubscriptionNotFoundError, TopicNotFoundError
from hexad.notifications.model import InAppNotification, Subscription, Topic
from hexad.ports.state import StateStore
from hexad.runtime.clock import Clock

__all__ = ["HeldMessage", "NotificationStore"]

_PREFIX = "notify:"


@dataclass(frozen=True)
class HeldMessage:
    """A delivery held for a digest (`digest`) or until quiet hours end, due at `due_at`."""

    key: str
    subscription: str
    message: dict[str, Any]
    due_at: float
    digest: bool
    version: int = 0
    claimed_until: float = 0.0


class NotificationStore:
    """Notification records over a `StateStore`."""

    def __init__(self, state: StateStore, clock: Clock, *, cache_seconds: float = 2.0) -> None:
        self._state, self._clock, self._cache_seconds = state, clock, cache_seconds
        self._subscriptions: dict[str, tuple[float, list[Subscription]]] = {}

    # --- topics

    async def put_topic(self, topic: Topic) -> Topic:
        await self._state.put(f"{_PREFIX}topic:{topic.name}", topic.to_dict())
        return topic

    async def get_topic(self, name: str) -> Topic:
        value, _ = await self._state.get(f"{_PREFIX}topic:{name}")
        if value is None:
            raise TopicNotFoundError(
                f"no topic named {name!r}; create it with `hexad notify topics --create {name}`"
            )
        return Topic.from_dict(value)

    async def has_topic(self, name: str) -> bool:
        value, _ = await self._state.get(f"{_PREFIX}topic:{name}")
        return value is not None

    async def topics(self) -> list[Topic]:
        return [Topic.from_dict(value) for value in await self._values(f"{_PREFIX}topic:")]

    async def delete_topic(self, name: str) -> None:
        await self.get_topic(name)
        for subscription in await self.subscriptions(name, cached=False):
            await self.delete_subscription(subscription.id)
        await self._state.delete(f"{_PREFIX}topic:{name}")

    # --- subscriptions

    async def put_subscription(self, subscription: Subscription) -> Subscription:
        await self._state.put(f"{_PREFIX}sub:{subscription.id}", subscription.to_dict())
        self._subscriptions.pop(subscription.topic, None)
        return subscription

    async def get_subscription(self, subscription_id: str) -> Subscription:
        value, _ = await self._state.get(f"{_PREFIX}sub:{subscription_id}")
        if value is None:
            raise SubscriptionNotFoundError(f"no subscription with id {subscription_id!r}")
        return Subscription.from_dict(value)

    async def delete_subscription(self, subscription_id: str) -> Subscription:
        subscription = await self.get_subscription(subscription_id)
        await self._state.delete(f"{_PREFIX}sub:{subscription_id}")
        self._subscriptions.pop(subscription.topic, None)
        return subscription

    async def subscriptions(self, topic: str | None = None, *, cached: bool = True) -> list[Subscription]:
        """A topic's subscriptions (every topic's when None), oldest first."""
        if topic is not None and cached:
            hit = self._subscriptions.get(topic)
            if hit is not None and hit[0] > self._clock.time():
                return hit[1]
        prefix = f"{_PREFIX}sub:" if topic is None else f"{_PREFIX}sub:{topic}:"
        found = sorted(
            (Subscription.from_dict(value) for value in await self._values(prefix)),
            key=lambda s: (s.created_at, s.id),
        )
        if topic is not None:
            self._subscriptions[topic] = (self._clock.time() + self._cache_seconds, found)
        return found

    # --- in-app notifications

    async def add_inbox(self, item: InAppNotification) -> None:
        await self._state.put(f"{_PREFIX}inbox:{item.user}:{item.id}", item.to_dict())

    async def inbox(
        self, user: str, *, unread_only: bool = False, limit: int = 50
    ) -> list[InAppNotification]:
        """The user's notifications, newest first."""
        keys = sorted(await self._state.keys(f"{_PREFIX}inbox:{user}:"), reverse=True)
        items: list[InAppNotification] = []
        for key in keys:
            value, _ = await self._state.get(key)
            if value is None or (unread_only and value.get("read_at") is not None):
                continue
            items.append(InAppNotification.from_dict(value))
            if len(items) >= limit:
                break
        return items

    async def mark_read(self, user: str, ids: Iterable[str] | None, when: float) -> int:
        """Mark the given notifications (every unread one when None) as read; returns how many changed."""
        keys = (
            [f"{_PREFIX}inbox:{user}:{i}" for i in ids]
            if ids is not None
            else await self._state.keys(f"{_PREFIX}inbox:{user}:")
        )
        changed = 0
        for key in keys:
            value, version = await self._state.get(key)
            if value is not None and value.get("read_at") is None:
                await self._state.put(key, {**value, "read_at": when}, version)
                changed += 1
        return changed

    # --- preferences

    async def get_preferences(self, user: str) -> dict[str, Any] | None:
        value, _ = await self._state.get(f"{_PREFIX}prefs:{user}")
        return value if isinstance(value, dict) else None

    async def put_preferences(self, user: str, preferences: dict[str, Any]) -> None:
        await self._state.put(f"{_PREFIX}prefs:{user}", preferences)

    # --- held messages (digests and quiet hours)

    async def hold(self, user: str, subscription_id: str, item_id: str, held: dict[str, Any]) -> None:
        await self._state.put(f"{_PREFIX}held:{user}:{subscription_id}:{item_id}", held)

    async def held(self) -> list[HeldMessage]:
        """Every held message, with its store key and version."""
        found: list[HeldMessage] = []
        for key in await self._state.keys(f"{_PREFIX}held:"):
            value, version = await self._state.get(key)
            if value is not None:
                found.append(
                    HeldMessage(
                        key, str(value["subscription"]), value["message"], float(value["due_at"]),
                        bool(value["digest"]), version, float(value.get("claimed_until", 0.0)),
                    )
                )  # fmt: skip
        return found

    async def claim(self, held: HeldMessage, until: float) -> bool:
        """Take a held message for release until `until`; False when another process took it first.

        Several workers flush at once: the version check lets one of them release each message, and
        a claim that a crashed worker never released lapses at `until` (at least once, never lost).
        """
        value = {
            "subscription": held.subscription, "message": held.message, "due_at": held.due_at,
            "digest": held.digest, "claimed_until": until,
        }  # fmt: skip
        try:
            await self._state.put(held.key, value, held.version)
        except ConflictError:
            return False
        return True

    async def release(self, keys: Iterable[str]) -> None:
        for key in keys:
            await self._state.delete(key)

    async def _values(self, prefix: str) -> list[Any]:
        keys = await self._state.keys(prefix)
        values = await asyncio.gather(*(self._state.get(key) for key in keys))
        return [value for value, _ in values if value is not None]
