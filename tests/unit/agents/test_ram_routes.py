"""Routes: technician days with windows and skills, and the CVRP engine on a published instance."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hexad.agents.base import FrameSource
from hexad.agents.ram_routes import RouteTechnician, Visit, day_visits, parse_vrp, plan_routes, solve_cvrp
from hexad.errors import AgentError

DAY = date(2026, 10, 1)
INSTANCE = Path(__file__).parents[2] / "data" / "cvrp" / "A-n32-k5.vrp"


def _tech(tid: str, lat: float, lon: float, skills: str = "network;windows") -> RouteTechnician:
    return RouteTechnician(tid, f"Tech {tid}", lat, lon, frozenset(skills.split(";")))


def _visit(vid: str, lat: float, lon: float, minutes: int = 60, skills: str = "network", **kw: int) -> Visit:
    return Visit(vid, lat, lon, minutes, skills=frozenset(skills.split(";")), **kw)


def test_each_visit_goes_to_the_nearby_qualified_technician() -> None:
    techs = [_tech("NYC", 40.71, -74.0), _tech("BOS", 42.36, -71.06)]
    visits = [_visit("ny1", 40.75, -73.98), _visit("ny2", 40.68, -73.95), _visit("bos1", 42.35, -71.1)]
    plan = plan_routes(visits, techs, day=DAY, time_limit=1)
    owner = {stop.visit_id: route.technician_id for route in plan.routes for stop in route.stops}
    assert owner == {"ny1": "NYC", "ny2": "NYC", "bos1": "BOS"}
    assert plan.unvisited == []
    for route in plan.routes:
        times = [(s.arrival, s.departure) for s in route.stops]
        assert all("08:00" <= a < d <= "17:00" for a, d in times)
        assert all(times[k][1] <= times[k + 1][0] for k in range(len(times) - 1))


def test_time_windows_are_respected() -> None:
    techs = [_tech("T", 40.71, -74.0)]
    visits = [
        _visit("late", 40.72, -74.0, latest=17 * 60, earliest=14 * 60),
        _visit("early", 40.73, -74.0, latest=10 * 60),
    ]
    plan = plan_routes(visits, techs, day=DAY, time_limit=1)
    [route] = plan.routes
    stops = {s.visit_id: s for s in route.stops}
    assert stops["early"].departure <= "10:00"
    assert stops["late"].arrival >= "14:00"
    assert [s.visit_id for s in route.stops] == ["early", "late"]


def test_visits_that_cannot_fit_are_reported_with_a_reason() -> None:
    techs = [_tech("T", 40.71, -74.0, "windows")]
    visits = [
        _visit("voip", 40.72, -74.0, skills="voip"),
        _visit("long", 40.72, -74.0, minutes=10 * 60, skills="windows"),
    ]
    plan = plan_routes(visits, techs, day=DAY, time_limit=1)
    reasons = {u["visit_id"]: u["reason"] for u in plan.unvisited}
    assert "skills voip" in reasons["voip"]
    assert "does not fit" in reasons["long"]


def test_the_cvrp_engine_reaches_the_published_optimum_on_a_small_instance() -> None:
    instance = parse_vrp(INSTANCE.read_text())
    assert (instance.name, instance.capacity, instance.optimum, len(instance.demands)) == (
        "A-n32-k5",
        100,
        784,
        32,
    )
    cost, routes = solve_cvrp(instance, time_limit=2)
    assert cost <= 784 * 1.02
    visited = sorted(node for route in routes for node in route)
    assert visited == list(range(1, 32))
    assert all(sum(instance.demands[n] for n in route) <= instance.capacity for route in routes)


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(AgentError, match="expected 'pyvrp' or 'ortools'"):
        solve_cvrp(parse_vrp(INSTANCE.read_text()), engine="magic")


def test_demo_open_onsite_tickets_become_a_day_plan(frames: FrameSource) -> None:
    visits, technicians = day_visits(frames, DAY)
    assert visits and technicians
    assert all(-90 <= v.latitude <= 90 and v.service_minutes >= 15 for v in visits)
    plan = plan_routes(visits, technicians, day=DAY, time_limit=1)
    placed = {s.visit_id for r in plan.routes for s in r.stops} | {u["visit_id"] for u in plan.unvisited}
    assert placed == {v.visit_id for v in visits}
