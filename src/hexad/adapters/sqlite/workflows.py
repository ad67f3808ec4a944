"""The workflow store on the embedded runtime's SQLite file.

Four tables: `workflow_state_machines`, `workflow_executions` (status, the due time `wake_at` and the
lease `owner`/`lease_until`, indexed for the run loop's claim), `workflow_events` (the history,
primary key (execution, seq) so two processes can never both write event n) and `workflow_tokens`.
Every write that must be atomic is one `transaction()`: a history batch is one `executemany` and a
lease check, which is what makes thousands of durable transitions per second possible.
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence
from dataclasses import astuple

from hexad.adapters.sqlite.database import SqliteDatabase
from hexad.errors import ConflictError, WorkflowNotFoundError
from hexad.ports.workflows import ExecutionRecord, StateMachineRecord, StoredEvent, TokenRecord

__all__ = ["SqliteWorkflowStore"]

_DDL = """
CREATE TABLE IF NOT EXISTS workflow_state_machines (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS workflow_executions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    state_machine TEXT NOT NULL,
    definition TEXT NOT NULL,
    input TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at REAL NOT NULL,
    stopped_at REAL,
    output TEXT,
    error TEXT,
    cause TEXT,
    wake_at REAL,
    timeout_at REAL,
    owner TEXT,
    lease_until REAL,
    poked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS workflow_executions_due ON workflow_executions (status, wake_at);
CREATE INDEX IF NOT EXISTS workflow_executions_by_machine ON workflow_executions (state_machine, started_at);
CREATE TABLE IF NOT EXISTS workflow_events (
    execution_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    timestamp REAL NOT NULL,
    details TEXT NOT NULL,
    key TEXT,
    memo TEXT,
    PRIMARY KEY (execution_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS workflow_tokens (
    token TEXT PRIMARY KEY,
    execution_id TEXT NOT NULL,
    started_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
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


def _execution(row: sqlite3.Row) -> ExecutionRecord:
    return ExecutionRecord(*tuple(row))


class SqliteWorkflowStore:
    """`WorkflowStore` on one SQLite file (see the module docstring for the tables)."""

    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database
        database.ensure_schema("workflows", _DDL)

    async def put_state_machine(self, record: StateMachineRecord, *, create: bool) -> None:
        with self.database.transaction() as conn:
            exists = conn.execute(
                "SELECT 1 FROM workflow_state_machines WHERE name = ?", (record.name,)
            ).fetchone()
            if create and exists:
                raise ConflictError(f"state machine {record.name!r} already exists")
            if not create and not exists:
                raise WorkflowNotFoundError(f"state machine {record.name!r} does not exist")
            conn.execute(
                "INSERT OR REPLACE INTO workflow_state_machines VALUES (?, ?, ?, ?, ?)",
                (record.name, record.definition, record.created_at, record.updated_at, record.description),
            )

    async def get_state_machine(self, name: str) -> StateMachineRecord:
        rows = self.database.query("SELECT * FROM workflow_state_machines WHERE name = ?", (name,))
        if not rows:
            raise WorkflowNotFoundError(f"state machine {name!r} does not exist")
        return StateMachineRecord(*tuple(rows[0]))

    async def list_state_machines(self) -> builtins.list[StateMachineRecord]:
        rows = self.database.query("SELECT * FROM workflow_state_machines ORDER BY name")
        return [StateMachineRecord(*tuple(row)) for row in rows]

    async def create_execution(self, record: ExecutionRecord, events: Sequence[StoredEvent]) -> None:
        with self.database.transaction() as conn:
            try:
                conn.execute(
                    f"INSERT INTO workflow_executions ({_EXECUTION_COLUMNS}) VALUES ({', '.join('?' * 13)})",
                    astuple(record),
                )
            except sqlite3.IntegrityError:
                raise ConflictError(f"execution {record.id!r} already exists") from None
            self._insert(conn, record.id, events)

    async def get_execution(self, execution_id: str) -> ExecutionRecord:
        rows = self.database.query(
            f"SELECT {_EXECUTION_COLUMNS} FROM workflow_executions WHERE id = ?", (execution_id,)
        )
        if not rows:
            raise WorkflowNotFoundError(f"execution {execution_id!r} does not exist")
        return _execution(rows[0])

    async def list_executions(
        self, state_machine: str | None = None, status: str | None = None, limit: int = 100
    ) -> builtins.list[ExecutionRecord]:
        sql = f"SELECT {_EXECUTION_COLUMNS} FROM workflow_executions WHERE 1 = 1"
        params: list[object] = []
        if state_machine is not None:
            sql += " AND state_machine = ?"
            params.append(state_machine)
        if status is not None:
            sql += " AND status = ?"
            params.append(status)
        sql += " ORDER BY started_at DESC, id LIMIT ?"
        params.append(limit)
        return [_execution(row) for row in self.database.query(sql, params)]

    async def history(self, execution_id: str) -> builtins.list[StoredEvent]:
        rows = self.database.query(
            "SELECT seq, type, timestamp, details, key, memo FROM workflow_events "
            "WHERE execution_id = ? ORDER BY seq",
            (execution_id,),
        )
        return [StoredEvent(*tuple(row)) for row in rows]

    async def claim_due(
        self, now: float, owner: str, lease_until: float, limit: int
    ) -> builtins.list[ExecutionRecord]:
        with self.database.transaction() as conn:
            rows = conn.execute(
                f"SELECT {_EXECUTION_COLUMNS} FROM workflow_executions "
                "WHERE status = 'RUNNING' AND wake_at <= ? "
                "AND (owner IS NULL OR lease_until < ? OR owner = ?) ORDER BY wake_at LIMIT ?",
                (now, now, owner, limit),
            ).fetchall()
            conn.executemany(
                "UPDATE workflow_executions SET owner = ?, lease_until = ?, poked = 0 WHERE id = ?",
                [(owner, lease_until, row["id"]) for row in rows],
            )
        return [_execution(row) for row in rows]

    def _holds(self, conn: sqlite3.Connection, execution_id: str, owner: str | None) -> bool:
        row = conn.execute(
            "SELECT status, owner FROM workflow_executions WHERE id = ?", (execution_id,)
        ).fetchone()
        return row is not None and row["status"] == "RUNNING" and (owner is None or row["owner"] == owner)

    def _insert(self, conn: sqlite3.Connection, execution_id: str, events: Sequence[StoredEvent]) -> None:
        conn.executemany(
            "INSERT INTO workflow_events VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(execution_id, e.seq, e.type, e.timestamp, e.details, e.key, e.memo) for e in events],
        )

    async def append(
        self, execution_id: str, events: Sequence[StoredEvent], owner: str, lease_until: float
    ) -> bool:
        with self.database.transaction() as conn:
            renewed = conn.execute(
                "UPDATE workflow_executions SET lease_until = ? "
                "WHERE id = ? AND status = 'RUNNING' AND owner = ?",
                (lease_until, execution_id, owner),
            )
            if renewed.rowcount == 0:
                return False
            self._insert(conn, execution_id, events)
        return True

    async def suspend(
        self, execution_id: str, events: Sequence[StoredEvent], owner: str, wake_at: float | None
    ) -> bool:
        with self.database.transaction() as conn:
            if not self._holds(conn, execution_id, owner):
                return False
            self._insert(conn, execution_id, events)
            conn.execute(
                "UPDATE workflow_executions SET wake_at = CASE WHEN poked = 1 THEN 0 ELSE ? END, poked = 0, "
                "owner = NULL, lease_until = NULL WHERE id = ?",
                (wake_at, execution_id),
            )
        return True

    async def finish(
        self, execution: ExecutionRecord, events: Sequence[StoredEvent], owner: str | None
    ) -> bool:
        with self.database.transaction() as conn:
            if not self._holds(conn, execution.id, owner):
                return False
            self._insert(conn, execution.id, events)
            conn.execute(
                "UPDATE workflow_executions SET status = ?, stopped_at = ?, output = ?, error = ?, "
                "cause = ?, wake_at = NULL, owner = NULL, lease_until = NULL WHERE id = ?",
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
        self.database.execute(
            "INSERT OR IGNORE INTO workflow_tokens (token, execution_id, started_at, heartbeat_at) "
            "VALUES (?, ?, ?, ?)",
            (token, execution_id, started_at, started_at),
        )

    async def get_token(self, token: str) -> TokenRecord | None:
        rows = self.database.query("SELECT * FROM workflow_tokens WHERE token = ?", (token,))
        return TokenRecord(*tuple(rows[0])) if rows else None

    async def answer_token(self, token: TokenRecord, now: float) -> bool:
        with self.database.transaction() as conn:
            cursor = conn.execute(
                "UPDATE workflow_tokens SET outcome = ?, output = ?, error = ?, cause = ? "
                "WHERE token = ? AND outcome IS NULL",
                (token.outcome, token.output, token.error, token.cause, token.token),
            )
            if cursor.rowcount == 0:
                return False
            conn.execute(
                "UPDATE workflow_executions SET wake_at = ?, poked = 1 WHERE id = ? AND status = 'RUNNING'",
                (now, token.execution_id),
            )
        return True

    async def heartbeat_token(self, token: str, now: float) -> bool:
        with self.database.transaction() as conn:
            cursor = conn.execute(
                "UPDATE workflow_tokens SET heartbeat_at = ? WHERE token = ? AND outcome IS NULL",
                (now, token),
            )
        return cursor.rowcount > 0
