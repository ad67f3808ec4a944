from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hexad.errors import ValidationError
from hexad.intelligence.anomaly import detect, seasonal_period


def _days(n: int) -> list[datetime]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [start + timedelta(days=i) for i in range(n)]


def _weekly(n: int) -> list[float]:
    """A weekday/weekend pattern with mild noise: weekends are a third of weekdays."""
    return [(30.0 if i % 7 < 5 else 10.0) + math.sin(i * 1.7) for i in range(n)]


def test_spike_scores_high_and_ordinary_points_low() -> None:
    values = _weekly(70)
    values[50] = 90.0
    scores = detect(values, _days(70))
    assert scores[50] > 0.9
    assert max(scores[:50] + scores[51:]) < 0.2


def test_seasonal_peak_is_not_an_anomaly_but_an_off_season_peak_is() -> None:
    values = _weekly(70)
    values[61] = 10.0 + 20.0  # a weekday level on a weekend day (day 61 is a weekend phase)
    assert 61 % 7 >= 5
    scores = detect(values, _days(70))
    assert scores[61] > 0.8
    assert max(scores[:61]) < 0.2


def test_past_outliers_do_not_mask_later_ones() -> None:
    values = [100.0 + (i % 3) for i in range(40)]
    values[10] = 1000.0
    values[30] = 1000.0
    scores = detect(values, [datetime(2026, 1, 1) + timedelta(hours=7 * i) for i in range(40)])
    assert scores[10] > 0.9
    assert scores[30] > 0.9


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=60),
    st.integers(min_value=0, max_value=59),
)
def test_no_look_ahead(values: list[float], cut: int) -> None:
    """A point's score is the same whether or not later points exist, and always in [0, 1]."""
    timestamps = _days(len(values))
    full = detect(values, timestamps)
    cut = min(cut, len(values))
    assert detect(values[:cut], timestamps[:cut]) == full[:cut]
    assert all(0.0 <= s <= 1.0 for s in full)


def test_changing_a_later_point_never_changes_earlier_scores() -> None:
    values = _weekly(40)
    before = detect(values, _days(40))
    values[35] = 1e9
    after = detect(values, _days(40))
    assert after[:35] == before[:35]
    assert after[35] > 0.99


def test_periods_from_spacing() -> None:
    assert seasonal_period(_days(10)) == 7
    assert seasonal_period([datetime(2026, m, 1) for m in range(1, 13)]) == 12
    assert seasonal_period([datetime(2026, 1, 1) + timedelta(hours=h) for h in range(10)]) == 24
    assert seasonal_period([datetime(2026, 1, 1) + timedelta(minutes=7 * h) for h in range(10)]) == 0


def test_bad_input_is_named() -> None:
    with pytest.raises(ValidationError, match="as many timestamps as values"):
        detect([1.0, 2.0], _days(1))
    with pytest.raises(ValidationError, match="ascending"):
        detect([1.0, 2.0], list(reversed(_days(2))))
