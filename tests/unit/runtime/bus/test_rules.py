"""Scheduled rules' schedule names and how a firing finds its rule again."""

from __future__ import annotations

import json

from hexad.ports.bus import Rule
from hexad.ports.schedules import Schedule
from hexad.runtime.bus.rules import rule_of_schedule, schedule_name


def test_a_short_rule_keeps_a_readable_schedule_name() -> None:
    assert schedule_name(Rule("nightly", schedule_expression="rate(1 day)")) == "rule.default.nightly"


def test_long_names_are_hashed_to_fit_and_stay_distinct() -> None:
    first = schedule_name(Rule("r" * 60, bus="b" * 60, schedule_expression="rate(1 day)"))
    second = schedule_name(Rule("r" * 60, bus="c" * 60, schedule_expression="rate(1 day)"))
    assert len(first) <= 64 and len(second) <= 64 and first != second


def test_a_firing_names_its_bus_and_rule_through_the_schedule_input() -> None:
    schedule = Schedule(
        "rule.ops.nightly", "rate(1 day)", input=json.dumps({"hexad-rule": "nightly", "hexad-bus": "ops"})
    )
    assert rule_of_schedule(schedule) == ("ops", "nightly")


def test_other_schedules_are_not_rules() -> None:
    assert rule_of_schedule(Schedule("report", "rate(1 day)", input='{"hexad-rule": "x"}')) is None
    assert rule_of_schedule(Schedule("rule.x", "rate(1 day)", input="not json")) is None
    assert rule_of_schedule(Schedule("rule.x", "rate(1 day)", input="{}")) is None
