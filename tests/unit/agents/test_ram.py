"""RAM: utilization findings, alerts and the re-plan on a profitability change."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from hexad.agents.base import AgentContext, FrameSource
from hexad.agents.frames import normalise_frame
from hexad.agents.ram import ResourceAllocationAgent
from hexad.agents.ram_utilization import utilization_by_technician
from hexad.config import get_settings

TODAY = date(2026, 9, 30)


def _tech(tid: str, **changes: Any) -> dict[str, Any]:
    row = {
        "technician_id": tid, "name": f"Tech {tid}", "email": f"{tid}@x.example", "role": "tier2",
        "skills": "network;windows", "hourly_cost": 50.0, "bill_rate": 120.0, "weekly_capacity_hours": 40.0,
        "home_latitude": 40.7, "home_longitude": -74.0, "start_date": "2020-01-01", "end_date": None,
    }  # fmt: skip
    row.update(changes)
    return row


def _entries(
    tid: str, hours_per_day: float, *, leave_weeks: int = 0, billable: bool = True
) -> list[dict[str, Any]]:
    days = pd.bdate_range("2026-07-02", "2026-09-30")[leave_weeks * 5 :]
    return [
        {
            "time_entry_id": f"{tid}-{i}",
            "technician_id": tid,
            "client_id": "CL-1",
            "ticket_id": None,
            "project_id": None,
            "agreement_id": None,
            "work_date": day,
            "hours": hours_per_day,
            "billable": billable,
            "notes": "",
        }
        for i, day in enumerate(days)
    ]


def _frames(techs: list[dict[str, Any]], entries: list[dict[str, Any]]) -> FrameSource:
    tables = {
        "technicians": normalise_frame("technicians", pd.DataFrame(techs)),
        "time_entries": normalise_frame("time_entries", pd.DataFrame(entries)),
        "tickets": normalise_frame("tickets", pd.DataFrame(columns=_columns("tickets"))),
        "sites": normalise_frame("sites", pd.DataFrame(columns=_columns("sites"))),
    }
    return tables.__getitem__


def _columns(entity: str) -> list[str]:
    from hexad.demo.files import COLUMNS

    return COLUMNS[entity]


def _context(frames: FrameSource, tmp_path: Path) -> AgentContext:
    return AgentContext(frames, TODAY, tmp_path / "lake", get_settings())


def test_leave_days_do_not_count_as_available_hours(tmp_path: Path) -> None:
    # 6.4 billable h a day on every day worked = 80% of an 8-hour day, with two weeks of leave
    frames = _frames([_tech("TC-1")], _entries("TC-1", 6.4, leave_weeks=2))
    [usage] = utilization_by_technician(frames("technicians"), frames("time_entries"), TODAY)
    assert usage.leave_days == 10
    assert round(usage.utilization, 3) == 0.8
    assert usage.weekly and all(w["utilization"] == 0.8 for w in usage.weekly)


def test_over_and_under_utilized_technicians_are_found_with_their_numbers(tmp_path: Path) -> None:
    techs = [_tech("TC-1"), _tech("TC-2"), _tech("TC-3")]
    entries = _entries("TC-1", 7.6) + _entries("TC-2", 4.0) + _entries("TC-3", 6.4)
    run = ResourceAllocationAgent().run(_context(_frames(techs, entries), tmp_path))
    kinds = {f.subject_id: f.kind for f in run.findings}
    assert kinds == {"TC-1": "technician_over_utilized", "TC-2": "technician_under_utilized"}
    over = next(f for f in run.findings if f.subject_id == "TC-1")
    assert over.evidence["utilization"] == 0.95 and over.evidence["threshold"] == 0.9
    assert "95%" in over.summary
    assert {e.detail_type for e in run.events} == {"resource.utilization.alert"}
    assert {e.detail["technician_id"] for e in run.events} == {"TC-1", "TC-2"}


def test_thresholds_are_configurable(tmp_path: Path) -> None:
    frames = _frames([_tech("TC-3")], _entries("TC-3", 6.4))
    assert ResourceAllocationAgent(over=0.75).run(_context(frames, tmp_path)).findings[0].kind == (
        "technician_over_utilized"
    )


def test_non_billable_time_and_recent_hires_are_handled(tmp_path: Path) -> None:
    techs = [_tech("TC-1"), _tech("TC-2", start_date="2026-08-01")]
    entries = _entries("TC-1", 8.0, billable=False) + _entries("TC-2", 1.0)
    run = ResourceAllocationAgent().run(_context(_frames(techs, entries), tmp_path))
    assert [(f.subject_id, f.kind) for f in run.findings] == [("TC-1", "technician_under_utilized")]
    assert run.metrics["technicians_judged"] == 1


def test_demo_utilization_signals_are_found(
    frames: FrameSource, truth: dict[str, Any], tmp_path: Path
) -> None:
    run = ResourceAllocationAgent(plan_time_limit=2.0).run(_context(frames, tmp_path))
    for kind in ("technician_over_utilized", "technician_under_utilized"):
        planted = {s["subject_id"] for s in truth["signals"] if s["kind"] == kind}
        found = {f.subject_id for f in run.findings if f.kind == kind}
        assert planted and found == planted


def test_profitability_change_replans_that_clients_work(frames: FrameSource, tmp_path: Path) -> None:
    tickets = frames("tickets")
    client = str(tickets[tickets["closed_at"].isna()]["client_id"].iloc[0])
    run = ResourceAllocationAgent(plan_time_limit=2.0).run(_context(frames, tmp_path), subject_id=client)
    [event] = run.events
    assert event.detail_type == "resource.plan.proposed"
    assert event.detail["client_id"] == client
    placed = event.detail["assignments"] + event.detail["unassigned"]
    open_ids = set(tickets[tickets["closed_at"].isna() & (tickets["client_id"] == client)]["ticket_id"])
    assert {p["item_id"] for p in placed} == open_ids
    assert all("margin is eroding" in a["reason"] for a in event.detail["assignments"])
