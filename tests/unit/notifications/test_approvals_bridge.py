"""Workflow steps waiting for a person reach the approvals topic, without the task token."""

from __future__ import annotations

import json
from pathlib import Path

from hexad import wiring
from hexad.config import load_settings
from hexad.notifications.approvals import APPROVALS_QUEUE, APPROVALS_TOPIC, approvals_rule
from hexad.notifications.assembly import build_notifications
from hexad.notifications.settings import NotificationSettings
from hexad.runtime.clock import ManualClock
from hexad.runtime.patterns import compile_pattern

WORKFLOWS = Path(__file__).parents[3] / "src" / "hexad" / "agents" / "workflows"
CONTRACT = {
    "contract_id": "CT-0042", "vendor_id": "VN-007", "vendor_name": "Acme Cloud", "value": 48000.0,
    "currency": "EUR", "end_date": "2027-06-17", "notice_deadline": "2027-03-19",
}  # fmt: skip


def requests_in_workflows() -> set[str]:
    """The detail-types Hexad's own workflows put on the bus while they wait for a task token."""
    found: set[str] = set()
    for path in WORKFLOWS.glob("*.asl.json"):
        for state in json.loads(path.read_text())["States"].values():
            if str(state.get("Resource", "")).endswith(".waitForTaskToken"):
                found.update(e["DetailType"] for e in state["Parameters"].get("Entries", []))
    return found


def test_the_rule_takes_every_request_the_workflows_make_and_nothing_else() -> None:
    document = approvals_rule().event_pattern
    assert isinstance(document, dict)
    pattern = compile_pattern(document)
    asked = requests_in_workflows()
    assert asked == {"contract.approval.requested", "contract.renewal.decision.requested"}
    assert all(pattern.matches({"source": "hexad.workflow", "detail-type": d}) for d in asked)
    assert not pattern.matches({"source": "hexad.vcm", "detail-type": "contract.approval.requested"})
    assert not pattern.matches({"source": "hexad.workflow", "detail-type": "contract.activated"})


async def test_a_finance_approval_request_reaches_finance_but_not_the_token() -> None:
    settings = load_settings()
    clock = ManualClock()
    bus = wiring.event_bus(settings, clock=clock)
    options = NotificationSettings(dashboard_url="https://hexad.example")
    parts = build_notifications(settings, clock=clock, options=options)
    await parts.approvals.install(bus)
    await parts.service.subscribe(APPROVALS_TOPIC, "in_app", "fay", filter_policy={"approver": ["finance"]})
    await parts.service.subscribe(
        APPROVALS_TOPIC, "in_app", "max", filter_policy={"value": [{"numeric": [">", 100000]}]}
    )
    detail = {
        "approver": "finance", "token": "secret-task-token", "execution": "exec-1",
        "contract": CONTRACT, "warnings": ["notice period differs from the register"],
    }  # fmt: skip
    event = {"Source": "hexad.workflow", "DetailType": "contract.approval.requested", "Detail": detail}
    await bus.put_events([event])
    await bus.dispatch_pending()
    assert await parts.approvals.drain() == 1
    await parts.deliveries.drain()
    [item] = await parts.service.store.inbox("fay")
    assert item.title == "Finance approval needed: CT-0042 (Acme Cloud)"
    assert item.link == "https://hexad.example/contracts"
    assert "48,000.00 EUR" in item.text and "notice period differs" in item.text
    assert item.severity == "medium" and item.subject_id == "CT-0042"
    assert "secret-task-token" not in json.dumps(item.__dict__, default=str)
    assert await parts.service.store.inbox("max") == []
    assert await parts.service.queues.peek(APPROVALS_QUEUE) == []
    await parts.aclose()


async def test_a_renewal_decision_names_the_deadline() -> None:
    settings = load_settings()
    parts = build_notifications(settings, clock=ManualClock())
    detail = {"token": "t", "contract": CONTRACT, "notice_deadline": "2027-03-19", "spend": {}}
    event = {
        "source": "hexad.workflow",
        "detail-type": "contract.renewal.decision.requested",
        "detail": detail,
    }
    subject, body, attributes = parts.approvals.describe(event)
    assert subject == "Renewal decision needed: CT-0042 (Acme Cloud)"
    assert body["summary"] == "Renew or terminate worth 48,000.00 EUR before the notice deadline 2027-03-19."
    assert attributes == {
        "detail_type": "contract.renewal.decision.requested", "approver": "renewal", "severity": "medium",
        "subject_id": "CT-0042",
        "contract_id": "CT-0042", "vendor_id": "VN-007", "value": 48000.0, "currency": "EUR",
    }  # fmt: skip
    await parts.aclose()
