"""Win probability for open opportunities, learnt from the MSP's own won/lost history.

A calibrated logistic regression (scikit-learn; sigmoid calibration by cross-validation) on what is
known of a deal at the time: its size (log amount, log monthly recurring revenue, log company
size), its source and industry, how many services it bundles, whether the lead is already a
client, how fast the MSP first responded (days from the deal's creation to its first activity) and
how engaged the buyer is (activities in the 30 days before the decision; for an open deal, the 30
days before today, so history and present are measured alike). Logistic regression rather than
boosting: a few hundred closed deals is little data, and its coefficients give every lead an honest
explanation (each feature's contribution to the log-odds), which a person can check.
Every model is reported with its held-out quality: 5-fold stratified cross-validation scores each
closed deal with a model that never saw it, and those out-of-fold probabilities give the ROC AUC,
the Brier score and a calibration table (on a few dozen deals a single hold-out split would make
the AUC swing by 0.1 from one split to the next).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV  # type: ignore[import-untyped]
from sklearn.compose import ColumnTransformer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.metrics import brier_score_loss, roc_auc_score  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold, cross_val_predict  # type: ignore[import-untyped]
from sklearn.pipeline import Pipeline  # type: ignore[import-untyped]
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # type: ignore[import-untyped]

from hexad.errors import InsufficientHistoryError

__all__ = ["CATEGORICAL_FEATURES", "NUMERIC_FEATURES", "WinModel", "deal_features", "train_win_model"]

NUMERIC_FEATURES = [
    "log_amount",
    "log_mrr",
    "log_employees",
    "services",
    "existing_client",
    "log_activities_30d",
    "log_response_days",
]
CATEGORICAL_FEATURES = ["source", "industry"]
_ENGAGEMENT_DAYS = 30
_MIN_CLASS = 5
_FOLDS = 5


def deal_features(
    opportunities: pd.DataFrame, leads: pd.DataFrame, activities: pd.DataFrame, today: date
) -> pd.DataFrame:
    """One row of features per opportunity, measured at its close (closed deals) or today (open ones)."""
    deals = opportunities.merge(
        leads[["lead_id", "source", "industry", "employees", "status"]].rename(
            columns={"status": "lead_status"}
        ),
        on="lead_id",
        how="left",
    )
    as_of = deals["closed_at"].fillna(pd.Timestamp(today) + pd.Timedelta(days=1))
    frame = pd.DataFrame(
        {
            "opportunity_id": deals["opportunity_id"],
            "log_amount": np.log1p(deals["amount"].fillna(0).astype(float)),
            "log_mrr": np.log1p(deals["monthly_recurring_revenue"].fillna(0).astype(float)),
            "log_employees": np.log1p(deals["employees"].astype("Float64").fillna(1).astype(float)),
            "services": deals["services"].fillna("").map(lambda s: len([x for x in str(s).split(";") if x])),
            "existing_client": deals["client_id"].notna().astype(float),
            "activities_30d": _recent_activities(deals["opportunity_id"], as_of, activities),
            "log_response_days": np.log1p(_response_days(deals, as_of, activities)),
            "log_activities_30d": 0.0,
            "source": deals["source"].fillna("unknown").astype(str),
            "industry": deals["industry"].fillna("unknown").astype(str),
        }
    )
    frame["log_activities_30d"] = np.log1p(frame["activities_30d"])  # engagement acts in proportions
    return frame.set_index("opportunity_id")


def _recent_activities(ids: pd.Series, as_of: pd.Series, activities: pd.DataFrame) -> np.ndarray:
    cutoff = dict(zip(ids, as_of, strict=True))
    acts = activities[activities["opportunity_id"].isin(cutoff)]
    end = acts["opportunity_id"].map(cutoff)
    window = (acts["occurred_at"] < end) & (acts["occurred_at"] >= end - pd.Timedelta(days=_ENGAGEMENT_DAYS))
    counts = acts[window].groupby("opportunity_id").size()
    return ids.map(counts).fillna(0).to_numpy(dtype=float)


def _response_days(deals: pd.DataFrame, as_of: pd.Series, activities: pd.DataFrame) -> np.ndarray:
    """Days from a deal's creation to its first activity; not yet answered: the days waited so far."""
    first = activities.groupby("opportunity_id")["occurred_at"].min()
    answered = pd.to_datetime(deals["opportunity_id"].map(first))
    created = pd.to_datetime(deals["created_at"])
    until = answered.where(answered.notna() & (answered < as_of), as_of)
    days = (until - created).dt.total_seconds() / 86_400
    return days.clip(lower=0).fillna(0).to_numpy(dtype=float)


@dataclass
class WinModel:
    """The fitted model: calibrated probabilities, explainable contributions and its held-out AUC."""

    calibrated: CalibratedClassifierCV
    explainer: Pipeline
    held_out_auc: float
    trained_on: int
    held_out_brier: float
    held_out: pd.DataFrame  # per closed deal: out-of-fold probability and outcome ("probability", "won")

    def calibration(self, bins: int = 5) -> list[dict[str, float]]:
        """Out-of-fold probabilities in equal-count bins: mean predicted vs the share actually won."""
        frame = self.held_out.sort_values("probability", kind="stable")
        result = []
        for positions in np.array_split(np.arange(len(frame)), min(bins, len(frame))):
            part = frame.iloc[positions]
            result.append(
                {
                    "deals": len(part),
                    "predicted": round(float(part["probability"].mean()), 4),
                    "won": round(float(part["won"].mean()), 4),
                }
            )
        return result

    def probability(self, features: pd.DataFrame) -> np.ndarray:
        """Calibrated probability that each deal is won."""
        return np.asarray(self.calibrated.predict_proba(features)[:, 1])

    def contributions(self, features: pd.DataFrame, top: int = 5) -> list[list[dict[str, Any]]]:
        """Per deal, the features that moved its log-odds most (feature, contribution, direction)."""
        prep: ColumnTransformer = self.explainer.named_steps["prep"]
        model: LogisticRegression = self.explainer.named_steps["model"]
        matrix = prep.transform(features)
        dense = matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)
        names = [n.split("__", 1)[-1] for n in prep.get_feature_names_out()]
        parts = dense * model.coef_[0]
        result = []
        for row in parts:
            order = np.argsort(-np.abs(row))[:top]
            result.append(
                [{"feature": names[k], "contribution": round(float(row[k]), 3)} for k in order if row[k]]
            )
        return result

    def importances(self) -> dict[str, float]:
        """Global importance: absolute standardized coefficient per feature."""
        prep: ColumnTransformer = self.explainer.named_steps["prep"]
        model: LogisticRegression = self.explainer.named_steps["model"]
        names = [n.split("__", 1)[-1] for n in prep.get_feature_names_out()]
        return {
            n: round(abs(float(c)), 4)
            for n, c in sorted(zip(names, model.coef_[0], strict=True), key=lambda x: -abs(x[1]))
        }


def _pipeline() -> Pipeline:
    prep = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC_FEATURES),
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5), CATEGORICAL_FEATURES),
        ]
    )
    return Pipeline([("prep", prep), ("model", LogisticRegression(C=1.0, max_iter=1000))])


def train_win_model(features: pd.DataFrame, won: pd.Series, *, seed: int = 0) -> WinModel:
    """Fit on closed deals; `won` is 1 for closed_won and 0 for closed_lost, aligned with `features`."""
    counts = won.value_counts()
    if len(counts) < 2 or counts.min() < _MIN_CLASS:
        raise InsufficientHistoryError(
            f"opportunities: need at least {_MIN_CLASS} won and {_MIN_CLASS} lost deals to learn from, "
            f"got {int(counts.get(1, 0))} won and {int(counts.get(0, 0))} lost"
        )
    folds = StratifiedKFold(n_splits=min(_FOLDS, int(counts.min())), shuffle=True, random_state=seed)
    out_of_fold = cross_val_predict(_calibrated(), features, won, cv=folds, method="predict_proba")[:, 1]
    held_out = pd.DataFrame({"probability": out_of_fold, "won": won.to_numpy()}, index=features.index)
    calibrated = _calibrated().fit(features, won)
    explainer = _pipeline().fit(features, won)
    return WinModel(
        calibrated,
        explainer,
        held_out_auc=float(roc_auc_score(won, out_of_fold)),
        trained_on=len(won),
        held_out_brier=float(brier_score_loss(won, out_of_fold)),
        held_out=held_out,
    )


def _calibrated() -> CalibratedClassifierCV:
    return CalibratedClassifierCV(_pipeline(), method="sigmoid", cv=3)
