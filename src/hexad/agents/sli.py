"""SLI, software licence intelligence: the four-way reconciliation of every client subscription.

Per subscription: seats purchased vs assigned vs active vs billed to the client. An assignment is
active when its last activity (or, for a user never seen, its assignment date) is within the unused
window (90 days by default; 30 and 60 are reported too). Findings:
- `licence_unused_seats`: assignments idle for the whole window (money per month at stake: unit cost);
- `licence_over_deployed`: more assignments than purchased seats (a compliance violation);
- `licence_under_billed`: fewer seats billed than assigned (revenue leak at the unit price).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from hexad.agents.base import AgentContext, AgentEvent, AgentRun, FindingDraft, severity_for

__all__ = ["ACTIVITY_WINDOWS", "SoftwareLicenceAgent", "reconcile_licences"]

ACTIVITY_WINDOWS = (30, 60, 90)
_SUBJECT = "licence_subscription"


def reconcile_licences(
    subscriptions: pd.DataFrame, assignments: pd.DataFrame, reference: pd.Timestamp, unused_after: int = 90
) -> pd.DataFrame:
    """One row per subscription: purchased, assigned, active in 30/60/90 days, unused, billed, money."""
    seen = assignments["last_activity_date"].fillna(assignments["assigned_date"])
    idle = (reference - seen).dt.days
    per = pd.DataFrame({"subscription_id": assignments["subscription_id"], "idle": idle})
    grouped = per.groupby("subscription_id")["idle"]
    table = subscriptions.set_index("subscription_id").copy()
    table["seats_assigned"] = grouped.size().reindex(table.index).fillna(0).astype(int)
    for days in ACTIVITY_WINDOWS:
        active = per[per["idle"] < days].groupby("subscription_id").size()
        table[f"active_{days}d"] = active.reindex(table.index).fillna(0).astype(int)
    unused = per[per["idle"] >= unused_after].groupby("subscription_id").size()
    table["seats_unused"] = unused.reindex(table.index).fillna(0).astype(int)
    table["seats_purchased"] = table["seats_purchased"].astype(int)
    table["seats_billed"] = table["seats_billed"].astype(int)
    table["over_deployed"] = (table["seats_assigned"] - table["seats_purchased"]).clip(lower=0)
    table["under_billed"] = (table["seats_assigned"] - table["seats_billed"]).clip(lower=0)
    table["unused_monthly_cost"] = (table["seats_unused"] * table["unit_cost"]).round(2)
    table["under_billed_monthly"] = (table["under_billed"] * table["unit_price"]).round(2)
    return table.reset_index()


@dataclass
class SoftwareLicenceAgent:
    """Finds unused, over-deployed and under-billed licence seats per client subscription."""

    name: str = "sli"
    title: str = "Software licence intelligence"
    reads: tuple[str, ...] = ("licence_subscriptions", "licence_assignments", "clients")
    triggers: tuple[str, ...] = ("sales.opportunity.identified",)
    unused_after_days: int = 90

    def run(self, ctx: AgentContext, *, subject_id: str | None = None) -> AgentRun:
        """Reconcile every subscription (or those of one client when `subject_id` is a client id)."""
        ctx.report("reading licences", 0.1)
        subscriptions = ctx.frames("licence_subscriptions")
        if subject_id is not None:
            subscriptions = subscriptions[subscriptions["client_id"] == subject_id]
        assignments = ctx.frames("licence_assignments")
        assignments = assignments[assignments["subscription_id"].isin(subscriptions["subscription_id"])]
        reference = pd.Timestamp(ctx.reference_date)
        ctx.report("reconciling seats", 0.5)
        table = reconcile_licences(subscriptions, assignments, reference, self.unused_after_days)
        unused_ids = _unused_ids(assignments, reference, self.unused_after_days)
        findings: list[FindingDraft] = []
        events: list[AgentEvent] = []
        subscriptions_rows: list[Any] = list(table.itertuples(index=False))
        for row in subscriptions_rows:
            findings.extend(self._findings(row, unused_ids.get(row.subscription_id, []), events))
        ctx.report("done", 1.0)
        metrics = {
            "subscriptions": len(table),
            "assignments": len(assignments),
            "seats_purchased": int(table["seats_purchased"].sum()),
            "seats_assigned": int(table["seats_assigned"].sum()),
            "seats_unused": int(table["seats_unused"].sum()),
            "unused_monthly_cost": round(float(table["unused_monthly_cost"].sum()), 2),
            "under_billed_monthly": round(float(table["under_billed_monthly"].sum()), 2),
        }
        return AgentRun(agent=self.name, findings=findings, events=events, metrics=metrics)

    def _findings(self, row: Any, unused_ids: list[str], events: list[AgentEvent]) -> list[FindingDraft]:
        base = _evidence(row)
        drafts: list[FindingDraft] = []
        if row.seats_unused > 0:
            drafts.append(_unused(row, base, unused_ids, self.unused_after_days))
            events.append(AgentEvent("license.savings.found", _event(row, "unused_monthly_cost")))
        if row.over_deployed > 0:
            drafts.append(_over_deployed(row, base))
            events.append(AgentEvent("license.compliance.violation", _event(row, "over_deployed")))
        if row.under_billed > 0:
            drafts.append(_under_billed(row, base))
        return drafts


def _unused_ids(assignments: pd.DataFrame, reference: pd.Timestamp, days: int) -> dict[str, list[str]]:
    seen = assignments["last_activity_date"].fillna(assignments["assigned_date"])
    stale = assignments[(reference - seen).dt.days >= days]
    return {k: sorted(v) for k, v in stale.groupby("subscription_id")["assignment_id"]}


def _evidence(row: Any) -> dict[str, Any]:
    return {
        "subscription_id": row.subscription_id,
        "client_id": row.client_id,
        "vendor": row.vendor,
        "sku": row.sku,
        "seats_purchased": int(row.seats_purchased),
        "seats_assigned": int(row.seats_assigned),
        "seats_active_30d": int(row.active_30d),
        "seats_active_60d": int(row.active_60d),
        "seats_active_90d": int(row.active_90d),
        "seats_billed": int(row.seats_billed),
        "unit_cost": float(row.unit_cost),
        "unit_price": float(row.unit_price),
        "term": row.term,
        "renewal_date": None if pd.isna(row.renewal_date) else row.renewal_date.date().isoformat(),
    }


def _event(row: Any, figure: str) -> dict[str, Any]:
    return {
        "client_id": row.client_id,
        "subscription_id": row.subscription_id,
        figure: float(getattr(row, figure)),
    }


def _unused(row: Any, base: dict[str, Any], ids: list[str], days: int) -> FindingDraft:
    cost = float(row.unused_monthly_cost)
    share = row.seats_unused / max(1, row.seats_assigned)
    score = min(1.0, 0.3 + share + cost / 2000)
    downgrade = "remove or reassign them" if row.term == "monthly" else "reduce the seat count at renewal"
    return FindingDraft(
        kind="licence_unused_seats", subject_type=_SUBJECT, subject_id=row.subscription_id,
        severity=severity_for(score), score=round(score, 4),
        summary=(f"{row.client_id} {row.sku}: {row.seats_unused} of {row.seats_assigned} assigned seats idle "
                 f"for {days}+ days, {cost:.2f} a month"),
        evidence=base | {"seats_unused": int(row.seats_unused), "unused_after_days": days,
                         "unused_assignment_ids": ids, "monthly_cost_of_unused": cost},
        recommended_action=f"Confirm the {row.seats_unused} idle users with the client and {downgrade}.",
    )  # fmt: skip


def _over_deployed(row: Any, base: dict[str, Any]) -> FindingDraft:
    excess = int(row.over_deployed)
    score = min(1.0, 0.6 + excess / max(1, row.seats_purchased))
    return FindingDraft(
        kind="licence_over_deployed", subject_type=_SUBJECT, subject_id=row.subscription_id,
        severity=severity_for(score), score=round(score, 4),
        summary=(f"{row.client_id} {row.sku}: {row.seats_assigned} seats assigned but only "
                 f"{row.seats_purchased} purchased ({excess} over, a compliance violation)"),
        evidence=base | {"excess_seats": excess,
                         "true_up_monthly_cost": round(excess * float(row.unit_cost), 2)},
        recommended_action=f"Buy {excess} more seats (true-up) or remove {excess} assignments now.",
    )  # fmt: skip


def _under_billed(row: Any, base: dict[str, Any]) -> FindingDraft:
    short = int(row.under_billed)
    missed = float(row.under_billed_monthly)
    score = min(1.0, 0.4 + missed / 500)
    return FindingDraft(
        kind="licence_under_billed", subject_type=_SUBJECT, subject_id=row.subscription_id,
        severity=severity_for(score), score=round(score, 4),
        summary=(f"{row.client_id} {row.sku}: billed for {row.seats_billed} seats but {row.seats_assigned} "
                 f"are assigned, {missed:.2f} a month not invoiced"),
        evidence=base | {"unbilled_seats": short, "monthly_revenue_missed": missed},
        recommended_action=f"True up the client's billing by {short} seats from the next invoice.",
    )  # fmt: skip
