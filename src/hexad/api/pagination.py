"""Cursor pagination shared by every list route: opaque cursors, a bounded `limit`, one sort field.

A cursor encodes the sort value and id of the last row returned, so pages stay stable while rows are
added (offset pagination would skip or repeat rows). Cursors are base64 JSON, not secrets: the
server re-validates their content.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from hexad.errors import ValidationError

__all__ = ["MAX_LIMIT", "Cursor", "Page", "decode_cursor", "encode_cursor"]

MAX_LIMIT = 200
T = TypeVar("T")


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: the sort key's value and the row id (the tie-breaker)."""

    sort: str
    value: Any
    id: str


def encode_cursor(cursor: Cursor) -> str:
    raw = json.dumps([cursor.sort, cursor.value, cursor.id], separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str, sort: str) -> Cursor:
    """The cursor in `text`; `ValidationError` when it is malformed or was made for another sort."""
    try:
        padded = text + "=" * (-len(text) % 4)
        sort_name, value, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise ValidationError("cursor: expected a cursor returned by a previous page") from None
    if sort_name != sort or not isinstance(row_id, str):
        raise ValidationError(f"cursor: it was made for sort={sort_name!r}, not sort={sort!r}")
    return Cursor(sort_name, value, row_id)


class Page(BaseModel, Generic[T]):
    """One page of a list: the items and the cursor of the next page (null on the last page)."""

    items: Sequence[T]
    next_cursor: str | None = None
