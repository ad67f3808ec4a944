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

from typing import Any, Final

from hexad.agents.findings import Finding, FindingStore
from hexad.agents.registry import AGENTS
from hexad.notifications.bridge import TopicBridge
from hexad.notifications.preferences import SEVERITY_RANK
from hexad.notifications.service import NotificationService
from hexad.ports.bus import Rule, Target

__all__ = ["FINDINGS_QUEUE", "FINDINGS_RULE", "FINDINGS_TOPIC", "FindingsBridge", "findings_rule"]

FINDINGS_TOPIC: Final = "findings"
FINDINGS_QUEUE: Final = "notify-findings"
FINDINGS_RULE: Final = "notifications-findings"
SUBJECT_KEYS: Final = (
    "subject_id", "subscription_id", "lead_id", "contract_id", "technician_id", "client_id", "vendor_id",
)  # fmt: skip
"""Where an agent's event names its subject, most specific first (the first with an open finding wins)."""


def findings_rule() -> Rule:
    """The bus rule that routes every agent's events to the notifications' queue."""
    sources = sorted(f"hexad.{name}" for name in AGENTS)
    return Rule(
        name=FINDINGS_RULE,
        event_pattern={"source": sources},
        description="Notifications: every agent event goes to the findings topic",
        targets=(Target(id="notify-findings", kind="queue", destination=FINDINGS_QUEUE),),
    )


class FindingsBridge(TopicBridge):
    """Turns agent events into messages on the `findings` topic."""

    topic, topic_description, queue = FINDINGS_TOPIC, "What the agents found", FINDINGS_QUEUE

    def __init__(
        self, service: NotificationService, findings: FindingStore | None, *, dashboard_url: str
    ) -> None:
        super().__init__(service)
        self._findings, self._dashboard = findings, dashboard_url.rstrip("/")

    def rule(self) -> Rule:
        return findings_rule()

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
