"""What every channel shares: the delivery it is handed and how HTTP answers map to retries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from hexad.notifications.errors import DeliveryError
from hexad.notifications.model import Message, Subscription, masked_endpoint

__all__ = ["Channel", "Delivery", "classify_response", "payload_fields", "post_json"]


@dataclass(frozen=True)
class Delivery:
    """One message for one subscription, with the links a person may follow.

    `confirm_url`/`confirm_token` are set only on a subscription confirmation (then `message` is the
    confirmation request); `mute_url` when the subscription has an owner and the message a subject.
    """

    subscription: Subscription
    message: Message
    mute_url: str = ""
    confirm_url: str = ""
    confirm_token: str = ""

    @property
    def is_confirmation(self) -> bool:
        return bool(self.confirm_token)


class Channel(Protocol):
    """Sends deliveries over one protocol."""

    async def deliver(self, delivery: Delivery) -> None:
        """Send it; `DeliveryError` (retryable unless retrying cannot help) on failure."""
        ...


def payload_fields(message: Message) -> dict[str, Any]:
    """What templates and cards show: title, text, severity, agent, kind, subject, link, evidence, items."""
    body = message.body if isinstance(message.body, dict) else {}
    return {
        "title": message.title,
        "text": message.text,
        "severity": str(message.attributes.get("severity", "")),
        "agent": str(message.attributes.get("agent", "")),
        "kind": str(message.attributes.get("kind", "")),
        "subject_id": str(message.attributes.get("subject_id", "")),
        "link": message.field("link"),
        "recommended_action": message.field("recommended_action"),
        "evidence": _evidence_rows(body.get("evidence")),
        "items": list(body.get("items") or []),
    }


def _evidence_rows(evidence: object) -> list[tuple[str, str]]:
    if not isinstance(evidence, dict):
        return []
    rows = []
    for key, value in evidence.items():
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        rows.append((str(key), shown if len(shown) <= 300 else shown[:297] + "..."))
    return rows


def classify_response(subscription: Subscription, status: int) -> None:
    """Nothing for 2xx; a retryable `DeliveryError` for 429 and 5xx, a permanent one for other answers."""
    if 200 <= status < 300:
        return
    where = masked_endpoint(subscription)
    retryable = status == 429 or status >= 500
    raise DeliveryError(
        f"{subscription.protocol} endpoint {where} answered HTTP {status}", retryable=retryable
    )


async def post_json(
    client: httpx.AsyncClient, subscription: Subscription, body: bytes, headers: dict[str, str] | None = None
) -> None:
    """POST `body` to the subscription's endpoint; errors name the masked endpoint, never the URL."""
    try:
        response = await client.post(
            subscription.endpoint,
            content=body,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
    except httpx.HTTPError as exc:
        where = masked_endpoint(subscription)
        raise DeliveryError(
            f"{subscription.protocol} endpoint {where} unreachable ({type(exc).__name__})"
        ) from None
    classify_response(subscription, response.status_code)
