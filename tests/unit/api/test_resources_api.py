"""/api/v1/plans, /routes and /utilization on the demo data."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hexad.agents.ram_plans import haversine_km
from hexad.api.app import create_app
from hexad.config import load_settings
from hexad.runtime.clock import ManualClock
from tests.unit.api.demo_home import install_demo_database

Headers = Callable[..., dict[str, str]]


@pytest.fixture
def app(_isolated_home: Path) -> FastAPI:
    install_demo_database(_isolated_home)
    return create_app(load_settings(), clock=ManualClock(datetime(2027, 1, 1, tzinfo=UTC)))


def test_plan_assigns_open_work_once_to_known_technicians(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    headers = token_for("service_manager")
    plan = client.get("/api/v1/plans", params={"time_limit": 2}, headers=headers).json()
    with app.state.engine.connect() as conn:
        technicians = set(conn.execute(sa.text("SELECT technician_id FROM technicians")).scalars())
    items = [a["item_id"] for a in plan["assignments"]] + [u["item_id"] for u in plan["unassigned"]]
    assert plan["assignments"] and len(items) == len(set(items))
    assert {a["technician_id"] for a in plan["assignments"]} <= technicians
    assert all(a["reason"] for a in plan["assignments"])
    one = plan["assignments"][0]["technician_id"]
    mine = client.get("/api/v1/plans", params={"technician_id": one}, headers=headers).json()
    assert mine["assignments"] and {a["technician_id"] for a in mine["assignments"]} == {one}
    assert app.state.analysis.builds["plan:None:False"] == 1


def _open_onsite_tickets(app: FastAPI, client: TestClient, headers: dict[str, str]) -> list[str]:
    """Open on-site tickets at the three sites nearest a technician's home, imported through the API."""
    with app.state.engine.connect() as conn:
        homes = conn.execute(sa.text("SELECT home_latitude, home_longitude FROM technicians")).all()
        every = conn.execute(sa.text("SELECT site_id, client_id, latitude, longitude FROM sites")).all()

    def nearest_home(site: Any) -> float:
        return min((site.latitude - lat) ** 2 + (site.longitude - lon) ** 2 for lat, lon in homes)

    sites = [(site.site_id, site.client_id) for site in sorted(every, key=nearest_home)[:3]]
    header = "ticket_id,client_id,site_id,summary,priority,onsite,estimated_hours,opened_at,status\n"
    rows = "".join(
        f"TK-API-{n},{client_id},{site_id},Replace switch,high,true,1.5,2026-09-29T08:00:00Z,open\n"
        for n, (site_id, client_id) in enumerate(sites)
    )
    response = client.post(
        "/api/v1/imports", files={"file": ("tickets.csv", (header + rows).encode())}, headers=headers
    )
    assert response.status_code == 201, response.text
    return [f"TK-API-{n}" for n in range(len(sites))]


def test_routes_visit_each_open_onsite_ticket_once(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    headers = token_for("admin")
    before = client.get(
        "/api/v1/routes", params={"day": "2026-10-01", "time_limit": 1}, headers=headers
    ).json()
    planted = _open_onsite_tickets(app, client, headers)
    body = client.get("/api/v1/routes", params={"day": "2026-10-01", "time_limit": 1}, headers=headers).json()
    stops = [stop["visit_id"] for route in body["routes"] for stop in route["stops"]]
    unvisited = [item["visit_id"] for item in body["unvisited"]]
    assert len(stops) == len(set(stops)) and not set(stops) & set(unvisited)
    assert set(planted) <= set(stops) | set(unvisited) and set(planted) & set(stops)
    assert len(stops) + len(unvisited) > sum(len(r["stops"]) for r in before["routes"])
    assert body["distance_km"] == pytest.approx(sum(r["distance_km"] for r in body["routes"]), abs=0.05)
    bad = client.get("/api/v1/routes", params={"day": "tomorrow"}, headers=headers)
    assert bad.status_code == 422


def test_routes_carry_the_coordinates_and_windows_they_were_solved_with(
    app: FastAPI, client: TestClient, token_for: Headers
) -> None:
    headers = token_for("admin")
    planted = _open_onsite_tickets(app, client, headers)
    body = client.get("/api/v1/routes", params={"day": "2026-10-01", "time_limit": 1}, headers=headers).json()
    with app.state.engine.connect() as conn:
        sites = {r.ticket_id: (r.latitude, r.longitude) for r in conn.execute(sa.text(
            "SELECT t.ticket_id, s.latitude, s.longitude FROM tickets t JOIN sites s USING (site_id)"
        ))}  # fmt: skip
        homes = {r.technician_id: (r.home_latitude, r.home_longitude) for r in conn.execute(
            sa.text("SELECT technician_id, home_latitude, home_longitude FROM technicians"))}  # fmt: skip
    routed = [stop["visit_id"] for route in body["routes"] for stop in route["stops"]]
    assert set(planted) & set(routed)
    for route in body["routes"]:
        here = (route["home_latitude"], route["home_longitude"])
        assert here == pytest.approx(homes[route["technician_id"]])
        for stop in route["stops"]:
            there = (stop["latitude"], stop["longitude"])
            assert there == pytest.approx(sites[stop["visit_id"]])
            assert stop["drive_km"] == pytest.approx(haversine_km(*here, *there), abs=0.01)
            assert stop["window_start"] <= stop["arrival"] < stop["departure"] <= stop["window_end"]
            here = there


def test_utilization_is_billable_over_available(client: TestClient, token_for: Headers) -> None:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/v1/utilization", params=params, headers=token_for("admin")).json()
        items += body["items"]
        if (cursor := body["next_cursor"]) is None:
            break
    assert items and body["window_start"] < body["window_end"]
    assert [i["utilization"] for i in items] == sorted((i["utilization"] for i in items), reverse=True)
    for item in items:
        assert item["billable_hours"] <= item["worked_hours"] + 0.01
        if item["available_hours"]:
            assert item["utilization"] == pytest.approx(
                item["billable_hours"] / item["available_hours"], abs=1e-3
            )


def test_solver_time_is_bounded_and_roles_apply(client: TestClient, token_for: Headers) -> None:
    slow = client.get("/api/v1/plans", params={"time_limit": 600}, headers=token_for("admin"))
    assert slow.status_code == 422
    assert client.get("/api/v1/plans", headers=token_for("sales")).status_code == 403
