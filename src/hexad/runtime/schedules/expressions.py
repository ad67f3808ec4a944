"""EventBridge Scheduler schedule expressions: `cron(...)`, `rate(...)`, `at(...)` and when they fire.

Written by hand because AWS semantics differ from Unix cron libraries (see `cron.py`). Time rules,
as the EventBridge Scheduler user guide states them:

- cron and at() are evaluated in the schedule's IANA time zone. On a spring-forward day a cron
  firing whose wall-clock time does not exist is skipped that day (the guide: "your schedule
  invocation is skipped"); on a fall-back day a wall-clock time that occurs twice fires once, at
  its first occurrence.
- An at() time inside a skipped hour would otherwise never fire, so it fires at the first valid
  minute after the gap (02:30 on the spring-forward day in New York fires at 03:00 EDT).
- rate() is a fixed duration (`days` means 24 hours, whatever the clocks do) counted from the
  schedule's start date, or from its creation when it has none ("starts invoking immediately").
- Start dates are inclusive, end dates exclusive; at() ignores both, as AWS does.

All instants returned are aware datetimes; `next_firings` shows them in the schedule's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hexad.errors import ScheduleError, ScheduleExpressionError
from hexad.runtime.schedules.cron import CronExpression, parse_cron

__all__ = [
    "AtExpression",
    "CronExpression",
    "Expression",
    "RateExpression",
    "firing_times",
    "next_firings",
    "parse_expression",
    "time_zone",
]

_EXPRESSION = re.compile(r"^\s*(cron|rate|at)\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class RateExpression:
    """`rate(value unit)`: every `value` minutes, hours or days (a day is always 24 hours)."""

    text: str
    value: int
    unit: str

    @property
    def period(self) -> timedelta:
        """The fixed time between two firings."""
        return timedelta(seconds=self.value * _UNIT_SECONDS[self.unit])


@dataclass(frozen=True)
class AtExpression:
    """`at(yyyy-mm-ddThh:mm:ss)`: one firing at a wall-clock time of the schedule's time zone."""

    text: str
    when: datetime


Expression = CronExpression | RateExpression | AtExpression


@lru_cache(maxsize=2048)
def parse_expression(text: str) -> Expression:
    """Compile an expression; `ScheduleExpressionError` says which part is wrong and what was expected."""
    match = _EXPRESSION.match(text)
    if match is None:
        raise ScheduleExpressionError(
            f"expression: expected cron(...), rate(...) or at(...), got {text.strip() or '(empty)'}"
        )
    kind, body = match.group(1).lower(), match.group(2).strip()
    if kind == "cron":
        return parse_cron(body)
    if kind == "rate":
        return _parse_rate(body)
    return _parse_at(body)


def _parse_rate(body: str) -> RateExpression:
    parts = body.split()
    if len(parts) != 2:
        raise ScheduleExpressionError(f"rate: expected rate(value unit), got rate({body})")
    value_text, unit = parts[0], parts[1].lower()
    if not value_text.isdigit() or int(value_text) < 1:
        raise ScheduleExpressionError(f"rate value: expected a positive whole number, got {value_text}")
    value = int(value_text)
    singular = unit.removesuffix("s")
    if singular not in _UNIT_SECONDS:
        raise ScheduleExpressionError(f"rate unit: expected minute(s), hour(s) or day(s), got {parts[1]}")
    wanted = singular if value == 1 else singular + "s"
    if unit != wanted:
        raise ScheduleExpressionError(f"rate unit: expected {wanted} for a value of {value}, got {parts[1]}")
    return RateExpression(f"rate({value} {unit})", value, singular)


def _parse_at(body: str) -> AtExpression:
    if not _AT.match(body):
        raise ScheduleExpressionError(f"at: expected at(yyyy-mm-ddThh:mm:ss), got at({body})")
    try:
        when = datetime.fromisoformat(body)
    except ValueError as exc:
        raise ScheduleExpressionError(f"at: expected a real date and time, got {body} ({exc})") from None
    return AtExpression(f"at({body})", when)


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; `ScheduleError` when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"timezone: expected an IANA time zone such as UTC or Europe/London, got {name or '(empty)'}"
        ) from None


def _existing_instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The first instant showing naive `wall` in `zone`, or None when the clocks skip it."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    return instant if instant.astimezone(zone).replace(tzinfo=None) == wall else None


def _cron_times(cron: CronExpression, zone: ZoneInfo, since: datetime) -> Iterator[datetime]:
    local_since = since.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    for wall in cron.local_times(local_since):
        instant = _existing_instant(wall, zone)
        if instant is not None and instant >= since:
            yield instant


def _rate_times(rate: RateExpression, anchor: datetime, since: datetime) -> Iterator[datetime]:
    period = rate.period
    steps = 0 if since <= anchor else -((anchor - since) // period)
    instant = anchor.astimezone(UTC) + steps * period
    while instant.year <= 9998:
        yield instant
        instant += period


def _at_time(at: AtExpression, zone: ZoneInfo) -> datetime:
    wall = at.when
    instant = _existing_instant(wall, zone)
    while instant is None:  # inside a skipped hour: the first valid minute after it
        wall = wall.replace(second=0) + _MINUTE
        instant = _existing_instant(wall, zone)
    return instant


def firing_times(
    expression: Expression,
    zone: ZoneInfo,
    since: datetime,
    *,
    anchor: datetime | None = None,
    end: datetime | None = None,
) -> Iterator[datetime]:
    """Firing instants (aware, UTC) at or after aware `since` and before `end`, in order.

    `anchor` is where a rate() counts from (the start date, else the creation time; `since` when
    neither is known). at() ignores `end`, as AWS ignores end dates for one-time schedules.
    """
    if isinstance(expression, AtExpression):
        instant = _at_time(expression, zone)
        if instant >= since:
            yield instant
        return
    if isinstance(expression, RateExpression):
        times = _rate_times(expression, anchor or since, since)
    else:
        times = _cron_times(expression, zone, since)
    for instant in times:
        if end is not None and instant >= end:
            return
        yield instant


def next_firings(
    expression: str | Expression,
    timezone: str = "UTC",
    after: datetime | None = None,
    count: int = 5,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[datetime]:
    """The next `count` firings at or after `after` (default: now), in the schedule's time zone.

    Naive `after`, `start` and `end` are read as UTC. A rate() without `start` counts from `after`,
    as a new schedule would. Bad expressions raise `ScheduleExpressionError`.
    """
    compiled = parse_expression(expression) if isinstance(expression, str) else expression
    zone = time_zone(timezone)
    since = _aware(after) if after is not None else datetime.now(UTC)
    if start is not None and not isinstance(compiled, AtExpression):
        since = max(since, _aware(start))
    anchor = _aware(start) if start is not None else since
    times = firing_times(compiled, zone, since, anchor=anchor, end=_aware(end) if end else None)
    return [instant.astimezone(zone) for instant in islice(times, max(0, count))]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
