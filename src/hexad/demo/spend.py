"""Department budgets and expenses, with anomalies, duplicate payments, unknown vendors and overruns.

Each (department, category) has a monthly level; expenses are one fixed recurring bill a month
(same vendor and amount, new invoice number) plus 2-7 variable bills (more in an overrun year).
Budgets run 2023-10..2026-12. This is the MSP's own spend: amounts scale with --clients, counts do not.
Planted (subjects are expenses unless stated; spend anomalies touch ~3% of department-months):
- spend_anomaly: a single bill 5-10x the median of that department/category's variable bills.
- duplicate_payment: a bill paid again 1-12 days later: same vendor, amount and invoice_number.
- unusual_vendor: 4,000-25,000 paid to a name not in the vendor master (no vendor_id), vague text.
- budget_at_risk (subject `budget`, id `department|category|2026`): spend 2026-01..2026-09 above
  1.10 x the budget for those months (~12% of pairs get 1.6-2x variable spend; the truth is the rule).
Confounders: recurring same-amount monthly bills (not duplicates); a yearly "annual renewal" at ~6x
the monthly level in the same month each year, budgeted (not an anomaly); small first-seen vendors
(40-400, not unusual); pairs whose variable spend runs 1.05-1.10x (about at budget).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

from hexad.demo.context import MONTHS, REFERENCE_DATE, DemoContext, rows

__all__ = ["AT_RISK_RATIO", "DEPARTMENTS", "budget_signals", "build_spend"]

AT_RISK_RATIO = 1.10
DEPARTMENTS: dict[str, list[str]] = {
    "IT Operations": ["software", "cloud", "hardware"],
    "Service Desk": ["software", "training"],
    "Sales": ["travel", "software", "marketing"],
    "Marketing": ["marketing", "software"],
    "Finance": ["professional_services", "software", "insurance"],
    "People": ["training", "professional_services"],
    "Engineering": ["cloud", "software", "hardware"],
    "Facilities": ["facilities", "telecom"],
}
_BUDGET_MONTHS = [*MONTHS, "2026-10", "2026-11", "2026-12"]
_YTD = [m for m in MONTHS if m.startswith("2026")]
_ODD_VENDORS = [
    "Apex Strategic Holdings",
    "Northbridge Consulting LLC",
    "Quantum Ledger Partners",
    "Blue Harbor Ventures",
    "Silverline Global Trading",
    "Crescent Advisory Group",
]
_SMALL_VENDORS = [
    "Corner Deli Catering",
    "City Cab Co",
    "Parkside Florist",
    "QuickPrint Shop",
    "Downtown Parking",
    "Main Street Bakery",
    "Metro Courier",
]


def build_spend(ctx: DemoContext) -> None:
    """Add `budgets` and `expenses`."""
    rng = ctx.rng("spend")
    pairs = [(d, c) for d, cats in DEPARTMENTS.items() for c in cats]
    level = np.round(rng.lognormal(np.log(6000), 0.7, size=len(pairs)), -2) * max(0.3, ctx.clients / 200)
    overrun = np.ones(len(pairs))
    chosen = rng.choice(len(pairs), size=max(1, round(0.12 * len(pairs))) + 2, replace=False)
    overrun[chosen[:-2]] = rng.uniform(1.6, 2.0, size=len(chosen) - 2)
    overrun[chosen[-2:]] = rng.uniform(1.05, 1.10, size=2)
    renewal_month = np.where(rng.random(len(pairs)) < 0.2, rng.integers(1, 13, size=len(pairs)), 0)
    frames = [
        _pair_expenses(ctx, rng, pairs[i], level[i], overrun[i], renewal_month[i]) for i in range(len(pairs))
    ]
    expenses = pd.concat(frames, ignore_index=True)
    ctx.tables["budgets"] = _budgets(rng, pairs, level, renewal_month)
    ctx.tables["expenses"] = _plant_and_number(ctx, rng, expenses)


def _pair_expenses(
    ctx: DemoContext, rng: np.random.Generator, pair: tuple[str, str], level: float, overrun: float,
    renewal: int,
) -> pd.DataFrame:  # fmt: skip
    """One department/category's bills: a monthly subscription, variable bills, maybe an annual renewal."""
    vendors = ctx.tables["vendors"]
    pool = ctx.hidden["vendor_index_by_category"][pair[1]]
    recurring = vendors.iloc[int(rng.choice(pool))]
    records: list[dict[str, Any]] = []
    for month in MONTHS:
        first = pd.Timestamp(month)
        records.append(
            _row(pair, recurring, level * 0.35, first + pd.Timedelta(days=2), "Monthly subscription")
        )
        count = round(int(rng.integers(2, 8)) * (overrun if month in _YTD else 1.0))
        for amount in level * 0.6 / 4.5 * rng.lognormal(0, 0.35, size=count):
            day = first + pd.Timedelta(days=int(rng.integers(0, 28)))
            records.append(_row(pair, vendors.iloc[int(rng.choice(pool))], amount, day, None))
        if renewal and first.month == renewal:
            records.append(_row(pair, recurring, level * 6, first + pd.Timedelta(days=14), "Annual renewal"))
    return pd.DataFrame(records)


def _row(
    pair: tuple[str, str], vendor: Any, amount: float, day: pd.Timestamp, text: str | None
) -> dict[str, Any]:
    return {"department": pair[0], "vendor_id": vendor.vendor_id, "vendor_name": vendor["name"],
            "category": pair[1], "amount": round(float(amount), 2), "currency": "USD", "expense_date": day,
            "description": text, "initiative": None}  # fmt: skip


def _budgets(
    rng: np.random.Generator, pairs: list[tuple[str, str]], level: np.ndarray, renewal: np.ndarray
) -> pd.DataFrame:
    records = []
    for i, (department, category) in enumerate(pairs):
        planned = level[i] * rng.uniform(1.0, 1.12)
        for month in _BUDGET_MONTHS:
            extra = level[i] * 6 if renewal[i] and int(month[5:]) == renewal[i] else 0.0
            records.append(
                {
                    "department": department,
                    "period": month,
                    "category": category,
                    "amount": round(planned + extra, 2),
                }
            )
    return pd.DataFrame(records)


def _plant_and_number(ctx: DemoContext, rng: np.random.Generator, expenses: pd.DataFrame) -> pd.DataFrame:
    """Number the bills, then add anomalies, duplicates and unknown vendors with their signals."""
    expenses = expenses.sort_values(["expense_date", "department", "category"], kind="stable").reset_index(
        drop=True
    )
    expenses["invoice_number"] = [f"{str(v)[-3:]}-{100000 + i}" for i, v in enumerate(expenses["vendor_id"])]
    variable = expenses[expenses["description"].isna()]
    medians = variable.groupby(["department", "category"])["amount"].median()
    anomalies = _anomalies(rng, variable, medians, k=max(2, round(len(expenses) * 0.005)))
    duplicates = _duplicates(rng, variable, k=max(2, round(len(expenses) * 0.004)))
    unknown = _unknown_vendors(ctx, rng, expenses, k=max(2, round(len(expenses) * 0.003)))
    expenses.loc[anomalies.index, "amount"] = anomalies["amount"]
    combined = pd.concat([expenses, duplicates, unknown], ignore_index=True)
    combined = combined.sort_values(["expense_date", "department", "category"], kind="stable").reset_index(
        drop=True
    )
    combined.insert(0, "expense_id", [f"EX-{i + 1:05d}" for i in range(len(combined))])
    _expense_signals(ctx, combined, medians)
    return combined.drop(columns=["_plant", "_original"], errors="ignore")


def _anomalies(rng: np.random.Generator, variable: pd.DataFrame, medians: pd.Series, k: int) -> pd.DataFrame:
    chosen = variable.loc[np.sort(rng.choice(variable.index, size=k, replace=False))].copy()
    median = medians.reindex(pd.MultiIndex.from_frame(chosen[["department", "category"]])).to_numpy()
    chosen["amount"] = np.round(median * rng.uniform(5, 10, size=k), 2)
    return chosen


def _duplicates(rng: np.random.Generator, variable: pd.DataFrame, k: int) -> pd.DataFrame:
    originals = variable.loc[np.sort(rng.choice(variable.index, size=k, replace=False))]
    copies = originals.copy()
    copies["expense_date"] = copies["expense_date"] + pd.to_timedelta(rng.integers(1, 13, size=k), unit="D")
    copies = copies[copies["expense_date"] <= REFERENCE_DATE]
    copies["_plant"] = "duplicate_payment"
    copies["_original"] = copies["invoice_number"]
    return copies


def _unknown_vendors(
    ctx: DemoContext, rng: np.random.Generator, expenses: pd.DataFrame, k: int
) -> pd.DataFrame:
    """Large payments to names outside the vendor master (planted) and small first-seen ones (not)."""
    unusual = _unlisted(rng, k, _ODD_VENDORS, (4000, 25000), "Consulting services", MONTHS[6])
    unusual["category"] = "professional_services"
    unusual["_plant"] = "unusual_vendor"
    unusual["invoice_number"] = [f"X-{int(v)}" for v in rng.integers(1000, 9999, size=k)]
    small = _unlisted(rng, 2 * k, _SMALL_VENDORS, (40, 400), "Office sundries", MONTHS[3])
    small["category"] = "facilities"
    return pd.concat([unusual, small], ignore_index=True)


def _unlisted(
    rng: np.random.Generator, n: int, names: list[str], amounts: tuple[int, int], text: str, first: str
) -> pd.DataFrame:
    """`n` bills from vendors without a vendor_id, dated from `first` up to the reference date."""
    days = int((REFERENCE_DATE - pd.Timestamp(first)).days)
    return pd.DataFrame(
        {
            "department": rng.choice(list(DEPARTMENTS), size=n),
            "vendor_id": None,
            "vendor_name": rng.choice(names, size=n),
            "amount": np.round(rng.uniform(*amounts, size=n), 2),
            "currency": "USD",
            "expense_date": pd.Timestamp(first) + pd.to_timedelta(rng.integers(0, days, size=n), unit="D"),
            "description": text,
            "initiative": None,
            "invoice_number": None,
        }
    )


def _expense_signals(ctx: DemoContext, expenses: pd.DataFrame, medians: pd.Series) -> None:
    planted = expenses.get("_plant", pd.Series(index=expenses.index, dtype=object))
    for row in rows(expenses[planted == "duplicate_payment"], index=True):
        _duplicate_signal(ctx, expenses, row)
    for row in rows(expenses[planted == "unusual_vendor"]):
        ctx.signal(
            "unusual_vendor", "expense", row.expense_id, vendor_name=row.vendor_name,
            amount=round(row.amount, 2), department=row.department,
            expense_date=row.expense_date.date().isoformat(),
        )  # fmt: skip
    known = expenses[
        expenses["vendor_id"].notna() & expenses["description"].isna() & (planted != "duplicate_payment")
    ]
    _anomaly_signals(ctx, known, medians)


def _duplicate_signal(ctx: DemoContext, expenses: pd.DataFrame, row: Any) -> None:
    same = (expenses["invoice_number"] == row.invoice_number) & (expenses.index != row.Index)
    original = expenses[same].iloc[0]
    ctx.signal(
        "duplicate_payment", "expense", row.expense_id, original_expense_id=original["expense_id"],
        vendor_id=row.vendor_id, invoice_number=row.invoice_number, amount=round(row.amount, 2),
        days_apart=int((row.expense_date - original["expense_date"]).days),
    )  # fmt: skip


def _anomaly_signals(ctx: DemoContext, known: pd.DataFrame, medians: pd.Series) -> None:
    """Bills from known vendors at 5x or more of their department/category's median variable bill."""
    median = medians.reindex(pd.MultiIndex.from_frame(known[["department", "category"]])).to_numpy()
    flagged = known["amount"].to_numpy() >= 5 * median
    for row, med in zip(rows(known[flagged]), median[flagged], strict=True):
        ctx.signal(
            "spend_anomaly", "expense", row.expense_id, department=row.department, category=row.category,
            amount=round(row.amount, 2), category_median=round(float(med), 2),
            ratio=round(float(row.amount / med), 2), vendor_id=row.vendor_id,
        )  # fmt: skip


def budget_signals(ctx: DemoContext) -> None:
    """Apply the documented year-to-date rule to every department/category pair."""
    budgets, expenses = ctx.tables["budgets"], ctx.tables["expenses"]
    budget_ytd = budgets[budgets["period"].isin(_YTD)].groupby(["department", "category"])["amount"].sum()
    spent = expenses[expenses["expense_date"].dt.strftime("%Y-%m").isin(_YTD)]
    spend_ytd = spent.groupby(["department", "category"])["amount"].sum()
    annual = (
        budgets[budgets["period"].str.startswith("2026")].groupby(["department", "category"])["amount"].sum()
    )
    for key, budget in budget_ytd.items():
        department, category = cast(tuple[str, str], key)
        spend = float(spend_ytd.get((department, category), 0.0))
        if spend > AT_RISK_RATIO * budget:
            ctx.signal(
                "budget_at_risk",
                "budget",
                f"{department}|{category}|2026",
                department=department,
                category=category,
                months=_YTD,
                budget_to_date=round(float(budget), 2),
                spend_to_date=round(spend, 2),
                ratio=round(spend / float(budget), 4),
                annual_budget=round(float(annual[(department, category)]), 2),
            )
