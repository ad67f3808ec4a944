"""Technicians, their working days and their utilization signals.

Planted: about 8% of technicians employed through the last 91 days work well above capacity
(`technician_over_utilized`, billable utilization > 0.90) and about 8% well below it
(`technician_under_utilized`, < 0.60). Everyone else runs at 0.70-0.87.
Confounders: everyone takes one or two leave blocks a year (whole weeks with no time entries), some
inside the last 91 days, so hours alone look low; a few technicians run busy but healthy (~0.85);
recent hires and leavers are excluded from the signals because they were not employed all window.

Definition used for the truth (agents must reproduce it): window = the 91 days ending at the
reference date; available hours = weekly_capacity_hours / 5 x the weekdays in the window on which the
technician logged any time (a weekday without entries is leave); utilization = billable hours in the
window / available hours.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hexad.demo.clients import CITIES
from hexad.demo.context import REFERENCE_DATE, START_DATE, DemoContext, rows

__all__ = ["UTILIZATION_WINDOW_DAYS", "build_technicians", "utilization_signals", "work_plan"]

UTILIZATION_WINDOW_DAYS = 91
_ROLES = np.array(["tier1", "tier2", "tier3", "field", "project"])
_ROLE_COST = {"tier1": (38, 48), "tier2": (48, 60), "tier3": (60, 80), "field": (45, 58), "project": (62, 85)}
_SKILLS = np.array(
    ["m365", "network", "security", "windows", "linux", "azure", "aws", "backup", "voip", "printers"]
)


def build_technicians(ctx: DemoContext) -> None:
    """Add `technicians` and the hidden per-technician utilization plan."""
    rng, fake = ctx.rng("staff"), ctx.faker("staff")
    n = ctx.scaled(40, minimum=5)
    roles = rng.choice(_ROLES, size=n, p=[0.35, 0.25, 0.15, 0.15, 0.10])
    cost = np.array([rng.uniform(*_ROLE_COST[r]) for r in roles]).round(2)
    names = [fake.unique.name() for _ in range(n)]
    start_days = np.where(rng.random(n) < 0.85, -rng.integers(60, 2500, size=n), rng.integers(30, 900, n))
    leaves = (rng.random(n) < 0.08) & (start_days < 300)
    end_days = np.where(leaves, rng.integers(400, 1000, size=n), 10**6)
    home = np.array([CITIES[i][2:] for i in rng.integers(0, len(CITIES), size=n)])
    ctx.tables["technicians"] = pd.DataFrame(
        {
            "technician_id": [f"TC-{i + 1:03d}" for i in range(n)],
            "name": names,
            "email": [_email(name) for name in names],
            "role": roles,
            "skills": [
                ";".join(sorted(rng.choice(_SKILLS, size=rng.integers(2, 5), replace=False))) for _ in roles
            ],
            "hourly_cost": cost,
            "bill_rate": np.round(cost * rng.uniform(2.1, 2.7, size=n) / 5) * 5,
            "weekly_capacity_hours": rng.choice([40.0, 40.0, 40.0, 37.5, 32.0], size=n),
            "home_latitude": np.round(home[:, 0] + rng.normal(0, 0.1, n), 5),
            "home_longitude": np.round(home[:, 1] + rng.normal(0, 0.1, n), 5),
            "start_date": START_DATE + pd.to_timedelta(start_days, unit="D"),
            "end_date": pd.Series(
                START_DATE + pd.to_timedelta(np.where(leaves, end_days, 0), unit="D")
            ).where(leaves),
        }
    )
    _hide_missing_costs(ctx, rng)
    ctx.hidden["utilization_target"] = _targets(ctx, rng, start_days, leaves)


def _email(name: str) -> str:
    parts = [
        p
        for p in name.lower().replace(".", "").split()
        if p not in {"mr", "mrs", "ms", "dr", "md", "phd", "jr", "ii", "iii", "dds", "dvm"}
    ]
    return f"{parts[0]}.{parts[-1]}@hexad-msp.example"


def _hide_missing_costs(ctx: DemoContext, rng: np.random.Generator) -> None:
    """Blank `hourly_cost` for ~5% (at least one); their true cost is their role's median of the rest."""
    techs = ctx.tables["technicians"]
    missing = rng.choice(len(techs), size=max(1, round(0.05 * len(techs))), replace=False)
    true_cost = techs["hourly_cost"].to_numpy().copy()
    known = np.ones(len(techs), dtype=bool)
    known[missing] = False
    for i in missing:
        same_role = known & (techs["role"].to_numpy() == techs["role"].iloc[i])
        true_cost[i] = (
            float(np.median(true_cost[same_role])) if same_role.any() else float(np.median(true_cost[known]))
        )
    techs.loc[~known, "hourly_cost"] = np.nan
    ctx.hidden["true_hourly_cost"] = dict(zip(techs["technician_id"], true_cost.round(2), strict=True))


def _targets(
    ctx: DemoContext, rng: np.random.Generator, start_days: np.ndarray, leaves: np.ndarray
) -> np.ndarray:
    """Share of capacity each technician works, before and during the last 91 days."""
    n = len(start_days)
    base = rng.uniform(0.80, 0.95, size=n)
    recent = base.copy()
    whole_window = (start_days < (REFERENCE_DATE - START_DATE).days - UTILIZATION_WINDOW_DAYS) & ~leaves
    eligible = np.flatnonzero(whole_window)
    k = max(1, round(0.08 * n))
    chosen = rng.choice(eligible, size=2 * k, replace=False)
    recent[chosen[:k]] = rng.uniform(1.10, 1.22, size=k)
    recent[chosen[k:]] = rng.uniform(0.42, 0.55, size=k)
    return np.stack([base, recent], axis=1)


def work_plan(ctx: DemoContext) -> pd.DataFrame:
    """Hours each technician works on each weekday they are employed and not on leave."""
    rng = ctx.rng("staff.plan")
    techs = ctx.tables["technicians"]
    days = pd.bdate_range(START_DATE, REFERENCE_DATE)
    offsets = (days - START_DATE).days.to_numpy()
    window_start = (REFERENCE_DATE - START_DATE).days - UTILIZATION_WINDOW_DAYS + 1
    frames: list[pd.DataFrame] = []
    for t, tech in enumerate(rows(techs)):
        employed = (days >= tech.start_date) & (pd.isna(tech.end_date) or days <= tech.end_date)
        mask = np.asarray(employed) & ~_leave_mask(rng, offsets)
        target = np.where(
            offsets[mask] >= window_start,
            ctx.hidden["utilization_target"][t, 1],
            ctx.hidden["utilization_target"][t, 0],
        )
        hours = tech.weekly_capacity_hours / 5 * target * rng.lognormal(0, 0.12, size=mask.sum())
        frames.append(pd.DataFrame({"tech": t, "day": offsets[mask], "hours": hours}))
    return pd.concat(frames, ignore_index=True)


def _leave_mask(rng: np.random.Generator, offsets: np.ndarray) -> np.ndarray:
    """One or two whole-week leave blocks per year."""
    weeks = offsets // 7
    leave_weeks: list[int] = []
    for year in range(int(weeks.max()) // 52 + 1):
        for _ in range(rng.integers(1, 3)):
            first = year * 52 + int(rng.integers(0, 51))
            leave_weeks.extend(range(first, first + int(rng.integers(1, 3))))
    return np.isin(weeks, leave_weeks)


def utilization_signals(ctx: DemoContext) -> None:
    """Apply the documented definition to the generated time entries."""
    entries = ctx.tables["time_entries"]
    window_start = REFERENCE_DATE - pd.Timedelta(days=UTILIZATION_WINDOW_DAYS - 1)
    recent = entries[entries["work_date"] >= window_start]
    weekdays = len(pd.bdate_range(window_start, REFERENCE_DATE))
    for tech in rows(ctx.tables["technicians"]):
        if tech.start_date > window_start or not pd.isna(tech.end_date):
            continue
        numbers = _utilization(tech, recent[recent["technician_id"] == tech.technician_id])
        kind = _utilization_kind(numbers["utilization"])
        if kind:
            ctx.signal(
                kind, "technician", tech.technician_id, window_start=window_start.date().isoformat(),
                window_end=REFERENCE_DATE.date().isoformat(), leave_days=weekdays - numbers["days_worked"],
                **numbers,
            )  # fmt: skip


def _utilization(tech: Any, entries: pd.DataFrame) -> dict[str, Any]:
    worked = int(entries["work_date"].nunique())
    available = tech.weekly_capacity_hours / 5 * worked
    billable = float(entries.loc[entries["billable"], "hours"].sum())
    utilization = billable / available if available else 0.0
    return {"billable_hours": round(billable, 2), "available_hours": round(available, 2),
            "days_worked": worked, "utilization": round(utilization, 4)}  # fmt: skip


def _utilization_kind(utilization: float) -> str | None:
    if utilization > 0.90:
        return "technician_over_utilized"
    return "technician_under_utilized" if utilization < 0.60 else None
