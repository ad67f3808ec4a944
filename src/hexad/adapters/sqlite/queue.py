"""The queue backend on the embedded runtime's SQLite file.

Three tables: `queue_queues` (settings), `queue_messages` (one row per live message; its rowid `seq` is
the arrival order and the first half of every receipt handle, so a delete is a primary-key lookup) and
`queue_deduplication` (deduplication ids with their window's end). Receiving is one
`UPDATE ... RETURNING` inside a `BEGIN IMMEDIATE` transaction: the write lock is taken before the
visible rows are chosen, so two receivers, in one process or several, never get the same message.

Visible messages are found through the `(queue, visible_at)` index. FIFO queues take only a prefix of
each group's messages: a group is available when its first message is visible, and gives its messages
in order up to the first hidden one (in flight, or waiting out a retry delay). The groups' first
messages are found by skipping from group to group along the `(queue, group_id, seq)` index, so a
FIFO receive costs O(groups x log messages), not O(messages).

Expired messages (older than the queue's retention) are never returned or counted; they are deleted
by a sweep that runs at most once a minute per queue, together with ended deduplication windows.

Durability: a send returns after its `COMMIT`. The runtime file runs WAL with `synchronous=NORMAL`,
so a returned send is in the WAL and survives the process being killed (`kill -9`, tested); a power
cut or kernel crash can lose the last commits. `synchronous=FULL` would close that with an fsync per
commit, which cuts throughput 1.5x to over 10x depending on the disk's fsync latency
(`benchmarks/queues_throughput.py` measures both); the queues keep the file's shared setting.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from hexad.adapters.shared.queue import config_from_row, message_from_row, receipt_sequence, stale_handle
from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.errors import NotFoundError
from hexad.ports.queue import (
    DEDUPLICATION_WINDOW_SECONDS,
    Message,
    OutgoingMessage,
    QueueAttributes,
    QueueConfig,
)

__all__ = ["SqliteQueueBackend"]

_DDL = """
CREATE TABLE IF NOT EXISTS queue_queues (
    name TEXT PRIMARY KEY,
    fifo INTEGER NOT NULL,
    visibility_timeout REAL NOT NULL,
    retention_seconds REAL NOT NULL,
    delay_seconds REAL NOT NULL,
    dead_letter_queue TEXT,
    max_receive_count INTEGER NOT NULL,
    content_based_deduplication INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS queue_messages (
    seq INTEGER PRIMARY KEY,
    queue TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT,
    group_id TEXT,
    deduplication_id TEXT,
    sent_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt_handle TEXT,
    last_error TEXT,
    source_queue TEXT
);
CREATE INDEX IF NOT EXISTS queue_messages_visible ON queue_messages (queue, visible_at);
CREATE INDEX IF NOT EXISTS queue_messages_groups ON queue_messages (queue, group_id, seq)
    WHERE group_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS queue_deduplication (
    queue TEXT NOT NULL,
    deduplication_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (queue, deduplication_id)
) WITHOUT ROWID;
"""

_CONFIG_COLUMNS = (
    "name, fifo, visibility_timeout, retention_seconds, delay_seconds, dead_letter_queue, "
    "max_receive_count, content_based_deduplication"
)
_MESSAGE_COLUMNS = (
    "seq, message_id, body, attributes, group_id, deduplication_id, sent_at, receive_count, "
    "receipt_handle, last_error, source_queue"
)
_SELECT_QUEUE = f"SELECT {_CONFIG_COLUMNS} FROM queue_queues WHERE name = ?"
_COPY_COLUMNS = "message_id, body, attributes, group_id, deduplication_id, sent_at, last_error"
_NEW_HANDLE = "seq || '.' || lower(hex(randomblob(12)))"
_SWEEP_INTERVAL = 60.0

_RECEIVE_STANDARD = f"""
UPDATE queue_messages SET receive_count = receive_count + 1, visible_at = :hide_until,
    receipt_handle = {_NEW_HANDLE}
WHERE seq IN (
    SELECT seq FROM queue_messages WHERE queue = :queue AND visible_at <= :now AND sent_at > :cutoff
    ORDER BY visible_at LIMIT :limit)
RETURNING {_MESSAGE_COLUMNS}
"""

# The first message of each group (found by skipping from group to group along an index), kept
# when it is visible: those groups can be received from, oldest head first.
_FIFO_HEADS = """
WITH RECURSIVE groups (group_id) AS (
    SELECT MIN(group_id) FROM queue_messages WHERE queue = :queue AND group_id IS NOT NULL
    UNION ALL
    SELECT (SELECT MIN(group_id) FROM queue_messages WHERE queue = :queue AND group_id > groups.group_id)
    FROM groups WHERE groups.group_id IS NOT NULL
)
SELECT g.group_id, m.seq FROM groups AS g
JOIN queue_messages AS m
  ON m.seq = (SELECT MIN(seq) FROM queue_messages WHERE queue = :queue AND group_id = g.group_id)
WHERE m.visible_at <= :now
ORDER BY m.seq LIMIT :limit
"""

_ANY_VISIBLE = """
SELECT EXISTS (SELECT 1 FROM queue_queues WHERE name = :queue) AS queue_exists,
       EXISTS (SELECT 1 FROM queue_messages WHERE queue = :queue AND visible_at <= :now) AS visible
"""

_FIFO_GROUP = """
SELECT seq, visible_at, sent_at FROM queue_messages
WHERE queue = :queue AND group_id = :group AND seq >= :head ORDER BY seq LIMIT :limit
"""

_CLAIM = f"""
UPDATE queue_messages SET receive_count = receive_count + 1, visible_at = :hide_until,
    receipt_handle = {_NEW_HANDLE}
WHERE seq IN (SELECT value FROM json_each(:chosen))
RETURNING {_MESSAGE_COLUMNS}
"""


def _fifo_choice(conn: sqlite3.Connection, parameters: dict[str, Any]) -> list[int]:
    """Up to `limit` messages, whole groups first (as SQS does), oldest group first.

    A group is available when its first message is visible; it then gives its visible messages in
    order up to the first hidden one (in flight, or waiting out a retry), so order within a group holds.
    """
    limit, now, cutoff = parameters["limit"], parameters["now"], parameters["cutoff"]
    chosen: list[int] = []
    for head in conn.execute(_FIFO_HEADS, parameters).fetchall():
        if len(chosen) == limit:
            break
        window = {**parameters, "group": head["group_id"], "head": head["seq"], "limit": limit + 10}
        for row in conn.execute(_FIFO_GROUP, window).fetchall():
            if row["visible_at"] > now or len(chosen) == limit:
                break
            if row["sent_at"] > cutoff:  # an expired message is gone, not blocking
                chosen.append(row["seq"])
    return chosen


def _queue_row(rows: Sequence[sqlite3.Row], name: str) -> sqlite3.Row:
    if not rows:
        raise NotFoundError(f"queue {name!r} does not exist")
    return rows[0]


def _find_queue(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    return _queue_row(conn.execute(_SELECT_QUEUE, (name,)).fetchall(), name)


class SqliteQueueBackend:
    """`QueueBackend` on a `SqliteDatabase` (normally the shared runtime file)."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        self._swept: dict[str, float] = {}
        database.ensure_schema("queues", _DDL)
        # long polls in this process wake on sends through any backend on the same file
        self.wakeup_key = None if database.path == ":memory:" else f"sqlite:{Path(database.path).resolve()}"

    async def create_queue(self, config: QueueConfig) -> None:
        values = (
            config.name, int(config.fifo), config.visibility_timeout, config.retention_seconds,
            config.delay_seconds, config.dead_letter_queue, config.max_receive_count,
            int(config.content_based_deduplication),
        )  # fmt: skip
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO queue_queues ({_CONFIG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET fifo = excluded.fifo, "
                "visibility_timeout = excluded.visibility_timeout, "
                "retention_seconds = excluded.retention_seconds, delay_seconds = excluded.delay_seconds, "
                "dead_letter_queue = excluded.dead_letter_queue, "
                "max_receive_count = excluded.max_receive_count, "
                "content_based_deduplication = excluded.content_based_deduplication",
                values,
            )

    async def get_queue(self, name: str) -> QueueConfig:
        return config_from_row(_queue_row(self._db.query(_SELECT_QUEUE, (name,)), name))

    async def list_queues(self) -> list[QueueConfig]:
        rows = self._db.query(f"SELECT {_CONFIG_COLUMNS} FROM queue_queues ORDER BY name")
        return [config_from_row(row) for row in rows]

    async def delete_queue(self, name: str) -> None:
        with self._db.transaction() as conn:
            deleted = conn.execute("DELETE FROM queue_queues WHERE name = ?", (name,)).rowcount
            if not deleted:
                raise NotFoundError(f"queue {name!r} does not exist")
            conn.execute("DELETE FROM queue_messages WHERE queue = ?", (name,))
            conn.execute("DELETE FROM queue_deduplication WHERE queue = ?", (name,))
        self._swept.pop(name, None)

    async def send(self, queue: str, messages: Sequence[OutgoingMessage], now: float) -> list[str]:
        with self._db.transaction() as conn:
            config = config_from_row(_find_queue(conn, queue))
            self._sweep(conn, queue, now, now - config.retention_seconds)
            known = self._deduplicated(conn, queue, messages, now)
            ids: list[str] = []
            rows: list[tuple[Any, ...]] = []
            windows: list[tuple[str, str, str, float]] = []
            for message in messages:
                dedup = message.deduplication_id
                if dedup is not None and dedup in known:
                    ids.append(known[dedup])
                    continue
                message_id = str(uuid.uuid4())
                if dedup is not None:
                    known[dedup] = message_id
                    windows.append((queue, dedup, message_id, now + DEDUPLICATION_WINDOW_SECONDS))
                ids.append(message_id)
                attributes = json.dumps(dict(message.attributes)) if message.attributes else None
                visible_at = now + (message.delay_seconds or 0.0)
                rows.append(
                    (queue, message_id, message.body, attributes, message.group_id, dedup, now, visible_at)
                )
            conn.executemany(
                "INSERT INTO queue_messages (queue, message_id, body, attributes, group_id, "
                "deduplication_id, sent_at, visible_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.executemany("INSERT OR REPLACE INTO queue_deduplication VALUES (?, ?, ?, ?)", windows)
        return ids

    async def receive(
        self, queue: str, max_messages: int, visibility_timeout: float, now: float
    ) -> list[Message]:
        if not self._sweep_due(queue, now) and not self._anything_visible(queue, now):
            return []  # an idle poll never takes the write lock
        with self._db.transaction() as conn:
            config = config_from_row(_find_queue(conn, queue))
            cutoff = now - config.retention_seconds
            self._sweep(conn, queue, now, cutoff)
            parameters = {
                "queue": queue, "now": now, "cutoff": cutoff, "limit": max_messages,
                "hide_until": now + visibility_timeout,
            }  # fmt: skip
            if config.fifo:
                chosen = _fifo_choice(conn, parameters)
                rows = conn.execute(_CLAIM, {**parameters, "chosen": json.dumps(chosen)}).fetchall()
                rank = {seq: index for index, seq in enumerate(chosen)}
            else:
                rows = conn.execute(_RECEIVE_STANDARD, parameters).fetchall()
                rank = {row["seq"]: row["seq"] for row in rows}
        rows.sort(key=lambda row: rank[row["seq"]])
        return [message_from_row(row) for row in rows]

    async def delete(self, queue: str, receipt_handles: Sequence[str]) -> None:
        keys = [(receipt_sequence(handle), handle, queue) for handle in receipt_handles]
        with self._db.transaction() as conn:
            conn.executemany(
                "DELETE FROM queue_messages WHERE seq = ? AND receipt_handle = ? AND queue = ?", keys
            )

    async def change_visibility(self, queue: str, receipt_handle: str, timeout: float, now: float) -> None:
        self._update_received(queue, receipt_handle, "visible_at = ?", now + timeout)

    async def record_error(self, queue: str, receipt_handle: str, error: str) -> None:
        self._update_received(queue, receipt_handle, "last_error = ?", error)

    async def move(self, source: str, receipt_handle: str, destination: str, now: float) -> None:
        seq = receipt_sequence(receipt_handle)
        with self._db.transaction() as conn:
            _find_queue(conn, destination)
            copied = conn.execute(
                f"INSERT INTO queue_messages (queue, visible_at, source_queue, {_COPY_COLUMNS}) "
                f"SELECT ?, ?, queue, {_COPY_COLUMNS} FROM queue_messages "
                "WHERE seq = ? AND receipt_handle = ? AND queue = ?",
                (destination, now, seq, receipt_handle, source),
            ).rowcount
            if not copied:
                raise stale_handle(source, receipt_handle)
            conn.execute("DELETE FROM queue_messages WHERE seq = ?", (seq,))

    async def redrive(
        self, dead_letter_queue: str, destination: str | None, limit: int | None, now: float
    ) -> int:
        with self._db.transaction() as conn:
            _find_queue(conn, dead_letter_queue)
            queues = {row["name"] for row in conn.execute("SELECT name FROM queue_queues")}
            rows = conn.execute(
                "SELECT seq, source_queue FROM queue_messages WHERE queue = ? AND visible_at <= ? "
                "ORDER BY seq LIMIT ?",
                (dead_letter_queue, now, -1 if limit is None else limit),
            ).fetchall()
            moves = [
                (destination or row["source_queue"], now, row["seq"])
                for row in rows
                if (destination or row["source_queue"]) in queues
            ]
            conn.executemany(
                f"INSERT INTO queue_messages (queue, visible_at, {_COPY_COLUMNS}) "
                f"SELECT ?, ?, {_COPY_COLUMNS} FROM queue_messages WHERE seq = ?",
                moves,
            )
            conn.executemany("DELETE FROM queue_messages WHERE seq = ?", [(seq,) for _, _, seq in moves])
        return len(moves)

    async def purge(self, queue: str) -> int:
        with self._db.transaction() as conn:
            _find_queue(conn, queue)
            return conn.execute("DELETE FROM queue_messages WHERE queue = ?", (queue,)).rowcount

    async def attributes(self, queue: str, now: float) -> QueueAttributes:
        config = await self.get_queue(queue)
        row = self._db.query(
            "SELECT COALESCE(SUM(visible_at <= :now), 0) AS visible, "
            "COALESCE(SUM(visible_at > :now AND receive_count > 0), 0) AS in_flight, "
            "COALESCE(SUM(visible_at > :now AND receive_count = 0), 0) AS delayed "
            "FROM queue_messages WHERE queue = :queue AND sent_at > :cutoff",
            {"now": now, "queue": queue, "cutoff": now - config.retention_seconds},
        )[0]
        return QueueAttributes(visible=row["visible"], in_flight=row["in_flight"], delayed=row["delayed"])

    async def peek(self, queue: str, limit: int, now: float) -> list[Message]:
        config = await self.get_queue(queue)
        rows = self._db.query(
            f"SELECT {_MESSAGE_COLUMNS} FROM queue_messages WHERE queue = ? AND sent_at > ? "
            "ORDER BY seq LIMIT ?",
            (queue, now - config.retention_seconds, limit),
        )
        return [replace(message_from_row(row), receipt_handle="") for row in rows]

    def _deduplicated(
        self, conn: sqlite3.Connection, queue: str, messages: Sequence[OutgoingMessage], now: float
    ) -> dict[str, str]:
        """Deduplication ids of `messages` whose window is still open, with the first message's id."""
        ids = sorted({m.deduplication_id for m in messages if m.deduplication_id is not None})
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = conn.execute(
            "SELECT deduplication_id, message_id FROM queue_deduplication "
            f"WHERE queue = ? AND expires_at > ? AND deduplication_id IN ({marks})",
            (queue, now, *ids),
        )
        return {row["deduplication_id"]: row["message_id"] for row in rows}

    def _anything_visible(self, queue: str, now: float) -> bool:
        """A read (no write lock): whether the queue has a visible message; `NotFoundError` if no queue."""
        row = self._db.query(_ANY_VISIBLE, {"queue": queue, "now": now})[0]
        if not row["queue_exists"]:
            raise NotFoundError(f"queue {queue!r} does not exist")
        return bool(row["visible"])

    def _sweep_due(self, queue: str, now: float) -> bool:
        return now - self._swept.get(queue, float("-inf")) >= _SWEEP_INTERVAL

    def _sweep(self, conn: sqlite3.Connection, queue: str, now: float, cutoff: float) -> None:
        """Delete expired messages and ended deduplication windows, at most once a minute per queue."""
        if not self._sweep_due(queue, now):
            return
        self._swept[queue] = now
        conn.execute("DELETE FROM queue_messages WHERE queue = ? AND sent_at <= ?", (queue, cutoff))
        conn.execute("DELETE FROM queue_deduplication WHERE queue = ? AND expires_at <= ?", (queue, now))

    def _update_received(self, queue: str, receipt_handle: str, assignment: str, value: Any) -> None:
        seq = receipt_sequence(receipt_handle)
        with self._db.transaction() as conn:
            updated = conn.execute(
                f"UPDATE queue_messages SET {assignment} WHERE seq = ? AND receipt_handle = ? AND queue = ?",
                (value, seq, receipt_handle, queue),
            ).rowcount
        if not updated:
            raise stale_handle(queue, receipt_handle)
