"""SPO, sales pipeline optimization: which leads deserve attention now, and what the pipeline will bring.

A high-value lead is a live lead (new or qualified) with an open deal large enough to matter
(amount >= 50,000 by default) whose buyer is engaged right now (at least 3 activities in the last
30 days). Size without engagement is a stalled deal and engagement without size is a small one:
both are worth less of a salesperson's week. Each finding carries the deal's calibrated win
probability and the features that drove it (`hexad.agents.spo_scoring`), so the score explains
itself. The event `sales.opportunity.identified` names the client when the lead already is one, so
the licence agent can check that client's compliance before the proposal goes out.

The model is written to the lake (`ml-models/spo/`) with its held-out ROC AUC, Brier score and
calibration table, so the dashboard and the CLI can show how far to trust it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib  # type: ignore[import-untyped]
import pandas as pd

from hexad.agents.base import AgentContext, AgentEvent, AgentRun, FindingDraft, severity_for
from hexad.agents.spo_forecast import MonthForecast, pipeline_forecast
from hexad.agents.spo_scoring import WinModel, deal_features, train_win_model
from hexad.errors import InsufficientHistoryError

__all__ = ["HIGH_VALUE_AMOUNT", "LeadScore", "PipelineScores", "SalesPipelineAgent", "score_pipeline"]

HIGH_VALUE_AMOUNT = 50_000.0
MIN_RECENT_ACTIVITIES = 3
_LIVE_LEADS = {"new", "qualified"}


@dataclass(frozen=True)
class LeadScore:
    """One open deal scored: win probability, expected value, engagement and the reasons."""

    lead_id: str
    opportunity_id: str
    client_id: str | None
    company: str
    stage: str
    amount: float
    win_probability: float
    expected_value: float
    recent_activities: int
    lead_status: str
    drivers: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        """The score as JSON-able data (`hexad leads list --json`)."""
        return {**self.__dict__, "win_probability": round(self.win_probability, 4),
                "expected_value": round(self.expected_value, 2)}  # fmt: skip


@dataclass(frozen=True)
class PipelineScores:
    """Every open deal scored, the model behind the scores and the forecast."""

    leads: list[LeadScore]
    model: WinModel
    forecast: list[MonthForecast]


def score_pipeline(ctx: AgentContext) -> PipelineScores:
    """Train on closed deals, score the open ones and forecast the next three months."""
    opportunities = ctx.frames("opportunities")
    leads = ctx.frames("leads")
    features = deal_features(opportunities, leads, ctx.frames("activities"), ctx.reference_date)
    stage = opportunities.set_index("opportunity_id")["stage"].astype(str)
    closed = stage[stage.isin(["closed_won", "closed_lost"])]
    model = train_win_model(features.loc[closed.index], (closed == "closed_won").astype(int))
    open_ids = stage[~stage.str.startswith("closed")].index
    open_features = features.loc[open_ids]
    probability = pd.Series(
        model.probability(open_features) if len(open_ids) else [], index=open_ids, dtype=float
    )
    drivers = model.contributions(open_features) if len(open_ids) else []
    scores = _lead_scores(opportunities, leads, open_features, probability, drivers)
    forecast = pipeline_forecast(opportunities, probability, ctx.reference_date)
    return PipelineScores(scores, model, forecast)


def _lead_scores(
    opportunities: pd.DataFrame,
    leads: pd.DataFrame,
    features: pd.DataFrame,
    probability: pd.Series,
    drivers: list[list[dict[str, Any]]],
) -> list[LeadScore]:
    names = dict(zip(leads["lead_id"].astype(str), leads["company_name"].astype(str), strict=True))
    statuses = dict(zip(leads["lead_id"].astype(str), leads["status"].astype(str), strict=True))
    deals = opportunities.set_index("opportunity_id").loc[features.index].reset_index()
    recent = features["activities_30d"].to_numpy()
    chances = probability.loc[features.index].to_numpy()
    rows: list[Any] = list(deals.itertuples(index=False))
    result = []
    for k, deal in enumerate(rows):
        amount = 0.0 if pd.isna(deal.amount) else float(deal.amount)
        p = float(chances[k])
        lead_id = str(deal.lead_id)
        result.append(
            LeadScore(
                lead_id=lead_id,
                opportunity_id=str(deal.opportunity_id),
                client_id=None if pd.isna(deal.client_id) else str(deal.client_id),
                company=names.get(lead_id, ""),
                stage=str(deal.stage),
                amount=amount,
                win_probability=p,
                expected_value=p * amount,
                recent_activities=int(recent[k]),
                lead_status=statuses.get(lead_id, "unknown"),
                drivers=drivers[k],
            )
        )
    return sorted(result, key=lambda s: -s.expected_value)


class SalesPipelineAgent:
    """Lead scoring, `high_value_lead` findings and the pipeline forecast."""

    name = "spo"
    title = "Sales pipeline optimization"
    reads: tuple[str, ...] = ("leads", "opportunities", "activities")
    triggers: tuple[str, ...] = ()

    def __init__(
        self, high_value: float = HIGH_VALUE_AMOUNT, min_activities: int = MIN_RECENT_ACTIVITIES
    ) -> None:
        self.high_value = high_value
        self.min_activities = min_activities

    def run(self, ctx: AgentContext, *, subject_id: str | None = None) -> AgentRun:
        """Score the pipeline; report the high-value leads (or only `subject_id`'s)."""
        ctx.report("training the win model", 0.2)
        try:
            scored = score_pipeline(ctx)
        except InsufficientHistoryError as exc:
            # A young MSP has no won/lost history to learn from yet: say so instead of failing.
            return AgentRun(self.name, [], [], {"skipped": str(exc)})
        _save_model(ctx.lake, scored)
        ctx.report("scoring leads", 0.8)
        chosen = self._high_value(scored.leads)
        if subject_id is not None:
            chosen = [s for s in chosen if s.lead_id == subject_id]
        findings = [self._finding(s) for s in chosen]
        events = [_event(s) for s in chosen]
        metrics = {
            "closed_deals_trained_on": scored.model.trained_on,
            "held_out_roc_auc": round(scored.model.held_out_auc, 4),
            "held_out_brier": round(scored.model.held_out_brier, 4),
            "open_deals_scored": len(scored.leads),
            "high_value_leads": len(findings),
            "forecast": [m.to_json() for m in scored.forecast],
        }
        ctx.report("done", 1.0)
        return AgentRun(self.name, findings, events, metrics)

    def _high_value(self, scores: list[LeadScore]) -> list[LeadScore]:
        best: dict[str, LeadScore] = {}
        for s in scores:
            qualifies = (s.lead_status in _LIVE_LEADS and s.amount >= self.high_value
                         and s.recent_activities >= self.min_activities)  # fmt: skip
            if qualifies and (s.lead_id not in best or s.amount > best[s.lead_id].amount):
                best[s.lead_id] = s
        return sorted(best.values(), key=lambda s: -s.amount)

    def _finding(self, s: LeadScore) -> FindingDraft:
        size = min(1.0, s.amount / (3 * self.high_value))
        engagement = min(1.0, s.recent_activities / (2 * self.min_activities))
        score = round(0.3 + 0.3 * size + 0.2 * engagement + 0.2 * s.win_probability, 3)
        return FindingDraft(
            kind="high_value_lead",
            subject_type="lead",
            subject_id=s.lead_id,
            severity=severity_for(score),
            score=score,
            summary=(
                f"{s.company or s.lead_id}: {s.amount:,.0f} deal {s.opportunity_id} in {s.stage} with "
                f"{s.recent_activities} activities in 30 days; win probability {s.win_probability:.0%}"
            ),
            evidence={
                "opportunity_id": s.opportunity_id,
                "amount": s.amount,
                "stage": s.stage,
                "activities_last_30_days": s.recent_activities,
                "lead_status": s.lead_status,
                "win_probability": round(s.win_probability, 4),
                "expected_value": round(s.expected_value, 2),
                "drivers": s.drivers,
                "client_id": s.client_id,
            },
            recommended_action=f"Prioritise {s.opportunity_id}: book the next meeting and prepare a proposal",
        )


def _event(s: LeadScore) -> AgentEvent:
    return AgentEvent(
        "sales.opportunity.identified",
        {"lead_id": s.lead_id, "opportunity_id": s.opportunity_id, "client_id": s.client_id,
         "amount": s.amount, "stage": s.stage, "win_probability": round(s.win_probability, 4)},
    )  # fmt: skip


def _save_model(lake: Path, scored: PipelineScores) -> None:
    folder = lake / "ml-models" / "spo"
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump({"calibrated": scored.model.calibrated, "explainer": scored.model.explainer},
                folder / "lead-win-model.joblib")  # fmt: skip
    meta = {"held_out_roc_auc": scored.model.held_out_auc, "held_out_brier": scored.model.held_out_brier,
            "calibration": scored.model.calibration(), "trained_on": scored.model.trained_on,
            "importances": scored.model.importances()}  # fmt: skip
    (folder / "lead-win-model.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
