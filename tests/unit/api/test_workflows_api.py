"""/api/v1/workflows: definitions, executions and approval by task token, driven as a worker would."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.runtime.workflows.service import WorkflowService

Headers = Callable[..., dict[str, str]]

APPROVAL = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "ask-approver.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token", "contract.$": "$.contract"},
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection", "Next": "Declined"}],
            "End": True,
        },
        "Declined": {"Type": "Fail", "Error": "Declined", "Cause": "the approver said no"},
    },
}


@pytest.fixture
def tokens(app: FastAPI, client: TestClient, token_for: Headers) -> list[str]:
    """Asked tokens, after creating the approval state machine on the app's workflow service."""
    client.get("/api/v1/workflows", headers=token_for("viewer"))  # makes the app's service
    service: WorkflowService = app.state.workflows
    asked: list[str] = []

    def ask(parameters: dict[str, Any]) -> None:
        asked.append(parameters["token"])

    service.register_activity("ask-approver", ask)
    asyncio.run(service.create_state_machine("approval", APPROVAL, "contract approval"))
    return asked


def _drive(app: FastAPI) -> None:
    asyncio.run(app.state.workflows.run_until_idle())


def _start(client: TestClient, headers: dict[str, str], name: str) -> dict[str, Any]:
    body = {"input": {"contract": "VC-1"}, "name": name}
    response = client.post("/api/v1/workflows/approval/executions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_definitions_are_listed_and_shown(client: TestClient, token_for: Headers, tokens: list[str]) -> None:
    listed = client.get("/api/v1/workflows", headers=token_for("viewer")).json()
    assert [m["name"] for m in listed["items"]] == ["approval"] and listed["next_cursor"] is None
    shown = client.get("/api/v1/workflows/approval", headers=token_for("viewer")).json()
    assert shown["definition"]["StartAt"] == "Ask" and shown["description"] == "contract approval"
    assert client.get("/api/v1/workflows/nope", headers=token_for("viewer")).status_code == 404


def test_approval_by_token_completes_the_execution(
    app: FastAPI, client: TestClient, token_for: Headers, tokens: list[str]
) -> None:
    started = _start(client, token_for("service_manager"), "first")
    assert started["status"] == "RUNNING" and started["input"] == {"contract": "VC-1"}
    _drive(app)
    assert len(tokens) == 1
    answer = client.post(
        f"/api/v1/workflows/tasks/{tokens[0]}/approve", headers=token_for("finance", subject="u-fin")
    )
    assert answer.status_code == 200 and answer.json() == {"answered": "success"}
    _drive(app)
    described = client.get(
        f"/api/v1/workflows/executions/{started['execution_id']}", headers=token_for("viewer")
    )
    assert described.json()["status"] == "SUCCEEDED"
    assert described.json()["output"] == {"approved": True, "by": "u-fin"}
    history = client.get(
        f"/api/v1/workflows/executions/{started['execution_id']}/history", headers=token_for("viewer")
    ).json()
    assert history[0]["type"] == "ExecutionStarted" and history[-1]["type"] == "ExecutionSucceeded"
    again = client.post(f"/api/v1/workflows/tasks/{tokens[0]}/approve", headers=token_for("finance"))
    assert again.status_code == 409
    unknown = client.post("/api/v1/workflows/tasks/not-a-token/approve", headers=token_for("finance"))
    assert unknown.status_code == 404


def test_rejection_reaches_the_states_catch(
    app: FastAPI, client: TestClient, token_for: Headers, tokens: list[str]
) -> None:
    started = _start(client, token_for("admin"), "second")
    _drive(app)
    body = {"cause": "price too high"}
    rejected = client.post(
        f"/api/v1/workflows/tasks/{tokens[0]}/reject", json=body, headers=token_for("admin")
    )
    assert rejected.json() == {"answered": "failure"}
    _drive(app)
    described = client.get(
        f"/api/v1/workflows/executions/{started['execution_id']}", headers=token_for("admin")
    )
    assert described.json()["status"] == "FAILED" and described.json()["error"] == "Declined"


def test_stop_list_and_conflicts(
    app: FastAPI, client: TestClient, token_for: Headers, tokens: list[str]
) -> None:
    headers = token_for("admin")
    for index in range(3):
        app.state.clock.advance(1)
        _start(client, headers, f"run-{index}")
    assert (
        client.post(
            "/api/v1/workflows/approval/executions", json={"name": "run-0"}, headers=headers
        ).status_code
        == 409
    )
    stopped = client.post(
        "/api/v1/workflows/executions/approval:run-1/stop", json={"cause": "test"}, headers=headers
    )
    assert stopped.json()["status"] == "ABORTED"
    assert client.post("/api/v1/workflows/executions/approval:run-1/stop", headers=headers).status_code == 409
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/workflows/executions", params=params, headers=headers).json()
        seen += [item["name"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == ["run-2", "run-1", "run-0"]
    running = client.get("/api/v1/workflows/executions", params={"status": "RUNNING"}, headers=headers).json()
    assert [item["name"] for item in running["items"]] == ["run-2", "run-0"]
    assert client.post("/api/v1/workflows/nope/executions", json={}, headers=headers).status_code == 404
    forged = "WyItc3RhcnRlZF9hdCIsImFiYyIsIngiXQ"  # ["-started_at", "abc", "x"]
    listed = client.get("/api/v1/workflows/executions", params={"cursor": forged}, headers=headers)
    assert listed.status_code == 422


def test_viewers_read_but_cannot_start_or_approve(
    client: TestClient, token_for: Headers, tokens: list[str]
) -> None:
    assert client.get("/api/v1/workflows/executions", headers=token_for("viewer")).status_code == 200
    assert (
        client.post("/api/v1/workflows/approval/executions", json={}, headers=token_for("viewer")).status_code
        == 403
    )
    assert client.post("/api/v1/workflows/tasks/t/approve", headers=token_for("sales")).status_code == 403
