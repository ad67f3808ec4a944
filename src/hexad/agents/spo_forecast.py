"""Pipeline forecast: expected revenue per month for the next three months, two ways, with intervals.

The weighted forecast is the one every CRM shows (amount × a fixed win rate per stage); the model
forecast uses each deal's calibrated win probability instead. The interval comes from simulating
the pipeline (each deal won or lost by its probability, 10,000 times, numpy): the 10th and 90th
percentiles say how much of the expectation rests on a few large deals. A deal whose expected
close date has passed while it is still open counts in the first month (it is late, not lost).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["STAGE_WEIGHTS", "MonthForecast", "pipeline_forecast"]

STAGE_WEIGHTS = {"prospecting": 0.1, "qualification": 0.25, "proposal": 0.5, "negotiation": 0.75}
_DRAWS = 10_000


@dataclass(frozen=True)
class MonthForecast:
    """One month's expected revenue: weighted, model-based and the model's 80% interval."""

    month: str
    deals: int
    pipeline: float
    weighted: float
    expected: float
    low: float
    high: float

    def to_json(self) -> dict[str, Any]:
        """The month as JSON-able numbers."""
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def pipeline_forecast(
    opportunities: pd.DataFrame, win_probability: pd.Series, today: date, *, months: int = 3, seed: int = 0
) -> list[MonthForecast]:
    """Forecast the months after `today`'s month from open deals; `win_probability` is indexed by deal id."""
    open_deals = opportunities[~opportunities["stage"].astype(str).str.startswith("closed")].copy()
    first = pd.Period(today, freq="M") + 1
    periods = [first + k for k in range(months)]
    close = open_deals["expected_close_date"].dt.to_period("M")
    open_deals["month"] = close.where(close >= first, first)
    rng = np.random.default_rng(seed)
    result = []
    for period in periods:
        deals = open_deals[open_deals["month"] == period]
        amounts = deals["amount"].fillna(0).to_numpy(dtype=float)
        probability = deals["opportunity_id"].map(win_probability).fillna(0).to_numpy(dtype=float)
        weights = deals["stage"].map(STAGE_WEIGHTS).fillna(0).to_numpy(dtype=float)
        won = rng.random((_DRAWS, len(deals))) < probability
        totals = won @ amounts if len(deals) else np.zeros(_DRAWS)
        result.append(
            MonthForecast(
                month=str(period),
                deals=len(deals),
                pipeline=float(amounts.sum()),
                weighted=float(weights @ amounts),
                expected=float(probability @ amounts),
                low=float(np.percentile(totals, 10)),
                high=float(np.percentile(totals, 90)),
            )
        )
    return result
