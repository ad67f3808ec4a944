"""DSA's spend analysis of one vendor, for the renewal workflow's decision.

Compares what was paid to the vendor in the last 12 months with the 12 before (both ending at the
data's reference date), lists the months, and recommends: `terminate` when nothing was billed in the
last 12 months (the contract looks unused) or spend fell by at least half (usage moved elsewhere),
`renew` otherwise. DSA's own open findings about the vendor (duplicate payments, anomalies, unknown
vendor payments) come along as evidence, since a person deciding a renewal should see them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hexad.agents.base import FrameSource
from hexad.agents.findings import Finding

__all__ = ["DROP_RATIO", "vendor_spend_analysis"]

DROP_RATIO = 0.5


def vendor_spend_analysis(
    frames: FrameSource, vendor_id: str, reference: pd.Timestamp, findings: list[Finding]
) -> dict[str, Any]:
    """The vendor's spend, its change year on year, the months, and a recommendation with the reason."""
    expenses = frames("expenses")
    mine = expenses[expenses["vendor_id"] == vendor_id]
    last_start = reference - pd.DateOffset(months=12)
    prior_start = reference - pd.DateOffset(months=24)
    last = mine[(mine["expense_date"] > last_start) & (mine["expense_date"] <= reference)]
    prior = mine[(mine["expense_date"] > prior_start) & (mine["expense_date"] <= last_start)]
    spend, before = round(float(last["amount"].sum()), 2), round(float(prior["amount"].sum()), 2)
    change = None if before == 0 else round(spend / before - 1, 4)
    monthly = last.groupby(last["expense_date"].dt.strftime("%Y-%m"))["amount"].sum().round(2)
    related = [f for f in findings if f.evidence.get("vendor_id") == vendor_id]
    action, reason = _recommend(vendor_id, spend, before, change)
    return {
        "vendor_id": vendor_id,
        "window": {"from": last_start.date().isoformat(), "to": reference.date().isoformat()},
        "spend_last_12_months": spend,
        "spend_prior_12_months": before,
        "change": change,
        "bills_last_12_months": len(last),
        "monthly": {str(k): float(v) for k, v in monthly.items()},
        "open_findings": [{"id": f.id, "kind": f.kind, "summary": f.summary} for f in related],
        "recommendation": action,
        "reason": reason,
    }


def _recommend(vendor_id: str, spend: float, before: float, change: float | None) -> tuple[str, str]:
    if spend == 0:
        return "terminate", f"no bills from {vendor_id} in the last 12 months: the contract looks unused"
    if change is not None and change <= -DROP_RATIO:
        return (
            "terminate",
            f"spend with {vendor_id} fell {-change:.0%} year on year ({before:,.2f} to {spend:,.2f})",
        )
    trend = "new spend" if change is None else f"{change:+.0%} year on year"
    return "renew", f"{spend:,.2f} billed by {vendor_id} in the last 12 months ({trend}): still in use"
