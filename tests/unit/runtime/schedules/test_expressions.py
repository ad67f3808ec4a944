"""Time zones, daylight saving, rate(), at(), start/end dates and flexible windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hexad.errors import ScheduleError, ScheduleExpressionError
from hexad.runtime.schedules.expressions import next_firings, parse_expression
from hexad.runtime.schedules.windows import check_window, window_offset

JAN_2026 = datetime(2026, 1, 1, tzinfo=UTC)


def local(expression: str, zone: str, after: datetime, count: int = 5) -> list[str]:
    return [f.strftime("%m-%d %H:%M %Z") for f in next_firings(expression, zone, after, count)]


def utc(expression: str, zone: str, after: datetime, count: int = 5) -> list[str]:
    return [f.astimezone(UTC).strftime("%m-%d %H:%M") for f in next_firings(expression, zone, after, count)]


# --- daylight saving: America/New_York springs forward 2026-03-08 02:00, falls back 2026-11-01 02:00


def test_new_york_spring_forward_skips_the_missing_time_that_day() -> None:
    assert local("cron(30 2 * * ? *)", "America/New_York", datetime(2026, 3, 7, tzinfo=UTC), 3) == [
        "03-07 02:30 EST", "03-09 02:30 EDT", "03-10 02:30 EDT"
    ]  # fmt: skip


def test_new_york_spring_forward_keeps_times_around_the_gap() -> None:
    after = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST
    assert local("cron(0/30 1-3 8 3 ? 2026)", "America/New_York", after, 10) == [
        "03-08 01:00 EST", "03-08 01:30 EST", "03-08 03:00 EDT", "03-08 03:30 EDT"
    ]  # fmt: skip


def test_new_york_fall_back_fires_a_repeated_time_once_at_its_first_occurrence() -> None:
    assert utc("cron(30 1 * * ? *)", "America/New_York", datetime(2026, 10, 31, tzinfo=UTC), 3) == [
        "10-31 05:30", "11-01 05:30", "11-02 06:30"
    ]  # fmt: skip


def test_new_york_fall_back_does_not_repeat_the_repeated_hour() -> None:
    after = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # 00:00 EDT
    firings = local("cron(0/15 * 1 11 ? 2026)", "America/New_York", after, 12)
    assert firings[:9] == [
        "11-01 00:00 EDT", "11-01 00:15 EDT", "11-01 00:30 EDT", "11-01 00:45 EDT",
        "11-01 01:00 EDT", "11-01 01:15 EDT", "11-01 01:30 EDT", "11-01 01:45 EDT",
        "11-01 02:00 EST",
    ]  # fmt: skip


def test_an_after_inside_the_second_pass_of_the_repeated_hour_waits_for_the_next_new_time() -> None:
    after = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)  # 01:10 EST, the second 01:10
    assert local("cron(0/15 * * * ? *)", "America/New_York", after, 2) == [
        "11-01 02:00 EST",
        "11-01 02:15 EST",
    ]


def test_london_spring_forward_skips_01_30() -> None:
    # Europe/London: 2026-03-29 01:00 GMT -> 02:00 BST
    assert local("cron(30 1 * * ? *)", "Europe/London", datetime(2026, 3, 28, tzinfo=UTC), 3) == [
        "03-28 01:30 GMT", "03-30 01:30 BST", "03-31 01:30 BST"
    ]  # fmt: skip


def test_london_fall_back_fires_once_in_bst() -> None:
    # 2026-10-25 02:00 BST -> 01:00 GMT: 01:30 happens twice, fires at the first (00:30 UTC)
    assert utc("cron(30 1 * * ? *)", "Europe/London", datetime(2026, 10, 24, tzinfo=UTC), 3) == [
        "10-24 00:30", "10-25 00:30", "10-26 01:30"
    ]  # fmt: skip


def test_a_zone_without_daylight_saving_is_not_adjusted() -> None:
    assert utc("cron(30 2 * * ? *)", "Asia/Tokyo", datetime(2026, 3, 7, tzinfo=UTC), 2) == [
        "03-07 17:30", "03-08 17:30"
    ]  # fmt: skip


def test_a_cron_in_a_time_zone_fires_at_local_wall_time() -> None:
    assert utc("cron(30 8 * * ? *)", "America/New_York", JAN_2026, 1) == ["01-01 13:30"]
    assert utc("cron(30 8 * * ? *)", "America/New_York", datetime(2026, 7, 1, tzinfo=UTC), 1) == [
        "07-01 12:30"
    ]


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ScheduleError, match=r"timezone: expected an IANA time zone .*, got Mars/Olympus"):
        next_firings("rate(1 hour)", "Mars/Olympus", JAN_2026)


# --- rate()


def test_rate_counts_from_the_start_date() -> None:
    start = datetime(2026, 1, 1, 0, 7, tzinfo=UTC)
    firings = next_firings("rate(5 minutes)", "UTC", datetime(2026, 1, 1, 1, 0, tzinfo=UTC), 2, start=start)
    assert [f.strftime("%H:%M") for f in firings] == ["01:02", "01:07"]


def test_rate_without_a_start_fires_at_once() -> None:
    after = datetime(2026, 1, 1, 10, 3, 20, tzinfo=UTC)
    firings = next_firings("rate(2 hours)", "UTC", after, 2)
    assert firings == [after, after + timedelta(hours=2)]


def test_rate_in_days_is_24_hours_across_daylight_saving() -> None:
    start = datetime(2026, 3, 7, 17, 0, tzinfo=UTC)  # 12:00 EST
    firings = next_firings("rate(1 day)", "America/New_York", start, 3, start=start)
    assert [f.strftime("%d %H:%M %Z") for f in firings] == ["07 12:00 EST", "08 13:00 EDT", "09 13:00 EDT"]


def test_rate_singular_and_plural() -> None:
    assert parse_expression("rate(1 minute)").text == "rate(1 minute)"
    assert parse_expression("rate(1 hour)").text == "rate(1 hour)"
    assert parse_expression("rate(3 days)").text == "rate(3 days)"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rate(1 minutes)", "rate unit: expected minute for a value of 1, got minutes"),
        ("rate(2 hour)", "rate unit: expected hours for a value of 2, got hour"),
        ("rate(5 weeks)", "rate unit: expected minute(s), hour(s) or day(s), got weeks"),
        ("rate(0 hours)", "rate value: expected a positive whole number, got 0"),
        ("rate(1.5 hours)", "rate value: expected a positive whole number, got 1.5"),
        ("rate(5)", "rate: expected rate(value unit), got rate(5)"),
        ("at(2026-02-30T00:00:00)", "at: expected a real date and time, got 2026-02-30T00:00:00"),
        ("at(2026-02-01 10:00)", "at: expected at(yyyy-mm-ddThh:mm:ss), got at(2026-02-01 10:00)"),
    ],
)
def test_bad_rate_and_at_expressions(expression: str, message: str) -> None:
    with pytest.raises(ScheduleExpressionError) as caught:
        next_firings(expression, "UTC", JAN_2026)
    assert message in str(caught.value)


# --- at()


def test_at_fires_once_in_its_time_zone() -> None:
    assert utc("at(2026-11-20T13:00:00)", "America/Los_Angeles", JAN_2026) == ["11-20 21:00"]


def test_at_in_the_past_never_fires() -> None:
    assert next_firings("at(2025-11-20T13:00:00)", "UTC", JAN_2026) == []


def test_at_inside_the_skipped_hour_fires_at_the_first_valid_minute() -> None:
    assert local("at(2026-03-08T02:30:00)", "America/New_York", JAN_2026) == ["03-08 03:00 EDT"]


def test_at_inside_the_repeated_hour_fires_at_the_first_occurrence() -> None:
    assert utc("at(2026-11-01T01:30:00)", "America/New_York", JAN_2026) == ["11-01 05:30"]


def test_at_ignores_start_and_end() -> None:
    firings = next_firings(
        "at(2026-05-01T09:00:00)", "UTC", JAN_2026, start=datetime(2026, 6, 1), end=datetime(2026, 2, 1)
    )
    assert len(firings) == 1


# --- start and end dates


def test_cron_firings_stay_between_start_and_end() -> None:
    firings = next_firings(
        "cron(0 12 * * ? *)",
        "UTC",
        JAN_2026,
        10,
        start=datetime(2026, 2, 1, 12, 0),
        end=datetime(2026, 2, 4, 12, 0),
    )
    assert [f.strftime("%m-%d") for f in firings] == ["02-01", "02-02", "02-03"]


def test_rate_stops_before_the_end() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    firings = next_firings("rate(1 hour)", "UTC", JAN_2026, 10, start=start, end=start + timedelta(hours=3))
    assert len(firings) == 3


# --- flexible windows


def test_window_offsets_stay_inside_the_window() -> None:
    offsets = [window_offset("nightly", 1_767_225_600 + 60 * i, 15) for i in range(2000)]
    assert min(offsets) >= 0
    assert max(offsets) < 15 * 60
    assert len(set(offsets)) > 500  # spread, not one fixed delay
    assert all(offset == int(offset) for offset in offsets)


def test_window_offsets_are_stable_per_schedule_and_firing() -> None:
    first = window_offset("nightly", 1_767_225_600, 60)
    assert window_offset("nightly", 1_767_225_600, 60) == first
    others = {window_offset(f"nightly-{i}", 1_767_225_600, 60) for i in range(20)}
    assert len(others) > 10  # different schedules spread differently


def test_window_off_means_no_offset() -> None:
    assert window_offset("nightly", 1_767_225_600, None) == 0.0


@pytest.mark.parametrize("minutes", [0, 1441, -5])
def test_window_outside_1_to_1440_minutes_is_refused(minutes: int) -> None:
    with pytest.raises(
        ScheduleError, match=rf"window_minutes: expected OFF .* 1-1440 minutes, got {minutes}"
    ):
        check_window(minutes)
