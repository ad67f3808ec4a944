"""cron(...) expressions in UTC: fields, wildcards and calendar edge cases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hexad.errors import ScheduleError, ScheduleExpressionError, ValidationError
from hexad.runtime.schedules.expressions import next_firings

JAN_2026 = datetime(2026, 1, 1, tzinfo=UTC)


def firings(expression: str, after: datetime = JAN_2026, count: int = 5) -> list[str]:
    return [f.strftime("%Y-%m-%d %H:%M") for f in next_firings(expression, "UTC", after, count)]


def days(expression: str, after: datetime = JAN_2026, count: int = 5) -> list[str]:
    return [f.strftime("%Y-%m-%d") for f in next_firings(expression, "UTC", after, count)]


def test_minute_increments_start_at_the_given_minute() -> None:
    assert [f[-2:] for f in firings("cron(1/10 10 * * ? *)", count=7)] == [
        "01", "11", "21", "31", "41", "51", "01"
    ]  # fmt: skip


def test_lists_ranges_and_names() -> None:
    assert firings("cron(0 8,17 ? JAN MON-WED 2026)", count=4) == [
        "2026-01-05 08:00", "2026-01-05 17:00", "2026-01-06 08:00", "2026-01-06 17:00"
    ]  # fmt: skip


def test_day_of_week_counts_from_sunday() -> None:
    assert days("cron(0 0 ? * 1 *)", count=2) == ["2026-01-04", "2026-01-11"]  # Sundays
    assert days("cron(0 0 ? * 7 *)", count=1) == ["2026-01-03"]  # Saturday


def test_a_range_may_wrap_around() -> None:
    assert days("cron(0 0 ? * FRI-MON *)", count=5) == [
        "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2026-01-09"
    ]  # fmt: skip
    assert firings("cron(0 22-1 1 1 ? 2026)", count=5) == [
        "2026-01-01 00:00", "2026-01-01 01:00", "2026-01-01 22:00", "2026-01-01 23:00"
    ]  # fmt: skip


def test_five_fields_mean_every_year() -> None:
    assert days("cron(0 0 1 1 ?)", count=2) == ["2026-01-01", "2027-01-01"]


def test_the_29th_of_february_only_in_leap_years() -> None:
    assert days("cron(0 0 29 2 ? *)", count=3) == ["2028-02-29", "2032-02-29", "2036-02-29"]


def test_the_last_day_of_february_follows_leap_years() -> None:
    assert days("cron(0 12 L 2 ? *)", count=3) == ["2026-02-28", "2027-02-28", "2028-02-29"]


def test_the_31st_only_in_months_that_have_one() -> None:
    assert [d[5:7] for d in days("cron(0 0 31 * ? 2026)", count=10)] == [
        "01", "03", "05", "07", "08", "10", "12"
    ]  # fmt: skip


def test_last_day_of_every_month() -> None:
    assert days("cron(0 0 L * ? 2026)", count=4) == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]


def test_w_on_a_saturday_first_moves_forward_to_monday() -> None:
    after = datetime(2026, 7, 15, tzinfo=UTC)  # 2026-08-01 is a Saturday
    assert days("cron(0 0 1W 8 ? 2026)", after) == ["2026-08-03"]


def test_w_on_a_sunday_31st_moves_back_to_friday() -> None:
    assert days("cron(0 0 31W 5 ? 2026)") == ["2026-05-29"]  # 2026-05-31 is a Sunday


def test_w_moves_weekend_days_to_the_nearest_weekday() -> None:
    assert days("cron(0 0 15W 11 ? 2026)") == ["2026-11-16"]  # Sunday -> Monday
    assert days("cron(0 0 31W 10 ? 2026)") == ["2026-10-30"]  # Saturday -> Friday
    assert days("cron(0 0 14W 1 ? 2026)") == ["2026-01-14"]  # a Wednesday stays


def test_w_for_a_day_the_month_does_not_have_never_fires_that_month() -> None:
    assert [d[5:7] for d in days("cron(0 0 31W * ? 2026)", count=12)] == [
        "01", "03", "05", "07", "08", "10", "12"
    ]  # fmt: skip


def test_lw_is_the_last_weekday_of_the_month() -> None:
    # January 2026 ends on a Saturday, February on a Saturday, March on a Tuesday.
    assert days("cron(0 0 LW * ? 2026)", count=3) == ["2026-01-30", "2026-02-27", "2026-03-31"]


def test_nth_weekday_skips_months_without_a_fifth_one() -> None:
    # fifth Friday of each month in 2026
    assert days("cron(0 9 ? * 6#5 2026)", count=5) == [
        "2026-01-30", "2026-05-29", "2026-07-31", "2026-10-30"
    ]  # fmt: skip


def test_nth_weekday_by_name() -> None:
    assert days("cron(0 9 ? * TUE#2 2026)", count=2) == ["2026-01-13", "2026-02-10"]


def test_last_friday_of_the_month() -> None:
    assert firings("cron(15 10 ? * 6L 2022-2026)", count=3) == [
        "2026-01-30 10:15", "2026-02-27 10:15", "2026-03-27 10:15"
    ]  # fmt: skip


def test_l_alone_in_day_of_week_is_saturday() -> None:
    assert days("cron(0 0 ? * L *)", count=2) == ["2026-01-03", "2026-01-10"]


def test_a_year_range_ends_the_schedule() -> None:
    assert days("cron(0 0 1 1 ? 2027-2028)", count=5) == ["2027-01-01", "2028-01-01"]


def test_year_increments() -> None:
    assert days("cron(0 0 1 1 ? 2030/50)", count=5) == [
        "2030-01-01",
        "2080-01-01",
        "2130-01-01",
        "2180-01-01",
    ]


def test_the_last_possible_year_is_2199() -> None:
    after = datetime(2199, 12, 31, 23, 58, tzinfo=UTC)
    assert firings("cron(* * * * ? *)", after, count=5) == ["2199-12-31 23:58", "2199-12-31 23:59"]


def test_firings_are_at_or_after_the_given_time() -> None:
    at_noon = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert firings("cron(0 12 * * ? *)", at_noon, count=1) == ["2026-01-01 12:00"]
    assert firings("cron(0 12 * * ? *)", at_noon.replace(second=1), count=1) == ["2026-01-02 12:00"]


def test_lower_case_names_and_a_naive_after_are_accepted() -> None:
    assert days("cron(0 0 ? jan fri 2026)", datetime(2026, 1, 1), count=1) == ["2026-01-02"]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 9 ? * 8 *)", "day-of-week: expected 1-7 or SUN-SAT, got 8"),
        ("cron(0 9 ? * 0 *)", "day-of-week: expected 1-7 or SUN-SAT, got 0"),
        ("cron(60 9 * * ? *)", "minutes: expected 0-59, got 60"),
        ("cron(0 24 * * ? *)", "hours: expected 0-23, got 24"),
        ("cron(0 9 32 * ? *)", "day-of-month: expected 1-31, got 32"),
        ("cron(0 9 1 13 ? *)", "month: expected 1-12 or JAN-DEC, got 13"),
        ("cron(0 9 1 FOO ? *)", "month: expected 1-12 or JAN-DEC, got FOO"),
        ("cron(0 9 1 * ? 1969)", "year: expected 1970-2199, got 1969"),
        ("cron(0 9 1 * ? 2200)", "year: expected 1970-2199, got 2200"),
        ("cron(0 9 1 * ? 2030-2027)", "year: expected a range whose start is not after its end"),
        ("cron(0 9 * * * *)", "expected '?' in exactly one of them, got * and *"),
        ("cron(0 9 ? * ? *)", "expected '?' in exactly one of them, got ? and ?"),
        ("cron(0 9 1 * 2 *)", "expected '?' in exactly one of them"),
        ("cron(0 9 * *)", "cron: expected 6 fields"),
        ("cron(0 9 * * ? * *)", "cron: expected 6 fields"),
        ("cron(0 9 ? * 1/2 *)", "day-of-week: expected 1-7 or SUN-SAT without '/' increments, got 1/2"),
        ("cron(0/0 9 * * ? *)", "minutes: expected a positive increment after '/', got 0/0"),
        ("cron(0 9 ? * 3#1,6#3 *)", "day-of-week: expected one expression when '#' is used"),
        ("cron(0 9 ? * 3#6 *)", "day-of-week: expected an occurrence 1-5 after '#'"),
        ("cron(0 9 ? * 1,6L *)", "day-of-week: expected a single day before L"),
        ("cron(0 9 1-5W * ? *)", "day-of-month: expected a single day before W"),
        ("cron(0 9 L-3 * ? *)", "day-of-month: expected L or LW alone in the field"),
        ("cron(0 9 1,,2 * ? *)", "day-of-month: expected 1-31, got (empty)"),
        ("cron(0 9 ? * MON-FOO *)", "day-of-week: expected 1-7 or SUN-SAT, got FOO"),
        ("every day", "expression: expected cron(...), rate(...) or at(...), got every day"),
    ],
)
def test_bad_cron_expressions_name_the_field(expression: str, message: str) -> None:
    with pytest.raises(ScheduleExpressionError, match=None) as caught:
        next_firings(expression, "UTC", JAN_2026, 1)
    assert message in str(caught.value)
    assert isinstance(caught.value, ScheduleError)
    assert isinstance(caught.value, ValidationError)
