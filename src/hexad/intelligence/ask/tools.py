"""The agents' typed tools: what "ask Hexad", the LLM supervisor and the MCP server can call.

Each tool names its agent, the permission a caller needs (`hexad.auth.permissions`), a JSON Schema of
its arguments (from a pydantic model, so arguments are validated the same way for every caller) and a
function returning a `ToolResult`: a one-line summary, a table the dashboard can render, and the
figures behind it. The functions call the agents' own analyses; nothing here recomputes a metric.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from hexad.agents.base import AgentContext
from hexad.agents.cpi import monthly_profitability
from hexad.agents.dsa import budget_forecast, spend_vs_budget
from hexad.agents.ram_plans import plan_assignments, planning_input
from hexad.agents.ram_utilization import utilization_by_technician, window_bounds
from hexad.agents.service import lake_path
from hexad.agents.sli import reconcile_licences
from hexad.agents.spo import PipelineScores, score_pipeline
from hexad.errors import ValidationError
from hexad.intelligence.ask.context import ToolContext

__all__ = ["TOOLS", "Tool", "ToolResult", "run_tool", "tool_specs"]

_PROFIT_ENTITIES = (
    "technicians",
    "time_entries",
    "invoices",
    "agreement_additions",
    "agreements",
    "licence_subscriptions",
)


@dataclass(frozen=True)
class ToolResult:
    """What a tool found: a summary line, a table (columns + rows) and the figures behind them."""

    tool: str
    arguments: dict[str, Any]
    title: str
    summary: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, max_rows: int = 50) -> dict[str, Any]:
        """JSON-able form, the table cut to `max_rows` rows."""
        return {
            "tool": self.tool,
            "arguments": self.arguments,
            "title": self.title,
            "summary": self.summary,
            "columns": self.columns,
            "rows": self.rows[:max_rows],
            "total_rows": len(self.rows),
            "data": self.data,
        }


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Tool:
    """One callable tool of one agent."""

    name: str
    agent: str
    permission: str
    description: str
    arguments: type[_Args]
    run: Callable[[ToolContext, Any], ToolResult]

    @property
    def parameters(self) -> dict[str, Any]:
        """The JSON Schema of the arguments."""
        schema = self.arguments.model_json_schema()
        schema.pop("title", None)
        return schema


def _tuples(frame: pd.DataFrame) -> list[Any]:
    """Rows as named tuples (typed loosely: columns differ per frame)."""
    return list(frame.itertuples())


def _round(value: Any, digits: int = 2) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return round(float(value), digits) if isinstance(value, float | int) else value


def _months(ctx: ToolContext, count: int) -> tuple[str, str]:
    last = pd.Period(ctx.reference_date, freq="M")
    return str(last - (count - 1)), str(last)


# -- CPI ---------------------------------------------------------------------------------------------


class ProfitabilityArgs(_Args):
    client_id: str | None = Field(None, description="a client id such as CL-0007; omit for every client")
    months: int = Field(12, ge=1, le=36, description="trailing months to cover")


def _profitability(ctx: ToolContext) -> pd.DataFrame:
    return ctx.memo(
        "profitability", lambda: monthly_profitability({n: ctx.frames(n) for n in _PROFIT_ENTITIES})
    )


def client_profitability(ctx: ToolContext, args: ProfitabilityArgs) -> ToolResult:
    """One client's months, or every client ranked by margin (lowest first)."""
    first, last = _months(ctx, args.months)
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
                _round(r.revenue),
                _round(r.labour_cost + r.addition_cost + r.licence_cost),
                _round(r.gross_margin),
                _round(r.margin, 4),
                _round(r.labour_hours),
            ]
            for r in _tuples(rows)
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
        [str(cid), names.get(str(cid), ""), _round(r.revenue), _round(r.gross_margin), _round(r.margin, 4)]
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


class FindingsArgs(_Args):
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


class LicenceArgs(_Args):
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
            _round(r.unused_monthly_cost),
            _round(r.under_billed_monthly),
        ]
        for r in _tuples(table.head(args.limit))
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


class SpendArgs(_Args):
    department: str | None = None
    vendor_id: str | None = None
    category: str | None = None
    months: int = Field(12, ge=1, le=36)


def spend_series(ctx: ToolContext, args: SpendArgs) -> ToolResult:
    """Monthly spend (and budget, for a department) over the trailing months."""
    first, last = _months(ctx, args.months)
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


class BudgetArgs(_Args):
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


# -- SPO ---------------------------------------------------------------------------------------------


def _pipeline(ctx: ToolContext) -> PipelineScores:
    def build() -> PipelineScores:
        stages = set(ctx.frames("opportunities")["stage"].astype(str))
        if not {"closed_won", "closed_lost"} <= stages:
            raise ValidationError("the pipeline tools learn from closed deals: none are won and lost yet")
        agent_ctx = AgentContext(ctx.frames, ctx.reference_date, lake_path(ctx.settings), ctx.settings)
        return score_pipeline(agent_ctx)

    return ctx.memo("pipeline", build)


class ForecastArgs(_Args):
    months: int = Field(3, ge=1, le=3, description="months after the current one (the model forecasts 3)")


def pipeline_forecast(ctx: ToolContext, args: ForecastArgs) -> ToolResult:
    """Expected revenue from open deals per month: stage-weighted, model-expected and an 80% interval."""
    forecast = _pipeline(ctx).forecast[: args.months]
    rows = [
        [
            m.month,
            m.deals,
            round(m.pipeline, 2),
            round(m.weighted, 2),
            round(m.expected, 2),
            round(m.low, 2),
            round(m.high, 2),
        ]
        for m in forecast
    ]
    expected = round(sum(m.expected for m in forecast), 2)
    summary = (
        f"{expected:,.2f} expected over {len(rows)} months from {sum(m.deals for m in forecast)} open deals"
    )
    return ToolResult(
        "pipeline_forecast",
        args.model_dump(),
        "Pipeline forecast",
        summary,
        ["month", "deals", "pipeline", "weighted", "expected", "low", "high"],
        rows,
        {"expected": expected},
    )


class LeadsArgs(_Args):
    limit: int = Field(10, ge=1, le=50)


def top_leads(ctx: ToolContext, args: LeadsArgs) -> ToolResult:
    """Open deals by expected value (win probability x amount), with what drove each score."""
    leads = sorted(_pipeline(ctx).leads, key=lambda s: -s.expected_value)[: args.limit]
    rows = [
        [
            s.opportunity_id,
            s.company,
            s.stage,
            round(s.amount, 2),
            round(s.win_probability, 4),
            round(s.expected_value, 2),
            s.recent_activities,
        ]
        for s in leads
    ]
    summary = f"top {len(rows)} open deals by expected value" + (
        f"; first: {rows[0][1]} ({rows[0][5]:,.2f})" if rows else ""
    )
    return ToolResult(
        "top_leads",
        args.model_dump(),
        "Top leads",
        summary,
        [
            "opportunity_id",
            "company",
            "stage",
            "amount",
            "win_probability",
            "expected_value",
            "activities_30d",
        ],
        rows,
    )


# -- VCM ---------------------------------------------------------------------------------------------


class ContractSearchArgs(_Args):
    query: str = Field(
        min_length=1, max_length=300, description="words to look for in the contract documents"
    )
    limit: int = Field(5, ge=1, le=20)


def contract_search(ctx: ToolContext, args: ContractSearchArgs) -> ToolResult:
    """Contract documents most similar in meaning to the query (TF-IDF over their text)."""
    from hexad.intelligence.search import search_index

    hits = search_index(ctx).query(args.query, limit=args.limit, kinds=("contract",))
    rows = [[h.ref, h.title, round(h.score, 3), h.snippet] for h in hits]
    summary = f"{len(rows)} contract documents match {args.query!r}"
    return ToolResult(
        "contract_search",
        args.model_dump(),
        "Contract search",
        summary,
        ["contract", "title", "score", "snippet"],
        rows,
    )


class RenewalArgs(_Args):
    days: int = Field(90, ge=1, le=730, description="contracts ending within this many days")


def contract_renewals(ctx: ToolContext, args: RenewalArgs) -> ToolResult:
    """Active vendor contracts ending within `days`, soonest first, with notice terms."""
    contracts = ctx.frames("vendor_contracts")
    vendors = ctx.frames("vendors").set_index("vendor_id")["name"].astype(str).to_dict()
    today = pd.Timestamp(ctx.reference_date)
    end = contracts["end_date"]
    due = contracts[
        (end >= today) & (end <= today + pd.Timedelta(days=args.days)) & (contracts["status"] != "terminated")
    ]
    due = due.sort_values("end_date")
    rows: list[list[Any]] = []
    for c in _tuples(due):
        notice = None if pd.isna(c.notice_period_days) else int(c.notice_period_days)
        deadline = None if notice is None else (c.end_date - pd.Timedelta(days=notice)).date().isoformat()
        rows.append(
            [
                c.contract_id,
                vendors.get(str(c.vendor_id), str(c.vendor_id)),
                c.end_date.date().isoformat(),
                None if pd.isna(c.auto_renew) else bool(c.auto_renew),
                notice,
                deadline,
                _round(c.value),
            ]
        )
    summary = f"{len(rows)} contracts end within {args.days} days" + (
        f"; first: {rows[0][0]} on {rows[0][2]}" if rows else ""
    )
    return ToolResult(
        "contract_renewals",
        args.model_dump(),
        "Contract renewals",
        summary,
        ["contract_id", "vendor", "end_date", "auto_renew", "notice_days", "notice_deadline", "value"],
        rows,
    )


# -- RAM ---------------------------------------------------------------------------------------------


class UtilizationArgs(_Args):
    technician_id: str | None = None


def technician_utilization(ctx: ToolContext, args: UtilizationArgs) -> ToolResult:
    """Billable utilization over the 13 weeks to today per technician (highest first), or one's weeks."""
    found = ctx.memo(
        "utilization",
        lambda: utilization_by_technician(
            ctx.frames("technicians"), ctx.frames("time_entries"), ctx.reference_date
        ),
    )
    start, end = window_bounds(ctx.reference_date)
    if args.technician_id:
        one = next((u for u in found if u.technician_id == args.technician_id), None)
        if one is None:
            raise ValidationError(
                f"technician_id: no technician {args.technician_id!r} employed the whole window"
            )
        rows = [[w["week"], w["billable_hours"], w["available_hours"], w["utilization"]] for w in one.weekly]
        summary = (
            f"{one.name} ({one.technician_id}): {100 * one.utilization:.0f}% billable from {start} to {end}"
        )
        return ToolResult(
            "technician_utilization",
            args.model_dump(),
            f"Utilization of {one.name}",
            summary,
            ["week", "billable_hours", "available_hours", "utilization"],
            rows,
            one.evidence(start, end),
        )
    ranked = sorted(found, key=lambda u: -u.utilization)
    rows = [
        [
            u.technician_id,
            u.name,
            round(u.billable_hours, 2),
            round(u.available_hours, 2),
            round(u.utilization, 4),
        ]
        for u in ranked
    ]
    over = [u.name for u in ranked if u.utilization > 0.9]
    summary = f"{len(rows)} technicians from {start} to {end}; above 90%: {', '.join(over) or 'none'}"
    return ToolResult(
        "technician_utilization",
        args.model_dump(),
        "Technician utilization",
        summary,
        ["technician_id", "name", "billable_hours", "available_hours", "utilization"],
        rows,
    )


class PlanArgs(_Args):
    client_id: str | None = Field(None, description="plan only this client's open tickets")
    technician_id: str | None = Field(None, description="show only this technician's assignments")


def assignment_plan(ctx: ToolContext, args: PlanArgs) -> ToolResult:
    """Who should take the open tickets: a cost-minimising assignment (HiGHS), with reasons."""
    plan = plan_assignments(
        planning_input(ctx.frames, ctx.reference_date, client_id=args.client_id), time_limit=5.0
    )
    chosen = [a for a in plan.assignments if not args.technician_id or a.technician_id == args.technician_id]
    rows = [
        [a.item_id, a.technician_id, round(a.hours, 2), round(a.travel_hours, 2), round(a.cost, 2), a.reason]
        for a in chosen
    ]
    summary = f"{len(plan.assignments)} items assigned, {len(plan.unassigned)} left out ({plan.status})"
    data = {"status": plan.status, "unassigned": [u.__dict__ for u in plan.unassigned[:20]]}
    return ToolResult(
        "assignment_plan",
        args.model_dump(),
        "Assignment plan",
        summary,
        ["item", "technician", "hours", "travel_hours", "cost", "reason"],
        rows,
        data,
    )


# -- search ------------------------------------------------------------------------------------------


class SearchArgs(_Args):
    query: str = Field(min_length=1, max_length=300)
    limit: int = Field(8, ge=1, le=30)


def semantic_search(ctx: ToolContext, args: SearchArgs) -> ToolResult:
    """Findings and contract documents closest in meaning to the query."""
    from hexad.intelligence.search import search_index

    hits = search_index(ctx).query(args.query, limit=args.limit)
    rows = [[h.kind, h.ref, h.title, round(h.score, 3), h.snippet] for h in hits]
    return ToolResult(
        "semantic_search",
        args.model_dump(),
        "Search",
        f"{len(rows)} results for {args.query!r}",
        ["kind", "ref", "title", "score", "snippet"],
        rows,
    )


TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        Tool(
            "client_profitability",
            "cpi",
            "clients:read",
            "A client's monthly revenue, cost and gross margin, "
            "or every client ranked by margin (lowest first).",
            ProfitabilityArgs,
            client_profitability,
        ),
        Tool(
            "list_findings",
            "all",
            "findings:read",
            "What the agents found (margin erosion, churn risk, licence "
            "issues, spend anomalies, duplicate payments, renewals...), most severe first.",
            FindingsArgs,
            list_findings,
        ),
        Tool(
            "licence_reconciliation",
            "sli",
            "licences:read",
            "Software licences: purchased vs assigned vs active "
            "vs billed seats, unused seats and money at stake.",
            LicenceArgs,
            licence_reconciliation,
        ),
        Tool(
            "spend_series",
            "dsa",
            "spend:read",
            "Monthly spend for a department, vendor or category, with budget.",
            SpendArgs,
            spend_series,
        ),
        Tool(
            "budget_status",
            "dsa",
            "spend:read",
            "Departments' year-to-date spend against budget and the next 3 months' forecast.",
            BudgetArgs,
            budget_status,
        ),
        Tool(
            "pipeline_forecast",
            "spo",
            "leads:read",
            "Sales pipeline revenue forecast for the next months.",
            ForecastArgs,
            pipeline_forecast,
        ),
        Tool(
            "top_leads",
            "spo",
            "leads:read",
            "Open deals ranked by expected value, with win probability.",
            LeadsArgs,
            top_leads,
        ),
        Tool(
            "contract_search",
            "vcm",
            "contracts:read",
            "Search vendor contract documents by meaning.",
            ContractSearchArgs,
            contract_search,
        ),
        Tool(
            "contract_renewals",
            "vcm",
            "contracts:read",
            "Vendor contracts ending soon, with notice deadlines.",
            RenewalArgs,
            contract_renewals,
        ),
        Tool(
            "technician_utilization",
            "ram",
            "plans:read",
            "Technicians' billable utilization over the last 13 weeks, or one technician's weeks.",
            UtilizationArgs,
            technician_utilization,
        ),
        Tool(
            "assignment_plan",
            "ram",
            "plans:read",
            "Who should take the open tickets (an optimised assignment).",
            PlanArgs,
            assignment_plan,
        ),
        Tool(
            "semantic_search",
            "all",
            "findings:read",
            "Search findings and contracts by meaning.",
            SearchArgs,
            semantic_search,
        ),
    )
}


def run_tool(ctx: ToolContext, name: str, arguments: dict[str, Any]) -> ToolResult:
    """Validate `arguments` against the tool's schema and run it; errors name the tool and field."""
    tool = TOOLS.get(name)
    if tool is None:
        raise ValidationError(f"unknown tool {name!r}: expected one of {', '.join(TOOLS)}")
    try:
        parsed = tool.arguments.model_validate(arguments)
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
        )
        raise ValidationError(f"{name}: {problems}") from None
    return tool.run(ctx, parsed)


def tool_specs(allowed: Callable[[str], bool] | None = None) -> list[Tool]:
    """The tools a caller may use (`allowed(permission)`), all when no check is given."""
    return [t for t in TOOLS.values() if allowed is None or allowed(t.permission)]
