"""Signed HTTPS webhooks: an SNS-shaped JSON body, signed with the subscription's secret.

Body: `{"Type": "Notification" | "SubscriptionConfirmation", "MessageId", "TopicName",
"SubscriptionId", "Subject", "Message", "MessageAttributes", "Timestamp"}` (a confirmation also
carries `Token` and `ConfirmURL`). Headers: `X-Hexad-Timestamp`, `X-Hexad-Signature: v1=<hex>`
(see `hexad.notifications.signing.verify_webhook`), `X-Hexad-Message-Id`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx

from hexad.notifications.channels.base import Delivery, post_json
from hexad.notifications.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_webhook
from hexad.runtime.clock import Clock

__all__ = ["WebhookChannel", "webhook_body"]


def webhook_body(delivery: Delivery) -> dict[str, Any]:
    """The JSON document POSTed for a delivery."""
    message, subscription = delivery.message, delivery.subscription
    body: dict[str, Any] = {
        "Type": "SubscriptionConfirmation" if delivery.is_confirmation else "Notification",
        "MessageId": message.id,
        "TopicName": subscription.topic,
        "SubscriptionId": subscription.id,
        "Subject": message.subject,
        "Message": message.body,
        "MessageAttributes": message.attributes,
        "Timestamp": datetime.fromtimestamp(message.published_at, UTC).isoformat(),
    }
    if delivery.is_confirmation:
        body["Token"] = delivery.confirm_token
        body["ConfirmURL"] = delivery.confirm_url
    return body


class WebhookChannel:
    """POSTs signed JSON to https (or, for local tests and private networks, http) endpoints."""

    def __init__(self, client: httpx.AsyncClient, clock: Clock) -> None:
        self._client, self._clock = client, clock

    async def deliver(self, delivery: Delivery) -> None:
        raw = json.dumps(webhook_body(delivery), separators=(",", ":"), default=str).encode()
        timestamp = int(self._clock.time())
        headers = {
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign_webhook(delivery.subscription.secret, timestamp, raw),
            "X-Hexad-Message-Id": delivery.message.id,
        }
        await post_json(self._client, delivery.subscription, raw, headers)
