"""/api/v1/agents: status per agent (findings, last run, mailbox, rules, health) and run now."""

import asyncio
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

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
