"""A task as stored in the `tasks` table, and the SQL store that keeps it.

The row is the task's truth (status, progress, artifacts); the queue only carries its id to a worker.
Artifacts are listed by name with the object-store key the worker wrote, so a download looks the
name up here and never turns request text into a key or path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from hexad.domain.models import Task as TaskRow
from hexad.errors import NotFoundError

__all__ = ["STATUSES", "Artifact", "SqlTaskStore", "TaskRecord", "TaskStatus"]

TaskStatus = Literal["queued", "running", "succeeded", "failed"]
STATUSES: tuple[str, ...] = ("queued", "running", "succeeded", "failed")
_TASKS: sa.Table = TaskRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Artifact:
    """A file a task produced: its name (unique per task), object-store key, media type and size."""

    name: str
    key: str
    content_type: str
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "key": self.key, "content_type": self.content_type, "size": self.size}


@dataclass(frozen=True)
class TaskRecord:
    """One task and where it stands."""

    id: str
    agent: str
    action: str
    params: dict[str, Any]
    status: TaskStatus
    submitted_by: str
    created_at: float
    progress: float = 0.0
    message: str = ""
    artifacts: tuple[Artifact, ...] = field(default=())
    attempts: int = 0
    started_at: float | None = None
    finished_at: float | None = None

    def artifact(self, name: str) -> Artifact:
        """The artifact called `name`; `NotFoundError` naming the ones there are."""
        for artifact in self.artifacts:
            if artifact.name == name:
                return artifact
        names = ", ".join(a.name for a in self.artifacts) or "none yet"
        raise NotFoundError(f"task {self.id} has no artifact {name!r}; it has: {names}")


def _record(row: Any) -> TaskRecord:
    return TaskRecord(
        id=row.id, agent=row.agent, action=row.action, params=dict(row.params or {}), status=row.status,
        submitted_by=row.submitted_by, created_at=row.created_at, progress=row.progress,
        message=row.message, artifacts=tuple(Artifact(**a) for a in row.artifacts or ()),
        attempts=row.attempts, started_at=row.started_at, finished_at=row.finished_at,
    )  # fmt: skip


def _values(task: TaskRecord) -> dict[str, Any]:
    values = dict(task.__dict__)
    values["artifacts"] = [a.as_dict() for a in task.artifacts]
    return values


class SqlTaskStore:
    """Tasks on the domain database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, task: TaskRecord) -> None:
        with self._engine.begin() as conn:
            conn.execute(_TASKS.insert().values(**_values(task)))

    def save(self, task: TaskRecord) -> None:
        with self._engine.begin() as conn:
            conn.execute(_TASKS.update().where(_TASKS.c.id == task.id).values(**_values(task)))

    def get(self, task_id: str) -> TaskRecord:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(_TASKS).where(_TASKS.c.id == task_id)).first()
        if row is None:
            raise NotFoundError(f"no task with id {task_id!r}")
        return _record(row)

    def page(
        self,
        *,
        limit: int,
        after: tuple[float, str] | None = None,
        status: str | None = None,
        agent: str | None = None,
        newest_first: bool = True,
    ) -> list[TaskRecord]:
        """Up to `limit` tasks by creation time (then id), after the keyset position `after`."""
        query = sa.select(_TASKS)
        if status is not None:
            query = query.where(_TASKS.c.status == status)
        if agent is not None:
            query = query.where(_TASKS.c.agent == agent)
        key = sa.tuple_(_TASKS.c.created_at, _TASKS.c.id)
        if after is not None:
            query = query.where(key < after if newest_first else key > after)
        order = (_TASKS.c.created_at.desc(), _TASKS.c.id.desc()) if newest_first else (
            _TASKS.c.created_at, _TASKS.c.id)  # fmt: skip
        with self._engine.connect() as conn:
            return [_record(row) for row in conn.execute(query.order_by(*order).limit(limit))]
