"""Queue subscriptions: the message as JSON on one of the runtime's queues (SNS to SQS)."""

from __future__ import annotations

import json

from hexad.errors import NotFoundError
from hexad.notifications.channels.base import Delivery
from hexad.notifications.errors import DeliveryError
from hexad.runtime.queues import QueueService

__all__ = ["QueueChannel"]


class QueueChannel:
    """Sends `{"Type", "MessageId", "TopicName", "Subject", "Message", "MessageAttributes"}` to the queue."""

    def __init__(self, queues: QueueService) -> None:
        self._queues = queues

    async def deliver(self, delivery: Delivery) -> None:
        message = delivery.message
        body = {
            "Type": "Notification",
            "MessageId": message.id,
            "TopicName": delivery.subscription.topic,
            "Subject": message.subject,
            "Message": message.body,
            "MessageAttributes": message.attributes,
        }
        attributes = {k: str(v) for k, v in message.attributes.items() if isinstance(v, str | int | float)}
        try:
            await self._queues.send(
                delivery.subscription.endpoint, json.dumps(body, default=str), attributes=attributes
            )
        except NotFoundError:
            raise DeliveryError(
                f"queue {delivery.subscription.endpoint!r} does not exist", retryable=False
            ) from None
