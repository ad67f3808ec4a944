"""Tools of the operations agents: sales pipeline (SPO), contracts (VCM), resources (RAM), and search."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import Field

from hexad.agents.base import AgentContext
from hexad.agents.ram_plans import plan_assignments, planning_input
from hexad.agents.ram_utilization import utilization_by_technician, window_bounds
from hexad.agents.service import lake_path
from hexad.agents.spo import PipelineScores, score_pipeline
from hexad.errors import ValidationError
from hexad.intelligence.ask.context import ToolContext
from hexad.intelligence.ask.tool_base import Args, ToolResult, rounded, tuples

__all__ = [
    "ContractSearchArgs",
    "ForecastArgs",
    "LeadsArgs",
    "PlanArgs",
    "RenewalArgs",
    "SearchArgs",
    "UtilizationArgs",
    "assignment_plan",
    "contract_renewals",
    "contract_search",
    "pipeline_forecast",
    "semantic_search",
    "technician_utilization",
    "top_leads",
]

# -- SPO ---------------------------------------------------------------------------------------------


def _pipeline(ctx: ToolContext) -> PipelineScores:
    def build() -> PipelineScores:
        stages = set(ctx.frames("opportunities")["stage"].astype(str))
        if not {"closed_won", "closed_lost"} <= stages:
            raise ValidationError("the pipeline tools learn from closed deals: none are won and lost yet")
        agent_ctx = AgentContext(ctx.frames, ctx.reference_date, lake_path(ctx.settings), ctx.settings)
        return score_pipeline(agent_ctx)

    return ctx.memo("pipeline", build)


class ForecastArgs(Args):
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


class LeadsArgs(Args):
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


class ContractSearchArgs(Args):
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


class RenewalArgs(Args):
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
    for c in tuples(due):
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
                rounded(c.value),
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


class UtilizationArgs(Args):
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


class PlanArgs(Args):
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


class SearchArgs(Args):
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
