"""Notifications: SNS-style topics and subscriptions that carry the agents' findings to people.

A topic fans each message out to its subscriptions (`email`, `slack`, `teams`, `https`, `queue`,
`in_app`), each filtered by an SNS filter policy (`filters`) on the message attributes or body.
Deliveries go through a durable queue with per-subscription retries and a dead-letter queue
(`delivery`); email and webhook subscriptions confirm first (`service`). People's preferences
(`preferences`) choose what reaches them where, hold messages in quiet hours or for a digest, and
mute subjects with one signed link. The findings bridge (`findings`) turns agent events into
messages on the `findings` topic; `assembly.worker_service` runs it all inside `hexad worker`.
"""

from __future__ import annotations

from hexad.notifications.filters import FilterPolicy, compile_filter_policy
from hexad.notifications.model import InAppNotification, Message, Subscription, Topic
from hexad.notifications.retry import DeliveryPolicy
from hexad.notifications.service import NotificationService, PublishResult

__all__ = [
    "DeliveryPolicy",
    "FilterPolicy",
    "InAppNotification",
    "Message",
    "NotificationService",
    "PublishResult",
    "Subscription",
    "Topic",
    "compile_filter_policy",
]
