"""The workflow store on PostgreSQL.

The same four tables as on SQLite (`workflow_state_machines`, `workflow_executions` with the due time
`wake_at` and the lease `owner`/`lease_until`, `workflow_events` keyed by (execution, seq),
`workflow_tokens`). SQLite's single writer makes each operation atomic; here row locks do:

- `claim_due` is `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)`, so runners in any number of
  processes split the due executions and never wait for each other; a row leased by another runner
  just before is re-checked on its new version and skipped.
- `append` renews the lease with an `UPDATE ... WHERE owner = me AND status = 'RUNNING'` before it
  inserts, so a runner that lost its lease writes nothing; the (execution, seq) key refuses a second
  writer of event n in any case.
- `suspend` and `finish` lock the execution row (`FOR UPDATE`) before they check the lease, so a task
  token answered at the same moment either sees the row suspended (and makes it due) or is seen by
  the suspend as a `poked` row that must wake at once: the answer is never lost.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import astuple

import psycopg
from psycopg.rows import DictRow

from hexad.adapters.postgres.database import PostgresDatabase
from hexad.errors import ConflictError, WorkflowNotFoundError
from hexad.ports.workflows import ExecutionRecord, StateMachineRecord, StoredEvent, TokenRecord

__all__ = ["PostgresWorkflowStore"]

Connection = psycopg.Connection[DictRow]

_DDL = """
CREATE TABLE IF NOT EXISTS workflow_state_machines (
    name TEXT COLLATE "C" PRIMARY KEY,
    definition TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS workflow_executions (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    state_machine TEXT COLLATE "C" NOT NULL,
    definition TEXT NOT NULL,
    input TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at DOUBLE PRECISION NOT NULL,
    stopped_at DOUBLE PRECISION,
    output TEXT,
    error TEXT,
    cause TEXT,
    wake_at DOUBLE PRECISION,
    timeout_at DOUBLE PRECISION,
    owner TEXT,
    lease_until DOUBLE PRECISION,
    poked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX IF NOT EXISTS workflow_executions_due ON workflow_executions (status, wake_at);
CREATE INDEX IF NOT EXISTS workflow_executions_by_machine ON workflow_executions (state_machine, started_at);
CREATE TABLE IF NOT EXISTS workflow_events (
    execution_id TEXT COLLATE "C" NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    timestamp DOUBLE PRECISION NOT NULL,
    details TEXT NOT NULL,
    key TEXT,
    memo TEXT,
    PRIMARY KEY (execution_id, seq)
);
CREATE TABLE IF NOT EXISTS workflow_tokens (
    token TEXT COLLATE "C" PRIMARY KEY,
    execution_id TEXT NOT NULL,
    started_at DOUBLE PRECISION NOT NULL,
    heartbeat_at DOUBLE PRECISION NOT NULL,
    outcome TEXT,
    output TEXT,
    error TEXT,
    cause TEXT
);
"""

_EXECUTION_COLUMNS = (
    "id, name, state_machine, definition, input, status, started_at, stopped_at, output, error, cause, "
    "wake_at, timeout_at"
)
_CLAIM_DUE = f"""
UPDATE workflow_executions AS x SET owner = %(owner)s, lease_until = %(lease_until)s, poked = FALSE
FROM (SELECT id FROM workflow_executions
      WHERE status = 'RUNNING' AND wake_at <= %(now)s
        AND (owner IS NULL OR lease_until < %(now)s OR owner = %(owner)s)
      ORDER BY wake_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED) AS due
WHERE x.id = due.id
RETURNING {", ".join(f"x.{column.strip()}" for column in _EXECUTION_COLUMNS.split(","))}
"""
_FINISH = """
UPDATE workflow_executions SET status = %s, stopped_at = %s, output = %s, error = %s, cause = %s,
    wake_at = NULL, owner = NULL, lease_until = NULL
WHERE id = %s
"""


def _execution(row: DictRow) -> ExecutionRecord:
    return ExecutionRecord(**row)


class PostgresWorkflowStore:
    """`WorkflowStore` on a `PostgresDatabase` (see the module docstring for the locking)."""

    def __init__(self, database: PostgresDatabase) -> None:
        self.database = database
        database.ensure_schema("workflows", _DDL)

    async def put_state_machine(self, record: StateMachineRecord, *, create: bool) -> None:
        values = (record.definition, record.created_at, record.updated_at, record.description, record.name)
        with self.database.transaction() as conn:
            if create:
                written = conn.execute(
                    "INSERT INTO workflow_state_machines "
                    "(definition, created_at, updated_at, description, name) VALUES (%s, %s, %s, %s, %s) "
                    "ON CONFLICT (name) DO NOTHING",
                    values,
                ).rowcount
            else:
                written = conn.execute(
                    "UPDATE workflow_state_machines SET definition = %s, created_at = %s, updated_at = %s, "
                    "description = %s WHERE name = %s",
                    values,
                ).rowcount
        if written == 0 and create:
            raise ConflictError(f"state machine {record.name!r} already exists")
        if written == 0:
            raise WorkflowNotFoundError(f"state machine {record.name!r} does not exist")

    async def get_state_machine(self, name: str) -> StateMachineRecord:
        rows = self.database.query("SELECT * FROM workflow_state_machines WHERE name = %s", (name,))
        if not rows:
            raise WorkflowNotFoundError(f"state machine {name!r} does not exist")
        return StateMachineRecord(**rows[0])

    async def list_state_machines(self) -> builtins.list[StateMachineRecord]:
        rows = self.database.query("SELECT * FROM workflow_state_machines ORDER BY name")
        return [StateMachineRecord(**row) for row in rows]

    async def create_execution(self, record: ExecutionRecord, events: Sequence[StoredEvent]) -> None:
        with self.database.transaction() as conn:
            created = conn.execute(
                f"INSERT INTO workflow_executions ({_EXECUTION_COLUMNS}) VALUES ({', '.join(['%s'] * 13)}) "
                "ON CONFLICT (id) DO NOTHING",
                astuple(record),
            ).rowcount
            if created == 0:
                raise ConflictError(f"execution {record.id!r} already exists")
            _insert(conn, record.id, events)

    async def get_execution(self, execution_id: str) -> ExecutionRecord:
        rows = self.database.query(
            f"SELECT {_EXECUTION_COLUMNS} FROM workflow_executions WHERE id = %s", (execution_id,)
        )
        if not rows:
            raise WorkflowNotFoundError(f"execution {execution_id!r} does not exist")
        return _execution(rows[0])

    async def list_executions(
        self, state_machine: str | None = None, status: str | None = None, limit: int = 100
    ) -> builtins.list[ExecutionRecord]:
        sql = f"SELECT {_EXECUTION_COLUMNS} FROM workflow_executions WHERE TRUE"
        params: list[object] = []
        if state_machine is not None:
            sql += " AND state_machine = %s"
            params.append(state_machine)
        if status is not None:
            sql += " AND status = %s"
            params.append(status)
        sql += " ORDER BY started_at DESC, id LIMIT %s"
        params.append(limit)
        return [_execution(row) for row in self.database.query(sql, params)]

    async def history(self, execution_id: str) -> builtins.list[StoredEvent]:
        rows = self.database.query(
            "SELECT seq, type, timestamp, details, key, memo FROM workflow_events "
            "WHERE execution_id = %s ORDER BY seq",
            (execution_id,),
        )
        return [StoredEvent(**row) for row in rows]

    async def claim_due(
        self, now: float, owner: str, lease_until: float, limit: int
    ) -> builtins.list[ExecutionRecord]:
        params = {"now": now, "owner": owner, "lease_until": lease_until, "limit": limit}
        with self.database.transaction() as conn:
            rows = conn.execute(_CLAIM_DUE, params).fetchall()
        return sorted(
            (_execution(row) for row in rows), key=lambda record: (record.wake_at or 0.0, record.id)
        )

    async def append(
        self, execution_id: str, events: Sequence[StoredEvent], owner: str, lease_until: float
    ) -> bool:
        with self.database.transaction() as conn:
            renewed = conn.execute(
                "UPDATE workflow_executions SET lease_until = %s "
                "WHERE id = %s AND status = 'RUNNING' AND owner = %s",
                (lease_until, execution_id, owner),
            )
            if renewed.rowcount == 0:
                return False
            _insert(conn, execution_id, events)
        return True

    async def suspend(
        self, execution_id: str, events: Sequence[StoredEvent], owner: str, wake_at: float | None
    ) -> bool:
        with self.database.transaction() as conn:
            if not _holds(conn, execution_id, owner):
                return False
            _insert(conn, execution_id, events)
            conn.execute(
                "UPDATE workflow_executions SET wake_at = CASE WHEN poked THEN 0 ELSE %s END, "
                "poked = FALSE, owner = NULL, lease_until = NULL WHERE id = %s",
                (wake_at, execution_id),
            )
        return True

    async def finish(
        self, execution: ExecutionRecord, events: Sequence[StoredEvent], owner: str | None
    ) -> bool:
        with self.database.transaction() as conn:
            if not _holds(conn, execution.id, owner):
                return False
            _insert(conn, execution.id, events)
            conn.execute(
                _FINISH,
                (
                    execution.status,
                    execution.stopped_at,
                    execution.output,
                    execution.error,
                    execution.cause,
                    execution.id,
                ),
            )
        return True

    async def open_token(self, token: str, execution_id: str, started_at: float) -> None:
        with self.database.transaction() as conn:
            conn.execute(
                "INSERT INTO workflow_tokens (token, execution_id, started_at, heartbeat_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (token) DO NOTHING",
                (token, execution_id, started_at, started_at),
            )

    async def get_token(self, token: str) -> TokenRecord | None:
        rows = self.database.query("SELECT * FROM workflow_tokens WHERE token = %s", (token,))
        return TokenRecord(**rows[0]) if rows else None

    async def answer_token(self, token: TokenRecord, now: float) -> bool:
        with self.database.transaction() as conn:
            cursor = conn.execute(
                "UPDATE workflow_tokens SET outcome = %s, output = %s, error = %s, cause = %s "
                "WHERE token = %s AND outcome IS NULL",
                (token.outcome, token.output, token.error, token.cause, token.token),
            )
            if cursor.rowcount == 0:
                return False
            conn.execute(
                "UPDATE workflow_executions SET wake_at = %s, poked = TRUE "
                "WHERE id = %s AND status = 'RUNNING'",
                (now, token.execution_id),
            )
        return True

    async def heartbeat_token(self, token: str, now: float) -> bool:
        with self.database.transaction() as conn:
            cursor = conn.execute(
                "UPDATE workflow_tokens SET heartbeat_at = %s WHERE token = %s AND outcome IS NULL",
                (now, token),
            )
        return cursor.rowcount > 0


def _holds(conn: Connection, execution_id: str, owner: str | None) -> bool:
    """Lock the execution row; True if it is RUNNING and (when `owner` is given) leased by `owner`."""
    row = conn.execute(
        "SELECT status, owner FROM workflow_executions WHERE id = %s FOR UPDATE", (execution_id,)
    ).fetchone()
    return row is not None and row["status"] == "RUNNING" and (owner is None or row["owner"] == owner)


def _insert(conn: Connection, execution_id: str, events: Sequence[StoredEvent]) -> None:
    if events:
        conn.cursor().executemany(
            "INSERT INTO workflow_events (execution_id, seq, type, timestamp, details, key, memo) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(execution_id, e.seq, e.type, e.timestamp, e.details, e.key, e.memo) for e in events],
        )
