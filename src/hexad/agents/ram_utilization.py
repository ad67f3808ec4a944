"""Billable utilization per technician: billable hours ÷ available hours, net of leave.

The window is the 91 days (13 weeks) ending on the reference date, long enough that one busy or
quiet week does not raise an alert. Available hours count only the weekdays on which the technician
logged any time: a PSA export has no leave calendar, and a weekday with no entries at all is leave
(or a public holiday), not idleness; counting it would flag everyone who took a holiday. Only
technicians employed for the whole window are judged (a recent hire's ramp-up is not
under-utilization). The weekly series is kept as evidence so a person can see whether the level is
steady or one spike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

__all__ = ["UTILIZATION_WINDOW_DAYS", "TechnicianUtilization", "utilization_by_technician"]

UTILIZATION_WINDOW_DAYS = 91


@dataclass(frozen=True)
class TechnicianUtilization:
    """One technician's numbers over the window, with the weekly series behind them."""

    technician_id: str
    name: str
    billable_hours: float
    worked_hours: float
    available_hours: float
    days_worked: int
    leave_days: int
    utilization: float
    weekly: list[dict[str, Any]]

    def evidence(self, window_start: date, window_end: date) -> dict[str, Any]:
        """JSON-able numbers a person can check against the time entries."""
        return {
            "technician_id": self.technician_id,
            "window_start": window_start.isoformat(),
            "window_end": window_end.isoformat(),
            "billable_hours": round(self.billable_hours, 2),
            "worked_hours": round(self.worked_hours, 2),
            "available_hours": round(self.available_hours, 2),
            "days_worked": self.days_worked,
            "leave_days": self.leave_days,
            "utilization": round(self.utilization, 4),
            "weekly": self.weekly,
        }


def window_bounds(reference: date, days: int = UTILIZATION_WINDOW_DAYS) -> tuple[date, date]:
    """First and last day of the window ending on `reference`."""
    return reference - timedelta(days=days - 1), reference


def utilization_by_technician(
    technicians: pd.DataFrame, entries: pd.DataFrame, reference: date, days: int = UTILIZATION_WINDOW_DAYS
) -> list[TechnicianUtilization]:
    """Utilization of every technician employed through the whole window ending on `reference`."""
    start, end = window_bounds(reference, days)
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    recent = entries[(entries["work_date"] >= first) & (entries["work_date"] <= last)]
    weekdays = len(pd.bdate_range(first, last))
    by_tech = {str(tid): group for tid, group in recent.groupby("technician_id", sort=False)}
    results = []
    for tech in technicians.itertuples(index=False):
        if not _employed_throughout(tech, first, last):
            continue
        own = by_tech.get(str(tech.technician_id), recent.iloc[0:0])
        results.append(_one(tech, own, weekdays))
    return results


def _employed_throughout(tech: Any, first: pd.Timestamp, last: pd.Timestamp) -> bool:
    started = not pd.isna(tech.start_date) and tech.start_date <= first
    still_there = pd.isna(tech.end_date) or tech.end_date >= last
    return bool(started and still_there)


def _one(tech: Any, entries: pd.DataFrame, weekdays: int) -> TechnicianUtilization:
    daily_capacity = float(tech.weekly_capacity_hours) / 5
    worked_days = entries.loc[entries["work_date"].dt.day_of_week < 5, "work_date"].nunique()
    billable = entries.loc[entries["billable"].fillna(False).astype(bool), "hours"]
    available = daily_capacity * worked_days
    billable_hours = float(billable.sum())
    return TechnicianUtilization(
        technician_id=str(tech.technician_id),
        name=str(tech.name),
        billable_hours=billable_hours,
        worked_hours=float(entries["hours"].sum()),
        available_hours=available,
        days_worked=int(worked_days),
        leave_days=int(weekdays - worked_days),
        utilization=billable_hours / available if available else 0.0,
        weekly=_weekly(entries, daily_capacity),
    )


def _weekly(entries: pd.DataFrame, daily_capacity: float) -> list[dict[str, Any]]:
    if entries.empty:
        return []
    week = entries["work_date"].dt.to_period("W-SUN").dt.start_time
    frame = entries.assign(
        week=week, billable_hours=entries["hours"].where(entries["billable"].fillna(False), 0.0)
    )
    grouped = frame.groupby("week").agg(billable=("billable_hours", "sum"), days=("work_date", "nunique"))
    return [
        {
            "week": str(stamp)[:10],
            "billable_hours": round(float(row.billable), 2),
            "available_hours": round(daily_capacity * int(row.days), 2),
            "utilization": round(float(row.billable) / (daily_capacity * int(row.days)), 3)
            if row.days
            else None,
        }
        for stamp, row in grouped.iterrows()  # stamp: the week's Monday
    ]
