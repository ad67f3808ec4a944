"""Workflow steps waiting for a person reach them: the `approvals` topic.

The contract workflows ask people through bus events (`contract.approval.requested` from the
approval workflow's manager and finance steps, `contract.renewal.decision.requested` from the renewal
workflow). The rule `notifications-approvals` routes those events to the queue `notify-approvals`;
`ApprovalsBridge` publishes one message per request to the topic `approvals` with the attributes
subscriptions filter on: `detail_type`, `approver`, `contract_id`, `vendor_id`, `value`, `currency`
(and `severity` medium, `subject_id` the contract, as every message has).

The message links to the dashboard's contracts page, where pending steps are approved or rejected,
and names the CLI command; it never carries the task token: approving takes a signed-in person with
the permission, not possession of a mail.
"""

from __future__ import annotations

from typing import Any, Final

from hexad.notifications.bridge import TopicBridge
from hexad.notifications.service import NotificationService
from hexad.ports.bus import Rule, Target

__all__ = ["APPROVALS_QUEUE", "APPROVALS_RULE", "APPROVALS_TOPIC", "ApprovalsBridge", "approvals_rule"]

APPROVALS_TOPIC: Final = "approvals"
APPROVALS_QUEUE: Final = "notify-approvals"
APPROVALS_RULE: Final = "notifications-approvals"
REQUESTS: Final = ("contract.approval.requested", "contract.renewal.decision.requested")


def approvals_rule() -> Rule:
    """The bus rule that routes the workflows' requests for a person to the notifications' queue."""
    return Rule(
        name=APPROVALS_RULE,
        event_pattern={"source": ["hexad.workflow"], "detail-type": list(REQUESTS)},
        description="Notifications: workflow steps waiting for a person go to the approvals topic",
        targets=(Target(id="notify-approvals", kind="queue", destination=APPROVALS_QUEUE),),
    )


class ApprovalsBridge(TopicBridge):
    """Turns the workflows' approval and renewal-decision requests into messages on `approvals`."""

    topic, topic_description, queue = APPROVALS_TOPIC, "Workflow steps waiting for a person", APPROVALS_QUEUE

    def __init__(self, service: NotificationService, *, dashboard_url: str) -> None:
        super().__init__(service)
        self._dashboard = dashboard_url.rstrip("/")

    def rule(self) -> Rule:
        return approvals_rule()

    def describe(self, event: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
        detail_type = str(event.get("detail-type", ""))
        detail = _mapping(event.get("detail"))
        contract = _mapping(detail.get("contract"))
        renewal = detail_type == "contract.renewal.decision.requested"
        approver = "renewal" if renewal else str(detail.get("approver") or "manager")
        name = contract.get("contract_id") or contract.get("document_id") or "a contract"
        vendor = contract.get("vendor_name") or contract.get("vendor_id") or "an unmatched vendor"
        title = (
            f"Renewal decision needed: {name} ({vendor})"
            if renewal
            else f"{approver.capitalize()} approval needed: {name} ({vendor})"
        )
        body: dict[str, Any] = {
            "title": title,
            "summary": _summary(contract, detail, renewal),
            "evidence": {key: contract.get(key) for key in _SHOWN if contract.get(key) is not None},
            "recommended_action": "Approve or reject it on the dashboard's Contracts page, or with "
            "`hexad workflows tasks` then `hexad workflows approve|reject TOKEN`.",
            "link": f"{self._dashboard}/contracts",
            "execution": detail.get("execution"),
        }
        attributes: dict[str, Any] = {"detail_type": detail_type, "approver": approver, "severity": "medium"}
        if name != "a contract":
            attributes["subject_id"] = name  # what "mute this subject" mutes
        for key in ("contract_id", "vendor_id", "value", "currency"):
            if contract.get(key) is not None:
                attributes[key] = contract[key]
        return title, body, attributes


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_SHOWN: Final = ("contract_id", "vendor_name", "title", "value", "currency", "end_date", "notice_deadline")


def _summary(contract: dict[str, Any], detail: dict[str, Any], renewal: bool) -> str:
    value = contract.get("value")
    worth = f"worth {value:,.2f} {contract.get('currency') or ''}".strip() if value is not None else ""
    if renewal:
        deadline = detail.get("notice_deadline") or contract.get("notice_deadline")
        return " ".join(
            part for part in ("Renew or terminate", worth, f"before the notice deadline {deadline}.") if part
        )
    warnings = detail.get("warnings") or []
    checks = f" Checks to look at: {'; '.join(map(str, warnings))}." if warnings else ""
    return f"A new contract{' ' + worth if worth else ''} waits for your approval.{checks}"
