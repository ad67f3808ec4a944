"""The offline writer: a deterministic narrative per finding kind, written only from its evidence.

No model and no network. Each kind has a short writer that says what happened (with the numbers),
why it matters in MSP terms, and what to do; every number it prints is taken from the evidence, so
the same grounding check that guards LLM output passes on these (tested on every kind).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hexad.agents.findings import Finding
from hexad.intelligence.narratives.model import Narrative

__all__ = ["WRITERS", "money", "pct", "write_finding"]

Parts = tuple[str, str, str]  # what, why, action


def money(value: Any) -> str:
    """An amount with thousands separators and cents."""
    return f"{float(value):,.2f}"


def pct(value: Any) -> str:
    """A fraction as a whole percentage."""
    return f"{100 * float(value):.0f}%"


def _margin_erosion(f: Finding, e: dict[str, Any]) -> Parts:
    recent = [m for m in e.get("months", []) if m.get("month") in e.get("recent_months", [])]
    shown = ", ".join(f"{m['month']} {pct(m['margin'])}" for m in recent if m.get("margin") is not None)
    what = (
        f"Gross margin for {f.subject_id} fell from a baseline of {pct(e['baseline_margin'])} to {shown}: "
        f"an average drop of {pct(e['mean_drop'])} over the last {len(e.get('recent_months', []))} months."
    )
    costs = recent[-1] if recent else {}
    why = (
        "The client pays the same while delivering it costs more"
        + (
            f" (latest month: revenue {money(costs['revenue'])}, labour {money(costs['labour_cost'])} "
            f"for {costs['labour_hours']} hours, licences {money(costs['licence_cost'])})."
            if costs
            else "."
        )
        + " A margin below the usual managed-services target does not cover overheads for long."
    )
    return what, why, f.recommended_action


def _unprofitable_agreement(f: Finding, e: dict[str, Any]) -> Parts:
    what = (
        f"Agreement {f.subject_id} of {e['client_id']} lost {money(-float(e['profit']))} from {e['from']} to "
        f"{e['to']}: revenue {money(e['revenue'])} against labour {money(e['labour_cost'])} "
        f"({e['labour_hours']} hours) and additions {money(e['addition_cost'])}, "
        f"a margin of {pct(e['margin'])}."
    )
    why = f"The monthly fee of {money(e['monthly_fee'])} no longer pays for the work the agreement takes."
    return what, why, f.recommended_action


def _churn_risk(f: Finding, e: dict[str, Any]) -> Parts:
    factors = [str(x.get("explanation")) for x in e.get("factors", []) if x.get("explanation")]
    what = f"{f.subject_id} has a churn probability of {pct(e['probability'])} ({e.get('method', 'model')})."
    why = "; ".join(factors) + "." if factors else "Several warning signs rose together."
    if e.get("days_to_agreement_end") is not None:
        why += f" The agreement ends in {float(e['days_to_agreement_end']):.0f} days."
    return what, why, f.recommended_action


def _licence_base(e: dict[str, Any]) -> str:
    return f"{e['client_id']} {e['vendor']} {e['sku']} ({e['subscription_id']})"


def _licence_unused(f: Finding, e: dict[str, Any]) -> Parts:
    what = (
        f"{_licence_base(e)}: {e['seats_unused']} of {e['seats_assigned']} assigned seats have been idle for "
        f"{e['unused_after_days']}+ days; only {e['seats_active_30d']} were active in the last month."
    )
    why = (
        f"Each idle seat costs {money(e['unit_cost'])} a month, {money(e['monthly_cost_of_unused'])} in all."
    )
    return what, why, f.recommended_action


def _licence_over(f: Finding, e: dict[str, Any]) -> Parts:
    what = (
        f"{_licence_base(e)}: {e['seats_assigned']} seats are assigned but only {e['seats_purchased']} "
        f"purchased, {e['excess_seats']} over."
    )
    why = (
        "Using more seats than purchased breaks the vendor's licence terms (an audit finding); "
        f"the true-up costs {money(e['true_up_monthly_cost'])} a month."
    )
    return what, why, f.recommended_action


def _licence_under(f: Finding, e: dict[str, Any]) -> Parts:
    what = (
        f"{_licence_base(e)}: {e['seats_assigned']} seats are assigned but the client is billed for "
        f"{e['seats_billed']}, {e['unbilled_seats']} unbilled."
    )
    why = f"At {money(e['unit_price'])} a seat, {money(e['monthly_revenue_missed'])} a month is not invoiced."
    return what, why, f.recommended_action


def _spend_anomaly(f: Finding, e: dict[str, Any]) -> Parts:
    what = (
        f"{e['department']} paid {money(e['amount'])} to {e.get('vendor_name') or e.get('vendor_id')} "
        f"({e['category']}, {e['month']}), {e['ratio']}x the typical bill of {money(e['typical_bill'])}."
    )
    why = (
        f"Compared with {e['bills_compared']} bills of the same kind, it is {e['robust_z']} robust standard "
        "deviations above normal: a price change, a mistaken quantity or a bill for someone else."
    )
    return what, why, f.recommended_action


def _duplicate(f: Finding, e: dict[str, Any]) -> Parts:
    what = (
        f"{e['expense_id']} pays {e['vendor_id']} {money(e['amount'])} for invoice {e['invoice_number']}, "
        f"{e['days_apart']} days after {e['original_expense_id']} paid the same invoice."
    )
    why = f"The same invoice was paid twice ({e.get('department', 'unknown department')})."
    return what, why, f.recommended_action


def _unusual_vendor(f: Finding, e: dict[str, Any]) -> Parts:
    what = (
        f"{e['department']} paid {money(e['amount'])} to {e['vendor_name']} on {e['expense_date']} "
        f'for "{e.get("description") or "no description"}".'
    )
    why = f"{e['vendor_name']} is not in the vendor master; it was first paid on {e['vendor_first_seen']}."
    return what, why, f.recommended_action


def _budget_at_risk(f: Finding, e: dict[str, Any]) -> Parts:
    low, high = e["forecast_interval_80"]
    what = (
        f"{e['department']} {e['category']} spent {money(e['spend_to_date'])} against "
        f"{money(e['budget_to_date'])} budgeted to date ({pct(e['ratio_to_date'])}); the year is projected "
        f"at {money(e['projected_year_spend'])}, {pct(e['projected_ratio'])} of the "
        f"{money(e['annual_budget'])} budget."
    )
    why = (
        f"The coming quarter is forecast at {money(e['forecast_next_3_months'])} "
        f"(likely between {money(low)} and {money(high)}); "
        f"even the low end gives {pct(e['projected_ratio_low'])}."
    )
    return what, why, f.recommended_action


def _utilization(f: Finding, e: dict[str, Any]) -> Parts:
    what = (
        f"{f.subject_id} ran at {pct(e['utilization'])} billable utilization from {e['window_start']} to "
        f"{e['window_end']}: {e['billable_hours']} billable of {e['available_hours']} available hours "
        f"({e['leave_days']} leave days)."
    )
    if f.kind == "technician_over_utilized":
        why = f"Above {pct(e['threshold'])} for a quarter means overtime, slipping SLAs and burnout risk."
    else:
        why = f"Below {pct(e['threshold'])} the technician's cost is not covered by billable work."
    return what, why, f.recommended_action


def _high_value_lead(f: Finding, e: dict[str, Any]) -> Parts:
    drivers = ", ".join(str(d["feature"]) for d in e.get("drivers", [])[:3])
    what = (
        f"Deal {e['opportunity_id']} ({money(e['amount'])}, {e['stage']}) had {e['activities_last_30_days']} "
        f"activities in the last month; the win model gives it {pct(e['win_probability'])}, an expected "
        f"{money(e['expected_value'])}."
    )
    why = "A large deal with active engagement" + (
        f"; the score's main drivers: {drivers}." if drivers else "."
    )
    return what, why, f.recommended_action


def _renewal(f: Finding, e: dict[str, Any]) -> Parts:
    auto = "auto-renews" if e.get("auto_renew") else "ends"
    notice = e.get("notice_period_days")
    what = (
        f"{e['contract_id']} ({money(e['value'])} {e.get('currency') or ''}) {auto} on {e['end_date']}; "
        + (
            f"notice of {notice} days is due by {e['notice_deadline']}, "
            f"{e['days_until_deadline']} days from now."
            if notice is not None
            else "the notice period is unknown."
        )
    )
    why = "Missing the notice deadline commits the MSP to another term at the current price."
    return what, why, f.recommended_action


WRITERS: dict[str, Callable[[Finding, dict[str, Any]], Parts]] = {
    "margin_erosion": _margin_erosion,
    "unprofitable_agreement": _unprofitable_agreement,
    "churn_risk": _churn_risk,
    "licence_unused_seats": _licence_unused,
    "licence_over_deployed": _licence_over,
    "licence_under_billed": _licence_under,
    "spend_anomaly": _spend_anomaly,
    "duplicate_payment": _duplicate,
    "unusual_vendor": _unusual_vendor,
    "budget_at_risk": _budget_at_risk,
    "technician_over_utilized": _utilization,
    "technician_under_utilized": _utilization,
    "high_value_lead": _high_value_lead,
    "contract_renewal_due": _renewal,
}


def _numbers(evidence: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in evidence.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def write_finding(finding: Finding) -> Narrative:
    """The offline narrative of a finding (a kind without a writer gets its summary and evidence)."""
    writer = WRITERS.get(finding.kind)
    parts: Parts
    try:
        parts = writer(finding, finding.evidence) if writer else _generic(finding)
    except (KeyError, TypeError, ValueError, IndexError):
        parts = _generic(finding)  # evidence of an older shape: still say what is known
    what, why, action = parts
    return Narrative(
        finding.subject_type,
        finding.subject_id,
        finding.summary,
        what,
        why,
        action,
        _numbers(finding.evidence),
    )


def _generic(finding: Finding) -> Parts:
    figures = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in _numbers(finding.evidence).items())
    return (
        finding.summary + ".",
        f"The {finding.agent} agent's evidence: {figures or 'none recorded'}.",
        finding.recommended_action,
    )
