"""`AgentActor`: an agent behind a durable mailbox, run by the event that reaches it.

A `data.imported` event for an entity the agent reads, or the nightly `Scheduled Event`, starts a
full run; one of the agent's trigger
events starts a run for the subject it names (`subject_id`, else `client_id`, else `vendor_id` in the
detail); anything else is acknowledged and ignored. The analysis runs in a worker thread, so the
event loop keeps serving other actors meanwhile. A failure propagates: the supervisor restarts the
actor and the mailbox redelivers the message, up to its dead-letter limit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hexad.agents.base import FrameSource
from hexad.agents.frames import frames_from_database
from hexad.agents.registry import create_agent
from hexad.agents.service import AgentRunReport, Publish, arun_agent
from hexad.config import Settings, get_settings
from hexad.runtime.actors import Actor, ActorContext
from hexad.runtime.actors.mailbox import Delivery

__all__ = ["AgentActor", "event_of", "subject_of"]

_SUBJECT_KEYS = ("subject_id", "client_id", "vendor_id")


def event_of(message: Any) -> dict[str, Any]:
    """The event envelope in a mailbox delivery, a JSON text or a mapping."""
    if isinstance(message, Delivery):
        message = message.body
    if isinstance(message, str | bytes):
        message = json.loads(message)
    if not isinstance(message, Mapping):
        return {}
    return dict(message)


def subject_of(detail: Mapping[str, Any]) -> str | None:
    """The subject a trigger event names, if any."""
    for key in _SUBJECT_KEYS:
        value = detail.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def event_time(event: Mapping[str, Any]) -> float | None:
    """The event's `time` as seconds since the epoch, if it has a readable one."""
    value = event.get("time") or event.get("Time")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class AgentActor(Actor):
    """Runs one agent per relevant event; answers an `ask` with the run's report (or None if ignored).

    Incremental: the entity frames are loaded once and reused by the subject runs that trigger
    events ask for, until new data is imported. A full-run request (an import, the nightly schedule)
    put before the last full run started is already covered by it and is skipped, so an import of
    six entities costs one full run, not six.
    """

    def __init__(
        self, name: str, *, settings: Settings | None = None, publish: Publish | None = None
    ) -> None:
        self.agent = create_agent(name)
        self.settings = settings
        self.publish = publish
        self._frames: FrameSource | None = None
        self._last_full_run_started = 0.0

    async def receive(self, message: Any, context: ActorContext) -> AgentRunReport | None:
        event = event_of(message)
        detail_type = event.get("detail-type") or event.get("DetailType")
        detail = event.get("detail") or event.get("Detail") or {}
        if detail_type == "Scheduled Event":
            return await self._full_run(event)
        if detail_type == "data.imported":
            if detail.get("entity") not in self.agent.reads:
                return None
            self._frames = None
            return await self._full_run(event)
        if detail_type in self.agent.triggers:
            subject = subject_of(detail)
            return await self._run(subject) if subject else None
        return None

    async def _full_run(self, event: Mapping[str, Any]) -> AgentRunReport | None:
        put_at = event_time(event)
        if put_at is not None and put_at + 1.0 <= self._last_full_run_started:
            return None
        self._last_full_run_started = time.time()
        return await self._run(None)

    async def _run(self, subject_id: str | None) -> AgentRunReport:
        settings = self.settings or get_settings()
        if self._frames is None:
            self._frames = frames_from_database(settings)
        return await arun_agent(
            self.agent.name,
            settings=settings,
            subject_id=subject_id,
            frames=self._frames,
            publish=self.publish,
        )
