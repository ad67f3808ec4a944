"""From the agents' events to the `findings` topic: a bus rule (data) and the bridge that publishes.

The rule `notifications-findings` sends every event whose source is an agent (`hexad.<agent>`) to
the queue `notify-findings`. `FindingsBridge` reads that queue and publishes one message per event
to the topic `findings`, with the attributes subscriptions filter on: `agent`, `detail_type`,
`kind`, `severity`, `score`, `subject_id`, `finding_id`. The agents' events name their subject
(`client_id`, `contract_id`, `technician_id`, ...) but not the finding, so the bridge looks up the
agent's open findings on that subject and takes the most severe one: its summary, evidence,
recommended action and a link to it in the dashboard make the message body.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Final

from hexad.agents.findings import Finding, FindingStore
from hexad.agents.registry import AGENTS
from hexad.notifications.preferences import SEVERITY_RANK
from hexad.notifications.service import NotificationService, PublishResult
from hexad.ports.bus import Rule, Target
from hexad.ports.queue import Message as QueueMessage

__all__ = ["FINDINGS_QUEUE", "FINDINGS_RULE", "FINDINGS_TOPIC", "FindingsBridge", "findings_rule"]

FINDINGS_TOPIC: Final = "findings"
FINDINGS_QUEUE: Final = "notify-findings"
FINDINGS_RULE: Final = "notifications-findings"
SUBJECT_KEYS: Final = (
    "subject_id", "subscription_id", "lead_id", "contract_id", "technician_id", "client_id", "vendor_id",
)  # fmt: skip
"""Where an agent's event names its subject, most specific first (the first with an open finding wins)."""

_log = logging.getLogger("hexad.notifications.findings")


def findings_rule() -> Rule:
    """The bus rule that routes every agent's events to the notifications' queue."""
    sources = sorted(f"hexad.{name}" for name in AGENTS)
    return Rule(
        name=FINDINGS_RULE,
        event_pattern={"source": sources},
        description="Notifications: every agent event goes to the findings topic",
        targets=(Target(id="notify-findings", kind="queue", destination=FINDINGS_QUEUE),),
    )


class FindingsBridge:
    """Turns agent events into messages on the `findings` topic."""

    def __init__(
        self, service: NotificationService, findings: FindingStore | None, *, dashboard_url: str
    ) -> None:
        self._service, self._findings, self._dashboard = service, findings, dashboard_url.rstrip("/")

    async def install(self, bus: Any) -> None:
        """Create the topic and the queue, and put the rule on `bus` (idempotent)."""
        await self._service.create_topic(FINDINGS_TOPIC, "What the agents found")
        await self._service.queues.ensure_queue(FINDINGS_QUEUE, dead_letter_queue=f"{FINDINGS_QUEUE}-dlq")
        await bus.put_rule(findings_rule())

    async def run(self, stop: asyncio.Event) -> None:
        """Publish events from the queue until `stop` is set."""
        while not stop.is_set():
            await self.drain(wait_seconds=1.0)

    async def drain(self, *, wait_seconds: float = 0.0) -> int:
        """Publish the events waiting now; returns how many."""
        queues = self._service.queues
        handled = 0
        while True:
            batch = await queues.receive(FINDINGS_QUEUE, max_messages=10, wait_seconds=wait_seconds)
            if not batch:
                return handled
            for job in batch:
                await self._handle(job)
            handled += len(batch)
            wait_seconds = 0.0

    async def _handle(self, job: QueueMessage) -> None:
        queues = self._service.queues
        try:
            await self.publish_event(json.loads(job.body))
        except Exception as exc:  # recorded on the message, retried, then dead-lettered
            _log.warning("event %s could not be published: %s", job.message_id, exc)
            await queues.fail(FINDINGS_QUEUE, job, f"{type(exc).__name__}: {exc}", retry_delay=5.0)
            return
        await queues.delete(FINDINGS_QUEUE, job.receipt_handle)

    async def publish_event(self, event: dict[str, Any]) -> PublishResult:
        """Publish one agent event (an EventBridge envelope) to the findings topic."""
        subject, body, attributes = self.describe(event)
        return await self._service.publish(FINDINGS_TOPIC, subject, body, attributes)

    def describe(self, event: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """(subject, body, attributes) of the message for `event`."""
        agent = str(event.get("source", "")).removeprefix("hexad.")
        detail_type = str(event.get("detail-type", ""))
        raw = event.get("detail")
        detail: dict[str, Any] = raw if isinstance(raw, dict) else {}
        subjects = [str(detail[key]) for key in SUBJECT_KEYS if detail.get(key)]
        finding = next((f for f in (self._finding(agent, s) for s in subjects) if f is not None), None)
        subject_id = finding.subject_id if finding is not None else (subjects[0] if subjects else "")
        attributes: dict[str, Any] = {"agent": agent, "detail_type": detail_type}
        if subject_id:
            attributes["subject_id"] = subject_id
        if finding is None:
            title = f"{agent.upper()}: {detail_type}" + (f" for {subject_id}" if subject_id else "")
            body: dict[str, Any] = {"title": title, "summary": title, "evidence": detail}
            return title, body, attributes
        attributes.update(
            kind=finding.kind, severity=finding.severity, score=finding.score, finding_id=finding.id
        )
        body = {
            "title": f"{finding.kind.replace('_', ' ').capitalize()}: {finding.subject_id}",
            "summary": finding.summary,
            "evidence": finding.evidence,
            "recommended_action": finding.recommended_action,
            "link": f"{self._dashboard}/findings/{finding.id}",
            "event": detail,
        }
        return body["title"], body, attributes

    def _finding(self, agent: str, subject_id: str) -> Finding | None:
        if self._findings is None:
            return None
        found = self._findings.list(agent=agent, subject_id=subject_id, status="open", limit=50)
        if not found:
            return None
        return max(found, key=lambda f: (SEVERITY_RANK.get(f.severity, 0), f.score, f.updated_at))
