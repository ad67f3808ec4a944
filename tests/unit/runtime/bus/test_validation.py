"""Rule and target validation: every refusal names the field."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hexad.errors import RuleError, ValidationError
from hexad.ports.bus import RetryPolicy, Rule, Target
from hexad.runtime.bus.validation import validate_rule

GOOD = Rule("r", event_pattern={"source": ["hexad.cpi"]}, targets=(Target("t", "queue", "q"),))


def test_a_good_rule_gets_its_pattern_in_normal_form() -> None:
    rule = validate_rule(replace(GOOD, event_pattern='{ "source" : [ "hexad.cpi" ] }'))
    assert rule.event_pattern == '{"source":["hexad.cpi"]}'


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"name": "has space"}, "rule name"),
        ({"name": "x" * 65}, "rule name"),
        ({"bus": "bad/bus"}, "bus name"),
        ({"event_pattern": None}, "event_pattern or a schedule_expression"),
        ({"event_pattern": "{broken"}, "event_pattern: expected a JSON object"),
        ({"event_pattern": {"source": "hexad.cpi"}}, "event_pattern"),
        ({"state": "PAUSED"}, "state"),
        ({"description": "d" * 513}, "description"),
        ({"targets": tuple(Target(f"t{i}", "queue", "q") for i in range(6))}, "at most 5"),
        ({"targets": (Target("t", "queue", "q"), Target("t", "queue", "q2"))}, "appears twice"),
        ({"targets": (Target("bad id", "queue", "q"),)}, r"\.id"),
        ({"targets": (Target("t", "email", "q"),)}, r"\.kind"),  # type: ignore[arg-type]
        ({"targets": (Target("t", "queue", ""),)}, "destination"),
        ({"targets": (Target("t", "webhook", "ftp://x"),)}, "http"),
        ({"targets": (Target("t", "queue", "q", retry_policy=RetryPolicy(186)),)}, "maximum_retry_attempts"),
        (
            {"targets": (Target("t", "queue", "q", retry_policy=RetryPolicy(1, 59)),)},
            "maximum_event_age_seconds",
        ),
        ({"targets": (Target("t", "queue", "q", timeout_seconds=0),)}, "timeout_seconds"),
        ({"targets": (Target("t", "mailbox", "ram", group_key="detail.client"),)}, "group_key"),
        ({"targets": (Target("t", "queue", "q", dead_letter_queue=""),)}, "dead_letter_queue"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(change: dict[str, object], words: str) -> None:
    with pytest.raises(RuleError, match=words):
        validate_rule(replace(GOOD, **change))  # type: ignore[arg-type]


def test_rule_errors_are_validation_errors_with_exit_code_2() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_rule(replace(GOOD, name=""))
    assert caught.value.exit_code == 2
