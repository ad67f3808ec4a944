"""The queues' state machine: every process rebuilds the same state from the JetStream log.

`NatsQueueBackend` writes one record per operation to a stream, and every process applies the stream's
records in order to a `QueueState`. Applying is deterministic (no clock, no randomness: times, ids and
choices are in the records, message keys and receipt handles come from counters and stream sequences),
so all processes agree. The writer decides an operation against its own view and the server accepts
the record only if no other record came in between (`Nats-Expected-Last-Sequence`), which makes every
operation atomic, across queues too (dead-lettering, redrive).

This module holds no I/O: `plan_*` methods decide what a record says (raising the port's errors), and
`apply` executes a record and returns its outcome.
"""

from __future__ import annotations

import heapq
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from hexad.errors import InvalidReceiptHandleError, NotFoundError, RuntimeStoreError
from hexad.ports.queue import (
    DEDUPLICATION_WINDOW_SECONDS,
    Message,
    OutgoingMessage,
    QueueAttributes,
    QueueConfig,
)

__all__ = ["QueueState", "parse_handle"]

_SWEEP_INTERVAL = 60.0


@dataclass
class _Stored:
    """One live message."""

    key: int  # arrival order in its queue (a global counter)
    message_id: str
    body: str
    attributes: dict[str, str]
    group_id: str | None
    deduplication_id: str | None
    sent_at: float
    visible_at: float
    receive_count: int = 0
    receipt_handle: str | None = None
    last_error: str | None = None
    source_queue: str | None = None

    def message(self, *, with_handle: bool = True) -> Message:
        return Message(
            message_id=self.message_id,
            body=self.body,
            attributes=dict(self.attributes),
            receipt_handle=(self.receipt_handle or "") if with_handle else "",
            receive_count=self.receive_count,
            sent_at=self.sent_at,
            group_id=self.group_id,
            last_error=self.last_error,
            source_queue=self.source_queue,
            deduplication_id=self.deduplication_id,
        )


@dataclass
class _Queue:
    config: QueueConfig
    messages: dict[int, _Stored] = field(default_factory=dict)  # by key, in arrival order
    ready: list[tuple[float, int]] = field(default_factory=list)  # heap of (visible_at, key), lazy
    groups: dict[str, deque[int]] = field(default_factory=dict)  # FIFO: a group's keys in order
    windows: dict[str, tuple[str, float]] = field(default_factory=dict)  # dedup id -> (id, end)
    swept_at: float = float("-inf")
    records: int = 0  # records of this queue applied since its last snapshot
    body_bytes: int = 0  # of the live messages' bodies: a snapshot's size without building it

    def add(self, stored: _Stored) -> None:
        self.messages[stored.key] = stored
        self.body_bytes += len(stored.body)
        heapq.heappush(self.ready, (stored.visible_at, stored.key))
        if stored.group_id is not None:
            self.groups.setdefault(stored.group_id, deque()).append(stored.key)

    def remove(self, key: int) -> _Stored:
        stored = self.messages.pop(key)
        self.body_bytes -= len(stored.body)
        if stored.group_id is not None:
            keys = self.groups[stored.group_id]
            if keys and keys[0] == key:
                keys.popleft()
            else:
                keys.remove(key)
            if not keys:
                del self.groups[stored.group_id]
        return stored

    def hide(self, stored: _Stored, visible_at: float) -> None:
        stored.visible_at = visible_at
        heapq.heappush(self.ready, (visible_at, stored.key))

    def live(self, stored: _Stored, now: float) -> bool:
        return stored.sent_at > now - self.config.retention_seconds


def message_key(sequence: int, index: int) -> int:
    """A message's key: the stream sequence of the record that put it in its queue, and its place in
    that record. Keys grow in arrival order and need no counter, so a compacted log gives the same."""
    return (sequence << 20) | index


def parse_handle(receipt_handle: str) -> int:
    """The message key in a receipt handle; `InvalidReceiptHandleError` if this backend never issued it."""
    head, _, tail = receipt_handle.partition(".")
    if not head.isdigit() or not tail.isdigit():
        raise InvalidReceiptHandleError(
            f"receipt handle {receipt_handle!r} is not valid: expected one returned by receive"
        )
    return int(head)


def stale_handle(queue: str, receipt_handle: str) -> InvalidReceiptHandleError:
    return InvalidReceiptHandleError(
        f"queue {queue!r}: receipt handle {receipt_handle!r} is not current: the message was deleted, "
        "received again or moved"
    )


def _missing(name: str) -> NotFoundError:
    return NotFoundError(f"queue {name!r} does not exist")


class QueueState:
    """Every queue and live message, as of the last applied record."""

    def __init__(self) -> None:
        self.queues: dict[str, _Queue] = {}

    # --- reads

    def config(self, name: str) -> QueueConfig:
        return self._queue(name).config

    def has(self, name: str) -> bool:
        return name in self.queues

    def any_visible(self, name: str, now: float) -> bool:
        queue = self._queue(name)
        return bool(queue.ready) and queue.ready[0][0] <= now

    def attributes(self, name: str, now: float) -> QueueAttributes:
        queue = self._queue(name)
        visible = in_flight = delayed = 0
        for stored in queue.messages.values():
            if not queue.live(stored, now):
                continue
            if stored.visible_at <= now:
                visible += 1
            elif stored.receive_count > 0:
                in_flight += 1
            else:
                delayed += 1
        return QueueAttributes(visible=visible, in_flight=in_flight, delayed=delayed)

    def peek(self, name: str, limit: int, now: float) -> list[Message]:
        queue = self._queue(name)
        found: list[Message] = []
        for stored in queue.messages.values():
            if len(found) == limit:
                break
            if queue.live(stored, now):
                found.append(stored.message(with_handle=False))
        return found

    def current(self, name: str, receipt_handle: str) -> _Stored:
        """The received message `receipt_handle` points at; `InvalidReceiptHandleError` if stale."""
        key = parse_handle(receipt_handle)
        stored = self._queue(name).messages.get(key)
        if stored is None or stored.receipt_handle != receipt_handle:
            raise stale_handle(name, receipt_handle)
        return stored

    # --- plans: what a record will say, decided against this state

    def plan_send(self, name: str, parts: list[tuple[list[OutgoingMessage], float]]) -> dict[str, Any]:
        """One record for several callers' send batches (`(messages, now)` each), in order.

        Deduplication spans the parts: a later part's duplicate of an earlier one gets its id.
        """
        queue = self._queue(name)
        known: dict[str, tuple[str, float]] = {}  # windows opened by earlier parts of this record
        planned: list[dict[str, Any]] = []
        for messages, now in parts:
            ids: list[str] = []
            new: list[dict[str, Any]] = []
            for message in messages:
                dedup = message.deduplication_id
                window = (known.get(dedup) or queue.windows.get(dedup)) if dedup is not None else None
                if window is not None and window[1] > now:
                    ids.append(window[0])
                    continue
                message_id = str(uuid.uuid4())
                new.append(
                    {
                        "message_id": message_id,
                        "body": message.body,
                        "attributes": dict(message.attributes),
                        "group_id": message.group_id,
                        "deduplication_id": dedup,
                        "visible_at": now + (message.delay_seconds or 0.0),
                    }
                )
                if dedup is not None:
                    known[dedup] = (message_id, now + DEDUPLICATION_WINDOW_SECONDS)
                ids.append(message_id)
            planned.append({"now": now, "messages": new, "ids": ids})
        return {"op": "send", "queue": name, "parts": planned}

    def plan_receives(self, name: str, requests: list[tuple[int, float]]) -> list[list[int]]:
        """Keys for several receivers in one record (`(limit, now)` each, served in order): up to each
        limit of visible messages, none to two receivers. FIFO queues give whole groups first, oldest
        head first, and a group to one receiver at a time."""
        queue = self._queue(name)
        if queue.config.fifo:
            chosen: list[list[int]] = []
            busy: set[str | None] = set()
            for limit, now in requests:
                keys = self._fifo_choice(queue, limit, now, busy)
                busy.update(queue.messages[key].group_id for key in keys)
                chosen.append(keys)
            return chosen
        return self._standard_choice(queue, requests)

    @staticmethod
    def _standard_choice(queue: _Queue, requests: list[tuple[int, float]]) -> list[list[int]]:
        """One walk down the heap for every receiver; the heap is restored after (this only plans)."""
        chosen = []
        popped: list[tuple[float, int]] = []
        for limit, now in requests:
            keys: list[int] = []
            while queue.ready and queue.ready[0][0] <= now and len(keys) < limit:
                entry = heapq.heappop(queue.ready)
                stored = queue.messages.get(entry[1])
                if stored is None or stored.visible_at != entry[0]:
                    continue  # a stale heap entry: dropped for good
                popped.append(entry)
                if queue.live(stored, now):
                    keys.append(stored.key)
            chosen.append(keys)
        for entry in popped:
            heapq.heappush(queue.ready, entry)
        return chosen

    def _fifo_choice(self, queue: _Queue, limit: int, now: float, busy: set[str | None]) -> list[int]:
        heads = sorted(
            (keys[0], group)
            for group, keys in queue.groups.items()
            if group not in busy and self._available(queue, keys, now)
        )
        chosen: list[int] = []
        for _, group in heads:
            for key in queue.groups[group]:
                stored = queue.messages[key]
                if stored.visible_at > now or len(chosen) == limit:
                    break
                if queue.live(stored, now):
                    chosen.append(key)
            if len(chosen) == limit:
                break
        return chosen

    @staticmethod
    def _available(queue: _Queue, keys: deque[int], now: float) -> bool:
        """A group can give messages when its first live message is visible."""
        for key in keys:
            stored = queue.messages[key]
            if queue.live(stored, now):
                return stored.visible_at <= now
        return False

    def plan_redrive(
        self, dead_letter_queue: str, destination: str | None, limit: int | None, now: float
    ) -> list[tuple[int, str]]:
        queue = self._queue(dead_letter_queue)
        moves: list[tuple[int, str]] = []
        for stored in queue.messages.values():
            if limit is not None and len(moves) == limit:
                break
            if stored.visible_at > now or not queue.live(stored, now):
                continue
            target = destination or stored.source_queue
            if target is not None and target in self.queues:
                moves.append((stored.key, target))
        return moves

    # --- apply

    def apply(self, sequence: int, record: dict[str, Any]) -> Any:
        """Execute one record of the log (at stream `sequence`); returns the operation's outcome."""
        op = record.get("op")
        handler = getattr(self, f"_apply_{op}", None)
        if handler is None:
            raise RuntimeStoreError(f"queue log record {sequence}: unknown operation {op!r}")
        outcome = handler(sequence, record)
        queue = self.queues.get(record.get("queue") or record.get("source") or "")
        if queue is not None:
            queue.records += 1
        return outcome

    # --- compaction

    def records_since_snapshot(self, name: str) -> int:
        queue = self.queues.get(name)
        return queue.records if queue is not None else 0

    def snapshot_size_at_least(self, name: str) -> int:
        """A lower bound of the snapshot's size in bytes, without building it."""
        queue = self._queue(name)
        return queue.body_bytes + 100 * len(queue.messages)

    def snapshot(self, name: str) -> dict[str, Any]:
        """The queue's whole state as a record; applying it replaces the queue (older records may go)."""
        queue = self._queue(name)
        return {
            "op": "snapshot",
            "queue": name,
            "config": asdict(queue.config),
            "messages": [asdict(stored) for stored in queue.messages.values()],
            "windows": {dedup: list(window) for dedup, window in queue.windows.items()},
            "swept_at": queue.swept_at if queue.swept_at != float("-inf") else None,
        }

    def _apply_snapshot(self, sequence: int, record: dict[str, Any]) -> int:
        queue = _Queue(QueueConfig(**record["config"]))
        for fields in record["messages"]:
            queue.add(_Stored(**fields))
        queue.windows = {dedup: (window[0], window[1]) for dedup, window in record["windows"].items()}
        queue.swept_at = record["swept_at"] if record["swept_at"] is not None else float("-inf")
        queue.records = -1  # `apply` counts the snapshot itself
        self.queues[record["queue"]] = queue
        return sequence

    def _apply_create(self, sequence: int, record: dict[str, Any]) -> None:
        config = QueueConfig(**record["config"])
        existing = self.queues.get(config.name)
        if existing is None:
            self.queues[config.name] = _Queue(config)
        else:
            existing.config = config

    def _apply_delete_queue(self, sequence: int, record: dict[str, Any]) -> int:
        self.queues.pop(record["queue"], None)
        return sequence

    def _apply_send(self, sequence: int, record: dict[str, Any]) -> list[list[str]] | None:
        """Several callers' batches in one record (`parts`, or the record itself when written whole
        by an earlier version); the message ids of each part, None if the queue is gone."""
        queue = self.queues.get(record["queue"])
        parts: list[dict[str, Any]] = record.get("parts") or [record]
        if queue is None:
            return None
        index = 0
        for part in parts:
            now = part["now"]
            self._sweep(queue, now)
            for item in part["messages"]:
                message_id = item["message_id"]
                queue.add(
                    _Stored(
                        key=message_key(sequence, index),
                        message_id=message_id,
                        body=item["body"],
                        attributes=item["attributes"],
                        group_id=item["group_id"],
                        deduplication_id=item["deduplication_id"],
                        sent_at=now,
                        visible_at=item["visible_at"],
                    )
                )
                index += 1
                if item["deduplication_id"] is not None:
                    end = now + DEDUPLICATION_WINDOW_SECONDS
                    queue.windows[item["deduplication_id"]] = (message_id, end)
        return [list(part["ids"]) for part in parts]

    def _apply_receive(self, sequence: int, record: dict[str, Any]) -> list[list[Message]]:
        """Several receivers' receives in one record (`parts`); one list of messages per part."""
        queue = self.queues.get(record["queue"])
        if queue is None:
            return [[] for _ in record["parts"]]
        self._sweep(queue, record["parts"][0]["now"])
        outcome: list[list[Message]] = []
        for part in record["parts"]:
            received: list[Message] = []
            for key in part["keys"]:
                stored = queue.messages.get(key)
                if stored is None:
                    continue
                stored.receive_count += 1
                stored.receipt_handle = f"{key}.{sequence}"
                queue.hide(stored, part["hide_until"])
                received.append(stored.message())
            outcome.append(received)
        return outcome

    def _apply_delete(self, sequence: int, record: dict[str, Any]) -> None:
        queue = self.queues.get(record["queue"])
        if queue is None:
            return
        for handle in record["handles"]:
            stored = queue.messages.get(parse_handle(handle))
            if stored is not None and stored.receipt_handle == handle:
                queue.remove(stored.key)

    def _apply_visibility(self, sequence: int, record: dict[str, Any]) -> None:
        queue = self.queues.get(record["queue"])
        stored = queue.messages.get(parse_handle(record["handle"])) if queue else None
        if queue is not None and stored is not None and stored.receipt_handle == record["handle"]:
            queue.hide(stored, record["visible_at"])

    def _apply_error(self, sequence: int, record: dict[str, Any]) -> None:
        queue = self.queues.get(record["queue"])
        stored = queue.messages.get(parse_handle(record["handle"])) if queue else None
        if stored is not None and stored.receipt_handle == record["handle"]:
            stored.last_error = record["error"]

    def _apply_move(self, sequence: int, record: dict[str, Any]) -> None:
        source = self.queues.get(record["source"])
        destination = self.queues.get(record["destination"])
        stored = source.messages.get(parse_handle(record["handle"])) if source else None
        if source is None or destination is None or stored is None:
            return
        if stored.receipt_handle != record["handle"]:
            return
        self._transfer(
            source,
            stored.key,
            destination,
            record["now"],
            message_key(sequence, 0),
            source_queue=record["source"],
        )

    def _apply_redrive(self, sequence: int, record: dict[str, Any]) -> int:
        source = self.queues.get(record["queue"])
        moved = 0
        for index, (key, target) in enumerate(record["moves"]):
            destination = self.queues.get(target)
            if source is None or destination is None or key not in source.messages:
                continue
            self._transfer(
                source, key, destination, record["now"], message_key(sequence, index), source_queue=None
            )
            moved += 1
        return moved

    def _apply_purge(self, sequence: int, record: dict[str, Any]) -> int:
        queue = self.queues.get(record["queue"])
        if queue is None:
            return 0
        count = len(queue.messages)
        queue.messages.clear()
        queue.body_bytes = 0
        queue.ready.clear()
        queue.groups.clear()
        return count

    def _transfer(
        self,
        source: _Queue,
        key: int,
        destination: _Queue,
        now: float,
        new_key: int,
        *,
        source_queue: str | None,
    ) -> None:
        stored = source.remove(key)
        fields = asdict(stored)
        fields.update(
            key=new_key, visible_at=now, receive_count=0, receipt_handle=None, source_queue=source_queue
        )
        destination.add(_Stored(**fields))

    def _sweep(self, queue: _Queue, now: float) -> None:
        """Drop expired messages and ended deduplication windows, at most once a minute of record time."""
        if now - queue.swept_at < _SWEEP_INTERVAL:
            return
        queue.swept_at = now
        for stored in [s for s in queue.messages.values() if not queue.live(s, now)]:
            queue.remove(stored.key)
        queue.windows = {dedup: window for dedup, window in queue.windows.items() if window[1] > now}
        queue.ready = [(at, key) for at, key in queue.ready if key in queue.messages]
        heapq.heapify(queue.ready)

    def _queue(self, name: str) -> _Queue:
        queue = self.queues.get(name)
        if queue is None:
            raise _missing(name)
        return queue
