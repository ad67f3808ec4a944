"""Agent events reach the findings topic through a bus rule (data) and the bridge."""

from __future__ import annotations

import asyncio

from hexad import wiring
from hexad.agents.base import FindingDraft
from hexad.agents.findings import open_finding_store
from hexad.config import load_settings
from hexad.notifications.assembly import build_notifications, worker_service
from hexad.notifications.findings import FINDINGS_QUEUE, FINDINGS_RULE, FINDINGS_TOPIC, findings_rule
from hexad.notifications.settings import NotificationSettings
from hexad.runtime.clock import ManualClock
from hexad.runtime.patterns import compile_pattern


def draft(subject: str, severity: str) -> FindingDraft:
    return FindingDraft(
        kind="margin_erosion", subject_type="client", subject_id=subject, severity=severity,  # type: ignore[arg-type]
        score=0.9, summary=f"{subject}: margin fell from 41% to 18% over 6 months",
        evidence={"margin_pct": [41.0, 18.0]}, recommended_action="Review the agreement's price",
    )  # fmt: skip


def test_the_rule_takes_every_agents_events_and_nothing_else() -> None:
    document = findings_rule().event_pattern
    assert isinstance(document, dict)
    pattern = compile_pattern(document)
    assert pattern.matches({"source": "hexad.cpi", "detail-type": "client.profitability.changed"})
    assert pattern.matches({"source": "hexad.vcm", "detail-type": "contract.renewal.due"})
    assert not pattern.matches({"source": "hexad.ingest", "detail-type": "data.imported"})
    assert not pattern.matches({"source": "hexad.notifications", "detail-type": "notification.created"})


async def test_an_agent_event_becomes_a_finding_notification_in_the_bell() -> None:
    settings = load_settings()
    clock = ManualClock()
    store = open_finding_store(settings, clock)
    store.save("cpi", [draft("CL-0007", "high")], full_run=False)
    [finding] = store.list(agent="cpi")
    bus = wiring.event_bus(settings, clock=clock)
    live: list[dict[str, object]] = []

    async def put_events(entries: list[dict[str, object]]) -> None:
        live.extend(entries)

    parts = build_notifications(
        settings, clock=clock, options=NotificationSettings(dashboard_url="https://hexad.example"),
        put_events=put_events, findings=store,
    )  # fmt: skip
    await parts.bridge.install(bus)
    await parts.service.subscribe(
        FINDINGS_TOPIC, "in_app", "ann", filter_policy={"severity": ["critical", "high"]}
    )
    await parts.service.subscribe(FINDINGS_TOPIC, "in_app", "bob", filter_policy={"agent": ["dsa"]})
    detail = {"client_id": "CL-0007", "month": "2026-09", "margin": 0.18, "baseline_margin": 0.41}
    event = {"Source": "hexad.cpi", "DetailType": "client.profitability.changed", "Detail": detail}
    await bus.put_events([event])
    await bus.dispatch_pending()
    assert await parts.bridge.drain() == 1
    await parts.deliveries.drain()
    [item] = await parts.service.store.inbox("ann")
    assert item.title == "Margin erosion: CL-0007" and item.severity == "high"
    assert item.link == f"https://hexad.example/findings/{finding.id}"
    assert await parts.service.store.inbox("bob") == []
    assert live == [
        {"Source": "hexad.notifications", "DetailType": "notification.created",
         "Detail": {"id": item.id, "user": "ann", "severity": "high"}},
    ]  # fmt: skip
    assert await parts.service.queues.peek(FINDINGS_QUEUE) == []
    await parts.aclose()


async def test_an_event_without_a_finding_still_notifies_with_its_detail() -> None:
    parts = build_notifications(load_settings(), clock=ManualClock(), findings=None)
    subject, body, attributes = parts.bridge.describe(
        {
            "source": "hexad.ram",
            "detail-type": "resource.utilization.alert",
            "detail": {"technician_id": "T-3"},
        }
    )
    assert subject == "RAM: resource.utilization.alert for T-3"
    assert attributes == {"agent": "ram", "detail_type": "resource.utilization.alert", "subject_id": "T-3"}
    assert body["evidence"] == {"technician_id": "T-3"}
    await parts.aclose()


async def test_the_worker_service_installs_the_rule_and_stops_when_told() -> None:
    settings = load_settings()
    stop = asyncio.Event()
    task = asyncio.ensure_future(worker_service(settings)(stop))
    bus = wiring.event_bus(settings)
    for _ in range(200):
        if any(rule.name == FINDINGS_RULE for rule in await bus.list_rules()):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the notifications service never installed its rule")
    stop.set()
    await asyncio.wait_for(task, timeout=10)
