"""The evidence behind a client's, a vendor's or a department's narrative, and its offline narrative.

Evidence is plain numbers computed with the agents' own functions (`monthly_profitability`,
`spend_vs_budget`, `budget_forecast`) over the trailing 12 months, plus the subject's open findings,
so an LLM narrative of it can be checked number by number like a finding's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from hexad.agents.base import FrameSource
from hexad.agents.cpi import monthly_profitability
from hexad.agents.dsa import budget_forecast, spend_vs_budget
from hexad.agents.findings import Finding
from hexad.errors import NotFoundError
from hexad.intelligence.narratives.model import Narrative
from hexad.intelligence.narratives.offline import money, pct

__all__ = ["SUBJECT_TYPES", "client_evidence", "department_evidence", "entity_narrative", "vendor_evidence"]

SUBJECT_TYPES = ("client", "vendor", "department")
_PROFIT_ENTITIES = (
    "technicians", "time_entries", "invoices", "agreement_additions", "agreements", "licence_subscriptions",
)  # fmt: skip


def _window(reference: date, months: int = 12) -> tuple[str, str]:
    last = pd.Period(reference, freq="M")
    return str(last - (months - 1)), str(last)


def _findings(found: Sequence[Finding]) -> list[dict[str, Any]]:
    return [{"id": f.id, "kind": f.kind, "severity": f.severity, "summary": f.summary} for f in found[:10]]


def client_evidence(
    frames: FrameSource, client_id: str, reference: date, found: Sequence[Finding]
) -> dict[str, Any]:
    """A client's trailing-12-month revenue, cost and margin, its first and last month, open findings."""
    clients = frames("clients")
    row = clients[clients["client_id"] == client_id]
    if row.empty:
        raise NotFoundError(f"no client with id {client_id!r}")
    monthly = monthly_profitability({name: frames(name) for name in _PROFIT_ENTITIES})
    first, last = _window(reference)
    months = monthly[
        (monthly["client_id"] == client_id) & (monthly["month"] >= first) & (monthly["month"] <= last)
    ]
    revenue = round(float(months["revenue"].sum()), 2)
    cost = round(float((months["labour_cost"] + months["addition_cost"] + months["licence_cost"]).sum()), 2)
    evidence: dict[str, Any] = {
        "client_id": client_id, "name": str(row.iloc[0]["name"]), "tier": row.iloc[0]["tier"],
        "status": row.iloc[0]["status"], "from": first, "to": last, "revenue": revenue, "cost": cost,
        "gross_margin": round(revenue - cost, 2),
        "margin": round((revenue - cost) / revenue, 4) if revenue else None,
        "labour_hours": round(float(months["labour_hours"].sum()), 2), "open_findings": _findings(found),
    }  # fmt: skip
    if len(months):
        head, tail = months.iloc[0], months.iloc[-1]
        evidence |= {"first_month": str(head["month"]), "first_month_margin": _num(head["margin"]),
                     "last_month": str(tail["month"]), "last_month_margin": _num(tail["margin"])}  # fmt: skip
    return evidence


def vendor_evidence(
    frames: FrameSource, vendor_id: str, reference: date, found: Sequence[Finding]
) -> dict[str, Any]:
    """A vendor's spend over the trailing 12 months, its largest bill, its contracts and findings."""
    vendors = frames("vendors")
    row = vendors[vendors["vendor_id"] == vendor_id]
    if row.empty:
        raise NotFoundError(f"no vendor with id {vendor_id!r}")
    first, last = _window(reference)
    expenses = frames("expenses")
    month = expenses["expense_date"].dt.strftime("%Y-%m")
    bills = expenses[(expenses["vendor_id"] == vendor_id) & (month >= first) & (month <= last)]
    contracts = frames("vendor_contracts")
    mine = contracts[contracts["vendor_id"] == vendor_id]
    largest = bills.loc[bills["amount"].idxmax()] if len(bills) else None
    return {
        "vendor_id": vendor_id, "name": str(row.iloc[0]["name"]), "category": row.iloc[0]["category"],
        "from": first, "to": last, "spend": round(float(bills["amount"].sum()), 2), "bills": len(bills),
        "departments": sorted(str(d) for d in bills["department"].unique()),
        "largest_bill": None if largest is None else {"expense_id": str(largest["expense_id"]),
                                                      "amount": round(float(largest["amount"]), 2)},
        "contracts": [{"contract_id": str(c.contract_id), "value": _num(c.value),
                       "end_date": _day(c.end_date), "auto_renew": _flag(c.auto_renew)}
                      for c in mine.itertuples()],
        "open_findings": _findings(found),
    }  # fmt: skip


def department_evidence(
    frames: FrameSource, department: str, reference: date, found: Sequence[Finding]
) -> dict[str, Any]:
    """A department's year to date against budget, its categories over budget, the quarter's forecast."""
    expenses, budgets = frames("expenses"), frames("budgets")
    if department not in set(expenses["department"]) | set(budgets["department"]):
        raise NotFoundError(f"no department named {department!r}")
    table = spend_vs_budget(expenses, budgets)
    year = str(reference.year)
    mine = table[(table["department"] == department) & table["period"].str.startswith(year)
                 & (table["period"] <= reference.strftime("%Y-%m"))]  # fmt: skip
    by_category = mine.groupby("category")[["budget", "spend"]].sum().round(2)
    over = by_category[by_category["spend"] > by_category["budget"]]
    monthly = table[table["department"] == department].groupby("period")["spend"].sum().sort_index()
    point, low, high = budget_forecast(monthly)
    budget, spend = round(float(mine["budget"].sum()), 2), round(float(mine["spend"].sum()), 2)
    return {
        "department": department, "year": int(year), "budget_to_date": budget, "spend_to_date": spend,
        "variance_to_date": round(spend - budget, 2),
        "ratio_to_date": round(spend / budget, 4) if budget else None,
        "categories_over_budget": [{"category": str(c), "budget": float(r.budget), "spend": float(r.spend)}
                                   for c, r in over.iterrows()],
        "forecast_next_3_months": round(point, 2),
        "forecast_low": round(low, 2), "forecast_high": round(high, 2),
        "open_findings": _findings(found),
    }  # fmt: skip


def entity_narrative(subject_type: str, subject_id: str, e: dict[str, Any]) -> Narrative:
    """The offline narrative of a client, vendor or department from its evidence."""
    writer = {"client": _client, "vendor": _vendor, "department": _department}[subject_type]
    headline, what, why, action = writer(e)
    numbers = {k: v for k, v in e.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    return Narrative(subject_type, subject_id, headline, what, why, action, numbers)


def _issues(e: dict[str, Any]) -> str:
    found = e["open_findings"]
    if not found:
        return "No open findings."
    label = "open finding" if len(found) == 1 else "open findings"
    return f"{len(found)} {label}: " + "; ".join(f["summary"] for f in found[:3]) + "."


def _action(e: dict[str, Any], default: str) -> str:
    return "Start with the open findings, most severe first." if e["open_findings"] else default


def _client(e: dict[str, Any]) -> tuple[str, str, str, str]:
    margin = "n/a" if e["margin"] is None else pct(e["margin"])
    headline = f"{e['name']} ({e['client_id']}): margin {margin} over {e['from']} to {e['to']}"
    what = (f"Revenue {money(e['revenue'])}, cost {money(e['cost'])}, "
            f"gross margin {money(e['gross_margin'])} for {e['labour_hours']} labour hours.")  # fmt: skip
    if e.get("first_month_margin") is not None and e.get("last_month_margin") is not None:
        what += f" Monthly margin went from {pct(e['first_month_margin'])} in {e['first_month']} to " \
                f"{pct(e['last_month_margin'])} in {e['last_month']}."  # fmt: skip
    return (
        headline,
        what,
        _issues(e),
        _action(e, "Nothing needs doing now; review again after the next import."),
    )


def _vendor(e: dict[str, Any]) -> tuple[str, str, str, str]:
    headline = f"{e['name']} ({e['vendor_id']}): {money(e['spend'])} spent from {e['from']} to {e['to']}"
    what = f"{e['bills']} bills from {', '.join(e['departments']) or 'no department'}."
    if e["largest_bill"]:
        what += f" The largest was {e['largest_bill']['expense_id']} at {money(e['largest_bill']['amount'])}."
    for contract in e["contracts"][:3]:
        renew = " (auto-renews)" if contract["auto_renew"] else ""
        value = "" if contract["value"] is None else f" worth {money(contract['value'])}"
        ends = contract["end_date"] or "on an unknown date"
        what += f" Contract {contract['contract_id']}{value} ends {ends}{renew}."
    return headline, what, _issues(e), _action(e, "Review the spend before the next contract decision.")


def _department(e: dict[str, Any]) -> tuple[str, str, str, str]:
    ratio = "n/a" if e["ratio_to_date"] is None else pct(e["ratio_to_date"])
    spent, budget = money(e["spend_to_date"]), money(e["budget_to_date"])
    headline = f"{e['department']}: {spent} spent of {budget} budgeted in {e['year']} ({ratio})"
    what = (f"The coming quarter is forecast at {money(e['forecast_next_3_months'])} (likely between "
            f"{money(e['forecast_low'])} and {money(e['forecast_high'])}).")  # fmt: skip
    over = e["categories_over_budget"]
    if over:
        what += (
            " Over budget: "
            + ", ".join(f"{c['category']} ({money(c['spend'])} of {money(c['budget'])})" for c in over)
            + "."
        )
    over_budget = (e["ratio_to_date"] or 0) > 1
    default = "Review the categories over budget and re-forecast." if over_budget else "No action needed."
    return headline, what, _issues(e), _action(e, default)


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)


def _flag(value: Any) -> bool | None:
    return None if value is None or pd.isna(value) else bool(value)


def _day(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()
