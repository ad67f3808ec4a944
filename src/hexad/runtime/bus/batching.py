"""Coalesce the queue sends of one dispatch round into `send_batch` calls (up to 10 per transaction).

The delivery loop attempts a round of deliveries concurrently; each queue or mailbox delivery asks
to send one message. Sends to the same queue made in the same event-loop turn are gathered and
stored with one `send_batch` per ten messages, in the order they were asked for, so a busy bus pays
one commit per ten messages instead of one per message (and FIFO order within a round is kept).
`send_batch` is all or none; when a batch is refused, each message is retried alone so one bad
message fails only its own delivery.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from hexad.ports.queue import OutgoingMessage

__all__ = ["BatchSender", "SendBatcher"]

_MAX_BATCH = 10


class BatchSender(Protocol):
    """The queue service's batch send."""

    async def send_batch(self, queue: str, messages: Sequence[OutgoingMessage]) -> list[str]:
        """Store 1-10 messages in one transaction; ids in order."""
        ...


class SendBatcher:
    """Gathers concurrent `send` calls per queue and flushes them together at the end of the turn."""

    def __init__(self, queues: BatchSender) -> None:
        self._queues = queues
        self._waiting: dict[str, list[tuple[OutgoingMessage, asyncio.Future[str]]]] = {}
        self._tasks: set[asyncio.Future[None]] = set()

    async def send(self, queue: str, message: OutgoingMessage) -> str:
        """Send `message` with whatever else is sent to `queue` in this turn; returns its id."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        waiting = self._waiting.setdefault(queue, [])
        waiting.append((message, future))
        if len(waiting) == 1:
            asyncio.get_running_loop().call_soon(self._flush, queue)
        return await future

    def _flush(self, queue: str) -> None:
        waiting = self._waiting.pop(queue, [])
        for start in range(0, len(waiting), _MAX_BATCH):
            task = asyncio.ensure_future(self._send(queue, waiting[start : start + _MAX_BATCH]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, queue: str, batch: list[tuple[OutgoingMessage, asyncio.Future[str]]]) -> None:
        try:
            ids = await self._queues.send_batch(queue, [message for message, _ in batch])
        except Exception as exc:  # one message may spoil the batch: send each alone so only it fails
            if len(batch) > 1:
                for item in batch:
                    await self._send(queue, [item])
            elif not batch[0][1].done():
                batch[0][1].set_exception(exc)
            return
        for (_, future), message_id in zip(batch, ids, strict=True):
            if not future.done():
                future.set_result(message_id)
