"""`detect(values, timestamps)`: a streaming, seasonality-aware, robust anomaly score for any series.

Each point is scored from the points before it and itself only (no look-ahead), so the score a
dashboard shows today never changes tomorrow and the same function serves live streams. The method:

1. Seasonal period from the typical spacing of the timestamps: hourly data -> 24, daily -> 7,
   monthly -> 12, anything else -> none.
2. Baseline of a point: the median of earlier points at the same phase of the season, else the
   median of the last `window` earlier points; medians shrug off past outliers.
3. Spread: the median absolute deviation of earlier points' residuals from their own baselines
   (scaled to a standard deviation), floored at a small share of the baseline's level so a flat
   series does not turn rounding noise into alarms.
4. Score: `tanh(max(0, |z| - 2.5) / 3)`, 0 for ordinary points, near 1 for far-out ones. Points with
   fewer than `min_history` predecessors, or before one full season, score 0 (not enough to judge).

Hand-written because the libraries that do seasonal decomposition (statsmodels STL, MSTL) fit the
whole series at once; refitting them per point to stay causal is O(n^2) fits and still needs two
full seasons before it says anything.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from statistics import median

from hexad.errors import ValidationError

__all__ = ["detect", "seasonal_period"]

_PERIODS = ((timedelta(hours=1), 24), (timedelta(days=1), 7), (timedelta(days=30.4), 12))


def seasonal_period(timestamps: Sequence[datetime]) -> int:
    """The season length implied by the median spacing of the timestamps (0 when there is none)."""
    if len(timestamps) < 3:
        return 0
    gaps = sorted((b - a).total_seconds() for a, b in itertools.pairwise(timestamps))
    typical = gaps[len(gaps) // 2]
    for spacing, period in _PERIODS:
        if abs(typical - spacing.total_seconds()) <= 0.15 * spacing.total_seconds():
            return period
    return 0


def detect(
    values: Sequence[float],
    timestamps: Sequence[datetime],
    *,
    window: int = 24,
    min_history: int = 4,
) -> list[float]:
    """An anomaly score in [0, 1] per point, from that point and the points before it only."""
    if len(values) != len(timestamps):
        raise ValidationError(
            f"detect: expected as many timestamps as values, got {len(timestamps)} and {len(values)}"
        )
    if any(b < a for a, b in itertools.pairwise(timestamps)):
        raise ValidationError("detect: timestamps must be in ascending order")
    period = seasonal_period(timestamps)
    needed = max(min_history, period)
    scores: list[float] = []
    residuals: list[float] = []
    for index, value in enumerate(values):
        history = values[:index]
        if len(history) < needed or math.isnan(value):
            scores.append(0.0)
            if history:
                residuals.append(value - _baseline(history, period, window))
            continue
        baseline = _baseline(history, period, window)
        residual = value - baseline
        spread = _spread(residuals[-(window * 2) :], baseline)
        scores.append(_score(residual / spread))
        residuals.append(residual)
    return scores


def _baseline(history: Sequence[float], period: int, window: int) -> float:
    index = len(history)
    if period:
        same_phase = [history[i] for i in range(index - period, -1, -period)][:window]
        if same_phase:
            return float(median(same_phase))
    return float(median(history[-window:]))


def _spread(residuals: Sequence[float], baseline: float) -> float:
    floor = max(abs(baseline) * 0.01, 1e-9)
    if len(residuals) < 2:
        return max(abs(baseline) * 0.1, floor)
    center = median(residuals)
    mad = median(abs(r - center) for r in residuals)
    return max(1.4826 * mad, floor)


def _score(z: float) -> float:
    return math.tanh(max(0.0, abs(z) - 2.5) / 3.0)
