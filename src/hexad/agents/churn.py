"""Churn risk per active client: a scikit-learn model trained on the MSP's own churn history.

Features, as known at a date `t` (no later data is used): invoices paid late (mean days past due of
the invoices issued in the last six months and due by `t`, counting unpaid ones up to `t`) and how
much later that is than the six months before (a client who has always paid two weeks late is not
showing a new warning sign; one who starts to is; a client without that earlier history shows no
change), satisfaction (last 3 months vs the 6 months before them), ticket volume (the same two
windows) and the client's tier.

Satisfaction means are shrunk toward a prior as if `SATISFACTION_PRIOR_ANSWERS` (2) more survey
answers had given it: the baseline toward the portfolio's mean, the recent score toward the client's
own baseline. A small client answers one survey in a month or two, and a single "3" is not a fall in
satisfaction; a client with dozens of poor answers barely moves.

Training rows are monthly snapshots of every client active at `t` from five months into the data
until six months before the reference date; the label is "churned within `HORIZON_DAYS` (90) days after `t`".
The model is a standardised logistic regression with sigmoid calibration (so a 0.7 means roughly
seven in ten), evaluated by cross-validation grouped by client (ROC AUC, average precision, Brier
score). Model file and metrics go to `<lake>/ml-models/churn/`; a run for one client reuses them when
they were trained for the same reference date. Each finding lists its top factors:
the features' contributions to the log-odds, largest first, with the figures behind them.

The agreement end date is shown as context but is not a feature: in history an agreement's end and
the churn are the same event, so the model would learn the answer instead of the warning signs.
When the history holds too few churned clients to learn from (fewer than 3), or the model's
cross-validated ROC AUC is under `MIN_CV_ROC_AUC` (0.7: past churners showed no warning signs), a
transparent weighted score of the same symptoms (plus the agreement ending soon) is used instead,
and the run's metrics say which method ran and what cross-validation measured.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib  # type: ignore[import-untyped]
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve, roc_auc_score  # type: ignore[import-untyped]
from sklearn.model_selection import GroupKFold, cross_val_predict  # type: ignore[import-untyped]
from sklearn.pipeline import Pipeline, make_pipeline  # type: ignore[import-untyped]
from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]

from hexad.agents.base import AgentContext, FindingDraft, FrameSource, severity_for

__all__ = [
    "FEATURES",
    "HORIZON_DAYS",
    "MIN_CV_ROC_AUC",
    "PROBABILITY_THRESHOLD",
    "ChurnModel",
    "churn_features",
    "churn_findings",
    "symptom_scores",
    "train_churn_model",
]

FEATURES = (
    "late_days_mean",
    "late_days_increase",
    "satisfaction_drop",
    "satisfaction_recent",
    "ticket_ratio",
    "tier_rank",
)
PROBABILITY_THRESHOLD = 0.5
HORIZON_DAYS = 90
SYMPTOM_THRESHOLD = 0.55
MIN_CV_ROC_AUC = 0.7
"""Below this cross-validated ROC AUC the model has not learned the warning signs and is not used."""
SATISFACTION_PRIOR_ANSWERS = 2.0
"""A client's mean survey score counts as if this many more answers had given the prior."""
_NEUTRAL_SATISFACTION = 4.0
_WEIGHTS = {"late_days_mean": 0.35, "satisfaction_drop": 0.25, "agreement_ending": 0.25, "ticket_ratio": 0.15}
_TIERS = {"bronze": 0, "silver": 1, "gold": 2, "platinum": 3}
_MIN_CHURNED_CLIENTS = 3
_LABELS = {
    "late_days_mean": "invoices paid {late_days_mean:.0f} days late on average (last 6 months)",
    "late_days_increase": "invoices paid {late_days_increase:.0f} days later than the 6 months before",
    "satisfaction_drop": "satisfaction fell from {satisfaction_baseline:.1f} to {satisfaction_recent:.1f}",
    "satisfaction_recent": "recent satisfaction {satisfaction_recent:.1f} of 5",
    "ticket_ratio": "tickets x{ticket_ratio:.2f} ({tickets_recent:.1f}/month vs {tickets_baseline:.1f})",
    "tier_rank": "tier rank {tier_rank:.0f} (bronze 0 .. platinum 3)",
    "agreement_ending": "agreement ends in {days_to_agreement_end:.0f} days",
}


def _month(moment: pd.Timestamp) -> int:
    return moment.year * 12 + moment.month


def _ticket_months(tickets: pd.DataFrame) -> pd.DataFrame:
    """Tickets per client and month (as year*12+month) with the satisfaction sum and count."""
    month = tickets["opened_at"].dt.year * 12 + tickets["opened_at"].dt.month
    frame = pd.DataFrame({"client_id": tickets["client_id"], "month": month, "sat": tickets["satisfaction"]})
    grouped = frame.groupby(["client_id", "month"])
    return pd.DataFrame(
        {
            "tickets": grouped.size(),
            "sat_sum": grouped["sat"].sum().astype(float),
            "sat_n": grouped["sat"].count(),
        }
    ).reset_index()


def churn_features(
    frames: FrameSource,
    at: pd.Timestamp,
    *,
    clients: pd.Index | None = None,
    months: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The symptom figures per client as known at `at` (active clients at `at` unless `clients` given)."""
    table_clients = frames("clients")
    if clients is None:
        started = table_clients["start_date"] <= at
        live = table_clients["end_date"].isna() | (table_clients["end_date"] > at)
        clients = pd.Index(table_clients.loc[started & live, "client_id"], name="client_id")
    months = _ticket_months(frames("tickets")) if months is None else months
    now = _month(at)
    table = pd.DataFrame(index=clients)
    recent = months[(months["month"] > now - 3) & (months["month"] <= now)].groupby("client_id").sum()
    base = months[(months["month"] > now - 9) & (months["month"] <= now - 3)].groupby("client_id").sum()
    table["tickets_recent"] = recent["tickets"].reindex(clients).fillna(0) / 3
    table["tickets_baseline"] = base["tickets"].reindex(clients).fillna(0) / 6
    ratio = table["tickets_recent"] / table["tickets_baseline"].where(table["tickets_baseline"] > 0)
    table["ticket_ratio"] = ratio.fillna(1.0)
    window = months[(months["month"] > now - 9) & (months["month"] <= now)]
    answers = window["sat_n"].sum()
    portfolio = float(window["sat_sum"].sum() / answers) if answers > 0 else _NEUTRAL_SATISFACTION
    baseline = _shrunk(base["sat_sum"].reindex(clients), base["sat_n"].reindex(clients), portfolio)
    table["satisfaction_recent"] = _shrunk(
        recent["sat_sum"].reindex(clients), recent["sat_n"].reindex(clients), baseline
    )
    table["satisfaction_baseline"] = baseline
    table["satisfaction_drop"] = baseline - table["satisfaction_recent"]
    invoices = frames("invoices")
    table["late_days_mean"] = _late_days(invoices, at, at).reindex(clients).fillna(0.0)
    before = _late_days(invoices, at, at - pd.Timedelta(days=183)).reindex(clients)
    table["late_days_before"] = before
    table["late_days_increase"] = table["late_days_mean"] - before.fillna(table["late_days_mean"])
    tiers = table_clients.set_index("client_id")["tier"].map(_TIERS)
    table["tier_rank"] = tiers.reindex(clients).fillna(1).astype(float)
    agreements = frames("agreements")
    main = agreements[agreements["type"] != "fixed_fee_project"]
    ends = main[(main["end_date"].isna()) | (main["end_date"] > at)].groupby("client_id")["end_date"].min()
    table["days_to_agreement_end"] = (ends.reindex(clients) - at).dt.days.astype(float)
    return table


def _shrunk(total: pd.Series, answers: pd.Series, prior: pd.Series | float) -> pd.Series:
    """Mean survey score as if `SATISFACTION_PRIOR_ANSWERS` more answers had given `prior`."""
    weight = SATISFACTION_PRIOR_ANSWERS
    return (total.fillna(0.0) + weight * prior) / (answers.fillna(0).astype(float) + weight)


def _late_days(invoices: pd.DataFrame, at: pd.Timestamp, until: pd.Timestamp) -> pd.Series:
    """Mean days past due, as known at `at`, of each client's invoices issued in the six months to `until`.

    Only invoices already due at `at` count: one not yet due cannot be late, and counting it as on time
    would dilute the figure by however many invoices happen to be in flight.
    """
    window = invoices[
        (invoices["issue_date"] > until - pd.Timedelta(days=183)) & (invoices["issue_date"] <= until)
        & (invoices["status"] != "void") & (invoices["due_date"] < at)
    ]  # fmt: skip
    paid = window["paid_date"].where(window["paid_date"] <= at, at).fillna(at)
    late = (paid - window["due_date"]).dt.days.clip(lower=0)
    return late.groupby(window["client_id"]).mean()


def _training_set(frames: FrameSource, reference: pd.Timestamp) -> pd.DataFrame:
    """Monthly snapshots of the clients active at each month end, labelled by churn within the horizon."""
    clients = frames("clients")
    first = frames("tickets")["opened_at"].min().normalize()
    months = _ticket_months(frames("tickets"))
    ends = clients.set_index("client_id")["end_date"].where(
        clients.set_index("client_id")["status"] == "churned"
    )
    snapshots = pd.date_range(first + pd.DateOffset(months=5), reference - pd.DateOffset(months=6), freq="ME")
    rows = []
    for at in snapshots:
        table = churn_features(frames, at, months=months)
        end = ends.reindex(table.index)
        table["label"] = ((end > at) & (end <= at + pd.Timedelta(days=HORIZON_DAYS))).astype(int)
        table["snapshot"] = at
        rows.append(table)
    return pd.concat(rows).reset_index() if rows else pd.DataFrame()


class ChurnModel:
    """The calibrated model, its cross-validated metrics and a way to explain one prediction."""

    def __init__(self, model: CalibratedClassifierCV, metrics: dict[str, Any]) -> None:
        self.model = model
        self.metrics = metrics

    @property
    def threshold(self) -> float:
        """The decision threshold chosen on cross-validated predictions (best F1)."""
        return float(self.metrics.get("threshold", PROBABILITY_THRESHOLD))

    def probabilities(self, features: pd.DataFrame) -> np.ndarray:
        """Calibrated churn probabilities, one per row."""
        return np.asarray(self.model.predict_proba(features[list(FEATURES)].to_numpy())[:, 1])

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """Each feature's contribution to the log-odds (coefficient x standardised value), fold average."""
        parts = []
        for calibrated in self.model.calibrated_classifiers_:
            pipeline: Pipeline = calibrated.estimator
            scaled = pipeline[0].transform(features[list(FEATURES)].to_numpy())
            parts.append(scaled * pipeline[-1].coef_[0])
        return pd.DataFrame(np.mean(parts, axis=0), index=features.index, columns=list(FEATURES))

    @classmethod
    def load(cls, folder: Path) -> ChurnModel | None:
        """The model saved in `folder`, or None when there is none (or it cannot be read)."""
        try:
            metrics = json.loads((folder / "metrics.json").read_text())
            return cls(joblib.load(folder / "model.joblib"), metrics)
        except (OSError, ValueError, EOFError):
            return None

    def save(self, folder: Path) -> Path:
        """Write `model.joblib` and `metrics.json` into `folder` (the lake's `ml-models/churn/`)."""
        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.model, folder / "model.joblib")
        (folder / "metrics.json").write_text(json.dumps(self.metrics, indent=2, sort_keys=True) + "\n")
        return folder


def train_churn_model(frames: FrameSource, reference: pd.Timestamp) -> ChurnModel | None:
    """Train on the history up to `reference` (None when it holds too few churned clients)."""
    data = _training_set(frames, reference)
    if data.empty or data.loc[data["label"] == 1, "client_id"].nunique() < _MIN_CHURNED_CLIENTS:
        return None
    x, y, groups = data[list(FEATURES)].to_numpy(), data["label"].to_numpy(), data["client_id"].to_numpy()
    folds = min(5, int(data.loc[data["label"] == 1, "client_id"].nunique()))
    cv_probability = cross_val_predict(
        _estimator(), x, y, groups=groups, cv=GroupKFold(n_splits=folds), method="predict_proba"
    )[:, 1]
    model = _estimator().fit(x, y)
    metrics = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reference_date": reference.date().isoformat(), "rows": len(data), "positive_rows": int(y.sum()),
        "churned_clients": int(data.loc[y == 1, "client_id"].nunique()),
        "snapshots": int(data["snapshot"].nunique()), "features": list(FEATURES), "cv_folds": folds,
        "cv_roc_auc": round(float(roc_auc_score(y, cv_probability)), 4),
        "cv_average_precision": round(float(average_precision_score(y, cv_probability)), 4),
        "cv_brier": round(float(brier_score_loss(y, cv_probability)), 5),
        "threshold": round(_best_threshold(y, cv_probability), 4),
    }  # fmt: skip
    return ChurnModel(model, metrics)


def _best_threshold(labels: np.ndarray, probability: np.ndarray) -> float:
    """The probability cut with the best F1 on the cross-validated predictions (never below 0.05)."""
    precision, recall, cuts = precision_recall_curve(labels, probability)
    f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-12)
    return max(float(cuts[int(np.argmax(f1))]), 0.05) if len(cuts) else PROBABILITY_THRESHOLD


def _estimator() -> CalibratedClassifierCV:
    base = make_pipeline(
        StandardScaler(), LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear")
    )
    return CalibratedClassifierCV(base, method="sigmoid", cv=3)


def symptom_scores(features: pd.DataFrame) -> pd.DataFrame:
    """The fallback: each symptom in [0, 1] and their weighted sum."""
    parts = pd.DataFrame(index=features.index)
    parts["late_days_mean"] = ((features["late_days_mean"] - 5) / 20).clip(0, 1)
    parts["satisfaction_drop"] = (features["satisfaction_drop"] / 1.5).clip(0, 1)
    days = features["days_to_agreement_end"]
    parts["agreement_ending"] = (1 - (days - 90) / 270).clip(0, 1).where(days >= 0, 0).fillna(0)
    parts["ticket_ratio"] = ((features["ticket_ratio"] - 1) / 0.6).clip(0, 1)
    parts["score"] = sum(parts[name] * weight for name, weight in _WEIGHTS.items())
    return parts


def churn_findings(
    ctx: AgentContext, *, subject_id: str | None = None
) -> tuple[list[FindingDraft], dict[str, Any]]:
    """`churn_risk` findings for active clients whose risk reaches the threshold, with their top factors."""
    reference = pd.Timestamp(ctx.reference_date)
    clients = ctx.frames("clients")
    active = pd.Index(clients.loc[clients["status"] == "active", "client_id"], name="client_id")
    features = churn_features(ctx.frames, reference, clients=active)
    if subject_id is not None:
        features = features[features.index == subject_id]
    model = _model_for(ctx, reference, reuse=subject_id is not None)
    metrics = (
        {}
        if model is None
        else {f"churn_model_{k}": v for k, v in model.metrics.items() if k.startswith("cv_")}
    )
    if model is not None and model.metrics["cv_roc_auc"] >= MIN_CV_ROC_AUC:
        risk = pd.Series(model.probabilities(features), index=features.index)
        factors = model.contributions(features)
        flagged = risk[risk >= model.threshold].index
        method = "model"
    else:
        scores = symptom_scores(features)
        risk, factors = scores["score"], scores.drop(columns="score") * pd.Series(_WEIGHTS)
        flagged = risk[risk >= SYMPTOM_THRESHOLD].index
        method = "symptom_score"
    late = _late_invoices(ctx.frames("invoices"), reference, set(flagged))
    findings = [
        _finding(str(c), features.loc[c], float(risk[c]), factors.loc[c], method, late.get(str(c), []))
        for c in flagged
    ]
    return findings, {"clients_scored": len(features), "churn_method": method} | metrics


def _model_for(ctx: AgentContext, reference: pd.Timestamp, *, reuse: bool) -> ChurnModel | None:
    """A one-client run reuses the model the last full run trained for the same date; a full run retrains.

    A stored model trained on other features (an older Hexad) cannot score today's and is retrained.
    """
    folder = ctx.lake / "ml-models" / "churn"
    if reuse:
        stored = ChurnModel.load(folder)
        wanted = {"reference_date": reference.date().isoformat(), "features": list(FEATURES)}
        if stored is not None and all(stored.metrics.get(key) == value for key, value in wanted.items()):
            return stored
    model = train_churn_model(ctx.frames, reference)
    if model is not None:
        model.save(folder)
    return model


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


def _finding(
    client_id: str,
    figures: pd.Series,
    risk: float,
    contributions: pd.Series,
    method: str,
    late_ids: list[str],
) -> FindingDraft:
    plain = {str(k): float(v) for k, v in figures.items() if pd.notna(v)}
    ranked = sorted(((float(v), str(k)) for k, v in contributions.items()), reverse=True)
    factors = [
        {"factor": name, "contribution": round(value, 4), "explanation": _explain(name, plain)}
        for value, name in ranked
        if value > 0
    ][:3]
    context = (
        _explain("agreement_ending", plain) if "days_to_agreement_end" in plain else "no agreement end date"
    )
    evidence: dict[str, Any] = {k: round(v, 4) for k, v in plain.items()}
    evidence |= {"probability": round(risk, 4), "method": method, "factors": factors,
                 "late_invoice_ids": late_ids, "agreement": context}  # fmt: skip
    reasons = "; ".join(str(f["explanation"]) for f in factors[:2])
    return FindingDraft(
        kind="churn_risk", subject_type="client", subject_id=client_id, severity=severity_for(risk),
        score=round(min(max(risk, 0.0), 1.0), 4), summary=f"{client_id}: churn risk {risk:.0%}; {reasons}",
        evidence=evidence,
        recommended_action="Call the client's decision maker before the agreement's end; review open issues.",
    )  # fmt: skip


def _explain(name: str, figures: dict[str, float]) -> str:
    try:
        return _LABELS[name].format(**figures)
    except (KeyError, ValueError):
        return name.replace("_", " ")
