"""The truth for `margin_erosion`, `unprofitable_agreement` and `churn_risk`, read off the data.

Monthly client margin (used by both margin signals): revenue = total of the client's non-void
invoices issued in the month; cost = labour (hours x technician hourly_cost; a technician without one
is costed at the median hourly_cost of the others in the same role) + addition cost (quantity x
unit_cost, or 60% of unit_price where unit_cost is missing) + licence cost (seats_purchased x
unit_cost). margin = (revenue - cost) / revenue.

- margin_erosion (client, active since before the baseline): the baseline is the median margin of
  2025-10..2026-03; each of 2026-07, 2026-08 and 2026-09 is at least 0.10 below it and their mean
  at least 0.15 below it. A single bad month (a project spike) does not qualify.
- unprofitable_agreement (managed-services agreement active through 2025-10..2026-09): over those 12
  months, 12 x fee + additions revenue - labour cost on the agreement - addition cost < 0.
- churn_risk: the planted clients of `health`; details show the four symptoms as measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hexad.demo.context import MONTHS, REFERENCE_DATE, DemoContext, rows
from hexad.demo.finance import ADDITION_COST_SHARE

__all__ = ["BASELINE_MONTHS", "RECENT_MONTHS", "churn_signals", "client_monthly_margin", "margin_signals"]

BASELINE_MONTHS = MONTHS[24:30]
RECENT_MONTHS = MONTHS[-3:]
_LAST_YEAR = MONTHS[-12:]


def labour_cost_rates(ctx: DemoContext) -> pd.Series:
    """Hourly cost per technician id, with the documented fill-in for missing costs."""
    return pd.Series(ctx.hidden["true_hourly_cost"])


def client_monthly_margin(ctx: DemoContext) -> pd.DataFrame:
    """Revenue, cost and margin per client (rows) and month (columns) as a long frame."""
    invoices = ctx.tables["invoices"]
    live = invoices[invoices["status"] != "void"]
    revenue = live.groupby([live["client_id"], live["issue_date"].dt.strftime("%Y-%m")])["total"].sum()
    entries = ctx.tables["time_entries"]
    labour = (
        (entries["hours"] * entries["technician_id"].map(labour_cost_rates(ctx)))
        .groupby([entries["client_id"], entries["work_date"].dt.strftime("%Y-%m")])
        .sum()
    )
    frame = pd.DataFrame({"revenue": revenue, "labour_cost": labour}).fillna(0.0)
    frame.index.names = ["client_id", "month"]
    frame = frame.reset_index()
    fixed = _fixed_monthly_cost(ctx)
    frame["other_cost"] = frame["client_id"].map(fixed).fillna(0.0)
    frame["margin"] = (frame["revenue"] - frame["labour_cost"] - frame["other_cost"]) / frame["revenue"]
    return frame


def _fixed_monthly_cost(ctx: DemoContext) -> pd.Series:
    """Addition and licence cost per client and month (quantities do not change over time)."""
    additions = ctx.tables["agreement_additions"]
    owners = ctx.tables["agreements"].set_index("agreement_id")["client_id"]
    unit_cost = additions["unit_cost"].fillna(additions["unit_price"] * ADDITION_COST_SHARE)
    addition = (additions["quantity"] * unit_cost).groupby(additions["agreement_id"].map(owners)).sum()
    subs = ctx.tables["licence_subscriptions"]
    licence = (subs["seats_purchased"] * subs["unit_cost"]).groupby(subs["client_id"]).sum()
    return addition.add(licence, fill_value=0.0)


def margin_signals(ctx: DemoContext) -> None:
    """Plant-independent truth for both margin signals."""
    margins = client_monthly_margin(ctx)
    table = margins.pivot(index="client_id", columns="month", values="margin")
    for client_id, row in table.iterrows():
        if row.reindex(BASELINE_MONTHS + RECENT_MONTHS).isna().any():
            continue
        baseline = float(row[BASELINE_MONTHS].median())
        recent = row[RECENT_MONTHS]
        if (recent <= baseline - 0.10).all() and recent.mean() <= baseline - 0.15:
            ctx.signal(
                "margin_erosion",
                "client",
                str(client_id),
                **_erosion_details(ctx, margins, str(client_id), baseline),
            )
    _agreement_signals(ctx)


def _erosion_details(
    ctx: DemoContext, margins: pd.DataFrame, client_id: str, baseline: float
) -> dict[str, Any]:
    mine = margins[(margins["client_id"] == client_id) & margins["month"].isin(MONTHS[-9:])]
    index = int(ctx.tables["clients"].index[ctx.tables["clients"]["client_id"] == client_id][0])
    planted = ctx.hidden["erosion_months"].get(index)
    return {
        "baseline_months": BASELINE_MONTHS,
        "baseline_margin": round(baseline, 4),
        "recent_months": RECENT_MONTHS,
        "margin_by_month": {r.month: round(r.margin, 4) for r in rows(mine)},
        "revenue_by_month": {r.month: round(r.revenue, 2) for r in rows(mine)},
        "labour_cost_by_month": {r.month: round(r.labour_cost, 2) for r in rows(mine)},
        "planted_decline_months": MONTHS[-planted:] if planted else [],
    }


def _agreement_signals(ctx: DemoContext) -> None:
    agreements = ctx.tables["agreements"]
    first = pd.Timestamp(_LAST_YEAR[0])
    whole_year = (agreements["type"] == "managed_services") & (agreements["start_date"] <= first)
    whole_year &= agreements["end_date"].isna() | (agreements["end_date"] >= REFERENCE_DATE)
    totals = _last_year_totals(ctx, first)
    for row in rows(agreements[whole_year]):
        mine = totals.reindex([row.agreement_id]).fillna(0.0).iloc[0]
        revenue = 12 * row.monthly_recurring_revenue + float(mine["addition_revenue"])
        profit = revenue - float(mine["labour_cost"]) - float(mine["addition_cost"])
        if profit < 0:
            ctx.signal(
                "unprofitable_agreement", "agreement", row.agreement_id, client_id=row.client_id,
                months=_LAST_YEAR, revenue=round(revenue, 2), labour_hours=round(float(mine["hours"]), 2),
                labour_cost=round(float(mine["labour_cost"]), 2),
                addition_cost=round(float(mine["addition_cost"]), 2), profit=round(profit, 2),
                margin=round(profit / revenue, 4),
            )  # fmt: skip


def _last_year_totals(ctx: DemoContext, first: pd.Timestamp) -> pd.DataFrame:
    """Per agreement over the last 12 months: hours, labour cost, addition cost and addition revenue."""
    entries = ctx.tables["time_entries"]
    recent = entries[entries["work_date"] >= first]
    cost = recent["hours"] * recent["technician_id"].map(labour_cost_rates(ctx))
    additions = ctx.tables["agreement_additions"]
    unit_cost = additions["unit_cost"].fillna(additions["unit_price"] * ADDITION_COST_SHARE)
    frame = pd.DataFrame(
        {
            "hours": recent.groupby("agreement_id")["hours"].sum(),
            "labour_cost": cost.groupby(recent["agreement_id"]).sum(),
            "addition_cost": (12 * additions["quantity"] * unit_cost)
            .groupby(additions["agreement_id"])
            .sum(),
            "addition_revenue": (12 * additions["quantity"] * additions["unit_price"])
            .groupby(additions["agreement_id"])
            .sum(),
        }
    )
    return frame.fillna(0.0)


def churn_signals(ctx: DemoContext) -> None:
    """The planted churn-risk clients, with each symptom measured from the data."""
    clients = ctx.tables["clients"]
    tickets, invoices = ctx.tables["tickets"], ctx.tables["invoices"]
    month = tickets["opened_at"].dt.strftime("%Y-%m")
    agreements = ctx.tables["agreements"]
    main_end = agreements[agreements["type"] != "fixed_fee_project"].set_index("client_id")["end_date"]
    for index in ctx.hidden["health"]["churn"]:
        client_id = str(clients["client_id"].iloc[index])
        mine = tickets[tickets["client_id"] == client_id]
        mine_month = month[mine.index]
        late = _late_invoices(invoices[invoices["client_id"] == client_id])
        end: Any = main_end[client_id]
        ctx.signal(
            "churn_risk",
            "client",
            client_id,
            baseline_months=BASELINE_MONTHS,
            recent_months=RECENT_MONTHS,
            tickets_per_month_baseline=round(float(mine_month.isin(BASELINE_MONTHS).sum()) / 6, 2),
            tickets_per_month_recent=round(float(mine_month.isin(RECENT_MONTHS).sum()) / 3, 2),
            satisfaction_baseline=_mean(
                mine.loc[mine_month.isin(BASELINE_MONTHS).to_numpy(), "satisfaction"]
            ),
            satisfaction_recent=_mean(mine.loc[mine_month.isin(RECENT_MONTHS).to_numpy(), "satisfaction"]),
            late_invoice_ids=late,
            agreement_end_date=end.date().isoformat(),
            days_to_agreement_end=int((end - REFERENCE_DATE).days),
        )


def _late_invoices(invoices: pd.DataFrame) -> list[str]:
    """Invoices issued in the last six months paid after their due date, or still unpaid past it."""
    recent = invoices[invoices["issue_date"].dt.strftime("%Y-%m").isin(MONTHS[-6:])]
    paid_late = recent["paid_date"] > recent["due_date"]
    unpaid = recent["paid_date"].isna() & (recent["due_date"] < REFERENCE_DATE) & (recent["status"] != "void")
    return sorted(recent.loc[paid_late | unpaid, "invoice_id"])


def _mean(values: pd.Series) -> float | None:
    clean = values.dropna()
    return round(float(np.mean(clean.astype(float))), 3) if len(clean) else None
