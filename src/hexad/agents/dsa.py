"""DSA, departmental spend analytics: spend vs budget, anomalies, duplicates, unknown vendors, forecast.

- Spend vs budget per department, category and month, with variance.
- `spend_anomaly`: a bill far above its department x category's usual bills. Recurring bills (the same
  vendor and amount in two or more months: subscriptions, annual renewals) are set apart first, since
  a yearly renewal is planned spend, not an anomaly. The rest are scored on the log scale against the
  median and MAD of the series' other bills (a robust z-score). The monthly total of each series is
  also scored by `hexad.intelligence.anomaly.detect` (seasonal, streaming) and shown as evidence.
- `duplicate_payment`: a later bill with the same vendor, amount and invoice number as an earlier
  one, or the same vendor and amount within `duplicate_window_days` when invoice numbers are missing.
- `unusual_vendor`: a payment of at least `unusual_min_amount` to a vendor outside the vendor master.
- `budget_at_risk` (subject `department|category|year`): year-to-date spend above `at_risk_ratio` x
  the budget of those months, or the year (to date + the next 3 months' forecast) above that ratio x
  the year's budget even at the low end of the forecast's 80% prediction interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hexad.agents.base import AgentContext, AgentEvent, AgentRun, FindingDraft, severity_for
from hexad.intelligence.anomaly import detect

__all__ = ["DepartmentalSpendAgent", "budget_forecast", "recurring_mask", "spend_vs_budget"]

_Z80 = 1.2816


def recurring_mask(expenses: pd.DataFrame) -> pd.Series:
    """Bills whose vendor and amount recur in two or more distinct months."""
    vendor = expenses["vendor_id"].fillna(expenses["vendor_name"])
    month = expenses["expense_date"].dt.to_period("M")
    key = vendor.astype(str) + "|" + expenses["amount"].round(2).astype(str)
    months: pd.Series = month.groupby(key).transform("nunique")
    return months >= 2


def spend_vs_budget(expenses: pd.DataFrame, budgets: pd.DataFrame) -> pd.DataFrame:
    """Per department, category and month: budget, spend and variance (spend - budget)."""
    month = expenses["expense_date"].dt.strftime("%Y-%m")
    spend = expenses.groupby([expenses["department"], expenses["category"], month])["amount"].sum()
    spend.index.names = ["department", "category", "period"]
    table = budgets.set_index(["department", "category", "period"])[["amount"]].rename(
        columns={"amount": "budget"}
    )
    table = table.join(spend.rename("spend"), how="outer").fillna(0.0).reset_index()
    table["variance"] = (table["spend"] - table["budget"]).round(2)
    return table


def budget_forecast(monthly: pd.Series, horizon: int = 3, history: int = 9) -> tuple[float, float, float]:
    """Spend over the next `horizon` months: point forecast and an 80% prediction interval.

    The level is the median of the last `history` months (spend runs at a level within a budget year,
    and the median ignores a one-off month such as a yearly renewal); the interval widens with the
    month-to-month spread (MAD, as a standard deviation) and with the horizon.
    """
    recent = monthly.tail(history).astype(float)
    level = float(recent.median()) if len(recent) else 0.0
    spread = 1.4826 * float((recent - level).abs().median()) if len(recent) > 1 else 0.0
    point = horizon * level
    half = _Z80 * spread * float(np.sqrt(horizon)) * float(np.sqrt(1 + 1 / max(1, len(recent))))
    return point, max(0.0, point - half), point + half


@dataclass
class DepartmentalSpendAgent:
    """Spend anomalies, duplicate payments, unknown vendors and budgets at risk."""

    name: str = "dsa"
    title: str = "Departmental spend analytics"
    reads: tuple[str, ...] = ("expenses", "budgets", "vendors")
    triggers: tuple[str, ...] = ("contract.renewal.due",)
    anomaly_ratio: float = 4.0
    anomaly_z: float = 4.0
    duplicate_window_days: int = 14
    unusual_min_amount: float = 1000.0
    at_risk_ratio: float = 1.10

    def run(self, ctx: AgentContext, *, subject_id: str | None = None) -> AgentRun:
        """Full analysis, or one vendor's bills when `subject_id` is a vendor id (renewal due)."""
        ctx.report("reading spend", 0.1)
        expenses = ctx.frames("expenses").sort_values(["expense_date", "expense_id"]).reset_index(drop=True)
        budgets = ctx.frames("budgets")
        vendors = ctx.frames("vendors")
        reference = pd.Timestamp(ctx.reference_date)
        ctx.report("anomalies", 0.3)
        findings = self._anomalies(expenses)
        ctx.report("duplicates and vendors", 0.6)
        findings += self._duplicates(expenses)
        findings += self._unusual(expenses, set(vendors["vendor_id"]))
        if subject_id is not None:
            findings = [f for f in findings if f.evidence.get("vendor_id") == subject_id]
        else:
            ctx.report("budgets", 0.8)
            findings += self._budgets(expenses, budgets, reference)
        events = [
            AgentEvent("spend.anomaly.detected", _event(f)) for f in findings if f.kind == "spend_anomaly"
        ]
        events += [
            AgentEvent("spend.budget.at_risk", _event(f)) for f in findings if f.kind == "budget_at_risk"
        ]
        ctx.report("done", 1.0)
        metrics = {"expenses": len(expenses), "spend_total": round(float(expenses["amount"].sum()), 2),
                   "initiatives_with_outcomes": 0, "subject": subject_id}  # fmt: skip
        return AgentRun(agent=self.name, findings=findings, events=events, metrics=metrics)

    def _anomalies(self, expenses: pd.DataFrame) -> list[FindingDraft]:
        variable = expenses[~recurring_mask(expenses) & expenses["vendor_id"].notna()]
        findings: list[FindingDraft] = []
        for (department, category), bills in variable.groupby(["department", "category"]):
            monthly = _monthly_scores(expenses, str(department), str(category))
            logs = np.log(bills["amount"].clip(lower=0.01).to_numpy())
            bill_rows: list[Any] = list(bills.itertuples(index=False))
            for position, row in enumerate(bill_rows):
                others = np.delete(logs, position)
                if len(others) < 5:
                    continue
                center = float(np.median(others))
                spread = max(1.4826 * float(np.median(np.abs(others - center))), 0.05)
                z = (logs[position] - center) / spread
                ratio = float(row.amount) / float(np.exp(center))
                if ratio >= self.anomaly_ratio and z >= self.anomaly_z:
                    findings.append(_anomaly(row, ratio, z, float(np.exp(center)), len(others), monthly))
        return findings

    def _duplicates(self, expenses: pd.DataFrame) -> list[FindingDraft]:
        vendor = expenses["vendor_id"].fillna(expenses["vendor_name"]).astype(str)
        findings: list[FindingDraft] = []
        seen: dict[tuple[str, float, str], Any] = {}
        near: dict[tuple[str, float], Any] = {}
        expense_rows: list[Any] = list(expenses.itertuples(index=False))
        for row, who in zip(expense_rows, vendor, strict=True):
            amount = round(float(row.amount), 2)
            number = row.invoice_number if isinstance(row.invoice_number, str) else ""
            original = seen.get((who, amount, number)) if number else None
            if original is None and not number:
                previous = near.get((who, amount))
                days = None if previous is None else (row.expense_date - previous.expense_date).days
                original = previous if days is not None and days <= self.duplicate_window_days else None
            if original is not None:
                findings.append(_duplicate(row, original, who))
            else:
                seen[(who, amount, number)] = row
            near[(who, amount)] = row
        return findings

    def _unusual(self, expenses: pd.DataFrame, known: set[str]) -> list[FindingDraft]:
        outside = expenses[
            ~expenses["vendor_id"].isin(known) & (expenses["amount"] >= self.unusual_min_amount)
        ]
        first_seen = expenses.groupby(expenses["vendor_id"].fillna(expenses["vendor_name"]))[
            "expense_date"
        ].min()
        drafts = []
        for row in outside.itertuples(index=False):
            who = row.vendor_id if isinstance(row.vendor_id, str) else row.vendor_name
            drafts.append(_unusual_vendor(row, first_seen.get(who)))
        return drafts

    def _budgets(
        self, expenses: pd.DataFrame, budgets: pd.DataFrame, reference: pd.Timestamp
    ) -> list[FindingDraft]:
        table = spend_vs_budget(expenses, budgets)
        year = str(reference.year)
        done = [str(p) for p in pd.period_range(f"{year}-01", reference.to_period("M"), freq="M")]
        findings = []
        for (department, category), rows in table.groupby(["department", "category"]):
            rows = rows.set_index("period")
            ytd_budget = float(rows["budget"].reindex(done).fillna(0).sum())
            ytd_spend = float(rows["spend"].reindex(done).fillna(0).sum())
            annual = float(rows.loc[rows.index.str.startswith(year), "budget"].sum())
            history = rows["spend"][rows.index <= done[-1]]
            point, low, high = budget_forecast(history.reindex(done).fillna(0.0))
            projected = ytd_spend + point
            ytd_ratio = ytd_spend / ytd_budget if ytd_budget else 0.0
            year_ratio = projected / annual if annual else 0.0
            low_ratio = (ytd_spend + low) / annual if annual else 0.0
            if ytd_ratio > self.at_risk_ratio or low_ratio > self.at_risk_ratio:
                figures = {"department": department, "category": category, "months": done,
                           "budget_to_date": round(ytd_budget, 2), "spend_to_date": round(ytd_spend, 2),
                           "ratio_to_date": round(ytd_ratio, 4), "annual_budget": round(annual, 2),
                           "forecast_next_3_months": round(point, 2), "forecast_interval_80": [round(low, 2),
                           round(high, 2)], "projected_year_spend": round(projected, 2),
                           "projected_ratio": round(year_ratio, 4),
                           "projected_ratio_low": round(low_ratio, 4)}  # fmt: skip
                findings.append(_at_risk(f"{department}|{category}|{year}", figures))
        return findings


def _monthly_scores(expenses: pd.DataFrame, department: str, category: str) -> dict[str, float]:
    mine = expenses[(expenses["department"] == department) & (expenses["category"] == category)]
    monthly = mine.groupby(mine["expense_date"].dt.to_period("M"))["amount"].sum()
    monthly = monthly.reindex(
        pd.period_range(monthly.index.min(), monthly.index.max(), freq="M"), fill_value=0
    )
    stamps = [p.to_timestamp().to_pydatetime() for p in monthly.index]
    scores = detect(monthly.to_list(), stamps)
    return {str(p): round(s, 4) for p, s in zip(monthly.index, scores, strict=True)}


def _event(finding: FindingDraft) -> dict[str, Any]:
    return {
        "subject_type": finding.subject_type,
        "subject_id": finding.subject_id,
        "score": finding.score,
    } | {
        k: finding.evidence[k]
        for k in ("department", "category", "amount", "vendor_id")
        if k in finding.evidence
    }


def _anomaly(
    row: Any, ratio: float, z: float, typical: float, count: int, monthly: dict[str, float]
) -> FindingDraft:
    score = min(1.0, 0.5 + ratio / 20)
    month = row.expense_date.strftime("%Y-%m")
    return FindingDraft(
        kind="spend_anomaly", subject_type="expense", subject_id=row.expense_id,
        severity=severity_for(score), score=round(score, 4),
        summary=(f"{row.department} {row.category}: {row.amount:,.2f} to {row.vendor_name} on "
                 f"{row.expense_date.date()} is {ratio:.1f}x the typical bill of {typical:,.2f}"),
        evidence={"expense_id": row.expense_id, "department": row.department, "category": row.category,
                  "vendor_id": row.vendor_id, "vendor_name": row.vendor_name, "amount": float(row.amount),
                  "invoice_number": row.invoice_number, "typical_bill": round(typical, 2),
                  "ratio": round(ratio, 2), "robust_z": round(float(z), 2), "bills_compared": count,
                  "month": month, "month_total_anomaly_score": monthly.get(month, 0.0)},
        recommended_action="Check the bill against its purchase order and approve or dispute it.",
    )  # fmt: skip


def _duplicate(row: Any, original: Any, vendor: str) -> FindingDraft:
    days = int((row.expense_date - original.expense_date).days)
    score = min(1.0, 0.8 + (0.2 if isinstance(row.invoice_number, str) else 0.0))
    return FindingDraft(
        kind="duplicate_payment", subject_type="expense", subject_id=row.expense_id,
        severity=severity_for(score), score=round(score, 4),
        summary=(f"{row.expense_id} pays {vendor} {row.amount:,.2f} again (invoice {row.invoice_number}), "
                 f"{days} days after {original.expense_id}"),
        evidence={"expense_id": row.expense_id, "original_expense_id": original.expense_id,
                  "vendor_id": vendor, "amount": float(row.amount), "invoice_number": row.invoice_number,
                  "days_apart": days, "department": row.department},
        recommended_action=f"Ask {vendor} for a refund or credit note of {row.amount:,.2f}.",
    )  # fmt: skip


def _unusual_vendor(row: Any, first_seen: Any) -> FindingDraft:
    score = min(1.0, 0.5 + float(row.amount) / 50_000)
    return FindingDraft(
        kind="unusual_vendor", subject_type="expense", subject_id=row.expense_id,
        severity=severity_for(score), score=round(score, 4),
        summary=(f"{row.amount:,.2f} paid to {row.vendor_name}, a vendor not in the vendor master "
                 f"({row.department}, {row.expense_date.date()})"),
        evidence={"expense_id": row.expense_id, "vendor_id": row.vendor_id, "vendor_name": row.vendor_name,
                  "amount": float(row.amount), "department": row.department,
                  "expense_date": row.expense_date.date().isoformat(), "description": row.description,
                  "vendor_first_seen": None if first_seen is None else first_seen.date().isoformat()},
        recommended_action="Verify the vendor and approval; add it to the vendor master or recover it.",
    )  # fmt: skip


def _at_risk(subject: str, figures: dict[str, Any]) -> FindingDraft:
    ratio = max(figures["ratio_to_date"], figures["projected_ratio_low"])
    score = min(1.0, 0.4 + (ratio - 1))
    return FindingDraft(
        kind="budget_at_risk", subject_type="budget", subject_id=subject,
        severity=severity_for(score), score=round(score, 4),
        summary=(f"{figures['department']} {figures['category']}: {figures['spend_to_date']:,.2f} spent vs "
                 f"{figures['budget_to_date']:,.2f} budgeted to date ({figures['ratio_to_date']:.0%}); "
                 f"year projected at {figures['projected_ratio']:.0%} of budget"),
        evidence=figures,
        recommended_action="Review the department's commitments and re-forecast or re-allocate budget.",
    )  # fmt: skip
