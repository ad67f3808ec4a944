from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hexad.agents.base import AgentContext, AgentRun, FrameSource
from hexad.agents.dsa import DepartmentalSpendAgent, budget_forecast, recurring_mask, spend_vs_budget
from hexad.config import load_settings

_KINDS = ("spend_anomaly", "duplicate_payment", "unusual_vendor", "budget_at_risk")


@pytest.fixture(scope="module")
def run(frames: FrameSource, tmp_path_factory: pytest.TempPathFactory) -> AgentRun:
    lake = tmp_path_factory.mktemp("lake")
    return DepartmentalSpendAgent().run(
        AgentContext(frames, date(2026, 9, 30), lake, load_settings(home=lake))
    )


@pytest.mark.parametrize("kind", _KINDS)
def test_finds_what_is_planted(run: AgentRun, truth: dict[str, Any], kind: str) -> None:
    found = {f.subject_id for f in run.findings if f.kind == kind}
    planted = {s["subject_id"] for s in truth["signals"] if s["kind"] == kind}
    assert len(found & planted) >= 0.85 * len(planted)
    assert len(found & planted) >= 0.85 * len(found)


def test_duplicate_names_its_original(run: AgentRun, truth: dict[str, Any]) -> None:
    planted = {s["subject_id"]: s["details"] for s in truth["signals"] if s["kind"] == "duplicate_payment"}
    for finding in (f for f in run.findings if f.kind == "duplicate_payment" and f.subject_id in planted):
        assert finding.evidence["original_expense_id"] == planted[finding.subject_id]["original_expense_id"]


def test_anomaly_events_are_emitted(run: AgentRun) -> None:
    anomalies = {f.subject_id for f in run.findings if f.kind == "spend_anomaly"}
    events = {e.detail["subject_id"] for e in run.events if e.detail_type == "spend.anomaly.detected"}
    assert events == anomalies


def _bill(day: str, amount: float, vendor: str = "VN-1", number: str | None = None) -> dict[str, Any]:
    return {"expense_id": f"EX-{day}-{amount}", "department": "IT", "vendor_id": vendor,
            "vendor_name": vendor,
            "category": "cloud", "amount": amount, "currency": "USD", "expense_date": pd.Timestamp(day),
            "invoice_number": number, "description": None, "initiative": None}  # fmt: skip


def test_recurring_bills_are_set_apart() -> None:
    bills = pd.DataFrame(
        [_bill("2026-01-03", 500.0), _bill("2026-02-03", 500.0), _bill("2026-02-10", 500.0, "VN-2")]
    )
    assert recurring_mask(bills).to_list() == [True, True, False]


def test_spend_vs_budget_variance() -> None:
    bills = pd.DataFrame([_bill("2026-01-03", 500.0), _bill("2026-01-09", 250.0)])
    budgets = pd.DataFrame([{"department": "IT", "category": "cloud", "period": "2026-01", "amount": 600.0}])
    row = spend_vs_budget(bills, budgets).iloc[0]
    assert (row.spend, row.budget, row.variance) == (750.0, 600.0, 150.0)


def test_forecast_interval_contains_the_point() -> None:
    point, low, high = budget_forecast(pd.Series([100.0, 110.0, 90.0, 105.0, 95.0, 900.0]))
    assert low <= point <= high
    assert point == pytest.approx(3 * 102.5)


def test_vendor_run_only_reports_that_vendor(frames: FrameSource, run: AgentRun, tmp_path: Path) -> None:
    vendor = next(f.evidence["vendor_id"] for f in run.findings if f.kind == "spend_anomaly")
    ctx = AgentContext(frames, date(2026, 9, 30), tmp_path, load_settings(home=tmp_path))
    single = DepartmentalSpendAgent().run(ctx, subject_id=vendor)
    assert single.findings
    assert {f.evidence["vendor_id"] for f in single.findings} == {vendor}
