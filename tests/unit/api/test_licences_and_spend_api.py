"""/api/v1/licences and /api/v1/spend on the demo data, checked against the database itself."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


def _all(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        response = client.get(path, params=params | ({"cursor": cursor} if cursor else {}), headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        if (cursor := response.json()["next_cursor"]) is None:
            return items


def _scalar_map(app: FastAPI, sql: str) -> dict[Any, Any]:
    with app.state.engine.connect() as conn:
        return {tuple(row[:-1]) if len(row) > 2 else row[0]: row[-1] for row in conn.execute(sa.text(sql))}


def test_licences_reconcile_every_subscription(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    rows = _all(client, "/api/v1/licences", token_for("finance"), sort="-seats_unused", limit=7)
    assigned = _scalar_map(
        app, "SELECT subscription_id, count(*) FROM licence_assignments GROUP BY subscription_id"
    )
    purchased = _scalar_map(app, "SELECT subscription_id, seats_purchased FROM licence_subscriptions")
    assert {row["subscription_id"] for row in rows} == set(purchased)
    assert len(rows) == len(purchased)
    for row in rows:
        assert row["seats_assigned"] == assigned.get(row["subscription_id"], 0)
        assert row["over_deployed"] == max(0, row["seats_assigned"] - purchased[row["subscription_id"]])
        assert row["active_30d"] <= row["active_60d"] <= row["active_90d"] <= row["seats_assigned"]
    unused = [row["seats_unused"] for row in rows]
    assert unused == sorted(unused, reverse=True)


def test_licence_filters_and_detail(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    headers = token_for("service_manager")
    over = _all(client, "/api/v1/licences", headers, issue="over_deployed")
    assert all(row["over_deployed"] > 0 for row in over)
    everyone = _all(client, "/api/v1/licences", headers, limit=200)
    client_id = everyone[0]["client_id"]
    mine = _all(client, "/api/v1/licences", headers, client_id=client_id)
    assert mine and {row["client_id"] for row in mine} == {client_id}
    subscription = everyone[0]["subscription_id"]
    finding = draft(subscription, kind="licence_unused_seats")
    app.state.findings.save("sli", [finding], full_run=False)
    detail = client.get(f"/api/v1/licences/{subscription}", headers=headers).json()
    assert len(detail["assignments"]) == detail["seats_assigned"]
    idle = [a["idle_days"] for a in detail["assignments"]]
    assert sum(1 for days in idle if days is not None and days >= 90) == detail["seats_unused"]
    assert [f["kind"] for f in detail["open_findings"]] == ["licence_unused_seats"]
    assert client.get("/api/v1/licences/SUB-nope", headers=headers).status_code == 404
    assert client.get("/api/v1/licences", params={"sort": "colour"}, headers=headers).status_code == 422


def test_spend_rows_sum_the_expenses(app: FastAPI, client: TestClient, token_for: Headers) -> None:
    rows = _all(client, "/api/v1/spend", token_for("finance"), limit=200, sort="-variance")
    spent = _scalar_map(
        app,
        "SELECT department, category, strftime('%Y-%m', expense_date), SUM(amount) FROM expenses "
        "GROUP BY 1, 2, 3",
    )
    by_key = {(r["department"], r["category"], r["period"]): r for r in rows}
    assert set(spent) <= set(by_key)
    for key, amount in spent.items():
        assert by_key[key]["spend"] == pytest.approx(float(amount), abs=0.01)
    variances = [r["variance"] for r in rows]
    assert variances == sorted(variances, reverse=True)
    assert all(r["variance"] == pytest.approx(r["spend"] - r["budget"], abs=0.01) for r in rows)
    department = rows[0]["department"]
    narrowed = _all(
        client, "/api/v1/spend", token_for("finance"), department=department, period_from="2026-01"
    )
    assert narrowed and all(r["department"] == department and r["period"] >= "2026-01" for r in narrowed)


def test_departments_year_to_date_and_forecast(client: TestClient, token_for: Headers) -> None:
    body = client.get("/api/v1/spend/departments", headers=token_for("viewer")).json()
    rows = _all(client, "/api/v1/spend", token_for("viewer"), limit=200)
    reference = body["reference_date"][:7]
    for department in body["items"]:
        start, name = f"{department['year']}-01", department["department"]
        mine = [r for r in rows if r["department"] == name and start <= r["period"] <= reference]
        assert department["spend_to_date"] == pytest.approx(sum(r["spend"] for r in mine), abs=0.05)
        assert (
            department["forecast_low"] <= department["forecast_next_3_months"] <= department["forecast_high"]
        )


def test_roles(client: TestClient, token_for: Headers) -> None:
    assert client.get("/api/v1/spend", headers=token_for("sales")).status_code == 403
    assert client.get("/api/v1/licences", headers=token_for("sales")).status_code == 403
