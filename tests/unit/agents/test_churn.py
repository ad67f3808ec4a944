from __future__ import annotations

import json
import shutil
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


def test_a_stored_model_trained_on_other_features_is_retrained(
    frames: FrameSource, full_run: tuple[list[FindingDraft], dict[str, Any]], lake: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "ml-models" / "churn"
    shutil.copytree(lake / "ml-models" / "churn", folder)
    metrics = json.loads((folder / "metrics.json").read_text())
    (folder / "metrics.json").write_text(json.dumps(metrics | {"features": list(FEATURES)[1:]}))
    flagged = full_run[0][0].subject_id
    ctx = AgentContext(frames, date(2026, 9, 30), tmp_path, load_settings(home=tmp_path))
    findings, _ = churn_findings(ctx, subject_id=flagged)
    assert json.loads((folder / "metrics.json").read_text())["features"] == list(FEATURES)
    assert [f.subject_id for f in findings] == [flagged]


def _frames(tables: dict[str, pd.DataFrame]) -> FrameSource:
    return lambda entity: tables[entity].copy()


def _tables(
    tickets: list[tuple[str, str, int | None]], invoices: list[tuple[str, str, int | None]]
) -> FrameSource:
    """Three clients with tickets (client, opened, score) and invoices (client, issued, days late)."""
    clients = pd.DataFrame(
        {
            "client_id": ["A", "B", "C"],
            "start_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2026-04-01"]),
            "end_date": pd.to_datetime([None, None, None]),
            "status": "active",
            "tier": "silver",
        }
    )
    opened = pd.to_datetime([t[1] for t in tickets])
    ticket_frame = pd.DataFrame(
        {
            "client_id": [t[0] for t in tickets],
            "opened_at": opened,
            "satisfaction": pd.array([t[2] for t in tickets], dtype="Int64"),
        }
    )
    issued = pd.to_datetime([i[1] for i in invoices])
    due = issued + pd.Timedelta(days=30)
    late = [pd.NaT if i[2] is None else pd.Timedelta(days=i[2]) for i in invoices]
    invoice_frame = pd.DataFrame(
        {
            "invoice_id": [f"IN-{n}" for n in range(len(invoices))],
            "client_id": [i[0] for i in invoices],
            "issue_date": issued,
            "due_date": due,
            "paid_date": due + pd.Series(late, dtype="timedelta64[ns]"),
            "status": "sent",
        }
    )
    agreements = pd.DataFrame(
        {"client_id": ["A", "B", "C"], "type": "managed_services", "end_date": pd.to_datetime([None] * 3)}
    )
    return _frames(
        {"clients": clients, "tickets": ticket_frame, "invoices": invoice_frame, "agreements": agreements}
    )


def _month_ends(first: str, last: str) -> list[str]:
    return [d.date().isoformat() for d in pd.date_range(first, last, freq="ME")]


def test_a_few_survey_answers_are_not_a_fall_in_satisfaction() -> None:
    """One poor answer moves a client's score a little; thirty move it almost all the way."""
    baseline = [(c, f"{m[:7]}-10", score) for c in "ABC" for m in _month_ends("2026-01-01", "2026-06-30")
                for score in (4, 5)]  # fmt: skip
    recent = [("A", "2026-08-10", 2)] + [
        ("B", f"2026-0{m}-{d:02d}", 2) for m in (7, 8, 9) for d in range(1, 11)
    ]
    frames = _tables(baseline + recent, [])
    features = churn_features(frames, REFERENCE)
    drop = features["satisfaction_drop"]
    assert drop["C"] == pytest.approx(0.0)
    assert features.loc["B", "satisfaction_recent"] == pytest.approx(2.0, abs=0.2)
    assert 0 < drop["A"] < drop["B"] / 2


def test_late_payment_counts_due_invoices_against_the_client_habit() -> None:
    """A habitual late payer shows no increase, a client who starts paying late does, a new one cannot."""
    months = _month_ends("2025-09-01", "2026-09-30")
    invoices = [("A", m, 15) for m in months]
    invoices += [("B", m, 0 if m < "2026-04" else 30) for m in months]
    invoices += [("C", m, 10) for m in months if m >= "2026-04"]
    features = churn_features(_tables([], invoices), REFERENCE)
    # Invoices of August and September are not yet due at the reference date: they count for nothing.
    assert features["late_days_mean"].to_dict() == {"A": 15.0, "B": 30.0, "C": 10.0}
    assert features["late_days_increase"].to_dict() == {"A": 0.0, "B": 30.0, "C": 0.0}
