"""Churn risk per active client from four symptoms an account manager would check, each explained.

Symptoms, measured at the reference date: invoices paid late (mean days past due over the last six
months, unpaid ones counted to today), satisfaction falling (last 3 months vs the 6-month baseline
ending 6 months ago), the main agreement ending soon (days to its end date) and ticket volume rising
(last 3 months vs the baseline). Each symptom maps to [0, 1]; the weighted sum is the risk score, and
the finding lists the factors in order of their contribution, so a person sees why.

A classifier trained on the MSP's own churn history is the better tool once the history holds
symptoms before past churns; this explainable score is what runs until then.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hexad.agents.base import AgentContext, FindingDraft, severity_for

__all__ = ["CHURN_THRESHOLD", "WEIGHTS", "churn_features", "churn_findings", "churn_scores"]

WEIGHTS = {"payment_delay": 0.35, "satisfaction_drop": 0.25, "agreement_ending": 0.25, "ticket_growth": 0.15}
CHURN_THRESHOLD = 0.55
_LABELS = {
    "payment_delay": "invoices paid {late_days_mean:.0f} days late on average (last 6 months)",
    "satisfaction_drop": "satisfaction fell from {satisfaction_baseline:.1f} to {satisfaction_recent:.1f}",
    "agreement_ending": "agreement ends in {days_to_agreement_end:.0f} days",
    "ticket_growth": "tickets up x{ticket_ratio:.2f} ({tickets_recent:.1f}/month vs {tickets_baseline:.1f})",
}


def churn_features(frames: Any, reference: pd.Timestamp) -> pd.DataFrame:
    """The raw symptom figures per active client."""
    clients = frames("clients")
    active = clients.loc[clients["status"] == "active", "client_id"]
    tickets = frames("tickets")
    month = tickets["opened_at"].dt.year * 12 + tickets["opened_at"].dt.month
    now = reference.year * 12 + reference.month
    recent = tickets[month > now - 3]
    baseline = tickets[(month > now - 12) & (month <= now - 6)]
    table = pd.DataFrame(index=pd.Index(active, name="client_id"))
    table["tickets_recent"] = recent.groupby("client_id").size().reindex(table.index).fillna(0) / 3
    table["tickets_baseline"] = baseline.groupby("client_id").size().reindex(table.index).fillna(0) / 6
    table["ticket_ratio"] = table["tickets_recent"] / table["tickets_baseline"].where(
        table["tickets_baseline"] > 0
    )
    table["satisfaction_recent"] = recent.groupby("client_id")["satisfaction"].mean().astype(float)
    table["satisfaction_baseline"] = baseline.groupby("client_id")["satisfaction"].mean().astype(float)
    invoices = frames("invoices")
    invoices = invoices[
        (invoices["issue_date"] > reference - pd.Timedelta(days=183)) & (invoices["status"] != "void")
    ]
    late = (invoices["paid_date"].fillna(reference) - invoices["due_date"]).dt.days.clip(lower=0)
    table["late_days_mean"] = late.groupby(invoices["client_id"]).mean().reindex(table.index).fillna(0.0)
    agreements = frames("agreements")
    main = agreements[(agreements["type"] != "fixed_fee_project") & (agreements["status"] == "active")]
    ends = main.groupby("client_id")["end_date"].min()
    table["days_to_agreement_end"] = (ends.reindex(table.index) - reference).dt.days.astype(float)
    return table


def churn_scores(features: pd.DataFrame) -> pd.DataFrame:
    """Each symptom in [0, 1] and the weighted risk score."""
    parts = pd.DataFrame(index=features.index)
    parts["payment_delay"] = ((features["late_days_mean"] - 5) / 20).clip(0, 1)
    drop = features["satisfaction_baseline"] - features["satisfaction_recent"]
    parts["satisfaction_drop"] = (drop / 1.5).clip(0, 1).fillna(0)
    days = features["days_to_agreement_end"]
    parts["agreement_ending"] = (1 - (days - 90) / 270).clip(0, 1).where(days >= 0, 0).fillna(0)
    parts["ticket_growth"] = ((features["ticket_ratio"] - 1) / 0.6).clip(0, 1).fillna(0)
    parts["score"] = sum(parts[name] * weight for name, weight in WEIGHTS.items())
    return parts


def churn_findings(
    ctx: AgentContext, *, subject_id: str | None = None
) -> tuple[list[FindingDraft], dict[str, Any]]:
    """`churn_risk` findings for clients at or above the threshold, with their top factors."""
    reference = pd.Timestamp(ctx.reference_date)
    features = churn_features(ctx.frames, reference)
    if subject_id is not None:
        features = features[features.index == subject_id]
    scores = churn_scores(features)
    flagged = scores[scores["score"] >= CHURN_THRESHOLD]
    late = _late_invoices(ctx.frames("invoices"), reference, set(flagged.index))
    findings = [
        _finding(str(cid), features.loc[cid], scores.loc[cid], late.get(str(cid), []))
        for cid in flagged.index
    ]
    return findings, {"clients_scored": len(scores), "churn_threshold": CHURN_THRESHOLD}


def _late_invoices(
    invoices: pd.DataFrame, reference: pd.Timestamp, clients: set[str]
) -> dict[str, list[str]]:
    """The ids of the flagged clients' invoices of the last six months paid (or still unpaid) late."""
    mine = invoices[
        invoices["client_id"].isin(clients) & (invoices["issue_date"] > reference - pd.Timedelta(days=183))
    ]
    mine = mine[mine["status"] != "void"]
    late = mine[(mine["paid_date"].fillna(reference) - mine["due_date"]).dt.days > 0]
    return {str(c): sorted(map(str, ids)) for c, ids in late.groupby("client_id")["invoice_id"]}


def _finding(client_id: str, figures: pd.Series, parts: pd.Series, late_ids: list[str]) -> FindingDraft:
    contributions: list[tuple[float, str]] = sorted(
        ((WEIGHTS[n] * float(parts[n]), n) for n in WEIGHTS), reverse=True
    )
    factors = [
        {
            "factor": name,
            "contribution": round(value, 4),
            "explanation": _LABELS[name].format(**_plain(figures)),
        }
        for value, name in contributions
        if value > 0
    ]
    score = float(parts["score"])
    evidence: dict[str, Any] = {str(name): _number(figures[name]) for name in figures.index}
    evidence |= {"late_invoice_ids": late_ids, "factors": factors}
    return FindingDraft(
        kind="churn_risk", subject_type="client", subject_id=client_id, severity=severity_for(score),
        score=round(min(score, 1.0), 4),
        summary=f"{client_id}: churn risk {score:.0%}; " + _join(factors[:2]),
        evidence=evidence,
        recommended_action="Call the client's decision maker before the agreement's end; review open issues.",
    )  # fmt: skip


def _join(factors: list[dict[str, Any]]) -> str:
    return "; ".join(str(f["explanation"]) for f in factors)


def _plain(figures: pd.Series) -> dict[str, float]:
    plain: dict[str, float] = {}
    for key, value in figures.items():
        number = isinstance(value, int | float | np.floating) and not pd.isna(value)
        plain[str(key)] = float(value) if number else float("nan")
    return plain


def _number(value: Any) -> float | None:
    return None if pd.isna(value) else round(float(value), 4)
