"""The runtime half of an actor: its mailbox, its run loop, restart and stop.

Why no task per message: a `tell` appends to a deque and, only when the actor is idle, creates one
task that drains the mailbox and ends when it is empty. A busy actor therefore handles a burst of
messages with plain awaits (no scheduling between them), and an idle actor holds no task at all, which
is what makes 100,000 idle actors cheap. The drain yields to the event loop every `_FAIRNESS` messages
so one busy actor cannot starve the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from time import perf_counter
from typing import TYPE_CHECKING, Any

from hexad.errors import ActorStoppedError
from hexad.runtime.actors.actor import Actor
from hexad.runtime.actors.metrics import BUCKETS, kind_stats
from hexad.runtime.actors.state import ActorState
from hexad.runtime.actors.supervision import RestartRecord, SupervisorStrategy

if TYPE_CHECKING:
    from hexad.runtime.actors.system import ActorContext, ActorRef, ActorSystem

__all__ = ["Cell", "Status"]

_log = logging.getLogger(__name__)
_FAIRNESS = 256
_RECORDS_KEPT = 20

Envelope = tuple[Any, "asyncio.Future[Any] | None"]


class Status(enum.Enum):
    """Where an actor is in its life."""

    STARTING = "starting"
    RUNNING = "running"
    SUSPENDED = "suspended"  # failed; its supervisor has escalated and waits for the outcome
    RESTARTING = "restarting"  # waiting out the backoff, then replaced by a fresh instance
    STOPPING = "stopping"
    STOPPED = "stopped"


_RUNNING = Status.RUNNING
_GONE = (Status.STOPPING, Status.STOPPED)


class Cell:
    """One live actor: instance, mailbox, children, supervision bookkeeping."""

    __slots__ = (
        "_stopped",
        "actor",
        "children",
        "context",
        "factory",
        "failures",
        "handled",
        "kind",
        "last_error",
        "mailbox",
        "name",
        "parent",
        "path",
        "queue",
        "records",
        "ref",
        "restart_times",
        "restarts",
        "state",
        "stats",
        "status",
        "strategy",
        "system",
        "task",
    )

    def __init__(
        self,
        system: ActorSystem,
        parent: Cell | None,
        name: str,
        factory: Callable[[], Actor],
        actor: Actor | None,
        strategy: SupervisorStrategy | None = None,
    ) -> None:
        from hexad.runtime.actors.system import ActorContext, ActorRef

        self.system = system
        self.parent = parent
        self.name = name
        self.path: str = "/" if parent is None else f"{parent.path.rstrip('/')}/{name}"
        self.factory = factory
        self.actor = actor
        self.kind = type(actor).__name__ if actor is not None else "root"
        self.strategy = strategy or (actor.supervisor_strategy if actor is not None else None)
        self.mailbox: deque[Envelope] = deque()
        self.status = Status.STARTING
        self.task: asyncio.Task[None] | None = None
        self.children: dict[str, Cell] = {}
        self.context: ActorContext = ActorContext(self)
        self.ref: ActorRef = ActorRef(self)
        self.stats = kind_stats(self.kind)
        self.handled = 0
        self.failures = 0
        self.restarts = 0
        self.last_error: str | None = None
        self.restart_times: list[float] = []
        self.records: deque[RestartRecord] = deque(maxlen=_RECORDS_KEPT)
        self.queue: str | None = None  # the durable mailbox queue, when bound
        self.state: ActorState | None = None
        self._stopped: asyncio.Event | None = None

    # --- messages

    def enqueue(self, envelope: Envelope) -> bool:
        """Append a message; False (a dead letter) if the actor has stopped."""
        if self.status is Status.STOPPED:
            return False
        self.mailbox.append(envelope)
        if self.task is None and self.status is _RUNNING:
            self.task = asyncio.get_running_loop().create_task(self._drain())
        return True

    def wake(self) -> None:
        """Start draining if there is mail and the actor may run."""
        if self.task is None and self.status is _RUNNING and self.mailbox:
            self.task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        mailbox, stats, context = self.mailbox, self.stats, self.context
        buckets = stats.buckets
        receive = self.actor.receive  # type: ignore[union-attr]
        count = 0
        try:
            while self.status is _RUNNING:
                if not mailbox:
                    # Linger for one loop turn: in a conversation the answer usually arrives now,
                    # and reusing this task is far cheaper than creating a new one.
                    await asyncio.sleep(0)
                    if not mailbox:
                        return
                    continue
                message, reply = mailbox.popleft()
                started = perf_counter()
                try:
                    result = await receive(message, context)
                except Exception as error:
                    _answer_error(reply, error)
                    self.task = None
                    self.system._supervise(self, error)
                    return
                except asyncio.CancelledError:
                    _answer_error(reply, ActorStoppedError(f"{self.path} was interrupted before answering"))
                    raise
                elapsed = perf_counter() - started
                stats.handled += 1  # KindStats.observe, inlined: this is the hot path
                stats.seconds += elapsed
                buckets[bisect_left(BUCKETS, elapsed)] += 1
                self.handled += 1
                if reply is not None and not reply.done():
                    reply.set_result(result)
                count += 1
                if count % _FAIRNESS == 0:
                    await asyncio.sleep(0)
        finally:
            if self.task is asyncio.current_task():
                self.task = None

    # --- life cycle

    async def start(self) -> None:
        """Run `started` on the current instance, then take messages."""
        try:
            if self.actor is None:
                self.actor = self.factory()
            await self.actor.started(self.context)
        except Exception as error:
            self.system._supervise(self, error)
            return
        if self.status in (Status.STARTING, Status.RESTARTING):
            self.status = Status.RUNNING
            self.wake()

    async def interrupt(self) -> None:
        """Cancel the message in hand (used before a restart) and wait until the drain has ended."""
        task = self.task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.task = None

    async def restart(self, error: BaseException) -> None:
        """Replace the instance with a fresh one from the factory (children are stopped first)."""
        if self.status in _GONE:
            return
        self.status = Status.RESTARTING
        await self.interrupt()
        await self.stop_children()
        old = self.actor
        if old is not None:
            try:
                await old.restarting(error, self.context)
            except Exception:
                _log.exception("actor %s: restarting hook failed", self.path)
        self.restarts += 1
        self.stats.restarts += 1
        self.actor = None
        await self.start()

    async def stop(self, grace: float | None = None) -> None:
        """Finish the message in hand (up to `grace` seconds), stop children, run `stopping`."""
        if self.status in _GONE:
            await self.wait_stopped()
            return
        previous = self.status
        self.status = Status.STOPPING
        await self._finish_in_hand(grace)
        await self.stop_children(grace)
        if self.actor is not None and previous is not Status.STARTING:
            try:
                await self.actor.stopping(self.context)
            except Exception:
                _log.exception("actor %s: stopping hook failed", self.path)
        self._close()

    async def stop_children(self, grace: float | None = None) -> None:
        """Stop every child, the most recently spawned first."""
        for child in reversed(list(self.children.values())):
            await child.stop(grace)

    async def wait_stopped(self) -> None:
        """Return once the actor has stopped."""
        if self.status is Status.STOPPED:
            return
        if self._stopped is None:
            self._stopped = asyncio.Event()
        await self._stopped.wait()

    async def _finish_in_hand(self, grace: float | None) -> None:
        task = self.task
        if task is None or task is asyncio.current_task():
            return
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            await self.interrupt()

    def _close(self) -> None:
        self.status = Status.STOPPED
        dropped = 0
        while self.mailbox:
            _, reply = self.mailbox.popleft()
            _answer_error(reply, ActorStoppedError(f"{self.path} stopped before handling the message"))
            dropped += 1
        self.system._dead_letters += dropped
        if self.parent is not None and self.parent.children.get(self.name) is self:
            del self.parent.children[self.name]
        self.system._forget(self)
        if self._stopped is not None:
            self._stopped.set()

    # --- views

    def snapshot(self) -> dict[str, Any]:
        """This actor and its subtree as plain data (the control socket serves it as JSON)."""
        return {
            "name": self.name,
            "path": self.path,
            "kind": self.kind,
            "status": self.status.value,
            "mailbox": len(self.mailbox),
            "queue": self.queue,
            "handled": self.handled,
            "failures": self.failures,
            "restarts": self.restarts,
            "last_error": self.last_error,
            "state_version": None if self.state is None else self.state.version,
            "restart_log": [record.as_dict() for record in self.records],
            "children": [child.snapshot() for child in list(self.children.values())],
        }


def _answer_error(reply: asyncio.Future[Any] | None, error: BaseException) -> None:
    if reply is not None and not reply.done():
        reply.set_exception(error)
