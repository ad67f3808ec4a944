"""Keyed (virtual) actors: one activation per key, on a FIFO queue whose group id is the key.

Nothing creates a keyed actor by hand. The first message for a key activates it (its state loaded
from the state store), it handles that key's messages strictly in order, and after `idle_seconds`
without a message it is passivated: its state is saved and it stops. The next message activates it
again with the saved state. Order per key comes from the FIFO queue itself (a group with a message in
flight hands out no other message), and `concurrency` pumps read the queue at once, so different keys
are handled in parallel up to that limit.

Activations are children of a host actor named after the binding; the host's supervisor strategy
restarts a failed activation (which reloads the last saved state) while the message is redelivered.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar
from urllib.parse import quote, unquote

from hexad.ports.queue import Message
from hexad.runtime.actors.actor import Actor
from hexad.runtime.actors.mailbox import MailboxBinding, idle_pause
from hexad.runtime.actors.supervision import SupervisorStrategy
from hexad.runtime.actors.system import ActorContext, ActorRef, ActorSystem
from hexad.runtime.queues import QueueService

__all__ = ["KeyedActor", "KeyedBinding", "KeyedHost"]

DEFAULT_KEY = "default"
_log = logging.getLogger(__name__)


class KeyedActor(Actor):
    """Subclass and implement `handle`; `self.key` and `self.state` are set before `activated`.

    `state` is a JSON document saved on passivation and on stop (and after every message when
    `save_every_message` is set, which trades a write per message for losing nothing on a crash).
    """

    save_every_message: ClassVar[bool] = False
    key: str
    state: Any

    def initial_state(self) -> Any:
        """The state of a key seen for the first time."""
        return None

    async def activated(self, context: ActorContext) -> None:
        """Called after the state is loaded, before the first message of this activation."""

    async def handle(self, message: Any, context: ActorContext) -> Any:
        """Handle one message for this key."""
        raise NotImplementedError(f"{type(self).__name__} must implement handle(message, context)")

    async def passivating(self, context: ActorContext) -> None:
        """Called before the state is saved and the activation stops."""

    async def started(self, context: ActorContext) -> None:
        self.key = unquote(context.name)
        self.state = await context.state.load(self.initial_state())
        await self.activated(context)

    async def receive(self, message: Any, context: ActorContext) -> Any:
        result = await self.handle(message, context)
        if self.save_every_message:
            await context.state.save(self.state)
        return result

    async def stopping(self, context: ActorContext) -> None:
        await self.passivating(context)
        await context.state.save(self.state)


class KeyedHost(Actor):
    """Supervises the activations of one keyed binding and creates them on demand."""

    def __init__(self, factory: type[KeyedActor], strategy: SupervisorStrategy | None = None) -> None:
        self.factory = factory
        if strategy is not None:
            self.supervisor_strategy = strategy  # type: ignore[misc]

    async def receive(self, message: Any, context: ActorContext) -> Any:
        """`("activate", key)` answers the live activation of `key`, spawning it if needed."""
        _, key = message
        name = quote(key, safe="")
        return context.child(name) or context.spawn(self.factory, name=name)


class KeyedBinding:
    """Feeds a FIFO queue into keyed actors; `start`, and `stop` to finish in-hand work and save state."""

    def __init__(
        self,
        system: ActorSystem,
        queues: QueueService,
        queue: str,
        factory: type[KeyedActor],
        *,
        name: str | None = None,
        concurrency: int = 8,
        idle_seconds: float = 300.0,
        wait_seconds: float = 1.0,
        retry_delay: float | None = None,
        strategy: SupervisorStrategy | None = None,
    ) -> None:
        if concurrency < 1 or idle_seconds <= 0:
            raise ValueError("a keyed binding needs concurrency >= 1 and idle_seconds > 0")
        self.system, self.queues, self.queue = system, queues, queue
        self.concurrency, self.idle_seconds, self.wait_seconds = concurrency, idle_seconds, wait_seconds
        self.retry_delay = retry_delay
        self.host = system.spawn(lambda: KeyedHost(factory, strategy), name=name or queue)
        self.host._cell.queue = queue
        self.delivered = 0
        self.failed = 0
        self._active: dict[str, tuple[MailboxBinding, float]] = {}
        self._busy: set[str] = set()
        self._passivating: dict[str, asyncio.Task[None]] = {}
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._in_hand: dict[asyncio.Task[Any], str] = {}
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def activations(self) -> list[str]:
        """Keys with a live activation."""
        return list(self._active)

    def start(self) -> None:
        """Start the pumps and the passivation sweep."""
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._pump(), name=f"keyed {self.queue}") for _ in range(self.concurrency)
        ]
        self._sweeper = loop.create_task(self._sweep(), name=f"passivate {self.queue}")

    async def stop(self, grace: float | None = None) -> None:
        """Stop reading, let in-hand messages finish (up to `grace` s), then passivate every key."""
        self._stopping = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        for task in self._tasks:
            if task not in self._in_hand:
                task.cancel()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for key in list(self._active):
            await self._passivate(key)

    async def passivate_idle(self) -> int:
        """Passivate every activation idle for `idle_seconds`; returns how many."""
        horizon = self.system.clock.time() - self.idle_seconds
        idle = [key for key, (_, used) in self._active.items() if used <= horizon and key not in self._busy]
        for key in idle:
            await self._passivate(key)
        return len(idle)

    # --- internals

    async def _pump(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        while not self._stopping and self.host.is_alive:
            batch = await self.queues.receive(self.queue, max_messages=1, wait_seconds=self.wait_seconds)
            if not batch:
                await idle_pause(self.system.clock, self.wait_seconds)
            for message in batch:
                self._in_hand[task] = message.group_id or DEFAULT_KEY
                try:
                    await self._deliver(self._in_hand[task], message)
                finally:
                    del self._in_hand[task]

    async def _deliver(self, key: str, message: Message) -> None:
        self._busy.add(key)
        try:
            binding = await self._activation(key)
            ok = await binding.deliver(message)
            self._active[key] = (binding, self.system.clock.time())
        finally:
            self._busy.discard(key)
        if ok:
            self.delivered += 1
        else:
            self.failed += 1

    async def _activation(self, key: str) -> MailboxBinding:
        passivation = self._passivating.get(key)
        if passivation is not None:
            await passivation
        current = self._active.get(key)
        if current is not None and current[0].ref.is_alive:
            return current[0]
        ref: ActorRef = await self.host.ask(("activate", key))
        binding = MailboxBinding(ref, self.queues, self.queue, retry_delay=self.retry_delay)
        self._active[key] = (binding, self.system.clock.time())
        return binding

    async def _passivate(self, key: str) -> None:
        entry = self._active.pop(key, None)
        if entry is None:
            return
        task = asyncio.ensure_future(_stop_activation(entry[0]))
        self._passivating[key] = task
        try:
            await task
        finally:
            if self._passivating.get(key) is task:
                del self._passivating[key]

    async def _sweep(self) -> None:
        while True:
            await self.system.clock.sleep(max(self.idle_seconds / 4, 0.01))
            try:
                await self.passivate_idle()
            except Exception:
                _log.exception("keyed binding %s: passivation failed; will retry", self.queue)


async def _stop_activation(binding: MailboxBinding) -> None:
    await binding.ref.stop()
    await binding.stop()
