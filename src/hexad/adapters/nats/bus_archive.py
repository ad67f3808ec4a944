"""Reading the event bus archive back from its stream: one bus's `append` records, oldest first.

Archived events are not held in memory (`bus_state`); they stay in the records that put them, one
subject per bus, and are read here with direct message gets (`next_by_subj` from a sequence on: one
round trip per record, which holds up to ten events of a PutEvents call). Events of a multi-bus put
sit on the first bus's subject; the others list those records (`BusState.mixed`) and read them by
sequence, merged in order.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from hexad.adapters.nats.bus_state import event_sequence
from hexad.ports.bus import ArchivedEvent
from hexad.runtime.events import Event

__all__ = ["ArchiveReader", "archived_events", "to_archived"]

Visible = Callable[[str, int, float], bool]


class ArchiveReader:
    """Reads records of the bus stream by subject or by sequence."""

    def __init__(self, js: JetStreamContext, stream: str) -> None:
        self._js = js
        self._stream = stream

    async def records(self, subject: str, start: int) -> AsyncIterator[tuple[int, dict[str, Any]]]:
        """Records on `subject` from sequence `start` on, in stream order."""
        sequence = max(1, start)
        while True:
            try:
                msg = await self._js.get_msg(self._stream, seq=sequence, subject=subject, next=True)
            except NotFoundError:
                return
            assert msg.seq is not None and msg.data is not None
            yield msg.seq, json.loads(msg.data)
            sequence = msg.seq + 1

    async def first(self, subject: str) -> tuple[int, dict[str, Any]] | None:
        """The oldest record on `subject` (None when there is none, or no stream yet)."""
        try:
            msg = await self._js.get_msg(self._stream, seq=1, subject=subject, next=True)
        except NotFoundError:
            return None
        assert msg.seq is not None and msg.data is not None
        return msg.seq, json.loads(msg.data)

    async def record(self, sequence: int) -> dict[str, Any] | None:
        """The record at `sequence`, or None once it was purged."""
        try:
            msg = await self._js.get_msg(self._stream, seq=sequence)
        except NotFoundError:
            return None
        return json.loads(msg.data) if msg.data else None

    async def merged(
        self, subject: str, start: int, extra: Sequence[int]
    ) -> AsyncIterator[tuple[int, dict[str, Any]]]:
        """Records on `subject` from `start` on, merged in order with the records at `extra`."""
        pending = sorted(sequence for sequence in extra if sequence >= start)
        async for sequence, record in self.records(subject, start):
            while pending and pending[0] < sequence:
                other_sequence = pending.pop(0)
                other = await self.record(other_sequence)
                if other is not None:
                    yield other_sequence, other
            yield sequence, record
        for other_sequence in pending:
            other = await self.record(other_sequence)
            if other is not None:
                yield other_sequence, other

    async def last(self, subject: str) -> tuple[int, dict[str, Any]] | None:
        """The newest record on `subject`."""
        try:
            msg = await self._js.get_last_msg(self._stream, subject)
        except NotFoundError:
            return None
        assert msg.seq is not None and msg.data is not None
        return msg.seq, json.loads(msg.data)


def archived_events(
    bus: str, sequence: int, record: dict[str, Any], visible: Visible
) -> list[tuple[int, float, float, str]]:
    """(archive sequence, received_at, event time, event JSON) of `bus`'s visible events in a record."""
    if record.get("op") != "append" or not record.get("archive", True):
        return []
    return [
        (event_sequence(sequence, index), received_at, time, body)
        for index, (event_bus, received_at, time, body) in enumerate(record["events"])
        if event_bus == bus and visible(bus, sequence, received_at)
    ]


def to_archived(bus: str, rows: list[tuple[int, float, float, str]]) -> list[ArchivedEvent]:
    """Rows of `archived_events` as the port's `ArchivedEvent`s."""
    return [
        ArchivedEvent(bus, Event.from_json(body), received_at, sequence)
        for sequence, received_at, _, body in rows
    ]
