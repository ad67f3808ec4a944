"""SPO: high-value leads, the win model's quality, the pipeline forecast."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hexad.agents.base import AgentContext, AgentRun, FrameSource
from hexad.agents.spo import SalesPipelineAgent, score_pipeline
from hexad.agents.spo_forecast import pipeline_forecast
from hexad.agents.spo_scoring import NUMERIC_FEATURES, train_win_model
from hexad.config import get_settings
from hexad.errors import AgentError

TODAY = date(2026, 9, 30)


def _context(frames: FrameSource, tmp_path: Path) -> AgentContext:
    return AgentContext(frames, TODAY, tmp_path / "lake", get_settings())


@pytest.fixture(scope="module")
def lake_and_run(frames: FrameSource, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, AgentRun]:
    folder = tmp_path_factory.mktemp("spo")
    return folder / "lake", SalesPipelineAgent().run(_context(frames, folder))


def test_high_value_leads_match_the_planted_ones(
    lake_and_run: tuple[Path, AgentRun], truth: dict[str, Any]
) -> None:
    _, run = lake_and_run
    planted = {s["subject_id"] for s in truth["signals"] if s["kind"] == "high_value_lead"}
    found = {f.subject_id for f in run.findings}
    assert planted and found == planted
    finding = run.findings[0]
    assert finding.evidence["amount"] >= 50_000 and finding.evidence["activities_last_30_days"] >= 3
    assert 0 <= finding.evidence["win_probability"] <= 1
    assert finding.evidence["drivers"] and {"feature", "contribution"} <= set(finding.evidence["drivers"][0])
    assert {e.detail_type for e in run.events} == {"sales.opportunity.identified"}
    assert "subject_id" not in run.events[0].detail  # the client (if any) is the subject for SLI


def test_the_win_model_ranks_held_out_deals_and_is_saved(lake_and_run: tuple[Path, AgentRun]) -> None:
    lake, run = lake_and_run
    # the demo's outcomes are noisy: a real signal on 60 clients' history, never a perfect one
    assert 0.7 <= run.metrics["held_out_roc_auc"] < 0.97
    assert 0.05 < run.metrics["held_out_brier"] < 0.25  # an uninformed 0.5 everywhere scores 0.25
    saved = json.loads((lake / "ml-models" / "spo" / "lead-win-model.json").read_text())
    assert saved["held_out_roc_auc"] == pytest.approx(run.metrics["held_out_roc_auc"], abs=1e-4)
    bins = saved["calibration"]
    assert sum(b["deals"] for b in bins) == run.metrics["closed_deals_trained_on"]
    assert [b["predicted"] for b in bins] == sorted(b["predicted"] for b in bins)
    assert (lake / "ml-models" / "spo" / "lead-win-model.joblib").stat().st_size > 0
    assert [m["month"] for m in run.metrics["forecast"]] == ["2026-10", "2026-11", "2026-12"]
    assert all(m["low"] <= m["expected"] <= m["high"] for m in run.metrics["forecast"])


def test_leads_are_ranked_by_expected_value(frames: FrameSource, tmp_path: Path) -> None:
    leads = score_pipeline(_context(frames, tmp_path)).leads
    values = [s.expected_value for s in leads]
    assert values == sorted(values, reverse=True)
    assert all(abs(s.expected_value - s.win_probability * s.amount) < 0.01 for s in leads)


def test_held_out_scores_come_from_models_that_never_saw_the_deal() -> None:
    rng = np.random.default_rng(3)
    features = pd.DataFrame({name: rng.normal(size=120) for name in NUMERIC_FEATURES})
    features["source"], features["industry"] = "referral", "legal"
    won = pd.Series((features["log_amount"] + rng.normal(scale=0.8, size=120) > 0).astype(int))
    model = train_win_model(features, won)
    assert len(model.held_out) == 120 and set(model.held_out["won"]) == {0, 1}
    assert 0.8 < model.held_out_auc < 0.97
    noise = train_win_model(features, pd.Series(rng.integers(0, 2, size=120)))
    assert noise.held_out_auc < 0.7  # nothing to learn: no better than a coin, out of fold


def test_one_class_history_is_refused_with_counts() -> None:
    features = pd.DataFrame({"log_amount": [1.0] * 10})
    with pytest.raises(AgentError, match="got 10 won and 0 lost"):
        train_win_model(features, pd.Series([1] * 10))


def test_forecast_weights_and_intervals() -> None:
    deals = pd.DataFrame(
        {
            "opportunity_id": ["A", "B", "C", "D"],
            "stage": ["proposal", "negotiation", "closed_won", "prospecting"],
            "amount": [10_000.0, 20_000.0, 99_000.0, 5_000.0],
            "expected_close_date": pd.to_datetime(["2026-09-15", "2026-11-03", "2026-10-01", "2027-03-01"]),
        }
    )
    probability = pd.Series({"A": 0.5, "B": 0.25, "D": 0.9})
    october, november, december = pipeline_forecast(deals, probability, TODAY)
    # A is overdue and still open: it counts in the first month; C is closed; D is beyond three months
    assert (october.month, october.deals, october.weighted, october.expected) == (
        "2026-10",
        1,
        5_000.0,
        5_000.0,
    )
    assert (october.low, october.high) == (0.0, 10_000.0)
    assert november.weighted == 15_000.0 and november.expected == 5_000.0
    assert december.deals == 0 and december.expected == 0.0
