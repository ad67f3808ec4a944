"""/api/v1/ask, /narratives, /search and /llm/usage on the demo data with three agents' findings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hexad.api.app import create_app
from hexad.runtime.clock import ManualClock
from tests.unit.intelligence.ask_home import ask_home

pytestmark = pytest.mark.slow  # the demo data set is generated, imported and analysed once (~25 s)
Headers = Callable[..., dict[str, str]]


@pytest.fixture
def api(tmp_path: Path) -> tuple[TestClient, Headers]:
    app = create_app(ask_home(tmp_path / "home"), clock=ManualClock())

    def headers(*roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {app.state.tokens.issue('u-test', list(roles))}"}

    return TestClient(app, raise_server_exceptions=False), headers


def test_ask_answers_with_cited_tables_and_refuses_tools_the_role_lacks(
    api: tuple[TestClient, Headers],
) -> None:
    client, headers = api
    assert client.post("/api/v1/ask", json={"question": "who is overworked?"}).status_code == 401
    answer = client.post("/api/v1/ask", json={"question": "which departments are over budget?"},
                         headers=headers("finance")).json()  # fmt: skip
    assert answer["mode"] == "offline" and answer["calls"][0]["tool"] == "budget_status"
    assert answer["parts"][1]["kind"] == "table" and answer["parts"][1]["source"] == 1
    refused = client.post("/api/v1/ask", json={"question": "which departments are over budget?"},
                          headers=headers("sales")).json()  # fmt: skip
    assert "spend:read" in refused["calls"][0]["error"]


def test_narratives_of_a_finding_and_a_client(api: tuple[TestClient, Headers]) -> None:
    client, headers = api
    found = client.get("/api/v1/findings", params={"limit": 1}, headers=headers("viewer")).json()
    finding = found["items"][0]
    narrative = client.get(f"/api/v1/narratives/findings/{finding['id']}", headers=headers("viewer")).json()
    assert narrative["source"] == "offline" and narrative["headline"] == finding["summary"]
    assert narrative["text"].startswith(finding["summary"])
    missing = client.get("/api/v1/narratives/findings/nope", headers=headers("viewer"))
    assert missing.status_code == 404
    client_id = "CL-0001"
    about = client.get(f"/api/v1/narratives/clients/{client_id}", headers=headers("viewer")).json()
    assert about["subject_id"] == client_id and "Revenue" in about["what"]
    department = client.get("/api/v1/narratives/departments/Engineering", headers=headers("viewer")).json()
    assert department["headline"].startswith("Engineering:")
    vendor = client.get("/api/v1/narratives/vendors/VN-001", headers=headers("finance")).json()
    assert vendor["subject_type"] == "vendor"
    assert client.get("/api/v1/narratives/vendors/VN-001", headers=headers("sales")).status_code == 403


def test_search_and_llm_usage(api: tuple[TestClient, Headers]) -> None:
    client, headers = api
    hits = client.get("/api/v1/search", params={"q": "idle seats"}, headers=headers("viewer")).json()
    assert hits["items"] and hits["items"][0]["kind"] == "finding"
    assert client.get("/api/v1/llm/usage", headers=headers("viewer")).status_code == 403
    usage = client.get("/api/v1/llm/usage", headers=headers("finance")).json()
    assert usage == {"provider": "offline", "totals": [], "recent": []}


def test_ask_streams_calls_text_and_the_answer(api: tuple[TestClient, Headers]) -> None:
    client, headers = api
    response = client.post(
        "/api/v1/ask/stream", json={"question": "who is overworked?"}, headers=headers("viewer")
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [
        json.loads(line.removeprefix("data: "))
        for line in response.text.splitlines()
        if line.startswith("data: ")
    ]
    assert [e["type"] for e in events] == ["call", "delta", "answer"]
    assert events[0]["tool"] == "technician_utilization" and events[1]["text"] == events[2]["answer"]["text"]
