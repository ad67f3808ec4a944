"""Tickets and time entries: the service desk's three years of work.

Tickets per client and month ~ Poisson(rate x seats**0.8 x the health curve), so the planted
erosion/churn/growth curves in `health` show up as ticket volume. Time entries are supply-driven:
each technician's working day (from `staff.work_plan`) is split into 2-15 entries; each entry goes
to an active project (at the projects' demand, at most 35% of the day) or to a ticket opened in the
previous week, so a client with twice the tickets gets about twice the labour. Generated in bulk
with numpy; the only Python loops run over technicians and days, never over entries.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hexad.demo.context import MONTHS, REFERENCE_DATE, START_DATE, DemoContext, quarter_hours
from hexad.demo.staff import work_plan

__all__ = ["build_tickets", "build_time_entries"]

_PRIORITY = np.array(["critical", "high", "medium", "low"])
_SLA_HOURS = np.array([4, 8, 24, 72])
_SUMMARIES = np.array(
    [
        "User cannot sign in to Outlook",
        "Printer offline on second floor",
        "VPN disconnects every hour",
        "New starter account setup",
        "Laptop running slowly",
        "Shared drive permission request",
        "Phishing email reported",
        "Wi-Fi dead zone in meeting room",
        "Backup job failed overnight",
        "MFA reset request",
        "Server disk space warning",
        "Teams calls dropping",
        "Replace failed switch",
        "Firewall rule change request",
        "Software install request",
        "Password expired",
    ]
)
_SKILLS = np.array(["m365", "network", "windows", "security", "backup", "voip", "printers"])
_NOTES = np.array(
    [
        "",
        "",
        "Investigated and resolved",
        "Remote session with user",
        "Escalated to tier 2",
        "Applied fix and tested",
        "Waiting on vendor",
        "Onsite visit",
    ]
)


def build_tickets(ctx: DemoContext) -> None:
    """Add `tickets` (closing times are settled after time entries exist)."""
    rng = ctx.rng("service.tickets")
    clients, sites = ctx.tables["clients"], ctx.tables["sites"]
    owner, month, opened = _ticket_schedule(ctx, rng)
    n = len(owner)
    priority = rng.choice(4, size=n, p=[0.03, 0.17, 0.5, 0.3])
    first_site = sites.groupby("client_id")["site_id"].first()
    client_ids = clients["client_id"].to_numpy()[owner]
    satisfaction = np.clip(np.round(rng.normal(ctx.hidden["satisfaction_mean"][owner, month], 0.7)), 1, 5)
    ctx.tables["tickets"] = pd.DataFrame(
        {
            "ticket_id": [f"TK-{i + 1:06d}" for i in range(n)],
            "client_id": client_ids,
            "site_id": pd.Series(first_site.reindex(client_ids).to_numpy()).where(rng.random(n) < 0.7),
            "agreement_id": [f"AG-{i + 1:04d}" for i in owner],
            "project_id": None,
            "summary": rng.choice(_SUMMARIES, size=n),
            "priority": _PRIORITY[priority],
            "required_skills": rng.choice(_SKILLS, size=n),
            "onsite": rng.random(n) < 0.12,
            "estimated_hours": pd.Series(quarter_hours(rng.gamma(2.0, 0.8, size=n))).where(
                rng.random(n) < 0.6
            ),
            "opened_at": opened,
            "sla_due_at": opened + pd.to_timedelta(_SLA_HOURS[priority], unit="h"),
            "closed_at": opened
            + pd.to_timedelta(rng.lognormal(2.3, 1.0, size=n) + _SLA_HOURS[priority] * 0.3, unit="h"),
            "status": "closed",
            "satisfaction": pd.array(np.where(rng.random(n) < 0.35, satisfaction, np.nan), dtype="Int64"),
        }
    )


def _ticket_schedule(ctx: DemoContext, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Client index, month index and opening time of every ticket, sorted by opening time."""
    counts = rng.poisson(_expected_counts(ctx))
    client_index, month_index = np.nonzero(counts)
    reps = counts[client_index, month_index]
    owner, month = np.repeat(client_index, reps), np.repeat(month_index, reps)
    opened = _opened_at(rng, ctx.tables["clients"], owner, month)
    order = np.argsort(opened.to_numpy(), kind="stable")
    return owner[order], month[order], opened.iloc[order].reset_index(drop=True)


def _expected_counts(ctx: DemoContext) -> np.ndarray:
    """Expected tickets per client and month: ~300 per client over the window at the default scale."""
    clients = ctx.tables["clients"]
    month_start = pd.to_datetime(MONTHS).to_numpy()
    start: Any = clients["start_date"].to_numpy()[:, None]
    end = clients["end_date"].fillna(REFERENCE_DATE).to_numpy()[:, None]
    active = (month_start >= start - np.timedelta64(27, "D")) & (month_start <= end)
    weight = ctx.hidden["client_weight"][:, None] * active
    rate = 300 * len(clients) / weight.sum()
    return np.asarray(rate * weight * ctx.hidden["ticket_multiplier"], dtype=float)


def _opened_at(
    rng: np.random.Generator, clients: pd.DataFrame, owner: np.ndarray, month: np.ndarray
) -> pd.Series:
    """A random weekday time inside the month, never before the client started or after it left."""
    month_start = pd.to_datetime(np.array(MONTHS)[month])
    day = np.floor(rng.random(len(owner)) * month_start.days_in_month).astype(int)
    opened = month_start + pd.to_timedelta(day, unit="D")
    opened = np.maximum(opened, clients["start_date"].to_numpy()[owner])
    end = clients["end_date"].fillna(REFERENCE_DATE).to_numpy()[owner]
    opened = pd.Series(np.minimum(opened, end)).dt.floor("D")
    weekday = opened.dt.day_of_week.to_numpy()
    opened = opened + pd.to_timedelta(np.where(weekday >= 5, 7 - weekday, 0), unit="D")
    opened = opened.where(opened <= REFERENCE_DATE, REFERENCE_DATE)
    minutes = rng.integers(7 * 60, 18 * 60, size=len(owner))
    return opened + pd.to_timedelta(minutes, unit="m")


def build_time_entries(ctx: DemoContext) -> None:
    """Add `time_entries` and settle each ticket's `closed_at` and `status`."""
    rng = ctx.rng("service.time")
    plan = work_plan(ctx)
    per_day = 2 + rng.poisson(8, size=len(plan))
    rows = np.repeat(np.arange(len(plan)), per_day)
    day = plan["day"].to_numpy()[rows]
    hours = np.minimum(
        8.0,
        quarter_hours(plan["hours"].to_numpy()[rows] / per_day[rows] * rng.gamma(4, 0.25, size=len(rows))),
    )
    project = _assign_projects(ctx, rng, day)
    ticket = _assign_tickets(ctx, rng, day)
    ticket = np.where(project >= 0, -1, ticket)
    _write_entries(ctx, rng, plan["tech"].to_numpy()[rows], day, hours, ticket, project)
    _settle_tickets(ctx)


def _assign_tickets(ctx: DemoContext, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """A ticket opened in the seven days up to the entry's day (uniformly, hence volume-weighted)."""
    opened = ctx.tables["tickets"]["opened_at"].to_numpy().astype("datetime64[D]")
    opened_day = (opened - np.datetime64(START_DATE.date(), "D")).astype(np.int64)
    low = np.searchsorted(opened_day, day - 6, side="left")
    high = np.searchsorted(opened_day, day, side="right")
    high = np.maximum(high, np.minimum(low + 1, len(opened_day)))
    low = np.minimum(low, high - 1)
    return low + np.floor(rng.random(len(day)) * (high - low)).astype(np.int64)


def _assign_projects(ctx: DemoContext, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """Index of the project each entry works on, or -1 for ticket work."""
    projects = ctx.tables["projects"]
    start = (projects["start_date"] - START_DATE).dt.days.to_numpy()
    length = ctx.hidden["project_days"]
    live = (projects["status"] != "cancelled").to_numpy()
    demand = projects["estimated_hours"].to_numpy() / (length * 5 / 7)
    result = np.full(len(day), -1)
    order = np.argsort(day, kind="stable")
    bounds = np.searchsorted(day[order], np.arange(day.max() + 2))
    for d in range(day.max() + 1):
        todays = order[bounds[d] : bounds[d + 1]]
        active = np.flatnonzero(live & (start <= d) & (d < start + length))
        if len(todays) == 0 or len(active) == 0:
            continue
        share = min(0.35, demand[active].sum() / (0.65 * len(todays)))
        chosen = todays[rng.random(len(todays)) < share]
        result[chosen] = rng.choice(active, size=len(chosen), p=demand[active] / demand[active].sum())
    return result


def _write_entries(
    ctx: DemoContext,
    rng: np.random.Generator,
    tech: np.ndarray,
    day: np.ndarray,
    hours: np.ndarray,
    ticket: np.ndarray,
    project: np.ndarray,
) -> None:
    tickets, projects = ctx.tables["tickets"], ctx.tables["projects"]
    on_project = project >= 0
    p, t = np.maximum(project, 0), np.maximum(ticket, 0)
    n = len(day)
    ctx.tables["time_entries"] = pd.DataFrame(
        {
            "time_entry_id": [f"TE-{i + 1:07d}" for i in range(n)],
            "technician_id": ctx.tables["technicians"]["technician_id"].to_numpy()[tech],
            "client_id": np.where(
                on_project, projects["client_id"].to_numpy()[p], tickets["client_id"].to_numpy()[t]
            ),
            "ticket_id": pd.Series(tickets["ticket_id"].to_numpy()[t]).where(~on_project),
            "project_id": pd.Series(projects["project_id"].to_numpy()[p]).where(on_project),
            "agreement_id": np.where(
                on_project, projects["agreement_id"].to_numpy()[p], tickets["agreement_id"].to_numpy()[t]
            ),
            "work_date": START_DATE + pd.to_timedelta(day, unit="D"),
            "hours": hours,
            "billable": rng.random(n) < 0.9,
            "notes": rng.choice(_NOTES, size=n),
        }
    )


def _settle_tickets(ctx: DemoContext) -> None:
    """A ticket closes after its last time entry; one still being worked at the reference date is open."""
    tickets, entries = ctx.tables["tickets"], ctx.tables["time_entries"]
    last = entries.groupby("ticket_id")["work_date"].max().reindex(tickets["ticket_id"])
    last_close = (last + pd.Timedelta(hours=17, minutes=30)).to_numpy(dtype="datetime64[ns]")
    planned = tickets["closed_at"].to_numpy(dtype="datetime64[ns]")
    closed = pd.Series(np.where(np.isnat(last_close), planned, np.maximum(planned, last_close)))
    end_of_data = np.datetime64(REFERENCE_DATE + pd.Timedelta(hours=23, minutes=59), "ns")
    still_open = np.asarray(closed.to_numpy() > end_of_data, dtype=bool)
    tickets["closed_at"] = closed.where(~still_open)
    worked = ~np.isnat(last_close)
    tickets["status"] = np.where(~still_open, "closed", np.where(worked, "in_progress", "open"))
    tickets["satisfaction"] = tickets["satisfaction"].where(~still_open)
