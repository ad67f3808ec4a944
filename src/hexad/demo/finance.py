"""Agreements, agreement additions and projects, and the pricing of each agreement.

Every client has one main agreement (managed services, block hours or time and materials); every
project has its own fixed-fee agreement. Managed-services fees are set after the labour is known:
fee + addition revenue = (labour cost of 2024-10..2025-09 + addition cost) / (1 - margin), with
margin ~ N(0.45, 0.06).
Planted: ~8% of managed-services agreements are priced at a margin of -45%..-12%, so they lose money
(`unprofitable_agreement`, computed in `profitability`). Confounders: ~8% are priced thin but
positive (3-12%); erosion clients turn unprofitable only lately (their 12-month margin may or may not
go negative, and the truth follows the data). 3% of additions lack `unit_cost`; their true cost is
60% of `unit_price`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hexad.demo.context import MONTHS, REFERENCE_DATE, START_DATE, DemoContext

__all__ = ["ADDITION_COST_SHARE", "build_agreements", "price_agreements"]

ADDITION_COST_SHARE = 0.6
_PRODUCTS = [  # product, per (seat|endpoint), unit_cost, unit_price
    ("Managed backup", "endpoint", 3.10, 6.50),
    ("Endpoint detection and response", "endpoint", 4.20, 9.00),
    ("Remote monitoring agent", "endpoint", 1.10, 3.00),
    ("Email security gateway", "seat", 1.40, 3.50),
    ("Security awareness training", "seat", 0.90, 2.50),
    ("DNS filtering", "endpoint", 0.60, 1.75),
]


def build_agreements(ctx: DemoContext) -> None:
    """Add `agreements` (fees still zero), `agreement_additions` and `projects`."""
    rng = ctx.rng("finance")
    clients = ctx.tables["clients"]
    main = _main_agreements(ctx, rng, clients)
    projects, project_agreements = _projects(ctx, rng, clients)
    ctx.tables["agreements"] = pd.concat([main, project_agreements], ignore_index=True)
    ctx.tables["agreement_additions"] = _additions(rng, main, clients)
    ctx.tables["projects"] = projects


def _main_agreements(ctx: DemoContext, rng: np.random.Generator, clients: pd.DataFrame) -> pd.DataFrame:
    n = len(clients)
    kinds = rng.choice(
        ["managed_services", "block_hours", "time_and_materials"], size=n, p=[0.72, 0.14, 0.14]
    )
    health = ctx.hidden["health"]
    kinds[np.union1d(health["erosion"], health["churn"])] = "managed_services"
    end = _agreement_ends(rng, clients, np.union1d(health["churn"], health["renewal"]))
    churned = (clients["status"] == "churned").to_numpy()
    status = np.where(churned, np.where(rng.random(n) < 0.7, "expired", "cancelled"), "active")
    return pd.DataFrame(
        {
            "agreement_id": [f"AG-{i + 1:04d}" for i in range(n)],
            "client_id": clients["client_id"],
            "name": [f"{k.replace('_', ' ').title()} agreement" for k in kinds],
            "type": kinds,
            "monthly_recurring_revenue": 0.0,
            "start_date": clients["start_date"],
            "end_date": end,
            "included_hours": np.where(kinds == "block_hours", rng.integers(2, 9, size=n) * 5.0, np.nan),
            "status": status,
        }
    )


def _agreement_ends(rng: np.random.Generator, clients: pd.DataFrame, ending_soon: np.ndarray) -> pd.Series:
    """Churned: the day they left; ending soon: 30-150 days after the reference date; else a term or none."""
    n = len(clients)
    far = REFERENCE_DATE + pd.to_timedelta(rng.integers(200, 900, size=n), unit="D")
    end = pd.Series(far).where(rng.random(n) < 0.5)
    soon = REFERENCE_DATE + pd.to_timedelta(rng.integers(30, 151, size=len(ending_soon)), unit="D")
    end.iloc[ending_soon] = soon
    churned = (clients["status"] == "churned").to_numpy()
    end[churned] = clients.loc[churned, "end_date"]
    return end


def _additions(rng: np.random.Generator, main: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
    managed = np.flatnonzero((main["type"] != "time_and_materials").to_numpy())
    counts = rng.integers(1, 5, size=len(managed))
    owner = np.repeat(managed, counts)
    product = np.concatenate([rng.choice(len(_PRODUCTS), size=c, replace=False) for c in counts])
    basis = np.where(
        [_PRODUCTS[p][1] == "seat" for p in product],
        clients["seats"].to_numpy()[owner],
        clients["endpoints"].to_numpy()[owner],
    )
    cost = np.array([_PRODUCTS[p][2] for p in product])
    return pd.DataFrame(
        {
            "addition_id": [f"AD-{i + 1:05d}" for i in range(len(owner))],
            "agreement_id": main["agreement_id"].to_numpy()[owner],
            "product": [_PRODUCTS[p][0] for p in product],
            "quantity": basis.astype(float),
            "unit_cost": np.where(rng.random(len(owner)) < 0.03, np.nan, cost),
            "unit_price": [_PRODUCTS[p][3] for p in product],
            "start_date": main["start_date"].to_numpy()[owner],
            "end_date": main["end_date"].to_numpy()[owner],
        }
    )


_PROJECT_NAMES = ["Server migration", "Microsoft 365 rollout", "Network refresh", "Firewall upgrade",
                  "Office move", "Backup redesign"]  # fmt: skip


def _projects(
    ctx: DemoContext, rng: np.random.Generator, clients: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ordinary projects (1-6 months) plus one short, heavy project for each "spike" client."""
    ordinary = ctx.scaled(140)
    active = np.flatnonzero((clients["status"] != "churned").to_numpy())
    owner = np.concatenate([rng.choice(active, size=ordinary), ctx.hidden["health"]["spike"]])
    spike = np.arange(len(owner)) >= ordinary
    start, days = _project_schedule(rng, clients, owner, spike)
    hours = np.where(spike, rng.integers(220, 400, size=len(owner)), rng.integers(20, 240, size=len(owner)))
    end = start + pd.to_timedelta(days, unit="D")
    status = np.where(
        end <= REFERENCE_DATE, "completed", np.where(start > REFERENCE_DATE, "planned", "active")
    )
    status = np.where(rng.random(len(owner)) < 0.03, "cancelled", status)
    projects = pd.DataFrame(
        {
            "project_id": [f"PR-{i + 1:04d}" for i in range(len(owner))],
            "client_id": clients["client_id"].to_numpy()[owner],
            "agreement_id": [f"AG-P{i + 1:04d}" for i in range(len(owner))],
            "name": [f"{t} project" for t in rng.choice(_PROJECT_NAMES, size=len(owner))],
            "budget": np.round(hours * rng.uniform(150, 190, size=len(owner)), -1),
            "estimated_hours": hours.astype(float),
            "status": status,
            "start_date": start,
            "end_date": pd.Series(end).where(status != "active"),
        }
    )
    ctx.hidden["project_days"] = days
    return projects, _project_agreements(projects, end)


def _project_schedule(
    rng: np.random.Generator, clients: pd.DataFrame, owner: np.ndarray, spike: np.ndarray
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Start (after the client joined, spikes at least 60 days before the end) and length in days."""
    joined = (clients["start_date"] - START_DATE).dt.days.to_numpy()[owner]
    start = START_DATE + pd.to_timedelta(rng.integers(np.maximum(0, joined), 1090 - 60 * spike), unit="D")
    days = np.where(spike, rng.integers(20, 30, size=len(owner)), rng.integers(30, 180, size=len(owner)))
    return start, days


def _project_agreements(projects: pd.DataFrame, end: pd.DatetimeIndex) -> pd.DataFrame:
    """One fixed-fee agreement per project, invoiced when the project completes."""
    over = np.where(end <= REFERENCE_DATE, "expired", "active")
    return pd.DataFrame(
        {
            "agreement_id": projects["agreement_id"],
            "client_id": projects["client_id"],
            "name": projects["name"] + " (fixed fee)",
            "type": "fixed_fee_project",
            "monthly_recurring_revenue": 0.0,
            "start_date": projects["start_date"],
            "end_date": end,
            "included_hours": np.nan,
            "status": np.where(projects["status"] == "cancelled", "cancelled", over),
        }
    )


def price_agreements(ctx: DemoContext) -> None:
    """Set fees from the first year of labour; plant the loss-making and thin-margin agreements."""
    rng = ctx.rng("finance.pricing")
    agreements = ctx.tables["agreements"]
    monthly_cost = _baseline_monthly_cost(ctx)
    margin = np.clip(rng.normal(0.45, 0.06, size=len(agreements)), 0.30, 0.60)
    managed = np.flatnonzero((agreements["type"] == "managed_services").to_numpy())
    k = max(1, round(0.08 * len(managed)))
    chosen = rng.choice(managed, size=2 * k, replace=False)
    margin[chosen[:k]] = rng.uniform(-0.50, -0.15, size=k)
    margin[chosen[k:]] = rng.uniform(0.03, 0.12, size=k)
    ctx.hidden["planted_unprofitable"] = agreements["agreement_id"].to_numpy()[chosen[:k]]
    cost = agreements["agreement_id"].map(monthly_cost).fillna(0.0).to_numpy()
    addition_revenue = agreements["agreement_id"].map(_addition_revenue(ctx)).fillna(0.0).to_numpy()
    fee = np.round(np.maximum(150.0, np.maximum(cost, 150.0) / (1 - margin) - addition_revenue), -1)
    block = (agreements["type"] == "block_hours").to_numpy()
    fee = np.where(block, agreements["included_hours"].fillna(0).to_numpy() * 110.0, fee)
    recurring = agreements["type"].isin(["managed_services", "block_hours"]).to_numpy()
    agreements["monthly_recurring_revenue"] = np.where(recurring, fee, 0.0)
    clients = ctx.tables["clients"]
    annual = agreements[: len(clients)]["monthly_recurring_revenue"].to_numpy() * 12
    clients["contract_value"] = np.where(annual > 0, annual, np.nan)


def _baseline_monthly_cost(ctx: DemoContext) -> pd.Series:
    """Per agreement: average monthly labour cost in 2024-10..2025-09 (else all months), plus additions."""
    entries = ctx.tables["time_entries"]
    cost_rate = entries["technician_id"].map(ctx.hidden["true_hourly_cost"])
    frame = pd.DataFrame(
        {
            "agreement_id": entries["agreement_id"],
            "month": entries["work_date"].dt.to_period("M"),
            "cost": entries["hours"] * cost_rate,
        }
    )
    by_month = frame.groupby(["agreement_id", "month"])["cost"].sum().reset_index()
    pricing_year = by_month[by_month["month"].astype(str).isin(MONTHS[12:24])]
    labour = pricing_year.groupby("agreement_id")["cost"].mean()
    labour = labour.combine_first(by_month.groupby("agreement_id")["cost"].mean())
    additions = ctx.tables["agreement_additions"]
    unit_cost = additions["unit_cost"].fillna(additions["unit_price"] * ADDITION_COST_SHARE)
    addition_cost = (additions["quantity"] * unit_cost).groupby(additions["agreement_id"]).sum()
    return labour.add(addition_cost, fill_value=0.0)


def _addition_revenue(ctx: DemoContext) -> pd.Series:
    additions = ctx.tables["agreement_additions"]
    return (additions["quantity"] * additions["unit_price"]).groupby(additions["agreement_id"]).sum()
