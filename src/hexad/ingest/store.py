"""Writing validated rows to the domain database: row hashes, existing keys, chunked upserts.

The importer reads each entity's `(natural key, row_hash)` pairs once, so it can tell inserted from
updated from unchanged rows without a round trip per row, and then writes only the new and changed
rows with one `INSERT ... ON CONFLICT (key) DO UPDATE` executed over chunks (executemany). The same
statement works on SQLite and PostgreSQL through SQLAlchemy's dialect `insert`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["existing_hashes", "existing_keys", "row_hash", "upsert_rows"]

_CHUNK = 10_000


def row_hash(row: dict[str, Any], columns: Sequence[str]) -> str:
    """A digest of the row's values in column order.

    `repr` of the validated values is canonical (amounts are quantized to cents by the schema, dates
    and datetimes are normalized) and costs one C call per value, which keeps 270k rows under a second.
    """
    text = repr(tuple(row[column] for column in columns))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def existing_hashes(connection: Connection, table: Table, key: tuple[str, ...]) -> dict[tuple[Any, ...], str]:
    """Every stored row's natural key and row hash."""
    columns = [table.c[name] for name in key]
    result = connection.execute(select(*columns, table.c.row_hash))
    return {tuple(row[:-1]): row[-1] for row in result}


def existing_keys(connection: Connection, table: Table, column: str) -> set[Any]:
    """Every stored value of one (key) column."""
    return set(connection.execute(select(table.c[column])).scalars())


def upsert_rows(
    connection: Connection,
    table: Table,
    key: tuple[str, ...],
    rows: list[dict[str, Any]],
    advance: Callable[[int], None] | None = None,
) -> None:
    """Insert the rows, replacing stored rows with the same key."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    updated = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in key}
    statement = statement.on_conflict_do_update(index_elements=list(key), set_=updated)
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        connection.execute(statement, chunk)
        if advance is not None:
            advance(len(chunk))
