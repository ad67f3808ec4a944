"""Queue rows on any SQL backend: configs and messages from columns, receipt handles checked once.

A receipt handle is `<seq>.<random>` on both SQL backends: the row's sequence and a token that
changes on every receive, so a handle from an earlier receive goes stale.
"""

from __future__ import annotations

import json

from hexad.adapters.shared.rows import Row
from hexad.errors import InvalidReceiptHandleError, RuntimeStoreError
from hexad.ports.queue import Message, QueueConfig

__all__ = ["config_from_row", "message_from_row", "receipt_sequence", "stale_handle"]


def config_from_row(row: Row) -> QueueConfig:
    """A `queue_queues` row as a `QueueConfig` (booleans stored as 0/1 on SQLite)."""
    return QueueConfig(
        name=row["name"],
        fifo=bool(row["fifo"]),
        visibility_timeout=row["visibility_timeout"],
        retention_seconds=row["retention_seconds"],
        delay_seconds=row["delay_seconds"],
        dead_letter_queue=row["dead_letter_queue"],
        max_receive_count=row["max_receive_count"],
        content_based_deduplication=bool(row["content_based_deduplication"]),
    )


def message_from_row(row: Row) -> Message:
    """A `queue_messages` row as a `Message`; `RuntimeStoreError` naming the row if unreadable."""
    try:
        attributes = json.loads(row["attributes"]) if row["attributes"] else {}
    except ValueError as exc:
        raise RuntimeStoreError(f"queue_messages row {row['seq']}: unreadable attributes: {exc}") from exc
    return Message(
        message_id=row["message_id"],
        body=row["body"],
        attributes=attributes,
        receipt_handle=row["receipt_handle"] or "",
        receive_count=row["receive_count"],
        sent_at=row["sent_at"],
        group_id=row["group_id"],
        last_error=row["last_error"],
        source_queue=row["source_queue"],
        deduplication_id=row["deduplication_id"],
    )


def receipt_sequence(receipt_handle: str) -> int:
    """The row a receipt handle points at; `InvalidReceiptHandleError` if this backend never issued it."""
    head, _, tail = receipt_handle.partition(".")
    if not head.isdigit() or not tail:
        raise InvalidReceiptHandleError(
            f"receipt handle {receipt_handle!r} is not valid: expected one returned by receive"
        )
    return int(head)


def stale_handle(queue: str, receipt_handle: str) -> InvalidReceiptHandleError:
    """The error for a well-formed handle that no longer matches its message."""
    return InvalidReceiptHandleError(
        f"queue {queue!r}: receipt handle {receipt_handle!r} is not current: the message was deleted, "
        "received again or moved"
    )
