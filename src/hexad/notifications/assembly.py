"""Builds the notification services for a process, and the worker service `hexad worker` runs.

`build_notifications(settings)` gives the service, the delivery worker with every channel, and the
bridges from the bus (agents' findings, workflows' approval requests), on the profile's state store
and queues. `worker_service(settings)` is what a worker adds beside its actors: it installs the
bridges' rules and topics, then runs the bridges, the deliveries and the held-message flush until
the worker stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from hexad import wiring
from hexad.agents.findings import FindingStore
from hexad.auth.keys import signing_secret
from hexad.config import Settings, get_settings
from hexad.notifications.approvals import ApprovalsBridge
from hexad.notifications.bridge import TopicBridge
from hexad.notifications.channels.base import Channel
from hexad.notifications.channels.chat import SlackChannel, TeamsChannel
from hexad.notifications.channels.email import EmailChannel
from hexad.notifications.channels.inapp import InAppChannel, PutEvents
from hexad.notifications.channels.queue import QueueChannel
from hexad.notifications.channels.webhook import WebhookChannel
from hexad.notifications.delivery import DeliveryWorker
from hexad.notifications.findings import FindingsBridge
from hexad.notifications.service import NotificationService
from hexad.notifications.settings import NotificationSettings
from hexad.notifications.signing import LinkSigner
from hexad.notifications.store import NotificationStore
from hexad.runtime.clock import Clock, SystemClock

__all__ = ["Notifications", "build_notifications", "notification_service", "worker_service"]


@dataclass
class Notifications:
    """The notification parts of one process; `aclose()` releases the HTTP client."""

    service: NotificationService
    deliveries: DeliveryWorker
    bridge: FindingsBridge
    approvals: ApprovalsBridge
    http: httpx.AsyncClient

    @property
    def bridges(self) -> tuple[TopicBridge, ...]:
        return (self.bridge, self.approvals)

    async def run(self, stop: asyncio.Event, bus: Any | None = None) -> None:
        """Install (when given a bus) and run the bridge and the deliveries until `stop` is set."""
        for bridge in self.bridges if bus is not None else ():
            await bridge.install(bus)
        try:
            await asyncio.gather(*(b.run(stop) for b in self.bridges), self.deliveries.run(stop))
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()


def build_notifications(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    options: NotificationSettings | None = None,
    put_events: PutEvents | None = None,
    findings: FindingStore | None = None,
    http: httpx.AsyncClient | None = None,
) -> Notifications:
    """The notification service, deliveries and bridge on the settings' runtime store and queues."""
    settings = settings or get_settings()
    clock = clock or SystemClock()
    options = options or NotificationSettings()
    service = notification_service(settings, clock=clock, options=options)
    store, queues = service.store, service.queues
    http = http or httpx.AsyncClient(timeout=10.0, follow_redirects=False)
    channels: dict[str, Channel] = {
        "email": EmailChannel(options),
        "slack": SlackChannel(http),
        "teams": TeamsChannel(http),
        "https": WebhookChannel(http, clock),
        "queue": QueueChannel(queues),
        "in_app": InAppChannel(store, clock, put_events),
    }
    deliveries = DeliveryWorker(service, channels)
    bridge = FindingsBridge(service, findings, dashboard_url=options.dashboard_url)
    approvals = ApprovalsBridge(service, dashboard_url=options.dashboard_url)
    return Notifications(service, deliveries, bridge, approvals, http)


def notification_service(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    options: NotificationSettings | None = None,
) -> NotificationService:
    """Only the service (topics, subscriptions, publishing), as the API needs it: no channels."""
    settings = settings or get_settings()
    clock = clock or SystemClock()
    options = options or NotificationSettings()
    store = NotificationStore(wiring.state_store(settings, clock=clock), clock)
    signer = LinkSigner(signing_secret(settings))
    return NotificationService(
        store, wiring.queue_service(settings, clock=clock), clock, signer, links_base=options.links_base
    )


def worker_service(settings: Settings | None = None) -> Callable[[asyncio.Event], Awaitable[None]]:
    """A `Worker.add_service` loop: findings events to the topic, and every delivery, until stopped."""

    async def service(stop: asyncio.Event) -> None:
        from hexad.agents.findings import open_finding_store

        bus = wiring.event_bus(settings)
        parts = build_notifications(
            settings, put_events=bus.put_events, findings=open_finding_store(settings or get_settings())
        )
        with contextlib.suppress(asyncio.CancelledError):
            await parts.run(stop, bus)

    return service
