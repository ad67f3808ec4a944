"""The findings list's direct JSON equals the store's findings serialized by the API's model."""

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.api.routers.findings import FindingPage
from tests.unit.api.conftest import draft

Headers = Callable[..., dict[str, str]]


def test_pages_match_the_store_and_the_model(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    drafts = [draft(f"C-{n}", severity=("high", "low")[n % 2]) for n in range(5)]
    drafts.append(draft("C-ü", kind="churn_risk"))
    app.state.findings.save("cpi", drafts, full_run=True)
    store = app.state.findings
    store.set_status(store.list(agent="cpi")[0].id, "resolved")
    cursor, pages = None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/findings", params=params, headers=token_for("viewer"))
        assert response.headers["content-type"] == "application/json"
        rows = store.list(limit=3, cursor=cursor)
        expected = FindingPage(items=rows[:2], next_cursor=rows[1].id if len(rows) > 2 else None)
        assert response.json() == expected.model_dump(mode="json")
        pages += 1
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    only = client.get(
        "/api/v1/findings", params={"status": "resolved", "agent": "cpi"}, headers=token_for("viewer")
    )
    assert [f["status"] for f in only.json()["items"]] == ["resolved"]
    assert (
        client.get("/api/v1/findings", params={"cursor": "nope"}, headers=token_for("viewer")).status_code
        == 422
    )
