"""The worker side of tasks: receive a task id from the queue, run its action, store its artifacts.

`TaskConsumer.run(stop)` is a worker service (`hexad worker` adds it). One task runs at a time per
consumer; the action runs in a thread so progress reports and bus events still flow. While a task
runs, its message's visibility is extended, so only a worker that died lets another pick it up.
Artifacts go to the object store under `artifacts/tasks/<task id>/<name>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from hexad.config import Settings
from hexad.errors import HexadError, NotFoundError
from hexad.lake.objects import ObjectStore, open_object_store
from hexad.ports.queue import Message
from hexad.runtime.clock import SystemClock
from hexad.runtime.queues import QueueService
from hexad.tasks.actions import ActionContext, OutputFile, find_action
from hexad.tasks.records import Artifact, SqlTaskStore, TaskRecord
from hexad.tasks.service import TASK_QUEUE, PutEvents, TaskService, ensure_task_queue

__all__ = ["TaskConsumer", "task_consumer"]

_log = logging.getLogger("hexad.tasks")
_HEARTBEAT_SECONDS = 60.0
_VISIBILITY_SECONDS = 600.0
_MIN_PROGRESS_STEP = 0.05
T = TypeVar("T")


class TaskConsumer:
    """Runs queued tasks one at a time until stopped."""

    def __init__(self, settings: Settings, service: TaskService, queues: QueueService,
                 objects: ObjectStore, put_events: PutEvents) -> None:  # fmt: skip
        self._settings, self._service, self._queues = settings, service, queues
        self._objects, self._put_events = objects, put_events

    async def run(self, stop: asyncio.Event) -> None:
        """Receive and run tasks until `stop` is set; the task in hand finishes first."""
        await ensure_task_queue(self._queues)
        while not stop.is_set():
            for message in await self._queues.receive(TASK_QUEUE, wait_seconds=1.0):
                await self.handle(message)

    async def drain(self) -> int:
        """Run every task queued now, without waiting for more; how many messages were handled."""
        await ensure_task_queue(self._queues)
        handled = 0
        while messages := await self._queues.receive(TASK_QUEUE):
            for message in messages:
                await self.handle(message)
                handled += 1
        return handled

    async def handle(self, message: Message) -> None:
        """Run the task named by `message` and delete the message once the task is settled."""
        try:
            task = await self._service.start(message.body)
        except NotFoundError:
            _log.warning(
                "task queue: message %s names no task (%r); dropped", message.message_id, message.body
            )
            task = None
        if task is not None:
            heartbeat = asyncio.create_task(self._keep_hidden(message))
            try:
                await self._perform(task)
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
        await self._queues.delete(TASK_QUEUE, message.receipt_handle)

    async def _perform(self, task: TaskRecord) -> None:
        bridge = _Bridge(self._service, task, self._put_events, asyncio.get_running_loop())
        context = ActionContext(self._settings, task.params, bridge.report, bridge.publish)
        try:
            files = await asyncio.to_thread(find_action(task.agent, task.action).perform, task.agent, context)
            artifacts = await asyncio.to_thread(self._store, task.id, files)
        except HexadError as exc:
            await self._service.fail(bridge.task, str(exc))
            return
        except Exception as exc:  # an action's bug must not stop the worker; the log has the trace
            _log.exception("task %s (%s:%s) failed", task.id, task.agent, task.action)
            reason = f"the action failed unexpectedly ({type(exc).__name__}); the worker log has details"
            await self._service.fail(bridge.task, reason)
            return
        await self._service.succeed(bridge.task, artifacts)

    def _store(self, task_id: str, files: list[OutputFile]) -> list[Artifact]:
        stored = []
        for file in files:
            key = f"artifacts/tasks/{task_id}/{file.name}"
            self._objects.put(key, file.data)
            stored.append(Artifact(file.name, key, file.content_type, len(file.data)))
        return stored

    async def _keep_hidden(self, message: Message) -> None:
        while True:
            await asyncio.sleep(_HEARTBEAT_SECONDS)
            await self._queues.change_visibility(TASK_QUEUE, message.receipt_handle, _VISIBILITY_SECONDS)


class _Bridge:
    """Progress and events from the action's thread, carried out on the event loop.

    Progress is written when the step changes or has grown by 5 %, so a chatty agent cannot flood
    the database and the bus.
    """

    def __init__(self, service: TaskService, task: TaskRecord, put_events: PutEvents,
                 loop: asyncio.AbstractEventLoop) -> None:  # fmt: skip
        self.task, self._service, self._put_events, self._loop = task, service, put_events, loop
        self._last = (task.message, task.progress)

    def report(self, step: str, fraction: float) -> None:
        last_step, last_fraction = self._last
        if step != last_step or fraction - last_fraction >= _MIN_PROGRESS_STEP:
            self.task = self._on_loop(self._service.progress(self.task, step, fraction))
            self._last = (step, fraction)

    def publish(self, entries: list[dict[str, Any]]) -> None:
        self._on_loop(self._put_events(entries))

    def _on_loop(self, awaitable: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(_awaited(awaitable), self._loop).result()


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


def task_consumer(settings: Settings) -> Callable[[asyncio.Event], Awaitable[None]]:
    """The consumer on the settings' database, queues, bus and object store, as a worker service."""
    from hexad import wiring
    from hexad.domain.database import engine_for, upgrade

    upgrade(settings)
    clock = SystemClock()
    queues = wiring.queue_service(settings, clock=clock)
    put_events = wiring.event_bus(settings, clock=clock).put_events
    service = TaskService(SqlTaskStore(engine_for(settings)), queues, put_events, clock)
    objects = open_object_store(settings.effective_object_store_url)
    return TaskConsumer(settings, service, queues, objects, put_events).run
