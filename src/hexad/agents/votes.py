"""Votes for the multi-agent consensus workflow: may the MSP commit `amount` with a vendor (for a client)?

The question is a JSON object: `vendor_id` and `amount` (required), `client_id`, `department` and
`category` (optional). Each agent votes `approve`, `reject` or `abstain` from its own evidence and says
why with the numbers:

- CPI: the client's last 12 months of revenue and cost (`cpi.monthly_profitability`); approve when the
  margin after adding `amount` as cost stays at or above `MIN_MARGIN`. Abstains without a client.
- DSA: the department and category's budget for the reference year minus the spend so far; approve
  when `amount` fits in what is left. Abstains without a department and category.
- VCM: the vendor in the vendor list and its contracts in the register; reject an unknown vendor or one
  whose contract was terminated, approve one with an active contract, abstain otherwise.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hexad.agents.base import FrameSource
from hexad.agents.cpi import monthly_profitability
from hexad.errors import ValidationError

__all__ = ["MIN_MARGIN", "cpi_vote", "dsa_vote", "question_of", "vcm_vote"]

MIN_MARGIN = 0.15
_CPI_ENTITIES = (
    "technicians", "time_entries", "invoices", "agreement_additions", "agreements", "licence_subscriptions",
)  # fmt: skip


def question_of(payload: Any) -> dict[str, Any]:
    """The question's fields, checked; `ValidationError` names what is missing."""
    question = payload.get("question", payload) if isinstance(payload, dict) else None
    if isinstance(question, dict) and "vendor_id" not in question and isinstance(payload, dict):
        question = payload
    if not isinstance(question, dict) or not isinstance(question.get("vendor_id"), str):
        raise ValidationError(f"question: expected an object with vendor_id and amount, got {payload!r}")
    amount = question.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
        raise ValidationError(f"question.amount: expected a non-negative number, got {amount!r}")
    return question


def _vote(vote: str, reason: str, **evidence: Any) -> dict[str, Any]:
    return {"vote": vote, "reason": reason, "evidence": evidence}


def cpi_vote(frames: FrameSource, question: dict[str, Any], reference: pd.Timestamp) -> dict[str, Any]:
    """Approve when the client's 12-month margin stays at or above MIN_MARGIN after the cost."""
    client = question.get("client_id")
    if not client:
        return _vote("abstain", "no client named: CPI judges only a client's profitability")
    monthly = monthly_profitability({name: frames(name) for name in _CPI_ENTITIES})
    months = [str(p) for p in pd.period_range(reference.to_period("M") - 11, reference.to_period("M"))]
    mine = monthly[(monthly["client_id"] == client) & monthly["month"].isin(months)]
    revenue = round(float(mine["revenue"].sum()), 2)
    if revenue <= 0:
        return _vote("reject", f"{client} has no revenue in the last 12 months", client_id=client)
    profit = round(float(mine["gross_margin"].sum()), 2)
    amount = float(question["amount"])
    before, after = profit / revenue, (profit - amount) / revenue
    evidence = {"client_id": client, "revenue_12m": revenue, "gross_margin_12m": profit,
                "margin": round(before, 4), "margin_after": round(after, 4), "months": len(mine)}  # fmt: skip
    verdict = "approve" if after >= MIN_MARGIN else "reject"
    reason = (
        f"{client}: 12-month margin {before:.1%} becomes {after:.1%} after {amount:,.2f} "
        f"({'at or above' if verdict == 'approve' else 'below'} {MIN_MARGIN:.0%})"
    )
    return _vote(verdict, reason, **evidence)


def dsa_vote(frames: FrameSource, question: dict[str, Any], reference: pd.Timestamp) -> dict[str, Any]:
    """Approve when the amount fits in the department and category's budget left this year."""
    department, category = question.get("department"), question.get("category")
    if not department or not category:
        return _vote("abstain", "no department and category named: DSA judges only against a budget")
    year = str(reference.year)
    budgets = frames("budgets")
    mine = budgets[
        (budgets["department"] == department)
        & (budgets["category"] == category)
        & budgets["period"].str.startswith(year)
    ]
    if mine.empty:
        return _vote("reject", f"{department} {category} has no budget for {year}")
    expenses = frames("expenses")
    spent = expenses[
        (expenses["department"] == department)
        & (expenses["category"] == category)
        & (expenses["expense_date"].dt.year == reference.year)
        & (expenses["expense_date"] <= reference)
    ]
    budget, used = round(float(mine["amount"].sum()), 2), round(float(spent["amount"].sum()), 2)
    left = round(budget - used, 2)
    amount = float(question["amount"])
    verdict = "approve" if amount <= left else "reject"
    reason = f"{department} {category} {year}: {left:,.2f} of {budget:,.2f} left, {amount:,.2f} asked"
    return _vote(verdict, reason, budget=budget, spent=used, left=left, year=year)


def vcm_vote(frames: FrameSource, question: dict[str, Any]) -> dict[str, Any]:
    """Reject unknown or terminated vendors, approve one under an active contract, else abstain."""
    vendor = question["vendor_id"]
    vendors = frames("vendors")
    if vendor not in set(vendors["vendor_id"]):
        return _vote("reject", f"{vendor} is not in the vendor list")
    register = frames("vendor_contracts")
    mine = register[register["vendor_id"] == vendor]
    statuses = mine.groupby("status")["contract_id"].apply(lambda ids: sorted(map(str, ids))).to_dict()
    if statuses.get("terminated"):
        ended = ", ".join(statuses["terminated"])
        return _vote("reject", f"{vendor}: we terminated {ended}", contracts=statuses)
    if statuses.get("active"):
        active = ", ".join(statuses["active"])
        return _vote("approve", f"{vendor} is under active contract {active}", contracts=statuses)
    return _vote("abstain", f"{vendor} has no active contract on record", contracts=statuses)
