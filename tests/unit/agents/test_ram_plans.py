"""Assignment plans: optimal on small instances, cheapest for eroding clients, reasons for every choice."""

from __future__ import annotations

import itertools
import random

import pytest

from hexad.agents.ram_plans import (
    PlanningInput,
    Technician,
    WorkItem,
    _cost,
    _penalty,
    haversine_km,
    plan_assignments,
    travel_hours,
)


def _tech(tid: str, cost: float, free: float, skills: str = "network;windows") -> Technician:
    return Technician(tid, f"Tech {tid}", frozenset(skills.split(";")), cost, free, 40.7, -74.0)


def _item(iid: str, hours: float, skills: str = "network", **kw: object) -> WorkItem:
    return WorkItem(iid, kw.pop("client", "CL-1"), hours, frozenset(skills.split(";")), **kw)  # type: ignore[arg-type]


def _brute_force(work: PlanningInput) -> float:
    """The exact optimum by enumeration: every item to one technician or to nobody."""
    best = float("inf")
    options = [None, *range(len(work.technicians))]
    for combo in itertools.product(options, repeat=len(work.items)):
        load = [0.0] * len(work.technicians)
        total = 0.0
        for item, j in zip(work.items, combo, strict=True):
            if j is None:
                total += _penalty(item)
                continue
            tech = work.technicians[j]
            if not item.skills <= tech.skills:
                break
            load[j] += item.hours + travel_hours(item, tech)
            total += _cost(item, tech) * (3.0 if item.eroding else 1.0)
        else:
            if all(load[j] <= t.free_hours + 1e-9 for j, t in enumerate(work.technicians)):
                best = min(best, total)
    return best


@pytest.mark.parametrize("engine", ["highs", "cpsat"])
def test_small_instances_are_solved_to_the_optimum(engine: str) -> None:
    rng = random.Random(11)
    skills = ["network", "windows", "m365"]
    for _ in range(8):
        techs = [
            _tech(f"T{j}", rng.uniform(35, 90), rng.uniform(2, 9), ";".join(rng.sample(skills, 2)))
            for j in range(3)
        ]
        items = [
            _item(
                f"I{i}", rng.choice([1.0, 2.0, 3.5]), rng.choice(skills), priority=rng.choice(["low", "high"])
            )
            for i in range(5)
        ]
        work = PlanningInput(items, techs)
        plan = plan_assignments(work, time_limit=5, engine=engine)
        assert plan.status == "OPTIMAL"
        assert abs(plan.objective - _brute_force(work)) <= 0.02 * _brute_force(work)


def test_eroding_client_gets_the_cheapest_qualified_technician() -> None:
    techs = [_tech("cheap", 40, 8), _tech("dear", 80, 8)]
    plan = plan_assignments(PlanningInput([_item("I1", 2, eroding=True)], techs))
    [assignment] = plan.assignments
    assert assignment.technician_id == "cheap"
    assert "cheapest qualified technician" in assignment.reason
    assert assignment.cost == 80.0


def test_capacity_is_respected_and_urgent_work_goes_first() -> None:
    techs = [_tech("T1", 50, 4)]
    items = [_item("low", 3, priority="low"), _item("critical", 3, priority="critical", hours_until_due=2)]
    plan = plan_assignments(PlanningInput(items, techs))
    assert [a.item_id for a in plan.assignments] == ["critical"]
    [left] = plan.unassigned
    assert left.item_id == "low" and "more urgent work" in left.reason


def test_unassigned_items_say_why() -> None:
    techs = [_tech("T1", 50, 2)]
    items = [_item("voip", 1, "voip"), _item("big", 6, "network")]
    plan = plan_assignments(PlanningInput(items, techs))
    reasons = {u.item_id: u.reason for u in plan.unassigned}
    assert reasons["voip"] == "no technician has the skills voip"
    assert "needs 6.0 h with travel" in reasons["big"] and "at most 2.0 h free" in reasons["big"]


def test_onsite_work_counts_travel_against_capacity() -> None:
    near = Technician("near", "Near", frozenset({"network"}), 60, 8, 40.71, -74.0)
    far = Technician("far", "Far", frozenset({"network"}), 40, 8, 42.36, -71.06)  # Boston, ~300 km
    item = _item("I1", 2, onsite=True, latitude=40.72, longitude=-74.0)
    plan = plan_assignments(PlanningInput([item], [near, far]))
    [assignment] = plan.assignments
    assert assignment.technician_id == "near"
    assert 305 < haversine_km(40.72, -74.0, 42.36, -71.06) < 310
    assert travel_hours(item, far) > 12  # a round trip of ~612 km at 50 km/h


@pytest.mark.parametrize("engine", ["highs", "cpsat"])
def test_empty_inputs_give_empty_plans(engine: str) -> None:
    assert plan_assignments(PlanningInput([], [_tech("T1", 50, 8)]), engine=engine).assignments == []
    plan = plan_assignments(PlanningInput([_item("I1", 1)], []), engine=engine)
    assert [u.item_id for u in plan.unassigned] == ["I1"] and plan.objective == _penalty(_item("I1", 1))
