"""/api/v1/tasks: submit, follow (list, get, live), download artifacts by recorded name only."""

import asyncio
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.tasks import actions
from hexad.tasks.actions import TaskAction
from hexad.tasks.consumer import TaskConsumer
from tests.unit.tasks.test_tasks import _echo, _EchoParams

Headers = Callable[..., dict[str, str]]


@pytest.fixture(autouse=True)
def _echo_action(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(actions.ACTIONS, ("cpi", "echo"), TaskAction(_EchoParams, _echo, "echo text"))


def _run_queued(app: FastAPI) -> int:
    state = app.state
    consumer = TaskConsumer(state.settings, state.tasks, state.queues, state.objects, state.bus.put_events)
    return asyncio.run(consumer.drain())


def _submit(client: TestClient, headers: dict[str, str], text: str = "hello") -> dict[str, object]:
    response = client.post("/api/v1/tasks", headers=headers,
                           json={"agent": "cpi", "action": "echo", "params": {"text": text}})  # fmt: skip
    assert response.status_code == 202, response.text
    body: dict[str, object] = response.json()
    return body


def test_submit_run_and_download(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    task = _submit(client, token_for("finance", subject="u-fin"))
    assert task["status"] == "queued" and task["submitted_by"] == "u-fin"
    assert _run_queued(app) == 1
    done = client.get(f"/api/v1/tasks/{task['id']}", headers=token_for("viewer")).json()
    assert done["status"] == "succeeded" and done["progress"] == 1.0
    url = done["artifacts"][0]["url"]
    download = client.get(url, headers=token_for("viewer"))
    assert download.status_code == 200 and download.content == b"hello"
    assert download.headers["content-type"].startswith("text/plain")
    assert 'filename="echo.txt"' in download.headers["content-disposition"]


@pytest.mark.parametrize("name", ["..%2F..%2Fhexad.db", "%2E%2E", "echo.txt%00", "findings.json"])
def test_only_recorded_artifact_names_download(
    app: FastAPI, client: TestClient, token_for: Headers, name: str
) -> None:
    task = _submit(client, token_for("admin"))
    _run_queued(app)
    response = client.get(f"/api/v1/tasks/{task['id']}/artifacts/{name}", headers=token_for("admin"))
    assert response.status_code == 404


def test_bad_submissions_are_problems(client: TestClient, token_for: Headers) -> None:
    admin = token_for("admin")
    unknown = client.post("/api/v1/tasks", headers=admin, json={"agent": "cpi", "action": "dance"})
    assert unknown.status_code == 422 and "cpi:run" in unknown.json()["detail"]
    bad = client.post("/api/v1/tasks", headers=admin, json={"agent": "cpi", "action": "echo", "params": {}})
    assert bad.status_code == 422 and "params.text" in bad.json()["detail"]
    assert client.post("/api/v1/tasks", headers=token_for("viewer"), json={}).status_code == 403
    assert client.get("/api/v1/tasks/nope", headers=admin).status_code == 404


def test_lists_filter_and_page(client: TestClient, token_for: Headers, app: FastAPI) -> None:
    admin = token_for("admin")
    ids = []
    for n in range(3):
        ids.append(_submit(client, admin, str(n))["id"])
        app.state.clock.advance(1)
    first = client.get("/api/v1/tasks", params={"limit": 2}, headers=admin).json()
    second = client.get("/api/v1/tasks", params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin)
    assert [t["id"] for t in first["items"] + second.json()["items"]] == ids[::-1]
    assert second.json()["next_cursor"] is None
    _run_queued(app)
    done = client.get("/api/v1/tasks", params={"status": "succeeded", "sort": "created_at"}, headers=admin)
    assert [t["id"] for t in done.json()["items"]] == ids
    wrong = client.get("/api/v1/tasks", params={"cursor": first["next_cursor"], "sort": "created_at"},
                       headers=admin)  # fmt: skip
    assert wrong.status_code == 422


def _statuses_until_done(socket: object) -> list[tuple[str, float, str]]:
    seen: list[tuple[str, float, str]] = []
    while not seen or seen[-1][0] not in ("succeeded", "failed"):
        detail = socket.receive_json()["event"]["detail"]  # type: ignore[attr-defined]
        seen.append((detail["status"], detail["progress"], detail["submitted_by"]))
    return seen


def test_a_task_streams_its_progress_live_to_its_submitter_only(app: FastAPI, token_for: Headers) -> None:
    pattern = {"source": ["hexad.tasks"]}
    owner, other = token_for("sales", subject="u-sal"), token_for("sales", subject="u-other")
    with (
        TestClient(app) as client,  # one event loop for both sockets, as in a server process
        client.websocket_connect("/api/v1/live") as mine,
        client.websocket_connect("/api/v1/live") as theirs,
    ):
        for socket, headers in ((mine, owner), (theirs, other)):
            socket.send_json({"token": headers["Authorization"].split()[1], "pattern": pattern})
            assert socket.receive_json() == {"type": "subscribed"}
        _submit(client, owner)
        _run_queued(app)
        seen = _statuses_until_done(mine)
        _submit(client, other, "theirs")
        _run_queued(app)
        assert {who for _, _, who in _statuses_until_done(theirs)} == {"u-other"}
    assert [status for status, _, _ in seen] == ["queued", "running", *["running"] * 4, "succeeded"]
    assert [progress for _, progress, _ in seen] == [0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    assert {who for _, _, who in seen} == {"u-sal"}
