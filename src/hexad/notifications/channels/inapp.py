"""The in-app bell: a notification stored in the user's inbox and announced on the event bus.

The API's live hub forwards every bus event to WebSocket clients whose pattern matches, so the
dashboard subscribes with `{"source": ["hexad.notifications"], "detail-type": ["notification.created"],
"detail": {"user": ["<me>"]}}` and shows the bell count at once; the live socket sends the event
only to that user (and admins). The event carries only the id, the user and the severity; the text
is read through the API, which shows each user only their own notifications.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from hexad.notifications.channels.base import Delivery, payload_fields
from hexad.notifications.model import InAppNotification
from hexad.notifications.store import NotificationStore
from hexad.runtime.clock import Clock

__all__ = ["EVENT_DETAIL_TYPE", "EVENT_SOURCE", "InAppChannel"]

EVENT_SOURCE = "hexad.notifications"
EVENT_DETAIL_TYPE = "notification.created"
PutEvents = Callable[[list[dict[str, Any]]], Awaitable[Any]]


class InAppChannel:
    """Stores the notification for the subscription's endpoint (a user id) and publishes the event."""

    def __init__(self, store: NotificationStore, clock: Clock, put_events: PutEvents | None = None) -> None:
        self._store, self._clock, self._put_events = store, clock, put_events

    async def deliver(self, delivery: Delivery) -> None:
        fields = payload_fields(delivery.message)
        now = self._clock.time()
        item = InAppNotification(
            id=f"{int(now * 1000):013d}-{uuid.uuid4().hex[:8]}",
            user=delivery.subscription.endpoint,
            title=fields["title"],
            text=fields["text"],
            severity=fields["severity"] or "low",
            link=fields["link"],
            topic=delivery.subscription.topic,
            message_id=delivery.message.id,
            created_at=now,
            subject_id=fields["subject_id"],
        )
        await self._store.add_inbox(item)
        if self._put_events is not None:
            detail = {"id": item.id, "user": item.user, "severity": item.severity}
            await self._put_events(
                [{"Source": EVENT_SOURCE, "DetailType": EVENT_DETAIL_TYPE, "Detail": detail}]
            )
