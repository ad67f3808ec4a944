"""What notifications are made of: topics, subscriptions, messages, in-app notifications.

Plain frozen dataclasses that turn into JSON documents (`to_dict`) and back (`from_dict`), the form
the store keeps. Names follow SNS where SNS has one (protocol, endpoint, filter policy and its scope,
delivery policy, pending confirmation).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final, Literal, get_args

from hexad.errors import ValidationError
from hexad.notifications.retry import DeliveryPolicy

__all__ = [
    "CONFIRMED_PROTOCOLS",
    "PROTOCOLS",
    "InAppNotification",
    "Message",
    "Protocol",
    "Subscription",
    "Topic",
    "check_topic_name",
]

Protocol = Literal["email", "slack", "teams", "https", "queue", "in_app"]
PROTOCOLS: Final[tuple[str, ...]] = get_args(Protocol)
CONFIRMED_PROTOCOLS: Final = frozenset({"email", "https"})
"""Protocols whose endpoint must confirm (a link or token) before anything else is sent to it."""

_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def check_topic_name(name: str) -> str:
    """The name if it is 1-256 letters, digits, hyphens or underscores (SNS's rule), else an error."""
    if not _TOPIC_NAME.match(name):
        raise ValidationError(
            f"topic name: expected 1-256 letters, digits, hyphens or underscores, got {name!r}"
        )
    return name


@dataclass(frozen=True)
class Topic:
    """A named channel that fans every message out to its subscriptions."""

    name: str
    display_name: str = ""
    created_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Topic:
        return cls(**data)


@dataclass(frozen=True)
class Subscription:
    """One endpoint of a topic. `id` is `<topic>:<hex>`, so a topic's subscriptions share a prefix.

    `owner` is the user whose preferences gate deliveries (None: deliver whatever the policy passes).
    `secret` signs webhook deliveries (https) and is shown once, when the subscription is made.
    """

    id: str
    topic: str
    protocol: Protocol
    endpoint: str
    owner: str | None = None
    filter_policy: dict[str, Any] | None = None
    filter_scope: str = "MessageAttributes"
    delivery_policy: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    status: Literal["pending", "confirmed"] = "confirmed"
    secret: str = ""
    created_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subscription:
        policy = DeliveryPolicy(**data.pop("delivery_policy", {}))
        return cls(**data, delivery_policy=policy)

    def confirmed(self) -> Subscription:
        return replace(self, status="confirmed")

    def public(self) -> dict[str, Any]:
        """The subscription without its secret and with chat webhook URLs masked (they are secrets)."""
        data = self.to_dict()
        data.pop("secret")
        data["endpoint"] = masked_endpoint(self)
        return data


def masked_endpoint(subscription: Subscription) -> str:
    """What may be shown or logged of an endpoint: a chat or webhook URL keeps only its host."""
    if subscription.protocol in ("slack", "teams", "https"):
        host = subscription.endpoint.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
        return f"{subscription.endpoint.split('://', 1)[0]}://{host}/..."
    return subscription.endpoint


@dataclass(frozen=True)
class Message:
    """A message published to a topic: a subject, a body (JSON object or text) and attributes."""

    id: str
    topic: str
    subject: str
    body: dict[str, Any] | str
    attributes: dict[str, Any] = field(default_factory=dict)
    published_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(**data)

    def field(self, name: str, default: str = "") -> str:
        """A text field of a JSON body (title, summary, link...), else of the attributes, else `default`."""
        if isinstance(self.body, dict) and self.body.get(name) not in (None, ""):
            return str(self.body[name])
        value = self.attributes.get(name)
        return default if value is None else str(value)

    @property
    def title(self) -> str:
        return self.field("title", self.subject)

    @property
    def text(self) -> str:
        return self.body if isinstance(self.body, str) else self.field("summary", self.subject)


@dataclass(frozen=True)
class InAppNotification:
    """A notification in a user's bell: stored, pushed over the live WebSocket, marked read."""

    id: str
    user: str
    title: str
    text: str
    severity: str
    link: str
    topic: str
    message_id: str
    created_at: float
    read_at: float | None = None
    subject_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InAppNotification:
        return cls(**data)
