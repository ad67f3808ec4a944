from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.unit.api.conftest import draft

Headers = Callable[..., dict[str, str]]


def _seed(app: FastAPI, count: int) -> None:
    drafts = [draft(f"C-{i:03d}", severity="high" if i % 2 else "low") for i in range(count)]
    app.state.findings.save("cpi", drafts, full_run=True)


def test_list_pages_through_every_finding_once(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    _seed(app, 7)
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/v1/findings", params=params, headers=token_for("viewer")).json()
        seen += [item["subject_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"C-{i:03d}" for i in range(7)]


def test_filters_and_evidence(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    _seed(app, 6)
    high = client.get("/api/v1/findings", params={"severity": "high"}, headers=token_for("viewer")).json()
    assert {item["severity"] for item in high["items"]} == {"high"}
    assert len(high["items"]) == 3
    one = client.get(f"/api/v1/findings/{high['items'][0]['id']}", headers=token_for("viewer")).json()
    assert one["evidence"]["margin_pct"] == [41.0, 18.0]
    bad = client.get("/api/v1/findings", params={"severity": "dire"}, headers=token_for("viewer"))
    assert bad.status_code == 422


def test_acknowledge_resolve_and_comment(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    _seed(app, 1)
    finding_id = app.state.findings.list()[0].id
    manager = token_for("service_manager", subject="u-sam")
    assert client.post(f"/api/v1/findings/{finding_id}/acknowledge", headers=manager).json()["status"] == (
        "acknowledged"
    )
    resolved = client.post(f"/api/v1/findings/{finding_id}/resolve", headers=manager).json()
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    posted = client.post(
        f"/api/v1/findings/{finding_id}/comments", json={"body": "Repriced"}, headers=manager
    )
    assert posted.status_code == 201 and posted.json()["author"] == "u-sam"
    comments = client.get(f"/api/v1/findings/{finding_id}/comments", headers=token_for("viewer")).json()
    assert [c["body"] for c in comments] == ["Repriced"]
    pattern = '{"source": ["hexad.findings"]}'
    events = client.get("/api/v1/events", params={"pattern": pattern}, headers=token_for("admin")).json()
    assert [(e["detail-type"], e["detail"].get("new_status"), e["detail"]["actor"]) for e in events] == [
        ("finding.status.changed", "acknowledged", "u-sam"),
        ("finding.status.changed", "resolved", "u-sam"),
        ("finding.commented", None, "u-sam"),
    ]


def test_viewers_cannot_change_findings_and_unknown_ids_are_404(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    _seed(app, 1)
    finding_id = app.state.findings.list()[0].id
    denied = client.post(f"/api/v1/findings/{finding_id}/resolve", headers=token_for("viewer"))
    assert denied.status_code == 403
    assert client.get("/api/v1/findings/nope", headers=token_for("viewer")).status_code == 404
    empty = client.post(
        f"/api/v1/findings/{finding_id}/comments", json={"body": ""}, headers=token_for("admin")
    )
    assert empty.status_code == 422
