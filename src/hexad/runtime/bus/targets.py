"""Target handlers: how one delivery reaches a queue, an agent's mailbox, a webhook or a callable.

A handler is an async callable `(delivery, payload) -> None` that returns once the target accepted
the event and raises otherwise: `TargetDeliveryError(retryable=False)` skips the remaining retries
(a webhook's 4xx, a payload the target can never take), anything else is retried with backoff.
Workflow targets start an execution through `workflow_handler(start)`, which `hexad.wiring.event_bus`
registers with the workflow service; a bus built without one keeps such deliveries in the outbox,
retried like any failing target, until `EventBus.register_target_handler("workflow", ...)` is called.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

import httpx

from hexad.errors import ConflictError, TargetDeliveryError
from hexad.ports.bus import Delivery
from hexad.ports.queue import OutgoingMessage
from hexad.runtime.bus.batching import SendBatcher
from hexad.runtime.bus.transform import MISSING, extract

__all__ = [
    "MAILBOX_MAX_RECEIVE_COUNT",
    "CallableTarget",
    "QueueSender",
    "TargetHandler",
    "WorkflowStarter",
    "callable_handler",
    "ensure_mailbox",
    "execution_name",
    "group_id",
    "mailbox_handler",
    "mailbox_queue",
    "queue_handler",
    "webhook_handler",
    "workflow_handler",
]

CallableTarget = Callable[[Any], Awaitable[None] | None]


class TargetHandler(Protocol):
    """Deliver `payload` (the target's input text) for `delivery`; raise if the target refused it."""

    async def __call__(self, delivery: Delivery, payload: str) -> None:
        """Hand one event to its target."""
        ...


class QueueSender(Protocol):
    """The part of `hexad.runtime.queues.QueueService` the bus uses."""

    async def ensure_queue(
        self, name: str, *, fifo: bool = False, dead_letter_queue: str | None = None, **settings: Any
    ) -> Any:
        """Create the queue if it does not exist."""
        ...

    async def send_batch(self, queue: str, messages: Sequence[OutgoingMessage]) -> list[str]:
        """Store 1-10 messages in one transaction, all or none; ids in order."""
        ...

    async def send(
        self,
        queue: str,
        body: str,
        *,
        attributes: Mapping[str, str] | None = None,
        delay_seconds: float | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> str:
        """Store a message; returns its id."""
        ...


MAILBOX_MAX_RECEIVE_COUNT = 3


def mailbox_queue(agent: str) -> str:
    """The FIFO queue that is an agent's mailbox."""
    return f"mailbox-{agent}"


async def ensure_mailbox(queues: QueueSender, agent: str) -> str:
    """Create an agent's mailbox as `hexad worker` does: FIFO, dead-letter queue `<mailbox>-dlq`, 3 receives.

    Whoever comes first (the bus delivering an event, or the worker starting) creates it the same way.
    """
    name = mailbox_queue(agent)
    await queues.ensure_queue(
        name, fifo=True, dead_letter_queue=f"{name}-dlq", max_receive_count=MAILBOX_MAX_RECEIVE_COUNT
    )
    return name


def group_id(delivery: Delivery) -> str:
    """The FIFO group of a delivery: the target's `group_key` value in the event, else the source."""
    key = delivery.target.group_key
    if key:
        value = extract(key, delivery.event.to_dict())
        if value is not MISSING and value is not None:
            return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return delivery.event.source


def _attributes(delivery: Delivery) -> dict[str, str]:
    event = delivery.event
    attributes = {
        "hexad-event-id": event.id,
        "hexad-bus": delivery.bus,
        "hexad-rule": delivery.rule,
        "traceparent": event.traceparent,
    }
    if event.replay_name:
        attributes["hexad-replay-name"] = event.replay_name
    return attributes


def _deduplication_id(delivery: Delivery, *, per_target: bool) -> str:
    """The event id (plus the replay, and for queue targets the rule and target), at most 128 chars."""
    event = delivery.event
    parts = [event.id]
    if per_target:
        parts.append(hashlib.sha256(f"{delivery.rule}/{delivery.target.id}".encode()).hexdigest()[:16])
    if event.replay_name:
        parts.append(event.replay_name)
    text = ":".join(parts)
    return text if len(text) <= 128 else hashlib.sha256(text.encode()).hexdigest()


def queue_handler(queues: QueueSender) -> TargetHandler:
    """Send to the queue named by the target (which must exist, as in EventBridge).

    The message carries a group id (used by FIFO queues) and a deduplication id per event, rule and
    target, so a delivery repeated after a crash does not enqueue twice within the dedup window.
    """

    batcher = SendBatcher(queues)

    async def deliver(delivery: Delivery, payload: str) -> None:
        message = OutgoingMessage(
            payload,
            _attributes(delivery),
            group_id=group_id(delivery),
            deduplication_id=_deduplication_id(delivery, per_target=True),
        )
        await batcher.send(delivery.target.destination, message)

    return deliver


def mailbox_handler(queues: QueueSender) -> TargetHandler:
    """Send to the agent's FIFO mailbox `mailbox-<agent>`, deduplicated on the event id."""
    ensured: set[str] = set()
    batcher = SendBatcher(queues)

    async def deliver(delivery: Delivery, payload: str) -> None:
        queue = mailbox_queue(delivery.target.destination)
        if queue not in ensured:
            await ensure_mailbox(queues, delivery.target.destination)
            ensured.add(queue)
        message = OutgoingMessage(
            payload,
            _attributes(delivery),
            group_id=group_id(delivery),
            deduplication_id=_deduplication_id(delivery, per_target=False),
        )
        await batcher.send(queue, message)

    return deliver


def callable_handler(registry: Mapping[str, CallableTarget]) -> TargetHandler:
    """Call the Python callable registered under the target's name with the parsed input."""

    async def deliver(delivery: Delivery, payload: str) -> None:
        function = registry.get(delivery.target.destination)
        if function is None:
            raise TargetDeliveryError(
                f"no callable is registered as {delivery.target.destination!r} in this process",
                code="CallableNotRegistered",
            )
        try:
            argument: Any = json.loads(payload)
        except ValueError:
            argument = payload
        result = function(argument)
        if inspect.isawaitable(result):
            await result

    return deliver


class WorkflowStarter(Protocol):
    """Starts an execution of a state machine (`WorkflowService.start`)."""

    async def __call__(self, state_machine: str, input: Any = None, *, name: str | None = None) -> str:
        """Start an execution named `name`; `ConflictError` if that execution exists."""
        ...


def execution_name(delivery: Delivery) -> str:
    """One execution name per event, rule and target (and replay): a redelivery starts nothing new."""
    event = delivery.event
    key = f"{delivery.rule}/{delivery.target.id}/{event.replay_name or ''}"
    return f"{event.id}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def workflow_handler(start: WorkflowStarter) -> TargetHandler:
    """Start the state machine named by the target with the input (parsed JSON) as its input.

    The execution's name comes from the event, rule and target, so a delivery repeated after a crash
    finds its execution already started (`ConflictError`) and counts as delivered.
    """

    async def deliver(delivery: Delivery, payload: str) -> None:
        try:
            argument: Any = json.loads(payload)
        except ValueError:
            argument = payload
        try:
            await start(delivery.target.destination, argument, name=execution_name(delivery))
        except ConflictError:
            return

    return deliver


def webhook_handler(client: Callable[[], httpx.AsyncClient]) -> TargetHandler:
    """POST the input to the target's URL; 2xx accepts, 4xx (but 408/429) is final, the rest retried."""

    async def deliver(delivery: Delivery, payload: str) -> None:
        headers = {
            "content-type": "application/json",
            "traceparent": delivery.event.traceparent,
            "x-hexad-event-id": delivery.event.id,
        }
        url = delivery.target.destination
        try:
            response = await client().post(
                url, content=payload.encode(), headers=headers, timeout=delivery.target.timeout_seconds
            )
        except httpx.HTTPError as exc:
            raise TargetDeliveryError(
                f"webhook {url}: {type(exc).__name__}: {exc}", code="WebhookUnreachable"
            ) from exc
        if response.status_code >= 400:
            final = response.status_code < 500 and response.status_code not in (408, 429)
            raise TargetDeliveryError(
                f"webhook {url} answered HTTP {response.status_code}: {response.text[:200]}",
                retryable=not final,
                code=f"HTTP{response.status_code}",
            )

    return deliver
