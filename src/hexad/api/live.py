"""Live updates: WebSocket clients subscribe with an event pattern and receive matching events.

Each API process follows the bus archive by sequence number (`EventBus.archived_after`), so an
event put by any process (a worker, the CLI, another API process) reaches every connected client,
whichever process it is connected to. One tail per process fans out to all of its connections.

Authorization: a connection receives only the events its caller may see
(`hexad.api.live_access`: the event's permissions, task progress to its submitter, the bell to its
user, everything to admins, an unmapped event to admins only), whatever pattern it follows.

Back-pressure: each connection has a bounded queue (`HEXAD_LIVE_QUEUE_SIZE`, 256 events); a client
that stops reading until its queue is full is disconnected with close code 1013 ("try again later")
instead of slowing the others, also while a send to it is stuck on a full socket buffer.

Protocol: the client connects to /api/v1/live and sends `{"token": "<access token, OIDC token or API
key>", "pattern": {...}}` first (the token never appears in a URL, so never in access logs); the
server answers `{"type": "subscribed"}` and then `{"type": "event", "event": {...}}` per match. A new
`{"pattern": ...}` message replaces the subscription; a new `{"token": ...}` replaces the credential
(answered with `{"type": "subscribed"}`). The credential is checked again every 30 s: once it has
expired or been revoked the connection is closed with code 4401, so a client refreshes its access
token and sends it before the old one runs out, or reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from hexad.api.live_access import Viewer, row_of
from hexad.api.security import Principal, verify_credential
from hexad.errors import AuthenticationError, PatternError
from hexad.runtime.bus import EventBus
from hexad.runtime.patterns import compile_pattern

__all__ = ["LiveHub", "router"]

_log = logging.getLogger("hexad.api.live")
CLOSE_UNAUTHENTICATED = 4401
CLOSE_BAD_REQUEST = 4400
CLOSE_TOO_SLOW = 1013
_TOO_SLOW = "the client did not keep up with its events"

router = APIRouter()


class Matcher(Protocol):
    def matches(self, event: dict[str, Any]) -> bool: ...


class _Everything:
    """What a subscription without a pattern follows (EventBridge has no match-all pattern)."""

    def matches(self, event: dict[str, Any]) -> bool:
        return True


@dataclass(eq=False)
class Subscription:
    """One connection's caller, pattern and bounded queue of events to send."""

    principal: Principal
    pattern: Matcher
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(maxsize=256))
    overflowed: asyncio.Event = field(default_factory=asyncio.Event)
    credential: str = field(default="", repr=False)
    viewer: Viewer = field(init=False)

    def __post_init__(self) -> None:
        self.viewer = Viewer(self.principal)

    def authorize(self, principal: Principal, credential: str) -> None:
        """From now on, send what `principal` (proved by `credential`) may see."""
        self.principal, self.credential, self.viewer = principal, credential, Viewer(principal)

    def offer(self, event: dict[str, Any]) -> None:
        if self.overflowed.is_set():
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed.set()


class LiveHub:
    """Follows one bus's archive and hands each new event to the matching subscriptions."""

    def __init__(
        self,
        bus: EventBus,
        *,
        bus_name: str = "default",
        poll_seconds: float = 0.2,
        recheck_seconds: float = 30.0,
    ) -> None:
        self._bus, self._bus_name, self._poll = bus, bus_name, poll_seconds
        self.recheck_seconds = recheck_seconds
        self._subscriptions: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, principal: Principal, pattern: Matcher, queue_size: int = 256) -> Subscription:
        """Follow events matching `pattern` that `principal` may see."""
        subscription = Subscription(principal, pattern, asyncio.Queue(maxsize=queue_size))
        self._subscriptions.add(subscription)
        self._ensure_running()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._follow())

    async def _follow(self) -> None:
        await self._bus.get_bus(self._bus_name)
        after = await self._bus.store.last_sequence(self._bus_name)
        while True:
            page = await self._bus.archived_after(self._bus_name, after, limit=500)
            for archived in page:
                self._fan_out(archived.event.to_dict())
                after = archived.sequence
                await asyncio.sleep(0)  # let the connections take it before the next: a burst is no overflow
            if len(page) < 500:
                await asyncio.sleep(self._poll)

    def _fan_out(self, event: dict[str, Any]) -> None:
        row = row_of(event)
        for subscription in list(self._subscriptions):
            if subscription.viewer.sees(row, event) and subscription.pattern.matches(event):
                subscription.offer(event)


async def _first_message(websocket: WebSocket) -> tuple[Principal, str, Matcher]:
    """Authenticate (access or OIDC token, API key), read the first pattern; raises with a close code."""
    try:
        message = json.loads(await asyncio.wait_for(websocket.receive_text(), timeout=10))
        credential = str(message.get("token", ""))
    except (ValueError, AttributeError, TimeoutError) as exc:
        raise _Close(CLOSE_UNAUTHENTICATED, f"authentication failed: {exc}") from None
    return await _verify(websocket, credential), credential, _pattern(message)


async def _verify(websocket: WebSocket, credential: str) -> Principal:
    try:
        return await verify_credential(websocket.app.state, credential)
    except AuthenticationError as exc:
        raise _Close(CLOSE_UNAUTHENTICATED, f"authentication failed: {exc}") from None


def _pattern(message: Any) -> Matcher:
    try:
        pattern = message.get("pattern")
        return compile_pattern(pattern) if pattern else _Everything()
    except (PatternError, AttributeError, TypeError) as exc:
        raise _Close(CLOSE_BAD_REQUEST, f"pattern: {exc}") from None


class _Close(Exception):  # noqa: N818 - internal control flow, never escapes this module
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


@router.websocket("/api/v1/live")
async def live(websocket: WebSocket) -> None:
    """Stream bus events matching the client's pattern (see the module docstring)."""
    hub: LiveHub = websocket.app.state.live
    await websocket.accept()
    try:
        principal, credential, pattern = await _first_message(websocket)
        subscription = hub.subscribe(principal, pattern, websocket.app.state.api_settings.live_queue_size)
        subscription.credential = credential
    except _Close as close:
        await websocket.close(close.code, close.reason[:120])
        return
    await websocket.send_json({"type": "subscribed"})
    try:
        await _pump(websocket, hub, subscription)
    except _Close as close:
        await websocket.close(close.code, close.reason[:120])
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(subscription)


async def _pump(websocket: WebSocket, hub: LiveHub, subscription: Subscription) -> None:
    """Send queued events, read the client's messages and recheck its credential until the client
    leaves, falls behind or its credential lapses."""
    controls = {
        asyncio.create_task(_read_messages(websocket, subscription)),
        asyncio.create_task(_recheck(websocket, subscription, hub.recheck_seconds)),
    }
    try:
        while not any(task.done() for task in controls):
            getter = asyncio.create_task(subscription.queue.get())
            overflow = asyncio.create_task(subscription.overflowed.wait())
            done, pending = await asyncio.wait(
                {getter, overflow, *controls}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending - controls:
                task.cancel()
            if overflow in done:
                raise _Close(CLOSE_TOO_SLOW, _TOO_SLOW)
            if getter in done:
                await _send(websocket, subscription, getter.result())
        for task in controls:
            if task.done():
                task.result()
    finally:
        for task in controls:
            task.cancel()


async def _send(websocket: WebSocket, subscription: Subscription, event: dict[str, Any]) -> None:
    """Send one event; a send still waiting on the client when its queue overflows gives up."""
    send = asyncio.create_task(websocket.send_json({"type": "event", "event": event}))
    overflow = asyncio.create_task(subscription.overflowed.wait())
    done, _ = await asyncio.wait({send, overflow}, return_when=asyncio.FIRST_COMPLETED)
    overflow.cancel()
    if send not in done:
        send.cancel()
        raise _Close(CLOSE_TOO_SLOW, _TOO_SLOW)
    send.result()


async def _read_messages(websocket: WebSocket, subscription: Subscription) -> None:
    """A new pattern replaces the subscription's; a new token its credential (checked first)."""
    while True:
        message = json.loads(await websocket.receive_text())
        if isinstance(message, dict) and "token" in message:
            credential = str(message["token"])
            subscription.authorize(await _verify(websocket, credential), credential)
            await websocket.send_json({"type": "subscribed"})
        if not isinstance(message, dict) or "pattern" in message:
            subscription.pattern = _pattern(message)
            _log.debug("live subscription changed its pattern")


async def _recheck(websocket: WebSocket, subscription: Subscription, every: float) -> None:
    """Close the connection (4401) once its credential has expired or been revoked."""
    while True:
        await asyncio.sleep(every)
        await _verify(websocket, subscription.credential)
