"""`QueueService`: SQS semantics once, above every queue backend.

A backend (`hexad.ports.queue.QueueBackend`) does atomic storage operations; this service adds what
must behave the same on all of them: the limits (256 KB per message including attributes, 10 per
batch or receive, timeout ranges), FIFO rules (a group id on every message; a deduplication id, or
the SHA-256 of the body when the queue has content-based deduplication), long polling, and the redrive
policy (a message received more than `max_receive_count` times goes to the dead-letter queue with its
last error instead of to a consumer).

Two deliberate extensions over SQS, both harmless to SQS-shaped callers: a `deduplication_id` is
honoured on standard queues too (so a retried delivery from the bus does not enqueue twice), and
`fail()` records the consumer's error so that a dead-lettered message says why it died.

Long polling wakes early when a message is sent through any `QueueService` in this process on the same
store (the same backend object, or a backend with the same `wakeup_key`, such as every SQLite backend
on one file); messages sent by other processes are noticed by polling the backend every
`poll_interval` seconds of the clock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import math
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from hexad.errors import NotFoundError, QueueLimitError
from hexad.ports.queue import (
    MAX_MESSAGE_BYTES,
    Message,
    OutgoingMessage,
    QueueAttributes,
    QueueBackend,
    QueueConfig,
)
from hexad.runtime.clock import Clock

__all__ = [
    "MAX_BATCH",
    "MAX_DELAY_SECONDS",
    "MAX_VISIBILITY_TIMEOUT",
    "MAX_WAIT_SECONDS",
    "QueueService",
]

MAX_BATCH = 10
MAX_DELAY_SECONDS = 900.0
MAX_VISIBILITY_TIMEOUT = 12 * 3600.0
MAX_WAIT_SECONDS = 20.0
MAX_ERROR_CHARS = 16_384
MAX_ID_CHARS = 128
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}$")
_SETTINGS = {f.name for f in dataclasses.fields(QueueConfig)} - {"name", "fifo", "dead_letter_queue"}
_REDRIVE_ROUNDS = 10
_log = logging.getLogger(__name__)


class _Wakeups:
    """Futures of long polls waiting on each queue, woken by sends in this process (any thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, set[asyncio.Future[None]]] = {}

    def register(self, queue: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with self._lock:
            self._waiting.setdefault(queue, set()).add(future)
        return future

    def unregister(self, queue: str, future: asyncio.Future[None]) -> None:
        with self._lock:
            waiting = self._waiting.get(queue)
            if waiting is not None:
                waiting.discard(future)
                if not waiting:
                    del self._waiting[queue]

    def notify(self, queue: str | None = None) -> None:
        """Wake the long polls on `queue` (None: on every queue)."""
        with self._lock:
            if queue is None:
                futures = [f for waiting in self._waiting.values() for f in waiting]
            else:
                futures = list(self._waiting.get(queue, ()))
        for future in futures:
            try:
                future.get_loop().call_soon_threadsafe(_resolve, future)
            except RuntimeError:  # its event loop has closed; the poll is gone
                continue


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_wakeups_by_backend: weakref.WeakKeyDictionary[object, _Wakeups] = weakref.WeakKeyDictionary()
_wakeups_by_key: dict[str, _Wakeups] = {}
_wakeups_lock = threading.Lock()


def _wakeups_for(backend: object) -> _Wakeups:
    """Shared by every service on this backend, or on any backend with the same `wakeup_key` (a
    backend may name the store it uses, so two backend objects on one file wake each other)."""
    key = getattr(backend, "wakeup_key", None)
    with _wakeups_lock:
        if isinstance(key, str):
            return _wakeups_by_key.setdefault(key, _Wakeups())
        try:
            return _wakeups_by_backend.setdefault(backend, _Wakeups())
        except TypeError:  # a backend that cannot be weakly referenced gets its own
            return _Wakeups()


class QueueService:
    """Durable SQS-style queues: standard and FIFO, long polling, visibility, dead-letter redrive."""

    def __init__(self, backend: QueueBackend, clock: Clock, *, poll_interval: float = 0.2) -> None:
        self._backend = backend
        self._clock = clock
        self._poll_interval = poll_interval
        self._wakeups = _wakeups_for(backend)
        self._watching = False

    # --- queues

    async def create_queue(self, config: QueueConfig) -> QueueConfig:
        """Create the queue or update its settings (idempotent). Its dead-letter queue must exist.

        A queue cannot change between standard and FIFO (its messages would break the other's rules).
        """
        _check_config(config)
        if config.dead_letter_queue is not None:
            await self._check_dead_letter_queue(config)
        await self._check_type_unchanged(config)
        await self._backend.create_queue(config)
        return config

    async def ensure_queue(
        self, name: str, *, fifo: bool = False, dead_letter_queue: str | None = None, **settings: Any
    ) -> QueueConfig:
        """The queue's settings, creating it (and its dead-letter queue, if named) when missing.

        An existing queue is returned as it is stored, whatever the arguments say. `settings` are
        `QueueConfig` fields: visibility_timeout, retention_seconds, delay_seconds, max_receive_count,
        content_based_deduplication.
        """
        unknown = sorted(set(settings) - _SETTINGS)
        if unknown:
            raise QueueLimitError(
                f"queue {name!r}: unknown setting(s) {', '.join(unknown)}; "
                f"expected {', '.join(sorted(_SETTINGS))}"
            )
        try:
            return await self._backend.get_queue(name)
        except NotFoundError:
            pass
        if dead_letter_queue is not None:
            await self.ensure_queue(dead_letter_queue, fifo=fifo)
        config = QueueConfig(name=name, fifo=fifo, dead_letter_queue=dead_letter_queue, **settings)
        return await self.create_queue(config)

    async def get_queue(self, name: str) -> QueueConfig:
        """The queue's settings; `NotFoundError` if there is no such queue."""
        return await self._backend.get_queue(name)

    async def list_queues(self) -> list[QueueConfig]:
        """Every queue, by name."""
        return await self._backend.list_queues()

    async def delete_queue(self, name: str) -> None:
        """Delete the queue and its messages; `NotFoundError` if there is no such queue."""
        await self._backend.delete_queue(name)

    # --- sending

    async def send(
        self,
        queue: str,
        body: str,
        *,
        attributes: Mapping[str, str] | None = None,
        delay_seconds: float | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> str:
        """Store one message durably and return its id (the first one's id for a duplicate)."""
        message = OutgoingMessage(body, attributes or {}, delay_seconds, group_id, deduplication_id)
        return (await self.send_batch(queue, [message]))[0]

    async def send_batch(self, queue: str, messages: Sequence[OutgoingMessage]) -> list[str]:
        """Store 1-10 messages in one transaction, all or none; ids in the order given."""
        _check_batch(queue, "send_batch", len(messages), allow_empty=False)
        config = await self._backend.get_queue(queue)
        checked = [_prepare(config, message, index, len(messages)) for index, message in enumerate(messages)]
        prepared = [message for message, _ in checked]
        total = sum(size for _, size in checked)
        if total > MAX_MESSAGE_BYTES:
            raise QueueLimitError(
                f"queue {queue!r}: the batch is {total:,} bytes (bodies and attributes); "
                f"the limit is {MAX_MESSAGE_BYTES:,} bytes (256 KB) per batch"
            )
        ids = await self._backend.send(queue, prepared, self._clock.time())
        self._wakeups.notify(queue)
        return ids

    # --- receiving

    async def receive(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        wait_seconds: float = 0.0,
        visibility_timeout: float | None = None,
    ) -> list[Message]:
        """Up to `max_messages` messages, hidden for the visibility timeout; waits up to `wait_seconds`.

        Returns as soon as at least one message is available. Messages received more than the
        queue's `max_receive_count` times go to its dead-letter queue instead of being returned.
        """
        _check_batch(queue, "max_messages", max_messages, allow_empty=False)
        _check_range(queue, "wait_seconds", wait_seconds, MAX_WAIT_SECONDS)
        if visibility_timeout is not None:
            _check_range(queue, "visibility_timeout", visibility_timeout, MAX_VISIBILITY_TIMEOUT)
        config = await self._backend.get_queue(queue)
        timeout = config.visibility_timeout if visibility_timeout is None else visibility_timeout
        deadline = self._clock.time() + wait_seconds
        while True:
            woken = self._wakeups.register(queue) if wait_seconds > 0 else None
            try:
                messages = await self._receive_now(config, max_messages, timeout)
                remaining = deadline - self._clock.time()
                if messages or remaining <= 0 or woken is None:
                    return messages
                self._watch_other_processes()
                await self._wait(woken, min(remaining, self._poll_interval))
            finally:
                if woken is not None:
                    self._wakeups.unregister(queue, woken)

    def _watch_other_processes(self) -> None:
        """Before the first wait: a backend that hears other processes' sends (PostgreSQL's
        `LISTEN`) wakes this process's long polls then, not at their next poll."""
        if not self._watching:
            self._watching = True
            watch = getattr(self._backend, "watch_sends", None)
            if watch is not None:
                watch(self._wakeups.notify)

    async def delete(self, queue: str, receipt_handle: str) -> None:
        """Delete a received message; a handle made stale by a later receive is a no-op (as in SQS)."""
        await self._backend.delete(queue, [receipt_handle])

    async def delete_batch(self, queue: str, receipt_handles: Sequence[str]) -> None:
        """Delete up to 10 received messages in one transaction."""
        _check_batch(queue, "delete_batch", len(receipt_handles), allow_empty=True)
        if receipt_handles:
            await self._backend.delete(queue, receipt_handles)

    async def change_visibility(self, queue: str, receipt_handle: str, timeout: float) -> None:
        """Hide a received message for `timeout` more seconds from now (0 makes it visible at once)."""
        _check_range(queue, "timeout", timeout, MAX_VISIBILITY_TIMEOUT)
        await self._backend.change_visibility(queue, receipt_handle, timeout, self._clock.time())
        if timeout == 0:
            self._wakeups.notify(queue)

    async def fail(self, queue: str, message: Message, error: str, *, retry_delay: float = 0.0) -> bool:
        """Record why processing `message` failed and give it back; True if it was dead-lettered.

        It becomes visible again after `retry_delay`, unless it has been received `max_receive_count`
        times and the queue has a dead-letter queue: then it moves there now, with `error`.
        `InvalidReceiptHandleError` if the message was received again meanwhile (its lease ended).
        """
        _check_range(queue, "retry_delay", retry_delay, MAX_VISIBILITY_TIMEOUT)
        config = await self._backend.get_queue(queue)
        handle = message.receipt_handle
        await self._backend.record_error(queue, handle, _truncate(error))
        if message.receive_count >= config.max_receive_count and await self._dead_letter(
            config, message, self._clock.time()
        ):
            return True
        await self._backend.change_visibility(queue, handle, retry_delay, self._clock.time())
        if retry_delay == 0:
            self._wakeups.notify(queue)
        return False

    # --- housekeeping and inspection

    async def purge(self, queue: str) -> int:
        """Delete every message of the queue (deduplication windows stay); returns how many."""
        return await self._backend.purge(queue)

    async def attributes(self, queue: str) -> QueueAttributes:
        """Approximate counts of visible, in-flight and delayed messages."""
        return await self._backend.attributes(queue, self._clock.time())

    async def peek(self, queue: str, limit: int = 10) -> list[Message]:
        """Look at the oldest live messages (any state) without receiving them; handles are empty."""
        if limit < 1:
            raise QueueLimitError(f"queue {queue!r}: peek limit must be at least 1, got {limit}")
        return await self._backend.peek(queue, limit, self._clock.time())

    async def redrive(
        self, dead_letter_queue: str, destination: str | None = None, *, limit: int | None = None
    ) -> int:
        """Move visible messages out of a dead-letter queue, to their source queue by default.

        Returns how many moved; messages whose source queue was deleted stay where they are.
        """
        source = await self._backend.get_queue(dead_letter_queue)
        if destination is not None:
            target = await self._backend.get_queue(destination)
            if target.fifo and not source.fifo:
                raise QueueLimitError(
                    f"cannot redrive standard queue {dead_letter_queue!r} into FIFO queue {destination!r}: "
                    "its messages have no group ids"
                )
        if limit is not None and limit < 1:
            raise QueueLimitError(f"redrive limit must be at least 1, got {limit}")
        moved = await self._backend.redrive(dead_letter_queue, destination, limit, self._clock.time())
        if moved:
            self._wakeups.notify(destination)
        return moved

    # --- internals

    async def _receive_now(self, config: QueueConfig, max_messages: int, timeout: float) -> list[Message]:
        """One non-blocking receive, moving over-received messages to the dead-letter queue."""
        kept: list[Message] = []
        for _ in range(_REDRIVE_ROUNDS):
            now = self._clock.time()
            received = await self._backend.receive(config.name, max_messages - len(kept), timeout, now)
            moved = 0
            for message in received:
                if _over_received(config, message) and await self._dead_letter(config, message, now):
                    moved += 1
                else:
                    kept.append(message)
            if not moved or len(kept) >= max_messages:
                break
        return kept

    async def _dead_letter(self, config: QueueConfig, message: Message, now: float) -> bool:
        """Move a received message to the queue's dead-letter queue; False if that queue is gone."""
        name = config.dead_letter_queue
        if name is None:
            return False
        try:
            await self._backend.move(config.name, message.receipt_handle, name, now)
        except NotFoundError:
            _log.warning("queue %r: dead-letter queue %r does not exist; message %s stays", config.name, name,
                         message.message_id)  # fmt: skip
            return False
        self._wakeups.notify(name)
        return True

    async def _wait(self, woken: asyncio.Future[None], seconds: float) -> None:
        """Return when `woken` resolves or `seconds` pass on the clock, whichever is first."""
        sleeper = asyncio.ensure_future(self._clock.sleep(seconds))
        try:
            await asyncio.wait({woken, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()

    async def _check_type_unchanged(self, config: QueueConfig) -> None:
        try:
            stored = await self._backend.get_queue(config.name)
        except NotFoundError:
            return
        if stored.fifo != config.fifo:
            kind = "a FIFO" if stored.fifo else "a standard"
            raise QueueLimitError(
                f"queue {config.name!r} is {kind} queue and cannot change type; delete it and create it again"
            )

    async def _check_dead_letter_queue(self, config: QueueConfig) -> None:
        name = config.dead_letter_queue
        if name == config.name:
            raise QueueLimitError(f"queue {config.name!r} cannot be its own dead-letter queue")
        try:
            target = await self._backend.get_queue(name or "")
        except NotFoundError:
            raise NotFoundError(
                f"queue {config.name!r}: dead-letter queue {name!r} does not exist; "
                "create it first or use ensure_queue"
            ) from None
        if target.fifo != config.fifo:
            kind = "FIFO" if config.fifo else "standard"
            raise QueueLimitError(
                f"queue {config.name!r}: dead-letter queue {name!r} must be a {kind} queue like its source"
            )


def _over_received(config: QueueConfig, message: Message) -> bool:
    return config.dead_letter_queue is not None and message.receive_count > config.max_receive_count


def _check_config(config: QueueConfig) -> None:
    name = config.name
    if not _NAME.match(name):
        raise QueueLimitError(
            f"queue name {name!r}: expected 1-200 letters, digits or _ . : / - "
            "starting with a letter or digit"
        )
    _check_range(name, "visibility_timeout", config.visibility_timeout, MAX_VISIBILITY_TIMEOUT)
    _check_range(name, "delay_seconds", config.delay_seconds, MAX_DELAY_SECONDS)
    if not (math.isfinite(config.retention_seconds) and config.retention_seconds > 0):
        raise QueueLimitError(
            f"queue {name!r}: retention_seconds must be positive, got {config.retention_seconds}"
        )
    if config.max_receive_count < 1:
        raise QueueLimitError(
            f"queue {name!r}: max_receive_count must be at least 1, got {config.max_receive_count}"
        )


def _check_range(queue: str, field: str, value: float, maximum: float) -> None:
    if not (math.isfinite(value) and 0 <= value <= maximum):
        raise QueueLimitError(
            f"queue {queue!r}: {field} must be between 0 and {maximum:g} seconds, got {value}"
        )


def _check_batch(queue: str, what: str, count: int, *, allow_empty: bool) -> None:
    if count > MAX_BATCH or (count < 1 and not allow_empty):
        raise QueueLimitError(
            f"queue {queue!r}: {what} takes {0 if allow_empty else 1} to {MAX_BATCH} messages, got {count}"
        )


def _size(message: OutgoingMessage) -> int:
    """Bytes SQS counts: the body plus every attribute name and value, UTF-8."""
    attributes = sum(len(k.encode()) + len(v.encode()) for k, v in message.attributes.items())
    return len(message.body.encode()) + attributes


def _prepare(
    config: QueueConfig, message: OutgoingMessage, index: int, count: int
) -> tuple[OutgoingMessage, int]:
    """Check one message against the queue's rules; fill in its delay and deduplication id.

    Returns the message to store and its size in bytes.
    """
    where = f"queue {config.name!r}" + (f", message {index + 1} of {count}" if count > 1 else "")
    if not message.body:
        raise QueueLimitError(f"{where}: the body is empty; expected at least one character")
    try:
        size = _size(message)
    except UnicodeEncodeError as exc:
        raise QueueLimitError(
            f"{where}: the body or an attribute is not valid Unicode text ({exc.reason})"
        ) from None
    if size > MAX_MESSAGE_BYTES:
        raise QueueLimitError(
            f"{where}: the message is {size:,} bytes (body and attributes); "
            f"the limit is {MAX_MESSAGE_BYTES:,} bytes (256 KB)"
        )
    delay = config.delay_seconds if message.delay_seconds is None else message.delay_seconds
    _check_range(config.name, "delay_seconds", delay, MAX_DELAY_SECONDS)
    dedup = message.deduplication_id
    if config.fifo:
        if not message.group_id:
            raise QueueLimitError(f"{where}: a FIFO queue needs a group_id on every message")
        if len(message.group_id) > MAX_ID_CHARS:
            raise QueueLimitError(f"{where}: group_id must be 1-128 characters, got {len(message.group_id)}")
        if dedup is None and config.content_based_deduplication:
            dedup = hashlib.sha256(message.body.encode()).hexdigest()
        if dedup is None:
            raise QueueLimitError(
                f"{where}: a FIFO queue needs a deduplication_id unless it has content_based_deduplication"
            )
    elif dedup is None and config.content_based_deduplication:
        dedup = hashlib.sha256(message.body.encode()).hexdigest()
    if dedup is not None and not 1 <= len(dedup) <= MAX_ID_CHARS:
        raise QueueLimitError(f"{where}: deduplication_id must be 1-128 characters, got {len(dedup)}")
    if delay == message.delay_seconds and dedup == message.deduplication_id:
        return message, size
    return OutgoingMessage(message.body, message.attributes, delay, message.group_id, dedup), size


def _truncate(error: str) -> str:
    if len(error) <= MAX_ERROR_CHARS:
        return error
    return error[:MAX_ERROR_CHARS] + f"... [{len(error) - MAX_ERROR_CHARS} more characters]"
