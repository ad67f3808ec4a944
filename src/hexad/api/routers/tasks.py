"""/api/v1/tasks: long-running agent tasks (submit -> queued -> a worker runs it -> artifacts).

`POST` answers 202 with the queued task; its status, progress and artifacts are here and, as they
change, on the live WebSocket (`task.status.changed` events from `hexad.tasks`). An artifact is
served only by a name the task recorded, from the object-store key the worker wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from hexad.api.pagination import MAX_LIMIT, Cursor, decode_cursor, encode_cursor
from hexad.api.security import Principal, require
from hexad.errors import ValidationError
from hexad.lake.objects import ObjectStore
from hexad.tasks.records import TaskRecord, TaskStatus
from hexad.tasks.service import TaskService

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])
Sort = Literal["-created_at", "created_at"]


class TaskIn(BaseModel):
    agent: str = Field(min_length=1, max_length=32, examples=["cpi"])
    action: str = Field(min_length=1, max_length=64, examples=["run"])
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"subject_id": "CL-0007"}])


class ArtifactOut(BaseModel):
    name: str
    content_type: str
    size: int
    url: str


class TaskOut(BaseModel):
    """A task and where it stands; `progress` runs from 0 to 1."""

    id: str
    agent: str
    action: str
    params: dict[str, Any]
    status: TaskStatus
    progress: float
    message: str
    artifacts: list[ArtifactOut]
    submitted_by: str
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class TaskPage(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None = None


def _service(request: Request) -> TaskService:
    service: TaskService = request.app.state.tasks
    return service


def _when(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def task_out(task: TaskRecord) -> TaskOut:
    """The task as the API shows it."""
    base = f"/api/v1/tasks/{task.id}/artifacts/"
    return TaskOut(
        id=task.id, agent=task.agent, action=task.action, params=task.params, status=task.status,
        progress=task.progress, message=task.message, submitted_by=task.submitted_by,
        attempts=task.attempts, created_at=datetime.fromtimestamp(task.created_at, UTC),
        started_at=_when(task.started_at), finished_at=_when(task.finished_at),
        artifacts=[ArtifactOut(name=a.name, content_type=a.content_type, size=a.size, url=base + a.name)
                   for a in task.artifacts],
    )  # fmt: skip


@router.post("", response_model=TaskOut, status_code=202)
async def submit_task(
    request: Request, body: TaskIn, caller: Annotated[Principal, Depends(require("tasks:write"))]
) -> TaskOut:
    """Queue an agent action; a worker runs it (`GET /tasks/{id}` or the live WebSocket follow it)."""
    task = await _service(request).submit(body.agent, body.action, body.params, caller.subject)
    return task_out(task)


@router.get("", response_model=TaskPage)
async def list_tasks(
    request: Request,
    _: Annotated[Principal, Depends(require("tasks:read"))],
    status: TaskStatus | None = None,
    agent: Annotated[str | None, Query(max_length=32)] = None,
    sort: Sort = "-created_at",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> TaskPage:
    """Tasks newest first (or oldest first with `sort=created_at`); follow `next_cursor`."""
    after = None
    if cursor is not None:
        found = decode_cursor(cursor, sort)
        if not isinstance(found.value, int | float) or isinstance(found.value, bool):
            raise ValidationError("cursor: expected a cursor returned by a previous page")
        after = (float(found.value), found.id)
    rows = _service(request).store.page(limit=limit + 1, after=after, status=status, agent=agent,
                                        newest_first=sort.startswith("-"))  # fmt: skip
    page = rows[:limit]
    next_cursor = encode_cursor(Cursor(sort, page[-1].created_at, page[-1].id)) if len(rows) > limit else None
    return TaskPage(items=[task_out(task) for task in page], next_cursor=next_cursor)


@router.get("/{task_id}", response_model=TaskOut)
async def get_task(
    request: Request, task_id: str, _: Annotated[Principal, Depends(require("tasks:read"))]
) -> TaskOut:
    """One task: status, progress, message and artifacts."""
    return task_out(_service(request).get(task_id))


@router.get(
    "/{task_id}/artifacts/{name}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the artifact's bytes"}},
)
async def download_artifact(
    request: Request, task_id: str, name: str, _: Annotated[Principal, Depends(require("tasks:read"))]
) -> Response:
    """An artifact's bytes, found by the name the task recorded (never used as a path)."""
    artifact = _service(request).get(task_id).artifact(name)
    objects: ObjectStore = request.app.state.objects
    data = objects.get(artifact.key)
    disposition = f'attachment; filename="{artifact.name}"'
    return Response(data, media_type=artifact.content_type, headers={"content-disposition": disposition})
