"""Rules, queues and schedules through the API."""

import asyncio
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.ports.schedules import Schedule

Headers = Callable[..., dict[str, str]]


def test_put_list_disable_and_delete_a_rule(client: TestClient, token_for: Headers) -> None:
    admin = token_for("admin")
    rule = {
        "event_pattern": {"detail-type": ["client.profitability.changed"]},
        "targets": [{"id": "ram", "kind": "mailbox", "destination": "ram"}],
        "description": "margin drop -> re-plan",
    }
    put = client.put("/api/v1/rules/replan", json=rule, headers=admin)
    assert put.status_code == 200, put.text
    listed = client.get("/api/v1/rules", headers=token_for("service_manager")).json()
    assert [r["name"] for r in listed] == ["replan"]
    assert listed[0]["event_pattern"] == {"detail-type": ["client.profitability.changed"]}
    assert client.post("/api/v1/rules/replan/disable", headers=admin).json()["state"] == "DISABLED"
    assert client.delete("/api/v1/rules/replan", headers=admin).status_code == 204
    assert client.get("/api/v1/rules/replan", headers=admin).status_code == 404


def test_an_invalid_pattern_is_refused_with_its_path(client: TestClient, token_for: Headers) -> None:
    bad = {"event_pattern": {"detail": {"amount": [{"numeric": [">", "ten"]}]}}}
    response = client.put("/api/v1/rules/bad", json=bad, headers=token_for("admin"))
    assert response.status_code in (400, 422)
    assert "numeric" in response.json()["detail"]


def test_queue_depth_dead_letters_and_redrive(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    queues = app.state.queues

    async def prepare() -> None:
        await queues.ensure_queue("jobs", dead_letter_queue="jobs-dlq")
        await queues.send("jobs", "poison")
        for _ in range(3):
            message = (await queues.receive("jobs"))[0]
            await queues.fail("jobs", message, "ValueError: bad row")

    asyncio.run(prepare())
    depth = {q["name"]: q for q in client.get("/api/v1/queues", headers=token_for("admin")).json()}
    assert depth["jobs-dlq"]["visible"] == 1 and depth["jobs"]["visible"] == 0
    dead = client.get("/api/v1/queues/jobs-dlq/messages", headers=token_for("admin")).json()
    assert dead[0]["last_error"] == "ValueError: bad row"
    assert client.post("/api/v1/queues/jobs-dlq/redrive", headers=token_for("admin")).json() == {"moved": 1}
    assert client.post("/api/v1/queues/jobs-dlq/redrive", headers=token_for("viewer")).status_code == 403


def test_schedules_show_their_next_firings(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    asyncio.run(app.state.scheduler.add(Schedule(name="nightly", expression="cron(0 2 * * ? *)")))
    listed = client.get("/api/v1/schedules", headers=token_for("admin")).json()
    assert listed[0]["name"] == "nightly" and listed[0]["next_firing"].endswith("02:00:00+00:00")
    upcoming = client.get("/api/v1/schedules/nightly/next", params={"count": 3}, headers=token_for("admin"))
    assert len(upcoming.json()) == 3
