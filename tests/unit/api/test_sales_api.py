"""/api/v1/leads, /forecast and /proposals on the demo data: scores, forecast, documents by id."""

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.api.app import create_app
from hexad.config import load_settings
from hexad.runtime.clock import ManualClock
from tests.unit.api.demo_home import install_demo_database

Headers = Callable[..., dict[str, str]]


@pytest.fixture
def app(_isolated_home: Path) -> FastAPI:
    install_demo_database(_isolated_home)
    return create_app(load_settings(), clock=ManualClock(datetime(2027, 1, 1, tzinfo=UTC)))


def _leads(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/v1/leads", params=query, headers=headers).json()
        items += body["items"]
        if (cursor := body["next_cursor"]) is None:
            return items


def test_leads_are_open_deals_by_expected_value(client: TestClient, token_for: Headers) -> None:
    leads = _leads(client, token_for("sales"), limit=4)
    assert leads and len({lead["opportunity_id"] for lead in leads}) == len(leads)
    values = [lead["expected_value"] for lead in leads]
    assert values == sorted(values, reverse=True)
    for lead in leads:
        assert not lead["stage"].startswith("closed")
        assert 0 <= lead["win_probability"] <= 1
        assert lead["expected_value"] == pytest.approx(lead["win_probability"] * lead["amount"], rel=1e-3)
        assert lead["drivers"]
    stage = leads[0]["stage"]
    assert {lead["stage"] for lead in _leads(client, token_for("viewer"), stage=stage)} == {stage}


def test_forecast_covers_the_next_three_months(client: TestClient, token_for: Headers) -> None:
    body = client.get("/api/v1/forecast", headers=token_for("sales")).json()
    assert len(body["months"]) == 3 and body["months"][0]["month"] > body["reference_date"][:7]
    for month in body["months"]:
        assert month["low"] <= month["high"] and month["expected"] <= month["pipeline"]


def test_proposal_is_written_listed_announced_and_downloaded(client: TestClient, token_for: Headers) -> None:
    headers = token_for("sales")
    opportunity = _leads(client, headers)[0]["opportunity_id"]
    created = client.post("/api/v1/proposals", json={"opportunity_id": opportunity}, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["proposal_id"] == opportunity and body["monthly_total"] > 0
    assert [p["proposal_id"] for p in client.get("/api/v1/proposals", headers=headers).json()] == [
        opportunity
    ]
    pdf = client.get(body["downloads"]["pdf"], headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    docx = client.get(body["downloads"]["docx"], headers=headers)
    assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(docx.content)).namelist()
    events = client.get(
        "/api/v1/events", params={"pattern": '{"detail-type": ["sales.proposal.generated"]}'},
        headers=token_for("admin"),
    ).json()  # fmt: skip
    assert [e["detail"]["opportunity_id"] for e in events] == [opportunity]


def test_unknown_and_traversal_ids_are_not_found(client: TestClient, token_for: Headers) -> None:
    headers = token_for("admin")
    missing = client.post("/api/v1/proposals", json={"opportunity_id": "OP-9999"}, headers=headers)
    assert missing.status_code == 404
    bad = client.post("/api/v1/proposals", json={"opportunity_id": "../../etc"}, headers=headers)
    assert bad.status_code == 422
    for proposal_id in ("OP-9999", "..", "..%2F..%2Fhexad.db"):
        response = client.get(f"/api/v1/proposals/{proposal_id}/download", headers=headers)
        assert response.status_code == 404, proposal_id
    wrong_format = client.get("/api/v1/proposals/OP-0001/download?format=exe", headers=headers)
    assert wrong_format.status_code == 422


def test_roles(client: TestClient, token_for: Headers) -> None:
    assert client.get("/api/v1/leads", headers=token_for("finance")).status_code == 403
    body = {"opportunity_id": "OP-0001"}
    assert client.post("/api/v1/proposals", json=body, headers=token_for("viewer")).status_code == 403


def test_an_empty_pipeline_has_no_leads_and_no_forecast(tmp_path: Path) -> None:
    empty = create_app(load_settings(home=tmp_path / "empty"), clock=ManualClock())
    client = TestClient(empty, raise_server_exceptions=False)
    headers = {"Authorization": f"Bearer {empty.state.tokens.issue('u-1', ['sales'])}"}
    assert client.get("/api/v1/leads", headers=headers).json()["items"] == []
    assert client.get("/api/v1/forecast", headers=headers).json()["months"] == []
