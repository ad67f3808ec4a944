"""RAM, resource allocation and margin: utilization alerts, assignment plans and on-site routes.

A full run judges every technician's billable utilization over the last 13 weeks against the
thresholds (below 65% under-utilized, above 90% over-utilized: the industry's weekly goal is 75-85%
and above ~90% burns people out) and proposes an assignment plan for the open work. A run for one
subject is the reaction to `client.profitability.changed`: it re-plans that client's open work,
preferring the cheapest qualified technician because the client's margin is eroding, and emits
`resource.plan.proposed` with the plan.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from hexad.agents.base import AgentContext, AgentEvent, AgentRun, FindingDraft, severity_for
from hexad.agents.ram_plans import AssignmentPlan, PlanningInput, plan_assignments, planning_input
from hexad.agents.ram_utilization import TechnicianUtilization, utilization_by_technician, window_bounds

__all__ = ["OVER_UTILIZED", "UNDER_UTILIZED", "ResourceAllocationAgent"]

UNDER_UTILIZED = 0.65
OVER_UTILIZED = 0.90


class ResourceAllocationAgent:
    """Utilization findings and assignment plans for technicians, tickets and project tasks."""

    name = "ram"
    title = "Resource allocation and margin"
    reads: tuple[str, ...] = ("technicians", "time_entries", "tickets", "sites", "clients")
    triggers: tuple[str, ...] = ("client.profitability.changed",)

    def __init__(
        self,
        under: float = UNDER_UTILIZED,
        over: float = OVER_UTILIZED,
        plan_time_limit: float = 5.0,
    ) -> None:
        self.under = under
        self.over = over
        self.plan_time_limit = plan_time_limit

    def run(self, ctx: AgentContext, *, subject_id: str | None = None) -> AgentRun:
        """Full run: utilization findings plus a plan; with a client id: a re-plan of that client's work."""
        if subject_id is not None:
            return self._replan_client(ctx, subject_id)
        ctx.report("utilization", 0.1)
        technicians = ctx.frames("technicians")
        usage = utilization_by_technician(technicians, ctx.frames("time_entries"), ctx.reference_date)
        findings = [f for u in usage if (f := self._finding(u, ctx.reference_date)) is not None]
        events = [_alert(f) for f in findings]
        ctx.report("assignment plan", 0.5)
        plan = self.plan(ctx)
        metrics = {
            "technicians_judged": len(usage),
            "over_utilized": sum(f.kind == "technician_over_utilized" for f in findings),
            "under_utilized": sum(f.kind == "technician_under_utilized" for f in findings),
            "median_utilization": round(float(pd.Series([u.utilization for u in usage]).median()), 4)
            if usage
            else None,
            **plan.metrics(),
        }
        ctx.report("done", 1.0)
        return AgentRun(self.name, findings, events, metrics)

    def plan(
        self, ctx: AgentContext, *, client_id: str | None = None, eroding: set[str] | None = None
    ) -> AssignmentPlan:
        """An assignment plan for the open work (one client's when `client_id` is given)."""
        work: PlanningInput = planning_input(
            ctx.frames, ctx.reference_date, client_id=client_id, eroding=eroding
        )
        return plan_assignments(work, time_limit=self.plan_time_limit)

    def _replan_client(self, ctx: AgentContext, client_id: str) -> AgentRun:
        plan = self.plan(ctx, client_id=client_id, eroding={client_id})
        detail: dict[str, Any] = {
            "client_id": client_id,
            "reason": "client.profitability.changed",
            **plan.to_json(),
        }
        return AgentRun(self.name, [], [AgentEvent("resource.plan.proposed", detail)], plan.metrics())

    def _finding(self, usage: TechnicianUtilization, today: date) -> FindingDraft | None:
        if usage.available_hours <= 0:
            return None
        start, end = window_bounds(today)
        percent = f"{usage.utilization:.0%}"
        numbers = f"{usage.billable_hours:.1f} billable of {usage.available_hours:.1f} available hours"
        if usage.utilization > self.over:
            score = min(1.0, 0.5 + (usage.utilization - self.over) * 2.5)
            return FindingDraft(
                kind="technician_over_utilized",
                subject_type="technician",
                subject_id=usage.technician_id,
                severity=severity_for(score),
                score=round(score, 3),
                summary=f"{usage.name} ran at {percent} billable utilization ({numbers}), {start} to {end}",
                evidence=usage.evidence(start, end) | {"threshold": self.over},
                recommended_action="Move upcoming work to qualified technicians with spare hours",
            )
        if usage.utilization < self.under:
            score = min(1.0, 0.5 + (self.under - usage.utilization) * 2.0)
            return FindingDraft(
                kind="technician_under_utilized",
                subject_type="technician",
                subject_id=usage.technician_id,
                severity=severity_for(score),
                score=round(score, 3),
                summary=f"{usage.name} ran at {percent} billable utilization ({numbers}), {start} to {end}",
                evidence=usage.evidence(start, end) | {"threshold": self.under},
                recommended_action="Assign open tickets or project tasks that match this technician's skills",
            )
        return None


def _alert(finding: FindingDraft) -> AgentEvent:
    return AgentEvent(
        "resource.utilization.alert",
        {
            "technician_id": finding.subject_id,
            "kind": finding.kind,
            "utilization": finding.evidence["utilization"],
            "threshold": finding.evidence["threshold"],
            "window_start": finding.evidence["window_start"],
            "window_end": finding.evidence["window_end"],
        },
    )
