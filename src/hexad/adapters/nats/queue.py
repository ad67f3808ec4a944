"""The queue backend on NATS JetStream: SQS semantics on a replicated log.

The port's semantics run on the caller's clock (visibility, delays, retention and deduplication
windows are decided from the `now` each call passes), which JetStream consumers cannot follow: their
`AckWait`, `nak(delay)` and `Duplicates` window run on the server's clock. So queues are not mapped to
consumers. Each operation is one record in a JetStream stream (`hexad.adapters.nats.log`), decided by
the writer on the latest state and accepted by the server only if nothing was written in between;
every process applies the records to the same `QueueState`. That gives what the port asks for on
every backend: atomic receives (no message to two receivers), FIFO groups held while in flight,
all-or-none batches, atomic dead-letter moves and redrives, stale receipt handles, and durability of
a returned call (the server's file store). It also wakes long polls across processes for free: every
process sees every send as it is written.

Costs: writes to one queue are serialized (one record at a time, ~1 round trip each; concurrent
writers retry, waiting receivers share a record), and every process keeps all live messages in memory.
The log stays short: after `compact_after` records a queue is written whole as one snapshot record
and its older records are purged from the stream (a deleted queue's records go at once).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

from hexad.adapters.nats.lifecycle import OpenOnce
from hexad.adapters.nats.log import JetStreamLog
from hexad.adapters.nats.queue_state import QueueState, parse_handle
from hexad.adapters.shared.group_commit import GroupCommit
from hexad.errors import InvalidReceiptHandleError, NotFoundError
from hexad.ports.queue import Message, OutgoingMessage, QueueAttributes, QueueConfig

__all__ = ["DEFAULT_STREAM", "NatsQueueBackend"]

DEFAULT_STREAM = "HEXAD_QUEUES"
_MAX_SNAPSHOT_BYTES = 800_000
_MAX_RECORD_BYTES = 256 * 1024  # message bodies per shared record (NATS takes 1 MB per message)
_log = logging.getLogger(__name__)


class NatsQueueBackend:
    """`QueueBackend` on one JetStream stream (all queues of a deployment share it)."""

    def __init__(
        self, url: str = "nats://127.0.0.1:4222", *, stream: str = DEFAULT_STREAM, compact_after: int = 1000
    ) -> None:
        self.state = QueueState()
        self.log = JetStreamLog(url, stream, self.state.apply)
        self._lock = self.log.lock
        self.wakeup_key = f"nats:{url}:{stream}"
        self._life = OpenOnce(self.log.start, self.log.close)
        self.compact_after = compact_after
        self._compactions: dict[str, asyncio.Future[None]] = {}
        self._group = GroupCommit(_MAX_RECORD_BYTES)  # a queue's concurrent sends (receives...) share records

    async def start(self) -> None:
        """Connect and load the stream; every operation calls it, so calling it first is optional."""
        await self._life.start()

    async def close(self) -> None:
        await self._life.close()

    def close_sync(self) -> None:
        self._life.close_sync()

    # --- queues

    async def create_queue(self, config: QueueConfig) -> None:
        await self._life.run(
            lambda: self.log.append(config.name, lambda: {"op": "create", "config": asdict(config)})
        )

    async def get_queue(self, name: str) -> QueueConfig:
        if self._life.started:
            with self._lock:
                if self.state.has(name):
                    return self.state.config(name)

        async def get() -> QueueConfig:
            if not self.state.has(name):
                await self.log.sync()
            return self.state.config(name)

        result: QueueConfig = await self._life.run(get)
        return result

    async def list_queues(self) -> list[QueueConfig]:
        async def listing() -> list[QueueConfig]:
            await self.log.sync()
            return [self.state.queues[name].config for name in sorted(self.state.queues)]

        result: list[QueueConfig] = await self._life.run(listing)
        return result

    async def delete_queue(self, name: str) -> None:
        def decide() -> dict[str, Any]:
            self.state.config(name)
            return {"op": "delete_queue", "queue": name}

        async def delete() -> None:
            sequence: int = await self._write(name, decide)
            await self.log.purge_before(name, sequence)  # the queue's history is gone with it

        await self._life.run(delete)

    # --- messages

    async def send(self, queue: str, messages: Sequence[OutgoingMessage], now: float) -> list[str]:
        batch = list(messages)
        part = _Send(batch, now)

        async def write(parts: list[_Send]) -> list[list[str]]:
            plan = [(part.messages, part.now) for part in parts]
            outcome = await self._write(queue, lambda: self.state.plan_send(queue, plan))
            if outcome is None:  # the queue was deleted after the send was decided
                raise NotFoundError(f"queue {queue!r} does not exist")
            return list(outcome)

        result: list[str] = await self._life.run(
            lambda: self._group.join((queue, "send"), part, write, _Send.size_of)
        )
        return result

    async def receive(
        self, queue: str, max_messages: int, visibility_timeout: float, now: float
    ) -> list[Message]:
        if self._life.started:
            with self._lock:  # an idle poll answers from the tail's view, without a round trip
                if self.state.has(queue) and not self.state.any_visible(queue, now):
                    return []

        async def receive() -> list[Message]:
            if not self.state.any_visible(queue, now):
                return []
            part = _Receiver(max_messages, visibility_timeout, now)
            outcome: list[Message] = await self._group.join((queue, "receive"), part, write_receives)
            return outcome

        async def write_receives(waiting: list[_Receiver]) -> list[list[Message]]:
            def decide() -> dict[str, Any] | None:
                chosen = self.state.plan_receives(queue, [(r.limit, r.now) for r in waiting])
                parts = [
                    {"now": r.now, "keys": keys, "hide_until": r.now + r.visibility_timeout}
                    for r, keys in zip(waiting, chosen, strict=True)
                ]
                return {"op": "receive", "queue": queue, "parts": parts} if any(chosen) else None

            outcome: list[list[Message]] | None = await self.log.append(queue, decide)
            self._compact_soon(queue)
            return outcome or [[] for _ in waiting]

        result: list[Message] = await self._life.run(receive)
        return result

    async def delete(self, queue: str, receipt_handles: Sequence[str]) -> None:
        handles = list(receipt_handles)
        for handle in handles:
            parse_handle(handle)

        async def write(parts: list[list[str]]) -> list[None]:
            def decide() -> dict[str, Any] | None:
                stored = self.state.queues.get(queue)
                if stored is None:
                    return None
                every = [h for part in parts for h in part]
                current = [h for h in every if _current(stored.messages.get(parse_handle(h)), h)]
                return {"op": "delete", "queue": queue, "handles": current} if current else None

            await self.log.append(queue, decide, checked=False)
            self._compact_soon(queue)
            return [None] * len(parts)

        await self._life.run(lambda: self._group.join((queue, "delete"), handles, write))

    async def change_visibility(self, queue: str, receipt_handle: str, timeout: float, now: float) -> None:
        def decide() -> dict[str, Any]:
            self.state.current(queue, receipt_handle)
            return {"op": "visibility", "queue": queue, "handle": receipt_handle, "visible_at": now + timeout}

        await self._life.run(lambda: self._write(queue, decide))

    async def record_error(self, queue: str, receipt_handle: str, error: str) -> None:
        def decide() -> dict[str, Any]:
            self.state.current(queue, receipt_handle)
            return {"op": "error", "queue": queue, "handle": receipt_handle, "error": error}

        await self._life.run(lambda: self._write(queue, decide))

    async def move(self, source: str, receipt_handle: str, destination: str, now: float) -> None:
        def decide() -> dict[str, Any]:
            self.state.config(destination)
            self.state.current(source, receipt_handle)
            return {
                "op": "move", "source": source, "handle": receipt_handle, "destination": destination,
                "now": now,
            }  # fmt: skip

        await self._life.run(lambda: self._write(source, decide))

    async def redrive(
        self, dead_letter_queue: str, destination: str | None, limit: int | None, now: float
    ) -> int:
        def decide() -> dict[str, Any] | None:
            moves = self.state.plan_redrive(dead_letter_queue, destination, limit, now)
            return (
                {"op": "redrive", "queue": dead_letter_queue, "moves": moves, "now": now} if moves else None
            )

        result: int | None = await self._life.run(lambda: self._write(dead_letter_queue, decide))
        return result or 0

    async def purge(self, queue: str) -> int:
        def decide() -> dict[str, Any]:
            self.state.config(queue)
            return {"op": "purge", "queue": queue}

        result: int = await self._life.run(lambda: self._write(queue, decide))
        return result

    async def attributes(self, queue: str, now: float) -> QueueAttributes:
        async def read() -> QueueAttributes:
            await self.log.sync()
            return self.state.attributes(queue, now)

        result: QueueAttributes = await self._life.run(read)
        return result

    async def peek(self, queue: str, limit: int, now: float) -> list[Message]:
        async def read() -> list[Message]:
            await self.log.sync()
            return self.state.peek(queue, limit, now)

        result: list[Message] = await self._life.run(read)
        return result

    async def _write(self, queue: str, decide: Any) -> Any:
        """Append a record; a refusal on a possibly stale view (missing queue, stale handle) is
        checked again on the latest state before it is raised."""
        try:
            outcome = await self.log.append(queue, decide)
        except (NotFoundError, InvalidReceiptHandleError):
            await self.log.sync()
            outcome = await self.log.append(queue, decide)
        self._compact_soon(queue)
        return outcome

    def _compact_soon(self, queue: str) -> None:
        """Start compacting `queue`'s records when enough have piled up since its last snapshot."""
        if self.state.records_since_snapshot(queue) >= self.compact_after and queue not in self._compactions:
            self._compactions[queue] = asyncio.ensure_future(self._compact(queue))

    async def _compact(self, queue: str) -> None:
        """Write a snapshot of the queue, then purge its older records from the stream.

        A queue whose snapshot would not fit in one message (1 MB by default) waits for another
        `compact_after` records; its messages are mostly gone by then.
        """

        def decide() -> dict[str, Any] | None:
            if not self.state.has(queue) or self.state.records_since_snapshot(queue) < self.compact_after:
                return None
            too_large = self.state.snapshot_size_at_least(queue) > _MAX_SNAPSHOT_BYTES
            record = None if too_large else self.state.snapshot(queue)
            if record is None or len(json.dumps(record)) > _MAX_SNAPSHOT_BYTES:
                self.state.queues[queue].records = 0  # try again later (local bookkeeping only)
                return None
            return record

        try:
            sequence: int | None = await self.log.append(queue, decide)
            if sequence is not None:
                await self.log.purge_before(queue, sequence)
        except Exception:  # compaction is housekeeping: the next write tries again
            _log.warning("queue %r: compaction failed", queue, exc_info=True)
        finally:
            self._compactions.pop(queue, None)


@dataclass
class _Send:
    messages: list[OutgoingMessage]
    now: float

    @cached_property
    def size(self) -> int:
        """Bytes as a record carries them (JSON), so shared records stay under NATS's 1 MB."""
        return len(json.dumps([(m.body, m.attributes) for m in self.messages], ensure_ascii=False).encode())

    @staticmethod
    def size_of(part: _Send) -> int:
        return part.size


@dataclass
class _Receiver:
    limit: int
    visibility_timeout: float
    now: float


def _current(stored: Any, handle: str) -> bool:
    return stored is not None and stored.receipt_handle == handle
