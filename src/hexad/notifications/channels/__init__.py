"""Delivery channels, one module per protocol: email (SMTP), chat (Slack, Teams), https webhooks,
queues and the in-app bell. Each implements `Channel.deliver(delivery)` and raises `DeliveryError`
(retryable or not) on failure; none logs or raises an endpoint URL or a password.
"""

from __future__ import annotations

from hexad.notifications.channels.base import Channel, Delivery, classify_response, payload_fields

__all__ = ["Channel", "Delivery", "classify_response", "payload_fields"]
