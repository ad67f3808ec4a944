"""The actor system: spawn, tell, ask, stop, and the supervision that keeps actors alive.

Everything runs on one asyncio event loop; `tell` and `ask` must be called from it. Actors form a
tree under a root guardian: top-level actors are the root's children and are supervised by the
system's `guardian_strategy`; any actor can spawn children at run time through its context, and
supervises them with its class's `supervisor_strategy` (see `supervision`).

A failure travels up, never sideways: the failed actor is suspended, its supervisor's decider picks a
directive, restarts wait out an exponential backoff (on the system's `Clock`), and a spent restart
budget or an `escalate` fails the supervisor in turn. The root never fails: it logs and stops the
offending top-level actor, and the rest of the system keeps running.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any

from hexad.errors import ActorError, ActorStoppedError, AskTimeoutError
from hexad.ports.state import StateStore
from hexad.runtime.actors.actor import Actor
from hexad.runtime.actors.cell import Cell, Status
from hexad.runtime.actors.state import ActorState, state_key
from hexad.runtime.actors.supervision import (
    Directive,
    RestartBudgetExhaustedError,
    RestartRecord,
    Scope,
    SupervisorStrategy,
    one_for_one,
)
from hexad.runtime.clock import Clock, SystemClock

__all__ = ["ActorContext", "ActorRef", "ActorSystem", "Status"]

_log = logging.getLogger(__name__)
_NAME = re.compile(r"^[A-Za-z0-9_.:@$%~-][A-Za-z0-9_.:@$%~=-]{0,199}$")
_SYSTEM_LOG_KEPT = 200


class ActorRef:
    """The only handle other code holds on an actor: send it messages, ask it, stop it."""

    __slots__ = ("_cell",)

    def __init__(self, cell: Cell) -> None:
        self._cell = cell

    @property
    def name(self) -> str:
        """The actor's name among its siblings."""
        return self._cell.name

    @property
    def path(self) -> str:
        """The actor's place in the tree, e.g. `/billing/client-42`."""
        return self._cell.path

    @property
    def status(self) -> Status:
        """Where the actor is in its life (running, restarting, stopped...)."""
        return self._cell.status

    @property
    def is_alive(self) -> bool:
        """True until the actor has stopped."""
        return self._cell.status is not Status.STOPPED

    def tell(self, message: Any) -> None:
        """Send without waiting; a message to a stopped actor is counted as a dead letter."""
        cell = self._cell  # Cell.enqueue, inlined: this is the hot path
        if cell.status is Status.STOPPED:
            cell.system._dead_letters += 1
            return
        cell.mailbox.append((message, None))
        if cell.task is None and cell.status is Status.RUNNING:
            cell.wake()

    async def ask(self, message: Any, timeout: float | None = 5.0) -> Any:
        """Send and wait for what `receive` returns (or raises); `AskTimeoutError` after `timeout` s."""
        cell = self._cell
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if not cell.enqueue((message, reply)):
            raise ActorStoppedError(f"cannot ask {cell.path}: the actor has stopped")
        if timeout is None:
            return await reply
        return await cell.system._wait(reply, timeout, cell.path)

    async def stop(self, grace: float | None = None) -> None:
        """Stop the actor and its children, letting it finish the message in hand."""
        await self._cell.stop(grace)

    def __repr__(self) -> str:
        return f"<ActorRef {self._cell.path} {self._cell.status.value}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ActorRef) and other._cell is self._cell

    def __hash__(self) -> int:
        return id(self._cell)


class ActorContext:
    """What an actor may do from inside `receive` and its hooks."""

    __slots__ = ("_cell",)

    def __init__(self, cell: Cell) -> None:
        self._cell = cell

    @property
    def ref(self) -> ActorRef:
        """This actor's own reference (give it to others so they can reply)."""
        return self._cell.ref

    @property
    def parent(self) -> ActorRef | None:
        """The supervisor's reference (None for the root)."""
        parent = self._cell.parent
        return None if parent is None or parent.parent is None else parent.ref

    @property
    def system(self) -> ActorSystem:
        """The system this actor runs in."""
        return self._cell.system

    @property
    def name(self) -> str:
        """This actor's name."""
        return self._cell.name

    @property
    def path(self) -> str:
        """This actor's path."""
        return self._cell.path

    @property
    def children(self) -> list[ActorRef]:
        """Live children in spawn order."""
        return [child.ref for child in self._cell.children.values()]

    def child(self, name: str) -> ActorRef | None:
        """The live child called `name`, if any."""
        cell = self._cell.children.get(name)
        return None if cell is None else cell.ref

    def spawn(self, factory: Callable[[], Actor], name: str | None = None) -> ActorRef:
        """Create a child supervised by this actor; `factory` builds a fresh instance on each restart."""
        return self._cell.system._spawn(self._cell, factory, name)

    def stop(self, ref: ActorRef) -> None:
        """Stop `ref` (this actor or a child) after the message in hand, without waiting here."""
        self._cell.system._background(ref.stop())

    @property
    def state(self) -> ActorState:
        """This actor's durable state (`ActorError` if the system has no state store)."""
        cell = self._cell
        if cell.state is None:
            store = cell.system.state_store
            if store is None:
                raise ActorError(
                    f"{cell.path} asked for durable state but the actor system has no state store"
                )
            cell.state = ActorState(store, state_key(cell.path))
        return cell.state


class ActorSystem:
    """A tree of supervised actors on the running event loop."""

    def __init__(
        self,
        name: str = "hexad",
        *,
        clock: Clock | None = None,
        guardian_strategy: SupervisorStrategy | None = None,
        state_store: StateStore | None = None,
    ) -> None:
        self.name = name
        self.clock: Clock = clock or SystemClock()
        self.state_store = state_store
        self._root = Cell(self, None, "", lambda: Actor(), None, guardian_strategy or one_for_one())
        self._root.status = Status.RUNNING
        self._cells: dict[str, Cell] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._dead_letters = 0
        self.restart_log: deque[RestartRecord] = deque(maxlen=_SYSTEM_LOG_KEPT)

    # --- public API

    def spawn(self, factory: Callable[[], Actor], name: str | None = None) -> ActorRef:
        """Create a top-level actor supervised by the root guardian."""
        return self._spawn(self._root, factory, name)

    def lookup(self, path: str) -> ActorRef | None:
        """The live actor at `path` (e.g. `/billing/client-42`), if any."""
        cell = self._cells.get(path)
        return None if cell is None else cell.ref

    @property
    def dead_letters(self) -> int:
        """Messages that went to stopped actors (or were dropped when their actor stopped)."""
        return self._dead_letters

    @property
    def top_level(self) -> list[ActorRef]:
        """The root's live children."""
        return [cell.ref for cell in self._root.children.values()]

    def tree(self) -> list[dict[str, Any]]:
        """The live supervision tree as plain data: state, counts, mailbox, last error, restart log."""
        return [cell.snapshot() for cell in list(self._root.children.values())]

    async def stop(self, ref: ActorRef, grace: float | None = None) -> None:
        """Stop `ref` and its subtree."""
        await ref.stop(grace)

    async def shutdown(self, grace: float | None = 10.0) -> None:
        """Stop every actor (each finishes its message in hand within `grace` s), newest first."""
        await self._root.stop_children(grace)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> ActorSystem:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.shutdown()

    # --- internals used by cells and contexts

    def _spawn(self, parent: Cell, factory: Callable[[], Actor], name: str | None) -> ActorRef:
        if parent.status in (Status.STOPPING, Status.STOPPED):
            raise ActorStoppedError(f"cannot spawn under {parent.path or '/'}: it is stopping")
        actor = factory()
        name = name if name is not None else f"{type(actor).__name__.lower()}-{next(self._ids)}"
        if not _NAME.match(name):
            raise ActorError(f"invalid actor name {name!r}: expected 1-200 of A-Z a-z 0-9 _ . : @ $ % ~ = -")
        if name in parent.children:
            raise ActorError(f"an actor named {name!r} already runs under {parent.path}")
        cell = Cell(self, parent, name, factory, actor)
        parent.children[name] = cell
        self._cells[cell.path] = cell
        if type(actor).started is Actor.started:
            cell.status = Status.RUNNING  # nothing to await: skip the start task (cheap idle actors)
        else:
            self._background(cell.start())
        return cell.ref

    def _forget(self, cell: Cell) -> None:
        if self._cells.get(cell.path) is cell:
            del self._cells[cell.path]

    def _background(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _wait(self, reply: asyncio.Future[Any], timeout: float, path: str) -> Any:
        timer = asyncio.ensure_future(self.clock.sleep(timeout))
        try:
            await asyncio.wait({reply, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        if not reply.done():
            reply.cancel()
            raise AskTimeoutError(f"{path} did not answer within {timeout:g} s")
        return reply.result()

    def _supervise(self, cell: Cell, error: BaseException) -> None:
        """Decide what happens to `cell`, which has just failed with `error`."""
        cell.status = Status.SUSPENDED
        cell.failures += 1
        cell.stats.failures += 1
        cell.last_error = f"{type(error).__name__}: {error}"
        parent = cell.parent
        assert parent is not None and parent.strategy is not None
        directive = parent.strategy.decide(error)
        if directive is Directive.RESTART:
            self._restart_or_escalate(parent, cell, error)
            return
        self._record(cell, error, directive, 0.0)
        if directive is Directive.RESUME:
            self._resume(cell)
        elif directive is Directive.STOP:
            self._background(cell.stop())
        else:
            self._escalate(parent, cell, error)

    def _restart_or_escalate(self, parent: Cell, cell: Cell, error: BaseException) -> None:
        strategy = parent.strategy
        assert strategy is not None
        now = self.clock.time()
        if not strategy.within_budget(cell.restart_times, now):
            spent = RestartBudgetExhaustedError(
                f"{cell.path} failed more than {strategy.max_restarts} times within "
                f"{strategy.within_seconds:g} s; last error: {type(error).__name__}: {error}"
            )
            spent.__cause__ = error
            self._record(cell, error, Directive.ESCALATE, 0.0)
            self._escalate(parent, cell, spent, stop_children=True)
            return
        delay = strategy.backoff(len(cell.restart_times))
        cell.restart_times.append(now)
        self._record(cell, error, Directive.RESTART, delay)
        targets = _affected(parent, cell, strategy.scope)
        for target in targets:
            if target.status not in (Status.STOPPING, Status.STOPPED):
                target.status = Status.RESTARTING
        self._background(self._restart_after(targets, error, delay))

    async def _restart_after(self, targets: list[Cell], error: BaseException, delay: float) -> None:
        for target in targets:
            await target.interrupt()
        await self.clock.sleep(delay)
        for target in targets:
            await target.restart(error)

    def _escalate(
        self, parent: Cell, cell: Cell, error: BaseException, *, stop_children: bool = False
    ) -> None:
        if parent is self._root:
            _log.error(
                "actor %s failed and its supervisors gave up; the root stops it", cell.path, exc_info=error
            )
            self._background(cell.stop())
            return
        if stop_children:
            self._background(parent.stop_children())
        self._background(self._fail(parent, error))

    async def _fail(self, cell: Cell, error: BaseException) -> None:
        cell.status = Status.SUSPENDED
        await cell.interrupt()
        if cell.status is Status.SUSPENDED:
            self._supervise(cell, error)

    def _resume(self, cell: Cell) -> None:
        cell.status = Status.RUNNING
        cell.wake()
        for child in list(cell.children.values()):
            if child.status is Status.SUSPENDED:
                self._resume(child)

    def _record(self, cell: Cell, error: BaseException, directive: Directive, delay: float) -> None:
        record = RestartRecord.of(self.clock.time(), cell.path, error, directive, delay)
        cell.records.append(record)
        self.restart_log.append(record)
        log = _log.warning if directive is not Directive.RESUME else _log.info
        log("actor %s failed (%s: %s); %s", cell.path, type(error).__name__, error, directive.value)


def _affected(parent: Cell, cell: Cell, scope: Scope) -> list[Cell]:
    siblings = list(parent.children.values())
    if scope is Scope.ONE_FOR_ONE or cell not in siblings:
        return [cell]
    if scope is Scope.ONE_FOR_ALL:
        return siblings
    return siblings[siblings.index(cell) :]
