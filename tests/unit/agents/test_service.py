from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from hexad.agents.actor import AgentActor, event_of, subject_of
from hexad.agents.base import FrameSource
from hexad.agents.findings import open_finding_store
from hexad.agents.registry import agent_actor_factories
from hexad.agents.rules import agent_rules, install_rules
from hexad.agents.service import reference_date_of, run_agent
from hexad.config import load_settings
from hexad.errors import AgentError, NotFoundError
from hexad.ports.bus import Rule
from hexad.runtime.actors import ActorSystem


def test_run_saves_findings_and_publishes_in_batches_of_ten(frames: FrameSource) -> None:
    batches: list[list[dict[str, Any]]] = []
    report = run_agent("sli", frames=frames, publish=batches.append)
    assert report.reference_date == "2026-09-30"
    assert report.findings == sum(report.by_kind.values()) == report.saved.new
    assert all(1 <= len(batch) <= 10 for batch in batches)
    entries = [entry for batch in batches for entry in batch]
    assert len(entries) == report.events
    assert {e["Source"] for e in entries} == {"hexad.sli"}
    assert "license.compliance.violation" in {e["DetailType"] for e in entries}
    stored = open_finding_store(load_settings()).list(agent="sli", limit=1000)
    assert len(stored) == report.findings
    again = run_agent("sli", frames=frames)
    assert again.saved.unchanged == report.findings


async def test_async_publish_is_awaited(frames: FrameSource) -> None:
    received: list[dict[str, Any]] = []

    async def publish(entries: list[dict[str, Any]]) -> None:
        received.extend(entries)

    actor = AgentActor("sli", publish=publish)
    event = {"detail-type": "data.imported", "source": "hexad.ingest", "detail": {"entity": "expenses"}}
    assert await actor.receive(json.dumps(event), None) is None  # type: ignore[arg-type]
    assert received == []


def test_unknown_agent_is_named(frames: FrameSource) -> None:
    with pytest.raises(AgentError, match="unknown agent 'xyz'"):
        run_agent("xyz", frames=frames)


def test_reference_date_is_the_newest_data_date(frames: FrameSource) -> None:
    assert reference_date_of(frames) == date(2026, 9, 30)
    assert reference_date_of(frames, today=date(2026, 9, 1)) == date(2026, 9, 1)


def test_event_parsing() -> None:
    assert event_of('{"detail-type": "x"}') == {"detail-type": "x"}
    assert event_of(42) == {}
    assert subject_of({"vendor_id": "VN-1", "contract_id": "CT-1"}) == "VN-1"
    assert subject_of({"client_id": "CL-1", "vendor_id": "VN-1"}) == "CL-1"
    assert subject_of({}) is None


def test_rules_route_imports_and_triggers_to_mailboxes() -> None:
    rules = {rule.name: rule for rule in agent_rules()}
    sli = rules["sli-data-imported"]
    assert sli.targets[0].destination == "sli"
    assert sli.targets[0].kind == "mailbox"
    assert isinstance(sli.event_pattern, dict)
    assert "licence_assignments" in sli.event_pattern["detail"]["entity"]
    assert rules["sli-triggers"].event_pattern == {"detail-type": ["sales.opportunity.identified"]}
    assert rules["dsa-triggers"].event_pattern == {"detail-type": ["contract.renewal.due"]}
    assert "cpi-triggers" not in rules
    assert rules["dsa-nightly"].schedule_expression == "cron(0 2 * * ? *)"
    assert rules["dsa-nightly"].targets[0].destination == "dsa"


async def test_install_rules_puts_each_rule() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.rules: list[Rule] = []

        async def put_rule(self, rule: Rule) -> Rule:
            self.rules.append(rule)
            return rule

    bus = Recorder()
    installed = await install_rules(bus)
    assert [r.name for r in installed] == [r.name for r in bus.rules] == [r.name for r in agent_rules()]


async def test_actor_runs_a_full_run_on_import_and_a_subject_run_on_trigger(frames: FrameSource) -> None:
    from hexad.agents import actor as actor_module

    calls: list[tuple[str, str | None]] = []

    async def fake_run(name: str, **kwargs: Any) -> str:
        calls.append((name, kwargs["subject_id"]))
        return "report"

    original = actor_module.arun_agent
    actor_module.arun_agent = fake_run  # type: ignore[assignment]
    try:
        actor = agent_actor_factories()["sli"]()
        imported = {"detail-type": "data.imported", "detail": {"entity": "licence_subscriptions"}}
        trigger = {"detail-type": "sales.opportunity.identified", "detail": {"client_id": "CL-0001"}}
        other = {"detail-type": "spend.anomaly.detected", "detail": {"client_id": "CL-0001"}}
        nightly = {"detail-type": "Scheduled Event", "source": "hexad.scheduler", "detail": {}}
        for event in (imported, trigger, other, nightly):
            await actor.receive(event, None)  # type: ignore[arg-type]
    finally:
        actor_module.arun_agent = original
    assert calls == [("sli", None), ("sli", "CL-0001"), ("sli", None)]


async def test_actor_in_a_system_answers_with_the_report(frames: FrameSource, monkeypatch: Any) -> None:
    from hexad.agents import actor as actor_module
    from hexad.agents.service import arun_agent

    async def with_frames(name: str, **kwargs: Any) -> Any:
        return await arun_agent(name, **(kwargs | {"frames": frames}))

    monkeypatch.setattr(actor_module, "arun_agent", with_frames)
    system = ActorSystem("test")
    ref = system.spawn(agent_actor_factories()["sli"], name="sli")
    event = {"detail-type": "sales.opportunity.identified", "detail": {"client_id": "CL-0001"}}
    report = await ref.ask(event, timeout=30.0)
    await system.shutdown()
    assert report.subject_id == "CL-0001"
    assert report.agent == "sli"


async def test_rules_install_on_the_embedded_bus() -> None:
    from hexad.wiring import event_bus

    bus = event_bus(load_settings())
    installed = await install_rules(bus)
    assert {r.name for r in installed} == {r.name for r in agent_rules()}
    again = await install_rules(bus)
    assert len(again) == len(installed)


async def test_an_import_event_reaches_the_agents_mailboxes() -> None:
    from hexad.runtime.bus import mailbox_queue
    from hexad.wiring import event_bus, queue_service

    settings = load_settings()
    bus = event_bus(settings)
    await install_rules(bus)
    entry = {"Source": "hexad.ingest", "DetailType": "data.imported", "Detail": {"entity": "expenses"}}
    await bus.put_events([entry])
    await bus.dispatch_pending()
    queues = queue_service(settings)
    [message] = await queues.receive(mailbox_queue("dsa"), max_messages=10)
    assert json.loads(message.body)["detail"]["entity"] == "expenses"
    with pytest.raises(NotFoundError):  # nothing was routed to SLI, so its mailbox was never created
        await queues.receive(mailbox_queue("sli"), max_messages=10)
