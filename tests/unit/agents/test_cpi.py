from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hexad.agents.base import AgentContext, AgentRun, FrameSource
from hexad.agents.cpi import ClientProfitabilityAgent, monthly_profitability
from hexad.config import load_settings

_ENTITIES = (
    "technicians", "time_entries", "invoices", "agreement_additions", "agreements", "licence_subscriptions",
)  # fmt: skip


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lake")


@pytest.fixture(scope="module")
def run(frames: FrameSource, lake: Path) -> AgentRun:
    ctx = AgentContext(frames, date(2026, 9, 30), lake, load_settings(home=lake))
    return ClientProfitabilityAgent().run(ctx)


def _pandas_monthly(frames: FrameSource) -> pd.DataFrame:
    """An independent computation of revenue and costs per client and month."""
    tech = frames("technicians")
    median = tech.groupby("role")["hourly_cost"].transform("median")
    cost = tech.set_index("technician_id")["hourly_cost"].fillna(
        pd.Series(median.to_numpy(), tech["technician_id"])
    )
    entries = frames("time_entries")
    month = entries["work_date"].dt.strftime("%Y-%m")
    labour = (
        (entries["hours"] * entries["technician_id"].map(cost)).groupby([entries["client_id"], month]).sum()
    )
    invoices = frames("invoices")
    live = invoices[invoices["status"] != "void"]
    revenue = live.groupby([live["client_id"], live["issue_date"].dt.strftime("%Y-%m")])["total"].sum()
    table = pd.DataFrame({"revenue": revenue, "labour_cost": labour}).fillna(0.0)
    table.index.names = ["client_id", "month"]
    table = table.reset_index()
    additions = frames("agreement_additions")
    owner = frames("agreements").set_index("agreement_id")["client_id"]
    unit = additions["unit_cost"].fillna(additions["unit_price"] * 0.6)
    addition = (additions["quantity"] * unit).groupby(additions["agreement_id"].map(owner)).sum()
    subs = frames("licence_subscriptions")
    licence = (subs["seats_purchased"] * subs["unit_cost"]).groupby(subs["client_id"]).sum()
    table["other_cost"] = table["client_id"].map(addition.add(licence, fill_value=0.0)).fillna(0.0)
    return table


def _cents(values: pd.Series) -> pd.Series:
    """Round half up to the cent the way an accountant does (floats carry binary noise first)."""
    return values.map(lambda v: float(Decimal(f"{v:.6f}").quantize(Decimal("0.01"), ROUND_HALF_UP)))


def test_monthly_profitability_equals_pandas_to_the_cent(frames: FrameSource) -> None:
    agent = monthly_profitability({name: frames(name) for name in _ENTITIES})
    expected = _pandas_monthly(frames)
    merged = agent.merge(expected, on=["client_id", "month"], suffixes=("", "_pd"), validate="1:1")
    assert len(merged) == len(expected) == len(agent)
    assert (merged["revenue"] - _cents(merged["revenue_pd"])).abs().max() < 0.001
    assert (merged["labour_cost"] - _cents(merged["labour_cost_pd"])).abs().max() < 0.001
    other = merged["addition_cost"] + merged["licence_cost"]
    assert (other - merged["other_cost"]).abs().max() < 0.011
    margin = merged["revenue_pd"] - merged["labour_cost_pd"] - merged["other_cost"]
    assert (merged["gross_margin"] - margin).abs().max() < 0.02


def _matches(run: AgentRun, truth: dict[str, Any], kind: str) -> tuple[set[str], set[str]]:
    found = {f.subject_id for f in run.findings if f.kind == kind}
    planted = {s["subject_id"] for s in truth["signals"] if s["kind"] == kind}
    return found, planted


@pytest.mark.parametrize("kind", ["margin_erosion", "unprofitable_agreement", "churn_risk"])
def test_finds_what_is_planted(run: AgentRun, truth: dict[str, Any], kind: str) -> None:
    found, planted = _matches(run, truth, kind)
    assert planted, kind
    assert len(found & planted) / len(planted) >= 0.75
    assert len(found & planted) / max(1, len(found)) >= 0.8


def test_findings_carry_their_evidence(run: AgentRun) -> None:
    erosion = next(f for f in run.findings if f.kind == "margin_erosion")
    months = erosion.evidence["months"]
    assert {m["month"] for m in months} >= set(erosion.evidence["recent_months"])
    churn = next(f for f in run.findings if f.kind == "churn_risk")
    assert churn.evidence["factors"][0]["contribution"] >= churn.evidence["factors"][-1]["contribution"]
    assert 0 <= churn.score <= 1


def test_subject_run_only_reports_that_client(frames: FrameSource, run: AgentRun, lake: Path) -> None:
    client = next(f.subject_id for f in run.findings if f.kind == "churn_risk")
    ctx = AgentContext(frames, date(2026, 9, 30), lake, load_settings(home=lake))
    single = ClientProfitabilityAgent().run(ctx, subject_id=client)
    assert single.findings
    subjects = {
        f.subject_id if f.subject_type == "client" else f.evidence["client_id"] for f in single.findings
    }
    assert subjects == {client}
