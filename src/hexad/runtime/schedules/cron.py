"""EventBridge Scheduler `cron(...)` expressions: parsing and matching local wall-clock times.

Written by hand on purpose: Unix cron libraries (croniter, python-crontab) implement Unix semantics,
and AWS cron differs in ways that change when a schedule fires: a sixth `year` field (1970-2199),
day-of-week numbered 1-7 from SUNDAY (Unix counts 0-6 from Sunday, and Monday=1), the rule that
exactly one of day-of-month/day-of-week is `?` (Unix ORs the two), and the Quartz-style `L`, `W`
and `#` wildcards. This module follows the field table of the EventBridge Scheduler user guide
("Schedule types on EventBridge Scheduler"):

| field        | values          | wildcards      |
|--------------|-----------------|----------------|
| minutes      | 0-59            | , - * /        |
| hours        | 0-23            | , - * /        |
| day-of-month | 1-31            | , - * ? / L W  |
| month        | 1-12 or JAN-DEC | , - * /        |
| day-of-week  | 1-7 or SUN-SAT  | , - * ? L #    |
| year         | 1970-2199       | , - * /        |

The year field may be left out (five fields), which means every year. Time zones are not handled
here: `local_times` yields naive wall-clock times and `hexad.runtime.schedules.expressions` maps them
to instants, applying the daylight-saving rules.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from hexad.errors import ScheduleExpressionError

__all__ = ["CronExpression", "aws_weekday", "parse_cron"]

MIN_YEAR = 1970
MAX_YEAR = 2199
_MONTH_ABBREVIATIONS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTH_NAMES = {name: number for number, name in enumerate(_MONTH_ABBREVIATIONS, start=1)}
_DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


@dataclass(frozen=True)
class _Field:
    """How one cron field is spelled: its range, names and allowed wildcards."""

    name: str
    low: int
    high: int
    expected: str
    wildcards: str
    names: Mapping[str, int] = field(default_factory=dict)
    cyclic: bool = True


_MINUTES = _Field("minutes", 0, 59, "0-59", ",-*/")
_HOURS = _Field("hours", 0, 23, "0-23", ",-*/")
_DAY_OF_MONTH = _Field("day-of-month", 1, 31, "1-31", ",-*?/LW")
_MONTH = _Field("month", 1, 12, "1-12 or JAN-DEC", ",-*/", _MONTH_NAMES)
_DAY_OF_WEEK = _Field("day-of-week", 1, 7, "1-7 or SUN-SAT", ",-*?L#", _DAY_NAMES)
_YEAR = _Field("year", MIN_YEAR, MAX_YEAR, "1970-2199", ",-*/", cyclic=False)


def aws_weekday(day: date) -> int:
    """The AWS day-of-week number of `day`: SUN=1, MON=2 ... SAT=7."""
    return (day.weekday() + 1) % 7 + 1


def _error(spec: _Field, expected: str, got: str) -> ScheduleExpressionError:
    return ScheduleExpressionError(f"{spec.name}: expected {expected}, got {got or '(empty)'}")


def _value(text: str, spec: _Field) -> int:
    upper = text.upper()
    if upper in spec.names:
        return spec.names[upper]
    if not upper.isdigit() or not spec.low <= int(upper) <= spec.high:
        raise _error(spec, spec.expected, text)
    return int(upper)


def _expand(start: int, end: int, step: int, spec: _Field, text: str) -> set[int]:
    if start <= end:
        return set(range(start, end + 1, step))
    if not spec.cyclic:
        raise _error(spec, "a range whose start is not after its end", text)
    size = spec.high - spec.low + 1
    span = (end - start) % size
    return {spec.low + (start - spec.low + offset) % size for offset in range(0, span + 1, step)}


def _part(part: str, spec: _Field) -> set[int]:
    base, slash, step_text = part.partition("/")
    step = 1
    if slash:
        if "/" not in spec.wildcards:
            raise _error(spec, f"{spec.expected} without '/' increments", part)
        if not step_text.isdigit() or int(step_text) < 1:
            raise _error(spec, "a positive increment after '/'", part)
        step = int(step_text)
    if base == "*":
        return _expand(spec.low, spec.high, step, spec, part)
    if "-" in base:
        first, _, last = base.partition("-")
        return _expand(_value(first, spec), _value(last, spec), step, spec, part)
    start = _value(base, spec)
    return _expand(start, spec.high if slash else start, step, spec, part)


def _values(text: str, spec: _Field) -> tuple[int, ...]:
    """A field made of `,`-separated values, ranges and increments, as sorted numbers."""
    if not text:
        raise _error(spec, spec.expected, text)
    values: set[int] = set()
    for part in text.split(","):
        values |= _part(part, spec)
    return tuple(sorted(values))


DayOfMonthKind = Literal["any", "values", "last", "last_weekday", "nearest_weekday"]
DayOfWeekKind = Literal["any", "values", "last_of", "nth"]


@dataclass(frozen=True)
class _DayOfMonth:
    kind: DayOfMonthKind
    values: tuple[int, ...] = ()

    def days(self, year: int, month: int) -> set[int]:
        last = calendar.monthrange(year, month)[1]
        if self.kind == "values":
            return {day for day in self.values if day <= last}
        if self.kind == "last":
            return {last}
        if self.kind == "last_weekday":
            return {_nearest_weekday(year, month, last, last)}
        if self.kind == "nearest_weekday":
            wanted = self.values[0]
            return {_nearest_weekday(year, month, wanted, last)} if wanted <= last else set()
        return set(range(1, last + 1))


@dataclass(frozen=True)
class _DayOfWeek:
    kind: DayOfWeekKind
    values: tuple[int, ...] = ()
    nth: int = 0

    def days(self, year: int, month: int) -> set[int]:
        last = calendar.monthrange(year, month)[1]
        if self.kind == "any":
            return set(range(1, last + 1))
        if self.kind == "values":
            return {d for d in range(1, last + 1) if aws_weekday(date(year, month, d)) in self.values}
        weekday = self.values[0]
        first = 1 + (weekday - aws_weekday(date(year, month, 1))) % 7
        if self.kind == "nth":
            day = first + 7 * (self.nth - 1)
            return {day} if day <= last else set()
        return {first + 7 * ((last - first) // 7)}


def _nearest_weekday(year: int, month: int, day: int, last: int) -> int:
    """The weekday (MON-FRI) nearest to `day`, never leaving the month, as Quartz's `W` does."""
    weekday = aws_weekday(date(year, month, day))
    if weekday == 7:  # Saturday: Friday before, or Monday after when the 1st is a Saturday
        return day - 1 if day > 1 else day + 2
    if weekday == 1:  # Sunday: Monday after, or Friday before when the month ends on Sunday
        return day + 1 if day < last else day - 2
    return day


def _day_of_month(text: str) -> _DayOfMonth:
    upper = text.upper()
    if upper == "?":
        return _DayOfMonth("any")
    if upper == "L":
        return _DayOfMonth("last")
    if upper == "LW":
        return _DayOfMonth("last_weekday")
    if upper.endswith("W"):
        if "," in upper or "-" in upper or "/" in upper:
            raise _error(_DAY_OF_MONTH, "a single day before W, such as 15W", text)
        return _DayOfMonth("nearest_weekday", (_value(upper[:-1], _DAY_OF_MONTH),))
    if "L" in upper:
        raise _error(_DAY_OF_MONTH, "L or LW alone in the field", text)
    return _DayOfMonth("values", _values(upper, _DAY_OF_MONTH))


def _day_of_week(text: str) -> _DayOfWeek:
    upper = text.upper()
    if upper == "?":
        return _DayOfWeek("any")
    if upper == "L":
        return _DayOfWeek("values", (7,))
    if "#" in upper:
        return _nth_weekday(upper)
    if upper.endswith("L"):
        if "," in upper or "-" in upper:
            raise _error(_DAY_OF_WEEK, "a single day before L, such as 6L or FRIL", text)
        return _DayOfWeek("last_of", (_value(upper[:-1], _DAY_OF_WEEK),))
    if "L" in upper:
        raise _error(_DAY_OF_WEEK, "L only at the end of a single day (6L) or alone", text)
    return _DayOfWeek("values", _values(upper, _DAY_OF_WEEK))


def _nth_weekday(text: str) -> _DayOfWeek:
    if "," in text or "-" in text:
        raise _error(_DAY_OF_WEEK, "one expression when '#' is used, such as 3#2", text)
    day, _, nth = text.partition("#")
    if not nth.isdigit() or not 1 <= int(nth) <= 5:
        raise _error(_DAY_OF_WEEK, "an occurrence 1-5 after '#', such as 3#2", text)
    return _DayOfWeek("nth", (_value(day, _DAY_OF_WEEK),), int(nth))


@dataclass(frozen=True)
class CronExpression:
    """A compiled `cron(...)` expression; `local_times` enumerates the wall-clock times it matches."""

    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    day_of_month: _DayOfMonth
    months: tuple[int, ...]
    day_of_week: _DayOfWeek
    years: tuple[int, ...]

    def days(self, year: int, month: int) -> list[int]:
        """The days of `month` that match both day fields (one of them is `?`)."""
        return sorted(self.day_of_month.days(year, month) & self.day_of_week.days(year, month))

    def local_times(self, start: datetime) -> Iterator[datetime]:
        """Matching naive wall-clock times at or after naive `start`, ascending, until year 2199."""
        times = [(hour, minute) for hour in self.hours for minute in self.minutes]
        for year, month in self._months_from(start.year, start.month):
            for day in self.days(year, month):
                if date(year, month, day) < start.date():
                    continue
                for hour, minute in times:
                    candidate = datetime(year, month, day, hour, minute)
                    if candidate >= start:
                        yield candidate

    def _months_from(self, year: int, month: int) -> Iterator[tuple[int, int]]:
        for candidate_year in self.years:
            for candidate_month in self.months:
                if (candidate_year, candidate_month) >= (year, month):
                    yield candidate_year, candidate_month


def parse_cron(body: str) -> CronExpression:
    """Compile the fields inside `cron(...)`; `ScheduleExpressionError` names the field that is wrong."""
    fields = body.split()
    if len(fields) == 5:
        fields.append("*")
    if len(fields) != 6:
        raise ScheduleExpressionError(
            "cron: expected 6 fields (minutes hours day-of-month month day-of-week year), "
            f"got {len(fields)} in cron({body})"
        )
    minutes, hours, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError(
            f"day-of-month/day-of-week: expected '?' in exactly one of them, got {dom} and {dow}"
        )
    return CronExpression(
        text=f"cron({' '.join(fields)})",
        minutes=_values(minutes, _MINUTES),
        hours=_values(hours, _HOURS),
        day_of_month=_day_of_month(dom),
        months=_values(month, _MONTH),
        day_of_week=_day_of_week(dow),
        years=_values(year, _YEAR),
    )
