"""Durable mailboxes: an actor bound to a queue, with at-least-once delivery.

A `MailboxBinding` pumps one queue into one actor, one message at a time. The message is deleted only
after the actor's `receive` returned normally, so a process killed mid-message leaves it in the queue
and it comes back after the visibility timeout. When `receive` raises, the binding records the
exception on the message (`QueueService.fail`) and gives it back after `retry_delay` (by default
the queue's visibility timeout); meanwhile the supervisor restarts the actor, so the redelivery goes
to a fresh instance. After `max_receive_count` deliveries the queue moves the message to its
dead-letter queue, carrying the last exception.

A standard queue is read in batches of 10 to save round trips. A FIFO queue is read one message at a
time: a prefetched follower of a failing message would have to be given back unprocessed (to keep the
group's order), and every give-back counts as a receive, so a poison head would drag its innocent
followers into the dead-letter queue. A message that takes longer than half the visibility timeout
has its visibility extended while the actor works on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import traceback
from dataclasses import dataclass
from typing import Any

from opentelemetry.trace import Tracer

from hexad.errors import ActorStoppedError
from hexad.ports.queue import Message
from hexad.runtime.actors.system import ActorRef
from hexad.runtime.actors.tracing import message_span
from hexad.runtime.clock import Clock
from hexad.runtime.queues import QueueService

__all__ = ["Delivery", "MailboxBinding", "describe_error", "idle_pause"]

_log = logging.getLogger(__name__)
_EMPTY_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Delivery:
    """What a queue-bound actor receives: the queue's message (body = the event envelope JSON)."""

    queue: str
    message: Message

    @property
    def body(self) -> str:
        """The message body as sent."""
        return self.message.body

    @property
    def receive_count(self) -> int:
        """How many times this message has been delivered, this time included."""
        return self.message.receive_count

    @property
    def key(self) -> str | None:
        """The FIFO group id (the key of a keyed actor)."""
        return self.message.group_id

    def json(self) -> Any:
        """The body parsed as JSON (an event envelope for agent mailboxes)."""
        return json.loads(self.message.body)


async def idle_pause(clock: Clock, wait_seconds: float) -> None:
    """After an empty receive: yield, and without long polling, pause so the pump never spins."""
    await (clock.sleep(_EMPTY_POLL_SECONDS) if wait_seconds <= 0 else asyncio.sleep(0))


def describe_error(error: BaseException) -> str:
    """The text stored with a failed message: type, message and traceback."""
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


class MailboxBinding:
    """Feeds a durable queue into one actor; `start` it, and `stop` it to finish the message in hand."""

    def __init__(
        self,
        ref: ActorRef,
        queues: QueueService,
        queue: str,
        *,
        batch_size: int | None = None,
        wait_seconds: float = 1.0,
        retry_delay: float | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self.ref = ref
        self.queues = queues
        self.queue = queue
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.retry_delay = retry_delay
        self.tracer = tracer
        self.in_hand: Message | None = None
        self.delivered = 0
        self.failed = 0
        self._stopping = False
        self._visibility: float | None = None
        self._fifo = False
        self._task: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        ref._cell.queue = queue

    def start(self) -> asyncio.Task[None]:
        """Begin pumping in the background."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name=f"mailbox {self.queue}")
        return self._task

    async def run(self) -> None:
        """Pump until stopped or until the actor has stopped."""
        config = await self.queues.get_queue(self.queue)
        self._visibility = config.visibility_timeout
        self._fifo = config.fifo
        if self.batch_size is None:
            self.batch_size = 1 if config.fifo else 10
        while not self._stopping and self.ref.is_alive:
            batch = await self.queues.receive(
                self.queue, max_messages=self.batch_size, wait_seconds=self.wait_seconds
            )
            if batch:
                await self.handle_batch(batch)
            else:
                await idle_pause(self.ref._cell.system.clock, self.wait_seconds)

    async def handle_batch(self, batch: list[Message]) -> None:
        """Deliver messages in order; give the rest back after a stop, or a failure on a FIFO queue."""
        for index, message in enumerate(batch):
            if self._stopping:
                await self._release(batch[index:])
                return
            if not await self.deliver(message) and (self._fifo or not self.ref.is_alive):
                await self._release(batch[index + 1 :])
                return

    async def deliver(self, message: Message) -> bool:
        """Hand one message to the actor; True if it was handled and deleted."""
        self.in_hand = message
        if self._keeper is None:
            self._keeper = asyncio.get_running_loop().create_task(self._keep_hidden())
        try:
            with message_span(self.ref.path, self.queue, message, self.tracer):
                await self.ref.ask(Delivery(self.queue, message), timeout=None)
            await self.queues.delete(self.queue, message.receipt_handle)
        except ActorStoppedError:
            return False  # the actor is gone; the message stays and comes back after its timeout
        except Exception as error:
            await self._fail(message, error)
            return False
        finally:
            self.in_hand = None
        self.delivered += 1
        return True

    async def stop(self, grace: float | None = None) -> None:
        """Stop taking messages; let the message in hand finish (up to `grace` s, then interrupt it)."""
        self._stopping = True
        task = self._task
        if task is not None and not task.done():
            if self.in_hand is None:
                task.cancel()
            done, _ = await asyncio.wait({task}, timeout=grace)
            if not done:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._keeper is not None:
            self._keeper.cancel()
            self._keeper = None

    async def _fail(self, message: Message, error: Exception) -> None:
        self.failed += 1
        delay = self.retry_delay
        if delay is None:
            delay = await self._visibility_timeout()
        dead = await self.queues.fail(self.queue, message, describe_error(error), retry_delay=delay)
        if dead:
            _log.warning(
                "message %s on %s went to the dead-letter queue: %r", message.message_id, self.queue, error
            )

    async def _release(self, messages: list[Message]) -> None:
        for message in messages:
            with contextlib.suppress(Exception):
                await self.queues.change_visibility(self.queue, message.receipt_handle, 0)

    async def _keep_hidden(self) -> None:
        """Extend the visibility of a message seen in hand on two ticks in a row (a tick is vt/3).

        One task per binding rather than one per message: most messages finish long before a tick.
        A message in hand at two consecutive ticks has been held at most 2/3 of the timeout, so the
        extension always lands before it would reappear.
        """
        timeout = await self._visibility_timeout()
        clock = self.ref._cell.system.clock
        previous: Message | None = None
        while self.ref.is_alive:
            await clock.sleep(timeout / 3)
            current = self.in_hand
            if current is not None and current is previous:
                with contextlib.suppress(Exception):
                    await self.queues.change_visibility(self.queue, current.receipt_handle, timeout)
            previous = current

    async def _visibility_timeout(self) -> float:
        if self._visibility is None:
            self._visibility = (await self.queues.get_queue(self.queue)).visibility_timeout
        return self._visibility
