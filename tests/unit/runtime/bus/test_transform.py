"""Target input: InputPath, constant Input and EventBridge's input transformer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hexad.errors import RuleError
from hexad.ports.bus import InputTransformer, Target
from hexad.runtime.bus.transform import MISSING, extract, render_template, target_input, validate_input

EVENT: dict[str, Any] = {
    "id": "e1",
    "source": "hexad.ram",
    "detail-type": "resource.utilization.alert",
    "time": "2026-03-02T09:00:00Z",
    "detail": {
        "technician": 'Ann "the fixer"',
        "utilization": 0.93,
        "skills": ["m365", "net"],
        "team": {"id": 4},
    },
}


def transform(template: str, paths: dict[str, str]) -> str:
    target = Target("t", "callable", "x", input_transformer=InputTransformer(template, paths))
    return target_input(target, EVENT, bus="default", rule="r", received_at=0.0)


def test_unquoted_placeholders_become_json_values() -> None:
    out = transform(
        '{"who": <who>, "load": <load>, "skills": <skills>, "team": <team>}',
        {
            "who": "$.detail.technician",
            "load": "$.detail.utilization",
            "skills": "$.detail.skills",
            "team": "$.detail.team",
        },
    )
    assert json.loads(out) == {
        "who": 'Ann "the fixer"', "load": 0.93, "skills": ["m365", "net"], "team": {"id": 4},
    }  # fmt: skip


def test_placeholders_inside_strings_are_inserted_as_escaped_text() -> None:
    out = transform(
        '{"text": "<who> is at <load>, team <team>"}',
        {"who": "$.detail.technician", "load": "$.detail.utilization", "team": "$.detail.team"},
    )
    assert json.loads(out) == {"text": 'Ann "the fixer" is at 0.93, team {"id": 4}'}


def test_a_string_template_gives_text() -> None:
    assert transform('"<who> is busy"', {"who": "$.detail.technician"}) == '"Ann \\"the fixer\\" is busy"'


def test_missing_paths_give_null_or_nothing_and_unknown_placeholders_stay() -> None:
    out = transform('{"a": <gone>, "b": "x<gone>y", "c": "<other>"}', {"gone": "$.detail.nothing"})
    assert json.loads(out) == {"a": None, "b": "xy", "c": "<other>"}


def test_a_plain_text_template_inserts_values_without_quotes() -> None:
    out = transform(
        "<who> is at <load> in <team><gone>",
        {
            "who": "$.detail.technician",
            "load": "$.detail.utilization",
            "team": "$.detail.team",
            "gone": "$.x",
        },
    )
    assert out == 'Ann "the fixer" is at 0.93 in {"id": 4}'


def test_reserved_variables() -> None:
    out = transform(
        '{"rule": "<aws.events.rule-name>", "arn": "<aws.events.rule-arn>", "e": <aws.events.event>, '
        '"at": "<aws.events.event.ingestion-time>"}',
        {},
    )
    data = json.loads(out)
    assert data["rule"] == "r"
    assert data["arn"] == "hexad:events:local:rule/default/r"
    assert data["e"]["id"] == "e1" and "detail" not in data["e"]
    assert data["at"] == "1970-01-01T00:00:00Z"


def test_escaped_quotes_do_not_end_a_string() -> None:
    assert render_template('"a \\" <v>"', {"v": "x"}) == '"a \\" x"'


def test_input_path_and_constant_input() -> None:
    by_path = Target("t", "callable", "x", input_path="$.detail.skills")
    assert json.loads(target_input(by_path, EVENT, bus="b", rule="r", received_at=0)) == ["m365", "net"]
    constant = Target("t", "callable", "x", input='{"k": 1}')
    assert target_input(constant, EVENT, bus="b", rule="r", received_at=0) == '{"k": 1}'
    whole = Target("t", "callable", "x")
    assert json.loads(target_input(whole, EVENT, bus="b", rule="r", received_at=0)) == EVENT


def test_extract_returns_missing_or_lists_for_many_matches() -> None:
    assert extract("$.detail.nothing", EVENT) is MISSING
    assert extract("$.detail.skills[*]", EVENT) == ["m365", "net"]


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (Target("t", "callable", "x", input="not json"), "input"),
        (Target("t", "callable", "x", input_path="detail"), "input_path"),
        (
            Target("t", "callable", "x", input_transformer=InputTransformer("{<a>", {"a": "$.x"})),
            "input_template",
        ),
        (
            Target("t", "callable", "x", input_transformer=InputTransformer("<a>", {"aws.events.x": "$.x"})),
            "aws.events",
        ),
        (Target("t", "callable", "x", input_transformer=InputTransformer(" ", {})), "non-empty"),
        (Target("t", "callable", "x", input="{}", input_path="$.a"), "at most one"),
    ],
)
def test_invalid_input_settings_name_the_field(target: Target, words: str) -> None:
    with pytest.raises(RuleError, match=words):
        validate_input(target, "rule 'r'.targets[t]")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@given(value=json_values)
def test_any_value_round_trips_through_a_json_template(value: Any) -> None:
    rendered = render_template('{"v": <v>, "s": "<v>"}', {"v": value})
    data = json.loads(rendered)
    assert data["v"] == value
    assert data["s"] == (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
