"""Win probability for open opportunities, learnt from the MSP's own won/lost history.

A calibrated logistic regression (scikit-learn; sigmoid calibration by cross-validation) on what is
known of a deal at the time: its size (log amount, log monthly recurring revenue, log company
size), its source and industry, how many services it bundles, whether the lead is already a
client, and how engaged the buyer is (activities in the 30 days before the decision; for an open
deal, the 30 days before today, so history and present are measured alike). Logistic regression
rather than boosting: a few hundred closed deals is little data, and its coefficients give every
lead an honest explanation (each feature's contribution to the log-odds), which a person can check.
The held-out ROC AUC (a stratified quarter of the closed deals) is reported with every model.
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
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]
from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]
from sklearn.pipeline import Pipeline  # type: ignore[import-untyped]
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # type: ignore[import-untyped]

from hexad.errors import InsufficientHistoryError

__all__ = ["CATEGORICAL_FEATURES", "NUMERIC_FEATURES", "WinModel", "deal_features", "train_win_model"]

NUMERIC_FEATURES = ["log_amount", "log_mrr", "log_employees", "services", "existing_client", "activities_30d"]
CATEGORICAL_FEATURES = ["source", "industry"]
_ENGAGEMENT_DAYS = 30
_MIN_CLASS = 5


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
            "source": deals["source"].fillna("unknown").astype(str),
            "industry": deals["industry"].fillna("unknown").astype(str),
        }
    )
    return frame.set_index("opportunity_id")


def _recent_activities(ids: pd.Series, as_of: pd.Series, activities: pd.DataFrame) -> np.ndarray:
    cutoff = dict(zip(ids, as_of, strict=True))
    acts = activities[activities["opportunity_id"].isin(cutoff)]
    end = acts["opportunity_id"].map(cutoff)
    window = (acts["occurred_at"] < end) & (acts["occurred_at"] >= end - pd.Timedelta(days=_ENGAGEMENT_DAYS))
    counts = acts[window].groupby("opportunity_id").size()
    return ids.map(counts).fillna(0).to_numpy(dtype=float)


@dataclass
class WinModel:
    """The fitted model: calibrated probabilities, explainable contributions and its held-out AUC."""

    calibrated: CalibratedClassifierCV
    explainer: Pipeline
    held_out_auc: float
    trained_on: int

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
    train_x, test_x, train_y, test_y = train_test_split(
        features, won, test_size=0.25, stratify=won, random_state=seed
    )
    held_out = CalibratedClassifierCV(_pipeline(), method="sigmoid", cv=3).fit(train_x, train_y)
    auc = float(roc_auc_score(test_y, held_out.predict_proba(test_x)[:, 1]))
    calibrated = CalibratedClassifierCV(_pipeline(), method="sigmoid", cv=3).fit(features, won)
    explainer = _pipeline().fit(features, won)
    return WinModel(calibrated, explainer, auc, len(won))
