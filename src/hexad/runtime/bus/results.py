"""What `EventBus` answers: PutEvents' per-entry results and a replay's summary."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PutEventsResult", "PutEventsResultEntry", "ReplayResult"]


@dataclass(frozen=True)
class PutEventsResultEntry:
    """One entry's outcome: an `event_id`, or an `error_code` and `error_message`."""

    event_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class PutEventsResult:
    """PutEvents' answer: one result per entry, in order, and how many failed."""

    failed_entry_count: int
    entries: list[PutEventsResultEntry]


@dataclass(frozen=True)
class ReplayResult:
    """A replay's name (the events' `replay-name`), the events it re-sent and the deliveries queued."""

    replay_name: str
    events_replayed: int
    deliveries: int
    rules: tuple[str, ...]
