"""Tools of the finance-facing agents: client profitability (CPI), findings, licences (SLI), spend (DSA)."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import Field

from hexad.agents.cpi import monthly_profitability
from hexad.agents.dsa import budget_forecast, spend_vs_budget
from hexad.agents.sli import reconcile_licences
from hexad.errors import ValidationError
from hexad.intelligence.ask.context import ToolContext
from hexad.intelligence.ask.tool_base import PROFIT_ENTITIES, Args, ToolResult, months_back, rounded, tuples

__all__ = [
    "BudgetArgs",
    "FindingsArgs",
    "LicenceArgs",
    "ProfitabilityArgs",
    "SpendArgs",
    "budget_status",
    "client_profitability",
    "licence_reconciliation",
    "list_findings",
    "spend_series",
]

# -- CPI ---------------------------------------------------------------------------------------------


class ProfitabilityArgs(Args):
    client_id: str | None = Field(None, description="a client id such as CL-0007; omit for every client")
    months: int = Field(12, ge=1, le=36, description="trailing months to cover")


def _profitability(ctx: ToolContext) -> pd.DataFrame:
    return ctx.memo(
        "profitability", lambda: monthly_profitability({n: ctx.frames(n) for n in PROFIT_ENTITIES})
    )


def client_profitability(ctx: ToolContext, args: ProfitabilityArgs) -> ToolResult:
    """One client's months, or every client ranked by margin (lowest first)."""
    first, last = months_back(ctx, args.months)
    frame = _profitability(ctx)
    window = frame[(frame["month"] >= first) & (frame["month"] <= last)]
    names = ctx.frames("clients").set_index("client_id")["name"].astype(str).to_dict()
    if args.client_id:
        rows = window[window["client_id"] == args.client_id]
        if rows.empty and args.client_id not in names:
            raise ValidationError(f"client_id: no client {args.client_id!r}")
        table = [
            [
                r.month,
                rounded(r.revenue),
                rounded(r.labour_cost + r.addition_cost + r.licence_cost),
                rounded(r.gross_margin),
                rounded(r.margin, 4),
                rounded(r.labour_hours),
            ]
            for r in tuples(rows)
        ]
        revenue = float(rows["revenue"].sum())
        margin = float(rows["gross_margin"].sum())
        data = {
            "client_id": args.client_id,
            "name": names.get(args.client_id, ""),
            "from": first,
            "to": last,
            "revenue": round(revenue, 2),
            "gross_margin": round(margin, 2),
            "margin": round(margin / revenue, 4) if revenue else None,
            "first_month_margin": table[0][4] if table else None,
            "last_month_margin": table[-1][4] if table else None,
        }
        pct = "n/a" if data["margin"] is None else f"{100 * data['margin']:.0f}%"
        summary = (
            f"{args.client_id} {data['name']}: revenue {revenue:,.2f}, margin {pct} from {first} to {last}"
        )
        columns = ["month", "revenue", "cost", "gross_margin", "margin", "labour_hours"]
        return ToolResult(
            "client_profitability",
            args.model_dump(),
            f"Profitability of {args.client_id}",
            summary,
            columns,
            table,
            data,
        )
    grouped = window.groupby("client_id")[["revenue", "gross_margin", "labour_hours"]].sum()
    grouped["margin"] = grouped["gross_margin"] / grouped["revenue"].where(grouped["revenue"] != 0)
    grouped = grouped.sort_values("margin", na_position="last")
    table = [
        [str(cid), names.get(str(cid), ""), rounded(r.revenue), rounded(r.gross_margin), rounded(r.margin, 4)]
        for cid, r in grouped.iterrows()
    ]
    worst = table[0] if table else None
    summary = f"{len(table)} clients from {first} to {last}" + (
        f"; lowest margin: {worst[0]} {worst[1]} at {100 * (worst[4] or 0):.0f}%" if worst else ""
    )
    return ToolResult(
        "client_profitability",
        args.model_dump(),
        "Clients by margin (lowest first)",
        summary,
        ["client_id", "name", "revenue", "gross_margin", "margin"],
        table,
        {"from": first, "to": last},
    )


# -- findings (every agent) --------------------------------------------------------------------------


class FindingsArgs(Args):
    agent: Literal["cpi", "sli", "dsa", "ram", "spo", "vcm"] | None = None
    kind: str | None = Field(None, description="e.g. margin_erosion, churn_risk, duplicate_payment")
    subject_id: str | None = Field(None, description="a client, subscription, expense, technician... id")
    severity: Literal["low", "medium", "high", "critical"] | None = None
    status: Literal["open", "acknowledged", "resolved"] = "open"
    limit: int = Field(10, ge=1, le=100)


def list_findings(ctx: ToolContext, args: FindingsArgs) -> ToolResult:
    """Findings matching the filters, most severe and highest scored first."""
    found = ctx.findings.list(
        agent=args.agent,
        kind=args.kind,
        severity=args.severity,
        status=args.status,
        subject_id=args.subject_id,
        limit=1000,
    )
    if args.subject_id:  # a client's findings include those about its agreements and subscriptions
        found += [
            f
            for f in ctx.findings.list(status=args.status, agent=args.agent, kind=args.kind, limit=1000)
            if f.subject_id != args.subject_id and f.evidence.get("client_id") == args.subject_id
        ]
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    found.sort(key=lambda f: (order.get(f.severity, 4), -f.score))
    shown = found[: args.limit]
    rows = [[f.id, f.agent, f.kind, f.subject_id, f.severity, round(f.score, 2), f.summary] for f in shown]
    actions = [{"id": f.id, "summary": f.summary, "recommended_action": f.recommended_action} for f in shown]
    filters = ", ".join(f"{k}={v}" for k, v in args.model_dump(exclude={"limit"}).items() if v)
    return ToolResult(
        "list_findings",
        args.model_dump(),
        "Findings",
        f"{len(found)} findings ({filters})",
        ["id", "agent", "kind", "subject", "severity", "score", "summary"],
        rows,
        {"total": len(found), "findings": actions},
    )


# -- SLI ---------------------------------------------------------------------------------------------


class LicenceArgs(Args):
    client_id: str | None = None
    issue: Literal["unused", "over_deployed", "under_billed"] | None = None
    limit: int = Field(20, ge=1, le=200)


_ISSUE = {"unused": "seats_unused", "over_deployed": "over_deployed", "under_billed": "under_billed"}


def licence_reconciliation(ctx: ToolContext, args: LicenceArgs) -> ToolResult:
    """Purchased vs assigned vs active vs billed seats per subscription, money at stake per month."""
    table = ctx.memo(
        "licences",
        lambda: reconcile_licences(
            ctx.frames("licence_subscriptions"),
            ctx.frames("licence_assignments"),
            pd.Timestamp(ctx.reference_date),
        ),
    )
    if args.client_id:
        table = table[table["client_id"] == args.client_id]
    if args.issue:
        table = table[table[_ISSUE[args.issue]] > 0]
    at_stake = table["unused_monthly_cost"] + table["under_billed_monthly"]
    table = table.assign(at_stake=at_stake).sort_values("at_stake", ascending=False)
    rows = [
        [
            r.subscription_id,
            r.client_id,
            r.vendor,
            r.sku,
            int(r.seats_purchased),
            int(r.seats_assigned),
            int(r.active_30d),
            int(r.seats_billed),
            int(r.seats_unused),
            int(r.over_deployed),
            int(r.under_billed),
            rounded(r.unused_monthly_cost),
            rounded(r.under_billed_monthly),
        ]
        for r in tuples(table.head(args.limit))
    ]
    data = {
        "subscriptions": len(table),
        "unused_seats": int(table["seats_unused"].sum()),
        "over_deployed_seats": int(table["over_deployed"].sum()),
        "under_billed_seats": int(table["under_billed"].sum()),
        "unused_monthly_cost": round(float(table["unused_monthly_cost"].sum()), 2),
        "under_billed_monthly": round(float(table["under_billed_monthly"].sum()), 2),
    }
    summary = (
        f"{data['subscriptions']} subscriptions: {data['unused_seats']} unused seats "
        f"({data['unused_monthly_cost']:,.2f}/month), {data['over_deployed_seats']} over-deployed, "
        f"{data['under_billed_seats']} under-billed ({data['under_billed_monthly']:,.2f}/month)"
    )
    columns = [
        "subscription_id",
        "client_id",
        "vendor",
        "sku",
        "purchased",
        "assigned",
        "active_30d",
        "billed",
        "unused",
        "over_deployed",
        "under_billed",
        "unused_monthly_cost",
        "under_billed_monthly",
    ]
    return ToolResult(
        "licence_reconciliation", args.model_dump(), "Licence reconciliation", summary, columns, rows, data
    )


# -- DSA ---------------------------------------------------------------------------------------------


class SpendArgs(Args):
    department: str | None = None
    vendor_id: str | None = None
    category: str | None = None
    months: int = Field(12, ge=1, le=36)


def spend_series(ctx: ToolContext, args: SpendArgs) -> ToolResult:
    """Monthly spend (and budget, for a department) over the trailing months."""
    first, last = months_back(ctx, args.months)
    expenses = ctx.frames("expenses")
    month = expenses["expense_date"].dt.strftime("%Y-%m")
    mask = (month >= first) & (month <= last)
    for column, value in (
        ("department", args.department),
        ("vendor_id", args.vendor_id),
        ("category", args.category),
    ):
        if value:
            mask &= expenses[column] == value
    spend = expenses[mask].groupby(month[mask])["amount"].sum()
    budgets = ctx.frames("budgets")
    budget_mask = (budgets["period"] >= first) & (budgets["period"] <= last)
    if args.department:
        budget_mask &= budgets["department"] == args.department
    if args.category:
        budget_mask &= budgets["category"] == args.category
    budget = (
        budgets[budget_mask].groupby("period")["amount"].sum()
        if not args.vendor_id
        else pd.Series(dtype=float)
    )
    months = [str(p) for p in pd.period_range(first, last, freq="M")]
    rows = [
        [m, round(float(spend.get(m, 0.0)), 2), None if budget.empty else round(float(budget.get(m, 0.0)), 2)]
        for m in months
    ]
    total = round(float(spend.sum()), 2)
    scope = " ".join(v for v in (args.department, args.vendor_id, args.category) if v) or "all spend"
    data = {
        "scope": scope,
        "from": first,
        "to": last,
        "total": total,
        "budget": None if budget.empty else round(float(budget.sum()), 2),
        "bills": int(mask.sum()),
    }
    summary = f"{scope}: {total:,.2f} from {first} to {last} in {data['bills']} bills"
    if data["budget"]:
        summary += f" against a budget of {data['budget']:,.2f}"
    return ToolResult(
        "spend_series",
        args.model_dump(),
        f"Spend: {scope}",
        summary,
        ["month", "spend", "budget"],
        rows,
        data,
    )


class BudgetArgs(Args):
    department: str | None = None


def budget_status(ctx: ToolContext, args: BudgetArgs) -> ToolResult:
    """Year to date against budget per department, and the next 3 months' forecast (80% interval)."""
    table = ctx.memo(
        "spend_vs_budget", lambda: spend_vs_budget(ctx.frames("expenses"), ctx.frames("budgets"))
    )
    year, now = str(ctx.reference_date.year), ctx.reference_date.strftime("%Y-%m")
    rows: list[list[Any]] = []
    for department, group in table.groupby("department"):
        if args.department and department != args.department:
            continue
        ytd = group[group["period"].str.startswith(year) & (group["period"] <= now)]
        budget, spend = float(ytd["budget"].sum()), float(ytd["spend"].sum())
        point, low, high = budget_forecast(group.groupby("period")["spend"].sum().sort_index())
        rows.append(
            [
                str(department),
                round(budget, 2),
                round(spend, 2),
                round(spend - budget, 2),
                round(spend / budget, 4) if budget else None,
                round(point, 2),
                round(low, 2),
                round(high, 2),
            ]
        )
    if args.department and not rows:
        raise ValidationError(f"department: no department named {args.department!r}")
    rows.sort(key=lambda r: -(r[4] or 0))
    over = [r[0] for r in rows if (r[4] or 0) > 1]
    summary = f"{len(over)} of {len(rows)} departments over budget in {year} to date" + (
        f": {', '.join(over)}" if over else ""
    )
    columns = [
        "department",
        "budget_to_date",
        "spend_to_date",
        "variance",
        "ratio",
        "forecast_3m",
        "forecast_low",
        "forecast_high",
    ]
    return ToolResult(
        "budget_status",
        args.model_dump(),
        f"Budget {year} to date",
        summary,
        columns,
        rows,
        {"year": int(year), "over_budget": over},
    )
