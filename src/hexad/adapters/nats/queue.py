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

Costs: writes are serialized per stream (one record at a time, ~1 round trip each; concurrent writers
retry), every process keeps all live messages in memory, and the stream grows until it is compacted
(not done yet: delete the stream of a drained namespace, or see docs/backends.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from hexad.adapters.nats.log import JetStreamLog
from hexad.adapters.nats.loop import call, call_sync
from hexad.adapters.nats.queue_state import QueueState, parse_handle
from hexad.errors import InvalidReceiptHandleError, NotFoundError
from hexad.ports.queue import Message, OutgoingMessage, QueueAttributes, QueueConfig

__all__ = ["DEFAULT_STREAM", "NatsQueueBackend"]

DEFAULT_STREAM = "HEXAD_QUEUES"


class NatsQueueBackend:
    """`QueueBackend` on one JetStream stream (all queues of a deployment share it)."""

    def __init__(self, url: str = "nats://127.0.0.1:4222", *, stream: str = DEFAULT_STREAM) -> None:
        self.state = QueueState()
        self.log = JetStreamLog(url, stream, self.state.apply)
        self._lock = self.log.lock
        self.wakeup_key = f"nats:{url}:{stream}"
        self._started = False
        self._receivers: dict[str, list[_Receiver]] = {}  # waiting receives, served together
        self._draining: dict[str, asyncio.Future[None]] = {}

    async def start(self) -> None:
        """Connect and load the stream; every operation calls it, so calling it first is optional."""
        if not self._started:
            await call(self._start())

    async def _start(self) -> None:
        if not self._started:
            await self.log.start()
            self._started = True

    async def close(self) -> None:
        if self._started:
            await call(self.log.close())
            self._started = False

    def close_sync(self) -> None:
        if self._started:
            call_sync(self.log.close(), 10)
            self._started = False

    async def _run(self, operation: Any) -> Any:
        async def run() -> Any:
            await self._start()
            return await operation()

        return await call(run())

    # --- queues

    async def create_queue(self, config: QueueConfig) -> None:
        await self._run(
            lambda: self.log.append(config.name, lambda: {"op": "create", "config": asdict(config)})
        )

    async def get_queue(self, name: str) -> QueueConfig:
        if self._started:
            with self._lock:
                if self.state.has(name):
                    return self.state.config(name)

        async def get() -> QueueConfig:
            if not self.state.has(name):
                await self.log.sync()
            return self.state.config(name)

        result: QueueConfig = await self._run(get)
        return result

    async def list_queues(self) -> list[QueueConfig]:
        async def listing() -> list[QueueConfig]:
            await self.log.sync()
            return [self.state.queues[name].config for name in sorted(self.state.queues)]

        result: list[QueueConfig] = await self._run(listing)
        return result

    async def delete_queue(self, name: str) -> None:
        def decide() -> dict[str, Any]:
            self.state.config(name)
            return {"op": "delete_queue", "queue": name}

        await self._run(lambda: self._write(name, decide))

    # --- messages

    async def send(self, queue: str, messages: Sequence[OutgoingMessage], now: float) -> list[str]:
        batch = list(messages)
        result: list[str] = await self._run(
            lambda: self._write(queue, lambda: self.state.plan_send(queue, batch, now))
        )
        return result

    async def receive(
        self, queue: str, max_messages: int, visibility_timeout: float, now: float
    ) -> list[Message]:
        if self._started:
            with self._lock:  # an idle poll answers from the tail's view, without a round trip
                if self.state.has(queue) and not self.state.any_visible(queue, now):
                    return []

        async def receive() -> list[Message]:
            if not self.state.any_visible(queue, now):
                return []
            waiting: asyncio.Future[list[Message]] = asyncio.get_running_loop().create_future()
            self._receivers.setdefault(queue, []).append(
                _Receiver(max_messages, visibility_timeout, now, waiting)
            )
            if queue not in self._draining:
                self._draining[queue] = asyncio.ensure_future(self._drain_receivers(queue))
            return await waiting

        result: list[Message] = await self._run(receive)
        return result

    async def _drain_receivers(self, queue: str) -> None:
        """Serve every receiver waiting on `queue` with one record per round (group receive)."""
        try:
            while waiting := self._receivers.pop(queue, []):

                def decide(waiting: list[_Receiver] = waiting) -> dict[str, Any] | None:
                    taken: set[int] = set()
                    parts: list[dict[str, Any]] = []
                    for receiver in waiting:
                        keys = self.state.plan_receive(queue, receiver.limit, receiver.now, taken)
                        taken.update(keys)
                        hide_until = receiver.now + receiver.visibility_timeout
                        parts.append({"now": receiver.now, "keys": keys, "hide_until": hide_until})
                    return {"op": "receive", "queue": queue, "parts": parts} if taken else None

                try:
                    outcome: list[list[Message]] | None = await self.log.append(queue, decide)
                except Exception as error:
                    for receiver in waiting:
                        if not receiver.future.done():
                            receiver.future.set_exception(error)
                    continue
                for index, receiver in enumerate(waiting):
                    if not receiver.future.done():
                        receiver.future.set_result(outcome[index] if outcome else [])
        finally:
            self._draining.pop(queue, None)

    async def delete(self, queue: str, receipt_handles: Sequence[str]) -> None:
        handles = list(receipt_handles)
        for handle in handles:
            parse_handle(handle)

        def decide() -> dict[str, Any] | None:
            stored = self.state.queues.get(queue)
            if stored is None:
                return None
            current = [h for h in handles if _current(stored.messages.get(parse_handle(h)), h)]
            return {"op": "delete", "queue": queue, "handles": current} if current else None

        await self._run(lambda: self.log.append(queue, decide, checked=False))

    async def change_visibility(self, queue: str, receipt_handle: str, timeout: float, now: float) -> None:
        def decide() -> dict[str, Any]:
            self.state.current(queue, receipt_handle)
            return {"op": "visibility", "queue": queue, "handle": receipt_handle, "visible_at": now + timeout}

        await self._run(lambda: self._write(queue, decide))

    async def record_error(self, queue: str, receipt_handle: str, error: str) -> None:
        def decide() -> dict[str, Any]:
            self.state.current(queue, receipt_handle)
            return {"op": "error", "queue": queue, "handle": receipt_handle, "error": error}

        await self._run(lambda: self._write(queue, decide))

    async def move(self, source: str, receipt_handle: str, destination: str, now: float) -> None:
        def decide() -> dict[str, Any]:
            self.state.config(destination)
            self.state.current(source, receipt_handle)
            return {
                "op": "move", "source": source, "handle": receipt_handle, "destination": destination,
                "now": now,
            }  # fmt: skip

        await self._run(lambda: self._write(source, decide))

    async def redrive(
        self, dead_letter_queue: str, destination: str | None, limit: int | None, now: float
    ) -> int:
        def decide() -> dict[str, Any] | None:
            moves = self.state.plan_redrive(dead_letter_queue, destination, limit, now)
            return (
                {"op": "redrive", "queue": dead_letter_queue, "moves": moves, "now": now} if moves else None
            )

        result: int | None = await self._run(lambda: self._write(dead_letter_queue, decide))
        return result or 0

    async def purge(self, queue: str) -> int:
        def decide() -> dict[str, Any]:
            self.state.config(queue)
            return {"op": "purge", "queue": queue}

        result: int = await self._run(lambda: self._write(queue, decide))
        return result

    async def attributes(self, queue: str, now: float) -> QueueAttributes:
        async def read() -> QueueAttributes:
            await self.log.sync()
            return self.state.attributes(queue, now)

        result: QueueAttributes = await self._run(read)
        return result

    async def peek(self, queue: str, limit: int, now: float) -> list[Message]:
        async def read() -> list[Message]:
            await self.log.sync()
            return self.state.peek(queue, limit, now)

        result: list[Message] = await self._run(read)
        return result

    async def _write(self, queue: str, decide: Any) -> Any:
        """Append a record; a refusal on a possibly stale view (missing queue, stale handle) is
        checked again on the latest state before it is raised."""
        try:
            return await self.log.append(queue, decide)
        except (NotFoundError, InvalidReceiptHandleError):
            await self.log.sync()
            return await self.log.append(queue, decide)


@dataclass
class _Receiver:
    limit: int
    visibility_timeout: float
    now: float
    future: asyncio.Future[list[Message]]


def _current(stored: Any, handle: str) -> bool:
    return stored is not None and stored.receipt_handle == handle
