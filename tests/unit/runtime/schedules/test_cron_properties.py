"""Property tests: the cron engine against a brute-force minute scan written independently of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from hexad.runtime.schedules.expressions import next_firings


def _field(values: frozenset[int]) -> str:
    return ",".join(str(v) for v in sorted(values))


def _aws_weekday(moment: datetime) -> int:
    return moment.isoweekday() % 7 + 1  # ISO Monday=1 .. Sunday=7 -> AWS Sunday=1 .. Saturday=7


values = st.frozensets


@dataclass(frozen=True)
class Fields:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    by_weekday: bool

    def expression(self) -> str:
        dom, dow = ("?", _field(self.weekdays)) if self.by_weekday else (_field(self.days), "?")
        return f"cron({_field(self.minutes)} {_field(self.hours)} {dom} {_field(self.months)} {dow} *)"

    def matches(self, t: datetime) -> bool:
        day_ok = _aws_weekday(t) in self.weekdays if self.by_weekday else t.day in self.days
        return t.minute in self.minutes and t.hour in self.hours and t.month in self.months and day_ok


cron_fields = st.builds(
    Fields,
    minutes=values(st.integers(0, 59), min_size=1, max_size=3),
    hours=values(st.integers(0, 23), min_size=1, max_size=3),
    days=values(st.integers(1, 31), min_size=1, max_size=4),
    months=values(st.integers(1, 12), min_size=1, max_size=12),
    weekdays=values(st.integers(1, 7), min_size=1, max_size=3),
    by_weekday=st.booleans(),
)


def _brute_force(fields: Fields, start: datetime, count: int) -> list[datetime]:
    """Every minute of the hours the fields allow, for 400 days."""
    found, moment = [], start
    while moment < start + timedelta(days=400) and len(found) < count:
        if fields.matches(moment):
            found.append(moment)
        step = timedelta(minutes=1) if moment.hour in fields.hours else timedelta(minutes=60 - moment.minute)
        moment += step
    return found


@settings(max_examples=60, deadline=None)
@given(fields=cron_fields, offset_days=st.integers(0, 700))
def test_utc_firings_equal_a_brute_force_scan(fields: Fields, offset_days: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=offset_days)
    expected = _brute_force(fields, start, 8)
    got = next_firings(fields.expression(), "UTC", start, len(expected))
    assert [g.astimezone(UTC) for g in got] == expected


zones = st.sampled_from(["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata"])


@settings(max_examples=40, deadline=None)
@given(
    zone=zones,
    minutes=values(st.integers(0, 59), min_size=1, max_size=4),
    hours=values(st.integers(0, 23), min_size=1, max_size=4),
    offset_hours=st.integers(0, 24 * 365),
)
def test_zoned_firings_show_matching_wall_times_once_each(
    zone: str, minutes: frozenset[int], hours: frozenset[int], offset_hours: int
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=offset_hours)
    firings = next_firings(f"cron({_field(minutes)} {_field(hours)} * * ? *)", zone, start, 40)
    instants = [f.astimezone(UTC) for f in firings]
    assert instants == sorted(set(instants))  # strictly increasing: nothing fires twice
    assert all(i >= start for i in instants)
    walls = [i.astimezone(ZoneInfo(zone)).replace(tzinfo=None) for i in instants]
    assert len(walls) == len(set(walls))  # a repeated wall-clock time fires once
    assert all(w.minute in minutes and w.hour in hours for w in walls)
