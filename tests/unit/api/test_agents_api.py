"""/api/v1/agents: status per agent (findings, last run, mailbox, rules, health) and run now."""

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.agents.registry import AGENTS
from hexad.demo.ground_truth import SIGNAL_AGENTS, SIGNAL_KINDS
from hexad.demo.scoring import score_findings
from hexad.ports.bus import Rule, Target
from hexad.runtime.actors.worker import ensure_agent_mailbox
from tests.unit.api.conftest import draft

Headers = Callable[..., dict[str, str]]


def _agent(client: TestClient, headers: dict[str, str], name: str) -> dict[str, object]:
    response = client.get(f"/api/v1/agents/{name}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_every_agent_is_listed_idle_before_anything_ran(client: TestClient, token_for: Headers) -> None:
    agents = client.get("/api/v1/agents", headers=token_for("viewer")).json()
    assert [a["name"] for a in agents] == ["cpi", "dsa", "ram", "sli", "spo", "vcm"]
    assert {a["health"] for a in agents} == {"idle"}
    assert agents[0]["title"] and agents[0]["reads"]
    assert client.get("/api/v1/agents/nobody", headers=token_for("viewer")).status_code == 404


def test_findings_counts_rules_and_mailbox(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    app.state.findings.save("cpi", [draft("C-1"), draft("C-2", severity="low")], full_run=False)
    first = app.state.findings.list(agent="cpi")[0]
    app.state.findings.set_status(first.id, "acknowledged")

    async def wire() -> None:
        target = Target("cpi", "mailbox", "cpi")
        pattern = {"detail-type": ["data.imported"]}
        await app.state.bus.put_rule(Rule("cpi-on-import", event_pattern=pattern, targets=(target,)))
        await ensure_agent_mailbox(app.state.queues, "cpi")
        await app.state.queues.send("mailbox-cpi-dlq", "{}", group_id="g", deduplication_id="d")

    asyncio.run(wire())
    cpi = _agent(client, token_for("viewer"), "cpi")
    assert cpi["findings"]["open"] == 1 and cpi["findings"]["acknowledged"] == 1  # type: ignore[index]
    assert cpi["rules"] == ["cpi-on-import"]
    assert cpi["mailbox"] == {"queue": "mailbox-cpi", "visible": 0, "in_flight": 0, "dead_letters": 1}
    assert cpi["health"] == "degraded"


def test_run_now_queues_a_task_that_shows_as_the_last_run(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    manager = token_for("service_manager", subject="u-sm")
    queued = client.post("/api/v1/agents/sli/run", headers=manager, json={"subject_id": "CL-0001"})
    assert queued.status_code == 202, queued.text
    assert queued.json()["params"] == {"subject_id": "CL-0001"} and queued.json()["action"] == "run"
    sli = _agent(client, manager, "sli")
    assert sli["last_run"]["id"] == queued.json()["id"] and sli["health"] == "ok"  # type: ignore[index]
    assert client.post("/api/v1/agents/sli/run", headers=token_for("finance")).status_code == 403
    assert client.post("/api/v1/agents/nobody/run", headers=manager).status_code == 404

    async def fail() -> None:
        task = app.state.tasks.get(queued.json()["id"])
        await app.state.tasks.fail(task, "the data could not be read")

    asyncio.run(fail())
    assert _agent(client, manager, "sli")["health"] == "failing"


def test_quality_says_when_there_is_no_ground_truth(client: TestClient, token_for: Headers) -> None:
    body = client.get("/api/v1/agents/quality", headers=token_for("viewer")).json()
    assert body == {"ground_truth": False, "reference_date": None, "items": []}


def test_quality_scores_claimed_findings_per_agent_and_kind(
    app: FastAPI, client: TestClient, token_for: Headers, _isolated_home: Path
) -> None:
    planted = [("margin_erosion", "C-1"), ("margin_erosion", "C-2"), ("licence_unused_seats", "S-9")]
    truth = {
        "reference_date": "2026-09-30",
        "signals": [
            {"kind": k, "subject_type": "client", "subject_id": s, "details": {}} for k, s in planted
        ],
    }
    (_isolated_home / "demo-data").mkdir()
    (_isolated_home / "demo-data" / "ground_truth.json").write_text(json.dumps(truth))
    findings = [draft("C-1"), draft("C-3"), draft("C-4"), draft("C-2", kind="churn_risk")]
    app.state.findings.save("cpi", findings, full_run=False)
    withdrawn = next(f for f in app.state.findings.list(agent="cpi") if f.subject_id == "C-4")
    app.state.findings.set_status(withdrawn.id, "resolved")
    body = client.get("/api/v1/agents/quality", headers=token_for("viewer")).json()
    assert body["ground_truth"] is True and body["reference_date"] == "2026-09-30"
    scores = {
        (i["agent"], i["kind"]): (i["found"], i["correct"], i["precision"], i["recall"])
        for i in body["items"]
    }
    assert scores == {
        ("cpi", "churn_risk"): (1, 0, 0.0, 1.0),
        ("cpi", "margin_erosion"): (2, 1, 0.5, 0.5),
        ("sli", "licence_unused_seats"): (0, 0, 0.0, 0.0),
    }
    summary = score_findings([(f.kind, f.subject_type, f.subject_id) for f in findings[:2]], truth)
    assert [s.precision for s in summary if s.kind == "margin_erosion"] == [0.5]


def test_every_planted_kind_names_an_agent_that_exists() -> None:
    assert set(SIGNAL_AGENTS) == set(SIGNAL_KINDS) and set(SIGNAL_AGENTS.values()) <= set(AGENTS)
