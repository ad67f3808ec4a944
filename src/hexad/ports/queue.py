"""The queue port: SQS semantics that every queue backend (SQLite, PostgreSQL, NATS) provides.

A backend implements only the atomic operations below; `hexad.runtime.queues.QueueService` adds the
shared semantics on top once for all backends (size limits, long polling, redrive on
`max_receive_count`, content-based deduplication ids), the way dramatiq keeps blocking and backoff in
its public methods. All times are seconds since the epoch from the caller's clock, so tests can move
time by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "DEDUPLICATION_WINDOW_SECONDS",
    "DEFAULT_MAX_RECEIVE_COUNT",
    "DEFAULT_RETENTION_SECONDS",
    "DEFAULT_VISIBILITY_TIMEOUT",
    "MAX_MESSAGE_BYTES",
    "Message",
    "OutgoingMessage",
    "QueueAttributes",
    "QueueBackend",
    "QueueConfig",
]

DEFAULT_VISIBILITY_TIMEOUT = 300.0
DEFAULT_RETENTION_SECONDS = 14 * 24 * 3600.0
DEFAULT_MAX_RECEIVE_COUNT = 3
DEDUPLICATION_WINDOW_SECONDS = 300.0
MAX_MESSAGE_BYTES = 256 * 1024


@dataclass(frozen=True)
class QueueConfig:
    """A queue's settings; a `.fifo` name suffix is not required, `fifo=True` is what counts."""

    name: str
    fifo: bool = False
    visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT
    retention_seconds: float = DEFAULT_RETENTION_SECONDS
    delay_seconds: float = 0.0
    dead_letter_queue: str | None = None
    max_receive_count: int = DEFAULT_MAX_RECEIVE_COUNT
    content_based_deduplication: bool = False


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to send. FIFO queues need `group_id`, and a `deduplication_id` unless content-based."""

    body: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    delay_seconds: float | None = None
    group_id: str | None = None
    deduplication_id: str | None = None


@dataclass(frozen=True)
class Message:
    """A received message. `receipt_handle` changes on every receive and is what delete needs."""

    message_id: str
    body: str
    attributes: Mapping[str, str]
    receipt_handle: str
    receive_count: int
    sent_at: float
    group_id: str | None = None
    last_error: str | None = None
    source_queue: str | None = None  # set on a dead-lettered message: the queue it came from
    deduplication_id: str | None = None


@dataclass(frozen=True)
class QueueAttributes:
    """Approximate counts, as SQS reports them."""

    visible: int
    in_flight: int
    delayed: int


class QueueBackend(Protocol):
    """Atomic queue operations; each call is one transaction on the backend."""

    async def create_queue(self, config: QueueConfig) -> None:
        """Create the queue, or update its settings if it exists."""
        ...

    async def get_queue(self, name: str) -> QueueConfig:
        """The queue's settings; `NotFoundError` if there is no such queue."""
        ...

    async def list_queues(self) -> list[QueueConfig]:
        """Every queue, by name."""
        ...

    async def delete_queue(self, name: str) -> None:
        """Delete the queue and its messages."""
        ...

    async def send(self, queue: str, messages: Sequence[OutgoingMessage], now: float) -> list[str]:
        """Store messages (all or none); a duplicate within the dedup window returns the first's id."""
        ...

    async def receive(
        self, queue: str, max_messages: int, visibility_timeout: float, now: float
    ) -> list[Message]:
        """Take up to `max_messages` visible messages, hiding them until `now + visibility_timeout`.

        Never blocks; FIFO backends skip groups that have a message in flight and return one group's
        messages in order. Messages past retention are dropped, not returned.
        """
        ...

    async def delete(self, queue: str, receipt_handles: Sequence[str]) -> None:
        """Delete received messages in one transaction; a stale handle (re-received or gone) is a no-op.

        `QueueError` for a handle this backend never issued (malformed).
        """
        ...

    async def change_visibility(self, queue: str, receipt_handle: str, timeout: float, now: float) -> None:
        """Make a received message visible again at `now + timeout` (0 = at once).

        `QueueError` if the handle is not the message's current one (deleted or received again).
        """
        ...

    async def record_error(self, queue: str, receipt_handle: str, error: str) -> None:
        """Remember the last processing error of a received message (kept through dead-lettering)."""
        ...

    async def move(self, source: str, receipt_handle: str, destination: str, now: float) -> None:
        """Move a received message to another queue atomically (dead-lettering it).

        It keeps its id, body, attributes, group, sent time and last error, remembers `source`, and is
        visible at once with a receive count of 0.
        """
        ...

    async def redrive(
        self, dead_letter_queue: str, destination: str | None, limit: int | None, now: float
    ) -> int:
        """Move visible messages of a dead-letter queue back, oldest first; returns how many moved.

        They go to `destination`, or (None) each to the queue it came from, in one transaction;
        messages whose source queue no longer exists stay. Moved messages are visible at once with a
        receive count of 0.
        """
        ...

    async def purge(self, queue: str) -> int:
        """Delete every message; returns how many."""
        ...

    async def attributes(self, queue: str, now: float) -> QueueAttributes:
        """Counts of visible, in-flight and delayed messages."""
        ...

    async def peek(self, queue: str, limit: int, now: float) -> list[Message]:
        """Look at live messages, oldest first, in any state, without receiving them (empty handles)."""
        ...
