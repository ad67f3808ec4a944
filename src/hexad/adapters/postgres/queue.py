"""The queue backend on PostgreSQL.

The same three tables as on SQLite (`queue_queues`, `queue_messages` with an identity `seq` that is
the arrival order and the first half of every receipt handle, `queue_deduplication`), but PostgreSQL
runs many writers at once, so the atomicity SQLite gets from its single write lock is built here from
row and advisory locks:

- A standard receive is one `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)`: receivers in any
  number of processes skip rows another receiver is taking and never wait for each other. A row
  taken by a receiver that committed just before is re-checked (`visible_at <= now`) on its new
  version, so it is not handed out twice.
- FIFO groups are serialised by a transaction-scoped advisory lock per (queue, group). A receiver
  finds the groups whose first live message is visible, tries each group's lock without waiting
  (`pg_try_advisory_xact_lock`, so a group another receiver is taking is skipped), and only then, in a
  new statement and so a new snapshot, reads that group's messages and takes its visible prefix. A
  sender (and a dead-letter move or redrive into a FIFO queue) takes the same locks, waiting, in
  sorted order, so a group's messages get their `seq` in commit order and a receiver never sees a
  later message of a group before an earlier one commits. Hence: per group, strict order, and
  nothing of a group handed out while one of its messages is in flight, under concurrent consumers.
- Deduplication ids are claimed with `INSERT ... ON CONFLICT DO UPDATE ... WHERE expired`: of two
  concurrent senders of one id, the second waits for the first's commit and then returns its id.

A standard queue this backend has seen takes a shorter road for plain messages: a send, a receive
and a delete are one self-committing statement each (one round trip instead of four or five), with
the queue's settings read inside the statement, so a queue deleted or recreated as FIFO by another
process matches nothing and the call falls back to the full transaction. Receives and deletes run on
`PostgresDatabase.relaxed()` (commits without the WAL flush, as `durable=False` transactions).
Sends run in a thread: the durable commit waits ~5 ms for the disk here, and concurrent sends from
one process's consumers then share a flush (group commit) instead of queueing on the event loop.

Expired messages (past retention) are never returned or counted and are deleted by a sweep at most
once a minute per queue, with ended deduplication windows. Durability is PostgreSQL's: a send returns
after its `COMMIT`, which with the server's default `synchronous_commit=on` is flushed to the WAL.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import psycopg
from psycopg.rows import DictRow

from hexad.adapters.postgres.database import PostgresDatabase
from hexad.adapters.shared.group_commit import GroupCommit
from hexad.adapters.shared.queue import config_from_row, message_from_row, receipt_sequence, stale_handle
from hexad.errors import NotFoundError, RuntimeStoreError
from hexad.ports.queue import (
    DEDUPLICATION_WINDOW_SECONDS,
    Message,
    OutgoingMessage,
    QueueAttributes,
    QueueConfig,
)

__all__ = ["PostgresQueueBackend"]

Connection = psycopg.Connection[DictRow]

_DDL = """
CREATE TABLE IF NOT EXISTS queue_queues (
    name TEXT COLLATE "C" PRIMARY KEY,
    fifo BOOLEAN NOT NULL,
    visibility_timeout DOUBLE PRECISION NOT NULL,
    retention_seconds DOUBLE PRECISION NOT NULL,
    delay_seconds DOUBLE PRECISION NOT NULL,
    dead_letter_queue TEXT COLLATE "C",
    max_receive_count INTEGER NOT NULL,
    content_based_deduplication BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS queue_messages (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue TEXT COLLATE "C" NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT,
    group_id TEXT COLLATE "C",
    deduplication_id TEXT,
    sent_at DOUBLE PRECISION NOT NULL,
    visible_at DOUBLE PRECISION NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt_handle TEXT,
    last_error TEXT,
    source_queue TEXT COLLATE "C"
);
CREATE INDEX IF NOT EXISTS queue_messages_visible ON queue_messages (queue, visible_at, seq);
CREATE INDEX IF NOT EXISTS queue_messages_groups ON queue_messages (queue, group_id, seq)
    WHERE group_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS queue_deduplication (
    queue TEXT COLLATE "C" NOT NULL,
    deduplication_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (queue, deduplication_id)
);
"""

_CONFIG_COLUMNS = (
    "name, fifo, visibility_timeout, retention_seconds, delay_seconds, dead_letter_queue, "
    "max_receive_count, content_based_deduplication"
)
_MESSAGE_COLUMNS = (
    "seq, message_id, body, attributes, group_id, deduplication_id, sent_at, receive_count, "
    "receipt_handle, last_error, source_queue"
)
_SELECT_QUEUE = f"SELECT {_CONFIG_COLUMNS} FROM queue_queues WHERE name = %s"
_COPY_COLUMNS = "message_id, body, attributes, group_id, deduplication_id, sent_at, last_error"
_CLAIM_SET = """
SET receive_count = m.receive_count + 1, visible_at = %(hide_until)s,
    receipt_handle = m.seq || '.' || replace(gen_random_uuid()::text, '-', '')
"""
_SWEEP_INTERVAL = 60.0

_RECEIVE_STANDARD = f"""
UPDATE queue_messages AS m {_CLAIM_SET}
FROM (SELECT seq FROM queue_messages
      WHERE queue = %(queue)s AND visible_at <= %(now)s AND sent_at > %(cutoff)s
      ORDER BY visible_at, seq LIMIT %(limit)s FOR UPDATE SKIP LOCKED) AS picked
WHERE m.seq = picked.seq
RETURNING {", ".join(f"m.{column.strip()}" for column in _MESSAGE_COLUMNS.split(","))}
"""

# Each group's first live message, found by skipping from group to group along the groups index
# (a loose index scan), kept when it is visible: the groups a receive may take, oldest head first.
_FIFO_HEADS = """
WITH RECURSIVE groups (group_id) AS (
    (SELECT group_id FROM queue_messages WHERE queue = %(queue)s AND group_id IS NOT NULL
     ORDER BY group_id LIMIT 1)
    UNION ALL
    SELECT (SELECT m.group_id FROM queue_messages m
            WHERE m.queue = %(queue)s AND m.group_id > g.group_id ORDER BY m.group_id LIMIT 1)
    FROM groups g WHERE g.group_id IS NOT NULL
)
SELECT head.group_id FROM groups
CROSS JOIN LATERAL (
    SELECT m.group_id, m.seq, m.visible_at FROM queue_messages m
    WHERE m.queue = %(queue)s AND m.group_id = groups.group_id AND m.sent_at > %(cutoff)s
    ORDER BY m.seq LIMIT 1) AS head
WHERE head.visible_at <= %(now)s
ORDER BY head.seq
"""

_FIFO_GROUP = """
SELECT seq, visible_at FROM queue_messages
WHERE queue = %(queue)s AND group_id = %(group)s AND sent_at > %(cutoff)s ORDER BY seq LIMIT %(limit)s
"""

_CLAIM = f"""
UPDATE queue_messages AS m {_CLAIM_SET}
WHERE m.seq = ANY(%(chosen)s)
RETURNING {_MESSAGE_COLUMNS}
"""

# opens the windows of new (or ended) deduplication ids; returns only the ids this send opened
_CLAIM_DEDUPLICATION = """
INSERT INTO queue_deduplication AS d (queue, deduplication_id, message_id, expires_at)
SELECT %(queue)s, ids.deduplication_id, ids.message_id, %(expires)s
FROM unnest(%(ids)s::text[], %(message_ids)s::text[]) AS ids (deduplication_id, message_id)
ON CONFLICT (queue, deduplication_id) DO UPDATE
    SET message_id = excluded.message_id, expires_at = excluded.expires_at
    WHERE d.expires_at <= %(now)s
RETURNING deduplication_id, message_id
"""
_OPEN_WINDOWS = """
SELECT deduplication_id, message_id FROM queue_deduplication
WHERE queue = %s AND deduplication_id = ANY(%s)
"""
_LOCK_GROUPS = """
SELECT pg_advisory_xact_lock(key) FROM (
    SELECT DISTINCT hashtextextended(text, 0) AS key FROM unnest(%s::text[]) AS text ORDER BY key OFFSET 0
) AS keys
"""

# one statement for the whole batch, rows in the order given (their `seq` is the arrival order)
_INSERT_MESSAGES = """
INSERT INTO queue_messages (queue, message_id, body, attributes, group_id, deduplication_id, sent_at,
    visible_at)
SELECT %(queue)s, message_id, body, attributes, group_id, deduplication_id, %(now)s, visible_at
FROM unnest(%(message_ids)s::text[], %(bodies)s::text[], %(attributes)s::text[], %(groups)s::text[],
    %(dedups)s::text[], %(visible_at)s::float8[])
    WITH ORDINALITY AS m (message_id, body, attributes, group_id, deduplication_id, visible_at, position)
ORDER BY position
"""

# The fast paths of a standard queue this process has seen: one self-committing statement each, the
# queue's settings read inside it. A queue that is gone (or became FIFO) matches nothing, and the
# caller falls back to the full transaction, which raises or takes the FIFO path.
_FAST_SEND = """
WITH sent AS (
    INSERT INTO queue_messages (queue, message_id, body, attributes, sent_at, visible_at)
    SELECT %(queue)s, message_id, body, attributes, sent_at, visible_at
    FROM unnest(%(message_ids)s::text[], %(bodies)s::text[], %(attributes)s::text[], %(sent_at)s::float8[],
                %(visible_at)s::float8[])
        WITH ORDINALITY AS m (message_id, body, attributes, sent_at, visible_at, position)
    WHERE EXISTS (SELECT FROM queue_queues WHERE name = %(queue)s AND NOT fifo)
    ORDER BY position
    RETURNING seq
)
SELECT seq, pg_notify(%(channel)s, %(queue)s) FROM sent
"""
_FAST_RECEIVE = f"""
UPDATE queue_messages AS m {_CLAIM_SET}
FROM (SELECT seq FROM queue_messages
      WHERE queue = %(queue)s AND visible_at <= %(now)s AND sent_at > %(now)s
          - (SELECT retention_seconds FROM queue_queues WHERE name = %(queue)s AND NOT fifo)
      ORDER BY visible_at, seq LIMIT %(limit)s FOR UPDATE SKIP LOCKED) AS picked
WHERE m.seq = picked.seq
RETURNING {", ".join(f"m.{column.strip()}" for column in _MESSAGE_COLUMNS.split(","))}
"""
_DELETE = (
    "DELETE FROM queue_messages WHERE queue = %s AND (seq, receipt_handle) IN "
    "(SELECT * FROM unnest(%s::bigint[], %s::text[]))"
)

_UPSERT_QUEUE = f"""
INSERT INTO queue_queues ({_CONFIG_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (name) DO UPDATE SET fifo = excluded.fifo, visibility_timeout = excluded.visibility_timeout,
    retention_seconds = excluded.retention_seconds, delay_seconds = excluded.delay_seconds,
    dead_letter_queue = excluded.dead_letter_queue, max_receive_count = excluded.max_receive_count,
    content_based_deduplication = excluded.content_based_deduplication
"""


def _find_queue(conn: Connection, name: str) -> QueueConfig:
    row = conn.execute(_SELECT_QUEUE, (name,)).fetchone()
    if row is None:
        raise NotFoundError(f"queue {name!r} does not exist")
    return config_from_row(row)


def _group_key(queue: str, group: str) -> str:
    """The text hashed into a group's advisory lock key (length-prefixed: unambiguous for any names)."""
    return f"queue-group:{len(queue)}:{queue}:{group}"


def _lock_groups(conn: Connection, keys: Iterable[tuple[str, str | None]]) -> None:
    """Take the FIFO group locks of (queue, group) pairs, waiting, in one statement.

    The locks are taken in the order of their numeric keys, the same order in every session, so two
    senders of overlapping groups cannot deadlock.
    """
    texts = sorted({_group_key(queue, group) for queue, group in keys if group is not None})
    if texts:
        conn.execute(_LOCK_GROUPS, (texts,))


def _try_lock_group(conn: Connection, queue: str, group: str) -> bool:
    row = conn.execute(
        "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0)) AS locked", (_group_key(queue, group),)
    ).fetchone()
    return bool(row and row["locked"])


def _fifo_choice(conn: Connection, parameters: dict[str, Any]) -> list[int]:
    """Up to `limit` messages, whole groups first (as SQS does), oldest group first.

    A group is taken only under its lock, and its messages are read after the lock is held, so they
    reflect every receive that committed before: its visible prefix up to the first hidden message.
    """
    limit, now = parameters["limit"], parameters["now"]
    chosen: list[int] = []
    for head in conn.execute(_FIFO_HEADS, parameters).fetchall():
        if len(chosen) == limit:
            break
        if not _try_lock_group(conn, parameters["queue"], head["group_id"]):
            continue  # another receiver is taking this group right now
        window = {**parameters, "group": head["group_id"], "limit": limit - len(chosen)}
        for row in conn.execute(_FIFO_GROUP, window).fetchall():
            if row["visible_at"] > now:
                break
            chosen.append(row["seq"])
    return chosen


class PostgresQueueBackend:
    """`QueueBackend` on a `PostgresDatabase`."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database
        self._swept: dict[str, float] = {}
        self._standard: set[str] = set()  # standard queues seen here: their fast paths are worth a try
        self._group = GroupCommit()  # a queue's concurrent sends (receives, deletes) share a statement
        database.ensure_schema("queues", _DDL)
        # long polls in this process wake on sends through any backend on the same database, and
        # those of other processes on the NOTIFY every send makes on this channel
        self.wakeup_key = f"postgres:{database.identity}"
        self.channel = f"hexad_queues_{database.schema or 'public'}"

    def watch_sends(self, callback: Callable[[str], None]) -> None:
        """Call `callback(queue)` when any process sends to a queue here (a hint: it may come twice)."""
        self._db.listen(self.channel, callback)

    async def create_queue(self, config: QueueConfig) -> None:
        values = (
            config.name, config.fifo, config.visibility_timeout, config.retention_seconds,
            config.delay_seconds, config.dead_letter_queue, config.max_receive_count,
            config.content_based_deduplication,
        )  # fmt: skip
        with self._db.transaction() as conn:
            conn.execute(_UPSERT_QUEUE, values)

    async def get_queue(self, name: str) -> QueueConfig:
        rows = self._db.query(_SELECT_QUEUE, (name,))
        if not rows:
            raise NotFoundError(f"queue {name!r} does not exist")
        return config_from_row(rows[0])

    async def list_queues(self) -> list[QueueConfig]:
        rows = self._db.query(f"SELECT {_CONFIG_COLUMNS} FROM queue_queues ORDER BY name")
        return [config_from_row(row) for row in rows]

    async def delete_queue(self, name: str) -> None:
        with self._db.transaction() as conn:
            if not conn.execute("DELETE FROM queue_queues WHERE name = %s", (name,)).rowcount:
                raise NotFoundError(f"queue {name!r} does not exist")
            conn.execute("DELETE FROM queue_messages WHERE queue = %s", (name,))
            conn.execute("DELETE FROM queue_deduplication WHERE queue = %s", (name,))
        self._swept.pop(name, None)
        self._standard.discard(name)

    async def send(self, queue: str, messages: Sequence[OutgoingMessage], now: float) -> list[str]:
        plain = all(m.group_id is None and m.deduplication_id is None for m in messages)
        if plain and self._fast(queue, now):  # concurrent sends share one statement and one flush
            ids: list[str] | None = await self._group.join(
                (queue, "send"), (list(messages), now), partial(self._fast_sends, queue), _body_bytes
            )
            if ids is not None:
                return ids
        return await asyncio.to_thread(self._send, queue, messages, now)

    async def receive(
        self, queue: str, max_messages: int, visibility_timeout: float, now: float
    ) -> list[Message]:
        if self._fast(queue, now):  # concurrent receivers share one statement
            key = (queue, "receive", visibility_timeout)
            write = partial(self._fast_receives, queue, visibility_timeout)
            received: list[Message] | None = await self._group.join(key, (max_messages, now), write)
            if received is not None:
                return received
        return self._receive(queue, max_messages, visibility_timeout, now)

    async def delete(self, queue: str, receipt_handles: Sequence[str]) -> None:
        for handle in receipt_handles:  # a malformed handle fails its own caller, not a shared write
            receipt_sequence(handle)
        await self._group.join((queue, "delete"), list(receipt_handles), partial(self._deletes, queue))

    async def _fast_sends(
        self, queue: str, parts: list[tuple[list[OutgoingMessage], float]]
    ) -> list[list[str] | None]:
        """Several callers' plain batches in one durable statement (in a thread: the commit waits for
        the disk's flush); None for each part if the one-statement path does not apply."""
        ids = await asyncio.to_thread(
            self._fast_send, queue, [(m, now) for batch, now in parts for m in batch]
        )
        if ids is None:
            return [None] * len(parts)
        split: list[list[str] | None] = []
        for batch, _ in parts:
            split.append(ids[: len(batch)])
            ids = ids[len(batch) :]
        return split

    async def _fast_receives(
        self, queue: str, visibility_timeout: float, parts: list[tuple[int, float]]
    ) -> list[list[Message] | None]:
        """Several receivers in one statement: messages visible at the earliest caller's `now`,
        hidden until the latest's `now` + the timeout, dealt out in arrival order."""
        earliest, latest = min(now for _, now in parts), max(now for _, now in parts)
        parameters = {
            "queue": queue, "now": earliest, "limit": sum(limit for limit, _ in parts),
            "hide_until": latest + visibility_timeout,
        }  # fmt: skip
        rows = self._db.relaxed().query(_FAST_RECEIVE, parameters)  # lost in a crash = received by nobody
        if not rows and not self._still_standard(queue):
            return [None] * len(parts)
        messages = [message_from_row(row) for row in sorted(rows, key=lambda row: row["seq"])]
        dealt: list[list[Message] | None] = []
        for limit, _ in parts:
            dealt.append(messages[:limit])
            messages = messages[limit:]
        return dealt

    async def _deletes(self, queue: str, parts: list[list[str]]) -> list[None]:
        self._delete(queue, [handle for part in parts for handle in part])
        return [None] * len(parts)

    def _send(self, queue: str, messages: Sequence[OutgoingMessage], now: float) -> list[str]:
        with self._db.transaction() as conn:
            config = _find_queue(conn, queue)
            self._remember(config)
            self._sweep(conn, queue, now, now - config.retention_seconds)
            _lock_groups(conn, ((queue, message.group_id) for message in messages))
            known, opened = _claim_ids(conn, queue, messages, now)
            ids: list[str] = []
            rows: list[tuple[Any, ...]] = []
            for message in messages:
                dedup = message.deduplication_id
                message_id = str(uuid.uuid4()) if dedup is None else known[dedup]
                ids.append(message_id)
                if dedup is None or dedup in opened:
                    rows.append(_row(message_id, message, now))
                if dedup is not None:
                    opened.discard(dedup)  # a duplicate later in the batch is stored once
            if rows:
                columns = ("message_ids", "bodies", "attributes", "groups", "dedups", "visible_at")
                arrays = {
                    name: list(values) for name, values in zip(columns, zip(*rows, strict=True), strict=True)
                }
                conn.execute(_INSERT_MESSAGES, {"queue": queue, "now": now, **arrays})
                conn.execute("SELECT pg_notify(%s, %s)", (self.channel, queue))  # sent at the commit
        return ids

    def _receive(self, queue: str, max_messages: int, visibility_timeout: float, now: float) -> list[Message]:
        parameters = {
            "queue": queue, "now": now, "limit": max_messages, "hide_until": now + visibility_timeout,
        }  # fmt: skip
        with self._db.transaction(durable=False) as conn:  # lost in a crash = received by nobody
            config = _find_queue(conn, queue)
            self._remember(config)
            cutoff = now - config.retention_seconds
            self._sweep(conn, queue, now, cutoff)
            parameters["cutoff"] = cutoff
            if config.fifo:
                chosen = _fifo_choice(conn, parameters)
                rows = conn.execute(_CLAIM, {**parameters, "chosen": chosen}).fetchall() if chosen else []
                rank = {seq: index for index, seq in enumerate(chosen)}
            else:
                rows = conn.execute(_RECEIVE_STANDARD, parameters).fetchall()
                rank = {row["seq"]: row["seq"] for row in rows}
        rows.sort(key=lambda row: rank[row["seq"]])
        return [message_from_row(row) for row in rows]

    def _delete(self, queue: str, receipt_handles: Sequence[str]) -> None:
        sequences = [receipt_sequence(handle) for handle in receipt_handles]
        # one statement, committed without the WAL flush: lost in a crash = delivered once more
        self._db.relaxed().execute(_DELETE, (queue, sequences, list(receipt_handles)))

    def _fast_send(self, queue: str, messages: Sequence[tuple[OutgoingMessage, float]]) -> list[str] | None:
        """Plain messages (each with its send time) to a standard queue in one durable statement;
        None if the queue is gone or no longer standard (the full transaction then says which)."""
        ids = [str(uuid.uuid4()) for _ in messages]
        rows = [_row(message_id, m, now) for message_id, (m, now) in zip(ids, messages, strict=True)]
        parameters = {
            "queue": queue,
            "channel": self.channel,
            "message_ids": ids,
            "bodies": [row[1] for row in rows],
            "attributes": [row[2] for row in rows],
            "sent_at": [now for _, now in messages],
            "visible_at": [row[5] for row in rows],
        }
        if len(self._db.query(_FAST_SEND, parameters)) == len(messages):
            return ids
        self._standard.discard(queue)
        return None

    def _fast(self, queue: str, now: float) -> bool:
        """Whether to try the one-statement path: a standard queue seen here, with no sweep due."""
        return queue in self._standard and now - self._swept.get(queue, float("-inf")) < _SWEEP_INTERVAL

    def _remember(self, config: QueueConfig) -> None:
        if config.fifo:
            self._standard.discard(config.name)
        else:
            self._standard.add(config.name)

    def _still_standard(self, queue: str) -> bool:
        """After a fast receive found nothing: true if the queue is still there and standard (so it
        is empty); otherwise forget it, and the full transaction raises or takes the FIFO path."""
        rows = self._db.query("SELECT fifo FROM queue_queues WHERE name = %s", (queue,))
        if rows and not rows[0]["fifo"]:
            return True
        self._standard.discard(queue)
        return False

    async def change_visibility(self, queue: str, receipt_handle: str, timeout: float, now: float) -> None:
        self._update_received(queue, receipt_handle, "visible_at = %s", now + timeout)

    async def record_error(self, queue: str, receipt_handle: str, error: str) -> None:
        self._update_received(queue, receipt_handle, "last_error = %s", error)

    async def move(self, source: str, receipt_handle: str, destination: str, now: float) -> None:
        seq = receipt_sequence(receipt_handle)
        with self._db.transaction() as conn:
            _find_queue(conn, destination)
            row = conn.execute(
                "SELECT group_id FROM queue_messages WHERE seq = %s AND receipt_handle = %s "
                "AND queue = %s FOR UPDATE",
                (seq, receipt_handle, source),
            ).fetchone()
            if row is None:
                raise stale_handle(source, receipt_handle)
            _lock_groups(conn, [(destination, row["group_id"])])
            conn.execute(
                f"INSERT INTO queue_messages (queue, visible_at, source_queue, {_COPY_COLUMNS}) "
                f"SELECT %s, %s, queue, {_COPY_COLUMNS} FROM queue_messages WHERE seq = %s",
                (destination, now, seq),
            )
            conn.execute("DELETE FROM queue_messages WHERE seq = %s", (seq,))

    async def redrive(
        self, dead_letter_queue: str, destination: str | None, limit: int | None, now: float
    ) -> int:
        with self._db.transaction() as conn:
            _find_queue(conn, dead_letter_queue)
            queues = {row["name"] for row in conn.execute("SELECT name FROM queue_queues")}
            rows = conn.execute(
                "SELECT seq, source_queue, group_id FROM queue_messages WHERE queue = %s "
                "AND visible_at <= %s ORDER BY seq LIMIT %s FOR UPDATE SKIP LOCKED",
                (dead_letter_queue, now, limit),
            ).fetchall()
            moves = [
                (destination or row["source_queue"], row["group_id"], row["seq"])
                for row in rows
                if (destination or row["source_queue"]) in queues
            ]
            _lock_groups(conn, ((target, group) for target, group, _ in moves))
            for target, _, seq in moves:
                conn.execute(
                    f"INSERT INTO queue_messages (queue, visible_at, {_COPY_COLUMNS}) "
                    f"SELECT %s, %s, {_COPY_COLUMNS} FROM queue_messages WHERE seq = %s",
                    (target, now, seq),
                )
            conn.execute("DELETE FROM queue_messages WHERE seq = ANY(%s)", ([seq for _, _, seq in moves],))
        return len(moves)

    async def purge(self, queue: str) -> int:
        with self._db.transaction() as conn:
            _find_queue(conn, queue)
            return conn.execute("DELETE FROM queue_messages WHERE queue = %s", (queue,)).rowcount

    async def attributes(self, queue: str, now: float) -> QueueAttributes:
        config = await self.get_queue(queue)
        row = self._db.query(
            "SELECT count(*) FILTER (WHERE visible_at <= %(now)s) AS visible, "
            "count(*) FILTER (WHERE visible_at > %(now)s AND receive_count > 0) AS in_flight, "
            "count(*) FILTER (WHERE visible_at > %(now)s AND receive_count = 0) AS delayed "
            "FROM queue_messages WHERE queue = %(queue)s AND sent_at > %(cutoff)s",
            {"now": now, "queue": queue, "cutoff": now - config.retention_seconds},
        )[0]
        return QueueAttributes(visible=row["visible"], in_flight=row["in_flight"], delayed=row["delayed"])

    async def peek(self, queue: str, limit: int, now: float) -> list[Message]:
        config = await self.get_queue(queue)
        rows = self._db.query(
            f"SELECT {_MESSAGE_COLUMNS} FROM queue_messages WHERE queue = %s AND sent_at > %s "
            "ORDER BY seq LIMIT %s",
            (queue, now - config.retention_seconds, limit),
        )
        return [replace(message_from_row(row), receipt_handle="") for row in rows]

    def _sweep(self, conn: Connection, queue: str, now: float, cutoff: float) -> None:
        """Delete expired messages and ended deduplication windows, at most once a minute per queue."""
        if now - self._swept.get(queue, float("-inf")) < _SWEEP_INTERVAL:
            return
        self._swept[queue] = now
        conn.execute("DELETE FROM queue_messages WHERE queue = %s AND sent_at <= %s", (queue, cutoff))
        conn.execute("DELETE FROM queue_deduplication WHERE queue = %s AND expires_at <= %s", (queue, now))

    def _update_received(self, queue: str, receipt_handle: str, assignment: str, value: Any) -> None:
        seq = receipt_sequence(receipt_handle)
        with self._db.transaction() as conn:
            updated = conn.execute(
                f"UPDATE queue_messages SET {assignment} WHERE seq = %s AND receipt_handle = %s "
                "AND queue = %s",
                (value, seq, receipt_handle, queue),
            ).rowcount
        if not updated:
            raise stale_handle(queue, receipt_handle)


def _claim_ids(
    conn: Connection, queue: str, messages: Sequence[OutgoingMessage], now: float
) -> tuple[dict[str, str], set[str]]:
    """The message id of every deduplication id in `messages`, and the ids whose window this send opens.

    An id whose window is still open keeps the id of the message that opened it. Of two concurrent
    sends of one id, the second's insert waits for the first to commit, then finds its window open.
    """
    dedups = list(dict.fromkeys(m.deduplication_id for m in messages if m.deduplication_id is not None))
    if not dedups:
        return {}, set()
    parameters = {
        "queue": queue, "ids": dedups, "message_ids": [str(uuid.uuid4()) for _ in dedups],
        "expires": now + DEDUPLICATION_WINDOW_SECONDS, "now": now,
    }  # fmt: skip
    claimed = {
        row["deduplication_id"]: row["message_id"] for row in conn.execute(_CLAIM_DEDUPLICATION, parameters)
    }
    known = dict(claimed)
    others = [dedup for dedup in dedups if dedup not in claimed]
    if others:
        for row in conn.execute(_OPEN_WINDOWS, (queue, others)):
            known[row["deduplication_id"]] = row["message_id"]
    missing = [dedup for dedup in dedups if dedup not in known]
    if missing:  # cannot happen: a conflicting window is committed and only a sweep deletes it
        raise RuntimeStoreError(f"queue {queue!r}: deduplication ids {missing} vanished while sending")
    return known, set(claimed)


def _row(message_id: str, message: OutgoingMessage, now: float) -> tuple[Any, ...]:
    attributes = json.dumps(dict(message.attributes)) if message.attributes else None
    visible_at = now + (message.delay_seconds or 0.0)
    return (message_id, message.body, attributes, message.group_id, message.deduplication_id, visible_at)


def _body_bytes(part: tuple[list[OutgoingMessage], float]) -> int:
    return sum(len(message.body) for message in part[0])
