"""The notification errors, under Hexad's one exception tree (messages say what was expected)."""

from __future__ import annotations

from hexad.errors import HexadError, NotFoundError, ValidationError

__all__ = [
    "DeliveryError",
    "InvalidFilterPolicy",
    "InvalidLinkError",
    "NotificationError",
    "SubscriptionNotFoundError",
    "TopicNotFoundError",
]


class NotificationError(HexadError):
    """Base of the notification errors."""


class InvalidFilterPolicy(NotificationError, ValidationError):  # noqa: N818 - reads as the pattern one
    """A subscription's filter policy is not valid; the message starts with the JSON path at fault."""

    exit_code = 2


class InvalidLinkError(NotificationError, ValidationError):
    """A confirmation or mute link is forged, for another purpose, or expired."""


class TopicNotFoundError(NotificationError, NotFoundError):
    """No topic has that name."""


class SubscriptionNotFoundError(NotificationError, NotFoundError):
    """No subscription has that id."""


class DeliveryError(NotificationError):
    """A channel could not deliver; `retryable` is False when retrying cannot help (a 4xx answer)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable
