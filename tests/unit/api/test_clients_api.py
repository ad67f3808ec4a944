"""/api/v1/clients on the demo data: profitability per client, filters, sorting, paging, the cache."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.api.app import create_app
from hexad.config import load_settings
from hexad.runtime.clock import ManualClock
from tests.unit.api.conftest import draft
from tests.unit.api.demo_home import install_demo_database

Headers = Callable[..., dict[str, str]]


@pytest.fixture
def app(_isolated_home: Path) -> FastAPI:
    install_demo_database(_isolated_home)
    return create_app(load_settings(), clock=ManualClock(datetime(2027, 1, 1, tzinfo=UTC)))


def _all(client: TestClient, headers: dict[str, str], **params: object) -> list[dict[str, object]]:
    items, cursor = [], None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/clients", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_pages_sorted_by_trailing_margin_hold_every_client_once(
    client: TestClient, token_for: Headers
) -> None:
    items = _all(client, token_for("viewer"), sort="-t12m_margin_pct", limit=6)
    ids = [item["client_id"] for item in items]
    assert len(ids) == len(set(ids)) == 20
    margins = [item["trailing_12_months"]["margin_pct"] for item in items if item["trailing_12_months"]]
    assert margins == sorted(margins, reverse=True)


def test_trailing_revenue_is_the_sum_of_the_clients_invoices(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    items = _all(client, token_for("finance"), limit=200)
    first = items[0]["trailing_12_months"]
    start, end = first["period"].split("..")
    stop = (pd.Period(end, freq="M") + 1).to_timestamp().date()
    query = sa.text(
        "SELECT client_id, SUM(total) AS revenue FROM invoices WHERE status <> 'void' "
        "AND issue_date >= :start AND issue_date < :stop GROUP BY client_id"
    )
    with app.state.engine.connect() as conn:
        rows = conn.execute(query, {"start": date.fromisoformat(start + "-01"), "stop": stop})
        expected = {row.client_id: round(float(row.revenue), 2) for row in rows}
    for item in items:
        figures = item["trailing_12_months"]
        if item["client_id"] in expected:
            assert figures["revenue"] == pytest.approx(expected[item["client_id"]], abs=0.01)
        if figures and figures["revenue"]:
            margin = 100 * (figures["revenue"] - figures["cost"]) / figures["revenue"]
            assert figures["margin_pct"] == pytest.approx(margin, abs=0.01)


def test_filters_by_tier_status_and_text(client: TestClient, token_for: Headers) -> None:
    everyone = _all(client, token_for("viewer"), limit=200)
    tier = everyone[0]["tier"]
    by_tier = _all(client, token_for("viewer"), tier=tier)
    assert by_tier and {item["tier"] for item in by_tier} == {tier}
    assert len(by_tier) == sum(1 for item in everyone if item["tier"] == tier)
    name = everyone[3]["name"]
    found = _all(client, token_for("viewer"), q=name.upper())
    assert everyone[3]["client_id"] in {item["client_id"] for item in found}
    assert _all(client, token_for("viewer"), status="no-such-status") == []


def test_detail_has_the_monthly_series_and_open_findings(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    client_id = _all(client, token_for("viewer"), limit=200)[0]["client_id"]
    app.state.findings.save("cpi", [draft(client_id), draft("CL-other")], full_run=True)
    body = client.get(f"/api/v1/clients/{client_id}", headers=token_for("viewer")).json()
    months = [row["month"] for row in body["months"]]
    assert months == sorted(months) and len(months) >= 12
    latest = body["latest_month"]
    assert latest is not None and latest["period"] == months[-1]
    assert latest["revenue"] == body["months"][-1]["revenue"]
    assert [f["subject_id"] for f in body["open_findings"]] == [client_id]
    first_month = body["trailing_12_months"]["period"][:7]
    hours = sum(row["labour_hours"] for row in body["months"] if row["month"] >= first_month)
    assert body["trailing_12_months"]["labour_hours"] == pytest.approx(hours, abs=0.05)


def test_unknown_client_and_bad_sort_are_problems(client: TestClient, token_for: Headers) -> None:
    missing = client.get("/api/v1/clients/CL-nope", headers=token_for("viewer"))
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/not-found") and "CL-nope" in missing.json()["detail"]
    bad = client.get("/api/v1/clients", params={"sort": "salary"}, headers=token_for("viewer"))
    assert bad.status_code == 422 and "t12m_margin_pct" in bad.json()["detail"]
    stale = client.get(
        "/api/v1/clients", params={"sort": "name", "cursor": "abc"}, headers=token_for("viewer")
    )
    assert stale.status_code == 422
    forged = "WyItcmV2ZW51ZSIsICJhYmMiLCAiQ0wtMSJd"  # ["-revenue", "abc", "CL-1"]: text for a number
    response = client.get(
        "/api/v1/clients", params={"sort": "-revenue", "cursor": forged}, headers=token_for("viewer")
    )
    assert response.status_code == 422


def test_profitability_is_cached_until_an_import_event_or_the_ttl(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    headers = token_for("admin")
    for _ in range(3):
        assert client.get("/api/v1/clients", headers=headers).status_code == 200
    cache = app.state.analysis
    assert cache.builds == {"clients": 1}
    other = {"Source": "hexad.test", "DetailType": "something.happened", "Detail": {}}
    client.post("/api/v1/events", json={"entries": [other]}, headers=headers)
    client.get("/api/v1/clients", headers=headers)
    assert cache.builds == {"clients": 1}
    imported = {"Source": "hexad.ingest", "DetailType": "data.imported", "Detail": {"entity": "invoices"}}
    client.post("/api/v1/events", json={"entries": [imported]}, headers=headers)
    client.get("/api/v1/clients", headers=headers)
    assert cache.builds == {"clients": 2}
    app.state.clock.advance(61)
    client.get("/api/v1/clients/CL-0001", headers=headers)
    assert cache.builds == {"clients": 3}
