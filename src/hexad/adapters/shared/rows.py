"""What a row of any SQL driver must offer the shared conversions: access by column name."""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["Row"]


class Row(Protocol):
    """`sqlite3.Row` and psycopg's `DictRow` both read a column by name."""

    def __getitem__(self, key: str, /) -> Any: ...
