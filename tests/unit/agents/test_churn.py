from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hexad.agents.base import AgentContext, FindingDraft, FrameSource
from hexad.agents.churn import FEATURES, churn_features, churn_findings, train_churn_model
from hexad.config import load_settings

REFERENCE = pd.Timestamp("2026-09-30")


def test_model_is_trained_on_history_with_cross_validated_metrics(frames: FrameSource) -> None:
    model = train_churn_model(frames, REFERENCE)
    assert model is not None
    metrics = model.metrics
    assert metrics["churned_clients"] >= 3
    assert 0.0 <= metrics["cv_roc_auc"] <= 1.0
    assert metrics["cv_roc_auc"] > 0.6
    assert 0.0 < model.threshold < 1.0
    features = churn_features(frames, REFERENCE)
    probabilities = model.probabilities(features)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    assert list(model.contributions(features).columns) == list(FEATURES)


def test_features_at_a_date_ignore_later_data(frames: FrameSource) -> None:
    at = pd.Timestamp("2025-06-30")
    before = churn_features(frames, at)

    end_of_day = at + pd.Timedelta(days=1)

    def truncated(entity: str) -> pd.DataFrame:
        """The data at the end of `at`: later tickets and invoices gone, later payments unknown."""
        frame = frames(entity)
        column = {"tickets": "opened_at", "invoices": "issue_date"}.get(entity)
        if column is None:
            return frame
        frame = frame[frame[column] < end_of_day].copy()
        if entity == "invoices":
            frame["paid_date"] = frame["paid_date"].where(frame["paid_date"] <= at)
        return frame

    after = churn_features(truncated, at)
    pd.testing.assert_frame_equal(before, after)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lake")


@pytest.fixture(scope="module")
def full_run(frames: FrameSource, lake: Path) -> tuple[list[FindingDraft], dict[str, Any]]:
    return churn_findings(AgentContext(frames, date(2026, 9, 30), lake, load_settings(home=lake)))


def test_findings_explain_and_store_the_model(
    full_run: tuple[list[FindingDraft], dict[str, Any]], lake: Path
) -> None:
    findings, metrics = full_run
    tmp_path = lake
    assert metrics["churn_method"] == "model"
    stored = json.loads((tmp_path / "ml-models" / "churn" / "metrics.json").read_text())
    assert stored["cv_roc_auc"] == metrics["churn_model_cv_roc_auc"]
    assert (tmp_path / "ml-models" / "churn" / "model.joblib").is_file()
    assert findings
    for finding in findings:
        assert finding.evidence["probability"] >= stored["threshold"]
        factors = finding.evidence["factors"]
        assert factors and factors[0]["contribution"] >= factors[-1]["contribution"] > 0


def test_one_client_reuses_the_stored_model(
    frames: FrameSource, full_run: tuple[list[FindingDraft], dict[str, Any]], lake: Path
) -> None:
    flagged = full_run[0][0]
    trained_at = json.loads((lake / "ml-models" / "churn" / "metrics.json").read_text())["trained_at"]
    ctx = AgentContext(frames, date(2026, 9, 30), lake, load_settings(home=lake))
    findings, metrics = churn_findings(ctx, subject_id=flagged.subject_id)
    assert metrics["clients_scored"] == 1
    assert [f.subject_id for f in findings] == [flagged.subject_id]
    assert findings[0].score == flagged.score
    assert json.loads((lake / "ml-models" / "churn" / "metrics.json").read_text())["trained_at"] == trained_at


def test_without_churn_history_the_symptom_score_runs(
    frames: FrameSource, truth: dict[str, Any], tmp_path: Path
) -> None:
    def no_history(entity: str) -> pd.DataFrame:
        frame = frames(entity)
        if entity == "clients":
            frame = frame[frame["status"] != "churned"]
        return frame

    ctx = AgentContext(no_history, date(2026, 9, 30), tmp_path, load_settings(home=tmp_path))
    findings, metrics = churn_findings(ctx)
    assert metrics["churn_method"] == "symptom_score"
    planted = {s["subject_id"] for s in truth["signals"] if s["kind"] == "churn_risk"}
    found = {f.subject_id for f in findings}
    assert len(found & planted) >= 0.8 * len(planted)
    assert len(found & planted) >= 0.8 * len(found)
