"""The ground truth agrees with the data: each signal is recomputed here from the files alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from hexad.demo.ground_truth import SIGNAL_KINDS

Read = Callable[[str], pd.DataFrame]
REFERENCE = pd.Timestamp("2026-09-30")
SUBJECTS = {
    "client": ("clients", "client_id"),
    "agreement": ("agreements", "agreement_id"),
    "licence_subscription": ("licence_subscriptions", "subscription_id"),
    "expense": ("expenses", "expense_id"),
    "vendor_contract": ("vendor_contracts", "contract_id"),
    "lead": ("leads", "lead_id"),
    "technician": ("technicians", "technician_id"),
}


def _ids(truth: dict[str, Any], kind: str) -> set[str]:
    return {s["subject_id"] for s in truth["signals"] if s["kind"] == kind}


def _details(truth: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [{"subject_id": s["subject_id"], **s["details"]} for s in truth["signals"] if s["kind"] == kind]


def test_header_and_kinds(truth: dict[str, Any]) -> None:
    assert truth["seed"] == 11
    assert truth["reference_date"] == "2026-09-30"
    kinds = {s["kind"] for s in truth["signals"]}
    assert kinds <= set(SIGNAL_KINDS)
    assert kinds == set(SIGNAL_KINDS), "every kind is planted even in a small data set"


def test_every_signal_refers_to_an_existing_subject(truth: dict[str, Any], table: Read) -> None:
    budgets = table("budgets")
    budget_keys = {f"{d}|{c}|2026" for d, c in zip(budgets["department"], budgets["category"], strict=True)}
    for signal in truth["signals"]:
        if signal["subject_type"] == "budget":
            assert signal["subject_id"] in budget_keys
            continue
        entity, key = SUBJECTS[signal["subject_type"]]
        assert signal["subject_id"] in set(table(entity)[key]), signal


def test_licence_signals_match_the_assignments(truth: dict[str, Any], table: Read) -> None:
    subs, assignments = table("licence_subscriptions"), table("licence_assignments")
    seen = pd.to_datetime(
        assignments["last_activity_date"].replace("", None).fillna(assignments["assigned_date"])
    )
    unused = assignments[seen <= REFERENCE - pd.Timedelta(days=90)]
    assert _ids(truth, "licence_unused_seats") == set(unused["subscription_id"])
    assigned = (
        assignments.groupby("subscription_id").size().reindex(subs["subscription_id"]).fillna(0).to_numpy()
    )
    over = subs[assigned > subs["seats_purchased"].astype(int).to_numpy()]
    under = subs[assigned > subs["seats_billed"].astype(int).to_numpy()]
    assert _ids(truth, "licence_over_deployed") == set(over["subscription_id"])
    assert _ids(truth, "licence_under_billed") == set(under["subscription_id"])
    recent = (seen > REFERENCE - pd.Timedelta(days=61)) & (seen <= REFERENCE - pd.Timedelta(days=30))
    assert recent.any(), "the 30-60 day confounder is missing"


def test_duplicate_payments_are_exact_repeats_and_nothing_else(truth: dict[str, Any], table: Read) -> None:
    expenses = table("expenses").set_index("expense_id")
    billed = expenses[expenses["invoice_number"] != ""]
    repeats = billed[billed.duplicated(["vendor_id", "invoice_number", "amount"], keep="first")]
    assert _ids(truth, "duplicate_payment") == set(repeats.index)
    for signal in _details(truth, "duplicate_payment"):
        copy, original = expenses.loc[signal["subject_id"]], expenses.loc[signal["original_expense_id"]]
        assert (copy["amount"], copy["vendor_id"]) == (original["amount"], original["vendor_id"])
        days = (pd.Timestamp(copy["expense_date"]) - pd.Timestamp(original["expense_date"])).days
        assert days == signal["days_apart"] > 0


def test_unusual_vendors_are_large_payments_to_unknown_names(truth: dict[str, Any], table: Read) -> None:
    expenses = table("expenses")
    unknown = expenses[expenses["vendor_id"] == ""]
    large = unknown[unknown["amount"].astype(float) >= 1000]
    assert _ids(truth, "unusual_vendor") == set(large["expense_id"])
    assert (unknown["amount"].astype(float) < 1000).any(), "the small first-seen vendor confounder is missing"
    assert not set(unknown["vendor_name"]) & set(table("vendors")["name"])


def test_spend_anomalies_are_far_above_their_category(truth: dict[str, Any], table: Read) -> None:
    expenses = table("expenses").set_index("expense_id")
    for signal in _details(truth, "spend_anomaly"):
        row = expenses.loc[signal["subject_id"]]
        assert float(row["amount"]) == signal["amount"] >= 5 * signal["category_median"]
        peers = expenses[
            (expenses["department"] == row["department"]) & (expenses["category"] == row["category"])
        ]
        variable = peers[(peers["description"] == "") & (peers["vendor_id"] != "")]["amount"].astype(float)
        assert variable.median() == pytest.approx(signal["category_median"], rel=0.2)


def test_budgets_at_risk_follow_the_year_to_date_rule(truth: dict[str, Any], table: Read) -> None:
    budgets, expenses = table("budgets"), table("expenses")
    months = [f"2026-{m:02d}" for m in range(1, 10)]
    budget = budgets[budgets["period"].isin(months)].assign(amount=lambda f: f["amount"].astype(float))
    spent = expenses[expenses["expense_date"].str[:7].isin(months)].assign(
        amount=lambda f: f["amount"].astype(float)
    )
    ratio = (
        spent.groupby(["department", "category"])["amount"].sum()
        / budget.groupby(["department", "category"])["amount"].sum()
    )
    expected = {f"{d}|{c}|2026" for (d, c), r in ratio.items() if r > 1.10}
    assert _ids(truth, "budget_at_risk") == expected


def test_utilization_signals_follow_the_documented_rule(truth: dict[str, Any], table: Read) -> None:
    techs, entries = table("technicians").set_index("technician_id"), table("time_entries")
    start = REFERENCE - pd.Timedelta(days=90)
    recent = entries[pd.to_datetime(entries["work_date"]) >= start]
    over, under = set(), set()
    for tech_id, tech in techs.iterrows():
        if tech["end_date"] or pd.Timestamp(tech["start_date"]) > start:
            continue
        mine = recent[recent["technician_id"] == tech_id]
        available = float(tech["weekly_capacity_hours"]) / 5 * mine["work_date"].nunique()
        utilization = mine.loc[mine["billable"], "hours"].sum() / available
        over |= {tech_id} if utilization > 0.90 else set()
        under |= {tech_id} if utilization < 0.60 else set()
    assert _ids(truth, "technician_over_utilized") == over
    assert _ids(truth, "technician_under_utilized") == under


def test_contract_renewals_due_follow_the_true_terms(truth: dict[str, Any]) -> None:
    due = set()
    for contract_id, terms in truth["contracts"].items():
        if terms["notice_period_days"] is None:
            assert terms["notice_deadline"] is None
            continue
        deadline = pd.Timestamp(terms["end_date"]) - pd.Timedelta(days=terms["notice_period_days"])
        assert deadline.date().isoformat() == terms["notice_deadline"]
        if terms["status"] == "active" and REFERENCE <= deadline <= REFERENCE + pd.Timedelta(days=90):
            due.add(contract_id)
    assert _ids(truth, "contract_renewal_due") == due


def test_high_value_leads_follow_the_documented_rule(truth: dict[str, Any], table: Read) -> None:
    leads = table("leads").set_index("lead_id")
    opps, acts = table("opportunities"), table("activities")
    recent = acts[
        pd.to_datetime(acts["occurred_at"]).dt.tz_localize(None) >= REFERENCE - pd.Timedelta(days=30)
    ]
    counts = recent.groupby("opportunity_id").size()
    live = opps[~opps["stage"].str.startswith("closed") & (opps["amount"].astype(float) >= 50_000)]
    expected = {
        o.lead_id
        for o in live.itertuples()
        if counts.get(o.opportunity_id, 0) >= 3 and leads.loc[o.lead_id, "status"] in {"new", "qualified"}
    }
    assert _ids(truth, "high_value_lead") == expected


def test_churn_risk_details_match_invoices_and_agreements(truth: dict[str, Any], table: Read) -> None:
    invoices = table("invoices").set_index("invoice_id")
    agreements = table("agreements")
    for signal in _details(truth, "churn_risk"):
        for invoice_id in signal["late_invoice_ids"]:
            invoice = invoices.loc[invoice_id]
            assert invoice["client_id"] == signal["subject_id"]
            assert invoice["paid_date"] > invoice["due_date"] or invoice["status"] == "overdue"
        main = agreements[
            (agreements["client_id"] == signal["subject_id"]) & (agreements["type"] != "fixed_fee_project")
        ]
        assert main["end_date"].iloc[0] == signal["agreement_end_date"]
        assert 0 < signal["days_to_agreement_end"] <= 150
        assert signal["satisfaction_recent"] < signal["satisfaction_baseline"]


def test_unprofitable_agreements_lose_money_on_the_files_numbers(truth: dict[str, Any], table: Read) -> None:
    agreements = table("agreements").set_index("agreement_id")
    additions, entries = table("agreement_additions"), table("time_entries")
    recent = entries[entries["work_date"] >= "2025-10-01"]
    for signal in _details(truth, "unprofitable_agreement"):
        mine = additions[additions["agreement_id"] == signal["subject_id"]]
        add_revenue = 12 * (mine["quantity"].astype(float) * mine["unit_price"].astype(float)).sum()
        fee = float(agreements.loc[signal["subject_id"], "monthly_recurring_revenue"])
        assert signal["revenue"] == pytest.approx(12 * fee + add_revenue, abs=0.02)
        hours = recent.loc[recent["agreement_id"] == signal["subject_id"], "hours"].sum()
        assert signal["labour_hours"] == pytest.approx(hours, abs=0.01)
        assert signal["profit"] < 0


def test_margin_erosion_details_match_the_invoices(truth: dict[str, Any], table: Read) -> None:
    invoices = table("invoices")
    invoices = invoices[invoices["status"] != "void"]
    for signal in _details(truth, "margin_erosion"):
        mine = invoices[invoices["client_id"] == signal["subject_id"]]
        revenue = mine.groupby(mine["issue_date"].str[:7])["total"].apply(lambda t: t.astype(float).sum())
        for month, value in signal["revenue_by_month"].items():
            assert revenue.get(month, 0.0) == pytest.approx(value, abs=0.02)
        recent = [signal["margin_by_month"][m] for m in signal["recent_months"]]
        assert max(recent) <= signal["baseline_margin"] - 0.10
