"""The agents' typed tools: what "ask Hexad", the LLM supervisor and the MCP server can call.

The registry `TOOLS` (name -> `Tool`), `run_tool` (validates arguments against the tool's model) and
`tool_specs` (the tools a caller's permissions allow). The tools call the agents' own analyses
(`tools_finance`, `tools_ops`); nothing here recomputes a metric.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from hexad.errors import ValidationError
from hexad.intelligence.ask.context import ToolContext
from hexad.intelligence.ask.tool_base import Tool, ToolResult
from hexad.intelligence.ask.tools_finance import (
    BudgetArgs,
    FindingsArgs,
    LicenceArgs,
    ProfitabilityArgs,
    SpendArgs,
    budget_status,
    client_profitability,
    licence_reconciliation,
    list_findings,
    spend_series,
)
from hexad.intelligence.ask.tools_ops import (
    ContractSearchArgs,
    ForecastArgs,
    LeadsArgs,
    PlanArgs,
    RenewalArgs,
    SearchArgs,
    UtilizationArgs,
    assignment_plan,
    contract_renewals,
    contract_search,
    pipeline_forecast,
    semantic_search,
    technician_utilization,
    top_leads,
)

__all__ = ["TOOLS", "Tool", "ToolResult", "run_tool", "tool_specs"]

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
