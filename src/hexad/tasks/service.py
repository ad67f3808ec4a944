"""Submitting tasks and moving them through `queued -> running -> succeeded | failed`.

Every change is written to the task's row and announced on the event bus as `task.status.changed`
(source `hexad.tasks`, the detail naming `submitted_by`), which is how the live WebSocket shows the
submitter its progress. A submitted task's id goes to the `hexad-tasks` queue; a worker's
`TaskConsumer` picks it up. A task whose worker died is received again when its message becomes
visible, and runs again (up to `MAX_ATTEMPTS`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from hexad.errors import ConflictError
from hexad.runtime.clock import Clock
from hexad.runtime.queues import QueueService
from hexad.tasks.actions import check_params
from hexad.tasks.records import Artifact, SqlTaskStore, TaskRecord

__all__ = ["EVENT_SOURCE", "MAX_ATTEMPTS", "STATUS_CHANGED", "TASK_QUEUE", "TaskService", "ensure_task_queue"]

TASK_QUEUE = "hexad-tasks"
TASK_DEAD_LETTERS = "hexad-tasks-dlq"
EVENT_SOURCE = "hexad.tasks"
STATUS_CHANGED = "task.status.changed"
MAX_ATTEMPTS = 3
PutEvents = Callable[[Sequence[Mapping[str, Any]]], Awaitable[Any]]


async def ensure_task_queue(queues: QueueService) -> None:
    """The task queue (idempotent); a message received three times goes to its dead-letter queue."""
    await queues.ensure_queue(TASK_QUEUE, dead_letter_queue=TASK_DEAD_LETTERS,
                              visibility_timeout=600.0, max_receive_count=MAX_ATTEMPTS)  # fmt: skip


class TaskService:
    """Tasks over their table, the task queue and the bus."""

    def __init__(
        self, store: SqlTaskStore, queues: QueueService, put_events: PutEvents, clock: Clock
    ) -> None:
        self.store, self._queues, self._put_events, self._clock = store, queues, put_events, clock

    async def submit(
        self, agent: str, action: str, params: Mapping[str, Any], submitted_by: str
    ) -> TaskRecord:
        """Check the action and its parameters, store the task as queued and queue it."""
        checked = check_params(agent, action, dict(params))
        task = TaskRecord(
            uuid.uuid4().hex, agent, action, checked, "queued", submitted_by, self._clock.time()
        )
        self.store.add(task)
        await ensure_task_queue(self._queues)
        await self._queues.send(TASK_QUEUE, task.id)
        await self._announce(task)
        return task

    async def start(self, task_id: str) -> TaskRecord | None:
        """Mark the task running for one more attempt; None when it is finished or out of attempts."""
        task = self.store.get(task_id)
        if task.status in ("succeeded", "failed"):
            return None
        if task.attempts >= MAX_ATTEMPTS:
            await self.fail(task, f"gave up after {task.attempts} attempts (the worker stopped each time)")
            return None
        task = replace(task, status="running", attempts=task.attempts + 1, started_at=self._clock.time(),
                       progress=0.0, message="started")  # fmt: skip
        return await self._write(task)

    async def progress(self, task: TaskRecord, step: str, fraction: float) -> TaskRecord:
        """Record how far a running task is."""
        return await self._write(replace(task, progress=round(min(max(fraction, 0.0), 1.0), 3), message=step))

    async def succeed(self, task: TaskRecord, artifacts: Sequence[Artifact]) -> TaskRecord:
        """The task finished; its artifacts are stored."""
        done = replace(task, status="succeeded", progress=1.0, message="done", artifacts=tuple(artifacts),
                       finished_at=self._clock.time())  # fmt: skip
        return await self._write(done)

    async def fail(self, task: TaskRecord, reason: str) -> TaskRecord:
        """The task failed for `reason` (shown to the submitter; never a stack trace)."""
        return await self._write(
            replace(task, status="failed", message=reason, finished_at=self._clock.time())
        )

    def get(self, task_id: str) -> TaskRecord:
        """The task; `NotFoundError` when there is none."""
        return self.store.get(task_id)

    async def _write(self, task: TaskRecord) -> TaskRecord:
        if task.status == "running" and self.store.get(task.id).status in ("succeeded", "failed"):
            raise ConflictError(f"task {task.id} already finished")
        self.store.save(task)
        await self._announce(task)
        return task

    async def _announce(self, task: TaskRecord) -> None:
        detail = {
            "task_id": task.id, "agent": task.agent, "action": task.action, "status": task.status,
            "progress": task.progress, "message": task.message, "artifacts": [a.name for a in task.artifacts],
            "submitted_by": task.submitted_by,
        }  # fmt: skip
        await self._put_events([{"Source": EVENT_SOURCE, "DetailType": STATUS_CHANGED, "Detail": detail}])
