"""Licence subscriptions per client and the users assigned to them.

Planted, one subscription each (about 5-15% of subscriptions per kind):
- `licence_unused_seats`: 2-8 assignments whose last activity is 100-400 days before the reference
  date. Definition: an assignment is unused when coalesce(last_activity_date, assigned_date) is 90 or
  more days before the reference date.
- `licence_over_deployed`: 1-6 more assignments than `seats_purchased`.
- `licence_under_billed`: `seats_billed` is 1-8 below the number of assignments.
Confounders: ~5% of all seats are recently inactive (31-60 days: not a signal); new users assigned
in the last 14 days have no activity yet; most subscriptions carry 0-3 unassigned purchased seats
(billed as purchased, so billed > assigned, which is not under-billing); over-deployed subscriptions
bill every assigned seat, so they are not under-billed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hexad.demo.context import REFERENCE_DATE, DemoContext, rows

__all__ = ["SKUS", "UNUSED_AFTER_DAYS", "build_licences", "licence_signals"]

UNUSED_AFTER_DAYS = 90
_SUBJECT = "licence_subscription"
SKUS = [  # vendor, sku, product name, unit cost, unit price (per seat per month)
    ("Microsoft", "O365_BUSINESS_ESSENTIALS", "Microsoft 365 Business Basic", 6.00, 7.20),
    ("Microsoft", "O365_BUSINESS_PREMIUM", "Microsoft 365 Business Standard", 12.50, 15.00),
    ("Microsoft", "SPB", "Microsoft 365 Business Premium", 22.00, 26.40),
    ("Microsoft", "SPE_E3", "Microsoft 365 E3", 36.00, 43.20),
    ("Microsoft", "SPE_E5", "Microsoft 365 E5", 57.00, 68.40),
    ("Microsoft", "EXCHANGESTANDARD", "Exchange Online (Plan 1)", 4.00, 4.80),
    ("Microsoft", "AAD_PREMIUM", "Microsoft Entra ID P1", 6.00, 7.20),
    ("Microsoft", "INTUNE_A", "Microsoft Intune Plan 1", 8.00, 9.60),
    ("Microsoft", "POWER_BI_PRO", "Power BI Pro", 14.00, 16.80),
    ("Microsoft", "VISIOCLIENT", "Visio Plan 2", 15.00, 18.00),
    ("Microsoft", "MCOEV", "Teams Phone Standard", 10.00, 12.00),
    ("Adobe", "ACROBAT_PRO", "Adobe Acrobat Pro", 19.99, 23.99),
    ("Adobe", "CC_ALL_APPS", "Adobe Creative Cloud All Apps", 84.99, 99.99),
    ("Zoom", "ZOOM_PRO", "Zoom Workplace Pro", 13.33, 15.99),
    ("Dropbox", "DBX_BUSINESS", "Dropbox Business", 15.00, 18.00),
]
_FIRST = np.array(
    [
        "ava",
        "ben",
        "chloe",
        "dan",
        "ella",
        "finn",
        "grace",
        "harry",
        "isla",
        "jack",
        "kate",
        "liam",
        "mia",
        "noah",
        "olivia",
        "paul",
        "quinn",
        "ruby",
        "sam",
        "tara",
        "uma",
        "victor",
        "will",
        "xena",
        "yara",
        "zach",
    ]
)
_LAST = np.array(
    [
        "smith",
        "jones",
        "brown",
        "taylor",
        "wilson",
        "davies",
        "evans",
        "thomas",
        "johnson",
        "roberts",
        "walker",
        "wright",
        "robinson",
        "thompson",
        "white",
        "hughes",
        "edwards",
        "green",
        "hall",
        "wood",
        "harris",
        "lewis",
        "martin",
    ]
)


def build_licences(ctx: DemoContext) -> None:
    """Add `licence_subscriptions` and `licence_assignments` for clients that are still customers."""
    rng = ctx.rng("licences")
    clients = ctx.tables["clients"]
    live = np.flatnonzero((clients["status"] != "churned").to_numpy())
    per_client = rng.integers(1, 5, size=len(live))
    owner = np.repeat(live, per_client)
    sku = np.concatenate([rng.choice(len(SKUS), size=k, replace=False) for k in per_client])
    share = np.where(
        np.array([SKUS[s][2].startswith("Microsoft 365") for s in sku]), 0.9, rng.uniform(0.05, 0.3, len(sku))
    )
    assigned = np.maximum(1, np.round(clients["seats"].to_numpy()[owner] * share)).astype(int)
    plant = _plant(rng, len(owner))
    spare = np.where(rng.random(len(owner)) < 0.6, rng.integers(0, 4, size=len(owner)), 0)
    purchased = np.where(plant == 1, assigned - rng.integers(1, 7, size=len(owner)), assigned + spare)
    purchased = np.maximum(purchased, 1)
    billed = np.where(plant == 1, assigned, purchased)
    billed = np.where(plant == 2, np.maximum(0, assigned - rng.integers(1, 9, size=len(owner))), billed)
    subs = _subscriptions(rng, clients, owner, sku, purchased, billed)
    ctx.tables["licence_subscriptions"] = subs
    ctx.tables["licence_assignments"] = _assignments(rng, subs, clients, owner, assigned, plant == 0)


def _plant(rng: np.random.Generator, n: int) -> np.ndarray:
    """0 = unused seats, 1 = over-deployed, 2 = under-billed, -1 = none (about 8% each)."""
    draw = rng.random(n)
    return np.select([draw < 0.08, draw < 0.16, draw < 0.24], [0, 1, 2], default=-1)


def _subscriptions(
    rng: np.random.Generator,
    clients: pd.DataFrame,
    owner: np.ndarray,
    sku: np.ndarray,
    purchased: np.ndarray,
    billed: np.ndarray,
) -> pd.DataFrame:
    n = len(owner)
    start = np.maximum(clients["start_date"].to_numpy()[owner], np.datetime64("2023-10-01"))
    start = pd.Series(start) + pd.to_timedelta(rng.integers(0, 60, size=n), unit="D")
    start = start.where(start < REFERENCE_DATE, REFERENCE_DATE - pd.Timedelta(days=10))
    term = np.where(rng.random(n) < 0.6, "annual", "monthly")
    years = ((REFERENCE_DATE - start).dt.days // 365 + 1).to_numpy()
    renewal = (start + pd.to_timedelta(years * 365, unit="D")).where(
        term == "annual",
        REFERENCE_DATE + pd.Timedelta(days=1),
    )
    return pd.DataFrame(
        {
            "subscription_id": [f"LS-{i + 1:05d}" for i in range(n)],
            "client_id": clients["client_id"].to_numpy()[owner],
            "vendor": [SKUS[s][0] for s in sku],
            "sku": [SKUS[s][1] for s in sku],
            "product_name": [SKUS[s][2] for s in sku],
            "seats_purchased": purchased,
            "unit_cost": [SKUS[s][3] for s in sku],
            "unit_price": [SKUS[s][4] for s in sku],
            "seats_billed": billed,
            "term": term,
            "start_date": start,
            "renewal_date": pd.to_datetime(renewal),
        }
    )


def _assignments(
    rng: np.random.Generator, subs: pd.DataFrame, clients: pd.DataFrame, owner: np.ndarray,
    assigned: np.ndarray, unused_planted: np.ndarray,
) -> pd.DataFrame:  # fmt: skip
    sub = np.repeat(np.arange(len(subs)), assigned)
    position = np.concatenate([np.arange(a) for a in assigned])
    stale = unused_planted[sub] & (position < rng.integers(2, 9, size=len(subs))[sub])
    assigned_date, activity = _activity(rng, subs["start_date"].to_numpy()[sub], stale)
    domain = (
        clients["name"].str.lower().str.replace(r"[^a-z]", "", regex=True).str[:14].to_numpy()[owner[sub]]
    )
    users = np.char.add(np.char.add(rng.choice(_FIRST, len(sub)), "."), rng.choice(_LAST, len(sub)))
    principals = [f"{u}{p}@{d}.example" for u, p, d in zip(users, position, domain, strict=True)]
    return pd.DataFrame(
        {
            "assignment_id": [f"LA-{i + 1:06d}" for i in range(len(sub))],
            "subscription_id": subs["subscription_id"].to_numpy()[sub],
            "user_principal": principals,
            "assigned_date": assigned_date,
            "last_activity_date": activity,
        }
    )


def _activity(rng: np.random.Generator, start: np.ndarray, stale: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Assignment and last-activity dates: mostly active, 5% idle 31-60 days, planted ones 100-400 days."""
    n, ref = len(start), REFERENCE_DATE
    idle_days = rng.integers(0, 26, size=n)
    idle_days = np.where(rng.random(n) < 0.05, rng.integers(31, 61, size=n), idle_days)
    idle_days = np.where(stale, rng.integers(100, 401, size=n), idle_days)
    assigned_date = pd.Series(start) + pd.to_timedelta(rng.integers(0, 30, size=n), unit="D")
    newcomer = (rng.random(n) < 0.02) & ~stale
    assigned_date = assigned_date.where(
        ~newcomer, ref - pd.to_timedelta(rng.integers(0, 14, size=n), unit="D")
    )
    assigned_date = assigned_date.where(assigned_date <= ref, ref)
    activity = pd.Series(ref - pd.to_timedelta(idle_days, unit="D")).where(~newcomer)
    return assigned_date, activity.where(activity.isna() | (activity >= assigned_date), assigned_date)


def licence_signals(ctx: DemoContext) -> None:
    """Apply the documented definitions to the generated licence tables."""
    subs, assignments = ctx.tables["licence_subscriptions"], ctx.tables["licence_assignments"]
    seen = assignments["last_activity_date"].fillna(assignments["assigned_date"])
    cutoff = REFERENCE_DATE - pd.Timedelta(days=UNUSED_AFTER_DAYS)
    unused = assignments[seen <= cutoff].groupby("subscription_id")["assignment_id"].apply(sorted)
    counts = assignments.groupby("subscription_id").size()
    for sub in rows(subs):
        assigned = int(counts.get(sub.subscription_id, 0))
        base = {
            "client_id": sub.client_id, "sku": sub.sku, "seats_purchased": int(sub.seats_purchased),
            "seats_assigned": assigned, "seats_billed": int(sub.seats_billed),
        }  # fmt: skip
        if sub.subscription_id in unused.index:
            _unused_signal(ctx, sub, base, unused[sub.subscription_id], cutoff)
        if assigned > sub.seats_purchased:
            excess = assigned - int(sub.seats_purchased)
            ctx.signal("licence_over_deployed", _SUBJECT, sub.subscription_id, **base, excess_seats=excess)
        if sub.seats_billed < assigned:
            short = assigned - int(sub.seats_billed)
            missed = round(short * sub.unit_price, 2)
            ctx.signal(
                "licence_under_billed", _SUBJECT, sub.subscription_id, **base, unbilled_seats=short,
                monthly_revenue_missed=missed,
            )  # fmt: skip


def _unused_signal(
    ctx: DemoContext, sub: Any, base: dict[str, Any], ids: list[str], cutoff: pd.Timestamp
) -> None:
    ctx.signal(
        "licence_unused_seats", _SUBJECT, sub.subscription_id, **base, unused_assignment_ids=ids,
        unused_seats=len(ids), cutoff_date=cutoff.date().isoformat(),
        monthly_cost_of_unused=round(len(ids) * sub.unit_cost, 2),
    )  # fmt: skip
