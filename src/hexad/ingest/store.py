"""Writing validated rows to the domain database: row hashes, existing keys, chunked upserts.

The importer reads each entity's `(natural key, row_hash)` pairs once, so it can tell inserted from
updated from unchanged rows without a round trip per row, and then writes only the new and changed
rows with one `INSERT ... ON CONFLICT (key) DO UPDATE` executed over chunks (executemany). The same
statement works on SQLite and PostgreSQL through SQLAlchemy's dialect `insert`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["existing_hashes", "existing_keys", "existing_owners", "key_of", "row_hashes", "upsert_rows"]

_CHUNK = 10_000


def key_of(key: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """A row's natural key: the value itself for a one-column key, else a tuple (as `existing_hashes`)."""
    return itemgetter(*key)


def row_hashes(rows: list[dict[str, Any]], columns: Sequence[str]) -> list[str]:
    """A 64-bit digest per row of its values in column order, as 16 hex digits.

    Values are hashed column by column with pandas' vectorized SipHash over their text (a fixed key,
    so the digest is the same in every process); the validated values are canonical (amounts quantized to
    cents, timestamps in UTC), so the same data always gives the same digest whatever the file's
    formatting was. A new pandas hashing scheme would report every row as updated once, never lose one.
    """
    if not rows:
        return []
    frame = pd.DataFrame({c: pd.Series([row[c] for row in rows], dtype=object) for c in columns}, copy=False)
    digests = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return [f"{digest:016x}" for digest in digests.tolist()]


def existing_hashes(connection: Connection, table: Table, key: tuple[str, ...]) -> dict[Any, str]:
    """Every stored row's natural key (see `key_of`) and row hash, read through the driver's cursor.

    A plain DBAPI cursor skips SQLAlchemy's per-row result processing, which matters at 270k rows; keys
    are text columns, so no type conversion is lost.
    """
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in (*key, "row_hash"))
    rows = _fetch_all(connection, f"SELECT {names} FROM {quote(table.name)}")
    if len(key) == 1:
        return {row[0]: row[1] for row in rows}
    return {tuple(row[:-1]): row[-1] for row in rows}


def existing_keys(connection: Connection, table: Table, column: str) -> set[Any]:
    """Every stored value of one (key) column."""
    quote = connection.dialect.identifier_preparer.quote
    return {row[0] for row in _fetch_all(connection, f"SELECT {quote(column)} FROM {quote(table.name)}")}


def existing_owners(
    connection: Connection, table: Table, column: str, key: tuple[str, ...]
) -> dict[Any, Any]:
    """Every stored non-empty value of a unique column and the natural key (see `key_of`) holding it."""
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in (column, *key))
    query = f"SELECT {names} FROM {quote(table.name)} WHERE {quote(column)} IS NOT NULL"
    rows = _fetch_all(connection, query)
    return {row[0]: (row[1] if len(key) == 1 else tuple(row[1:])) for row in rows}


def _fetch_all(connection: Connection, query: str) -> list[Any]:
    cursor = connection.connection.cursor()
    try:
        cursor.execute(query)
        return list(cursor.fetchall())
    finally:
        cursor.close()


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
    engine = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = engine.insert(table)
    updated = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in key}
    statement = statement.on_conflict_do_update(index_elements=list(key), set_=updated)
    write = _positional_writer(connection, statement, table) if engine is sqlite else None
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        if write is None:
            connection.execute(statement, chunk)
        else:
            write(chunk)
        if advance is not None:
            advance(len(chunk))


def _positional_writer(
    connection: Connection, statement: Any, table: Table
) -> Callable[[list[dict[str, Any]]], None]:
    """executemany with tuples converted column by column by each type's own bind processor.

    The same SQL and the same conversions SQLAlchemy applies, without its per-row parameter
    dictionaries: on SQLite, where statements are cheap, that bookkeeping was a third of the write.
    """
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect)
    names: list[str] = list(compiled.positiontup or [])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    sql = str(compiled)

    def write(chunk: list[dict[str, Any]]) -> None:
        columns = []
        for name, process in zip(names, processors, strict=True):
            values = [row.get(name) for row in chunk]
            columns.append(values if process is None else [process(v) for v in values])
        connection.exec_driver_sql(sql, list(zip(*columns, strict=True)))

    return write
