"""Choice rules: every comparison operator and its Path form, And/Or/Not and the type tests."""

from __future__ import annotations

from typing import Any

import pytest

from hexad.runtime.workflows.choice import COMPARISONS, evaluate_rule

DATA: dict[str, Any] = {
    "s": "beta",
    "n": 10,
    "f": 2.5,
    "b": True,
    "t": "2026-01-02T00:00:00Z",
    "nothing": None,
    "other": {"s": "beta", "n": 10, "b": True, "t": "2026-01-02T00:00:00+00:00", "low": "alpha", "big": 20},
    "file": "log-2026.txt",
}

CASES: list[tuple[str, Any, Any, bool]] = [
    # operator, variable path, value, expected
    ("StringEquals", "$.s", "beta", True),
    ("StringEquals", "$.s", "Beta", False),
    ("StringLessThan", "$.s", "gamma", True),
    ("StringLessThan", "$.s", "alpha", False),
    ("StringLessThanEquals", "$.s", "beta", True),
    ("StringGreaterThan", "$.s", "alpha", True),
    ("StringGreaterThanEquals", "$.s", "beta", True),
    ("StringGreaterThanEquals", "$.s", "gamma", False),
    ("NumericEquals", "$.n", 10, True),
    ("NumericEquals", "$.n", 10.0, True),
    ("NumericLessThan", "$.f", 3, True),
    ("NumericLessThanEquals", "$.n", 10, True),
    ("NumericGreaterThan", "$.n", 10, False),
    ("NumericGreaterThanEquals", "$.n", 10, True),
    ("BooleanEquals", "$.b", True, True),
    ("BooleanEquals", "$.b", False, False),
    ("TimestampEquals", "$.t", "2026-01-02T01:00:00+01:00", True),
    ("TimestampLessThan", "$.t", "2026-01-03T00:00:00Z", True),
    ("TimestampLessThanEquals", "$.t", "2026-01-02T00:00:00Z", True),
    ("TimestampGreaterThan", "$.t", "2026-01-01T23:59:59Z", True),
    ("TimestampGreaterThanEquals", "$.t", "2026-01-03T00:00:00Z", False),
    ("StringMatches", "$.file", "log-*.txt", True),
    ("StringMatches", "$.file", "log-*.csv", False),
    ("StringMatches", "$.file", "*", True),
]


@pytest.mark.parametrize(("operator", "variable", "value", "expected"), CASES)
def test_comparison_operators(operator: str, variable: str, value: Any, expected: bool) -> None:
    assert evaluate_rule({"Variable": variable, operator: value}, DATA, {}) is expected


PATH_CASES: list[tuple[str, str, str, bool]] = [
    ("StringEqualsPath", "$.s", "$.other.s", True),
    ("StringLessThanPath", "$.s", "$.other.low", False),
    ("StringLessThanEqualsPath", "$.s", "$.other.s", True),
    ("StringGreaterThanPath", "$.s", "$.other.low", True),
    ("StringGreaterThanEqualsPath", "$.s", "$.other.s", True),
    ("NumericEqualsPath", "$.n", "$.other.n", True),
    ("NumericLessThanPath", "$.n", "$.other.big", True),
    ("NumericLessThanEqualsPath", "$.n", "$.other.n", True),
    ("NumericGreaterThanPath", "$.n", "$.other.big", False),
    ("NumericGreaterThanEqualsPath", "$.other.big", "$.n", True),
    ("BooleanEqualsPath", "$.b", "$.other.b", True),
    ("TimestampEqualsPath", "$.t", "$.other.t", True),
    ("TimestampLessThanPath", "$.t", "$.other.t", False),
    ("TimestampLessThanEqualsPath", "$.t", "$.other.t", True),
    ("TimestampGreaterThanPath", "$.t", "$.other.t", False),
    ("TimestampGreaterThanEqualsPath", "$.t", "$.other.t", True),
]


@pytest.mark.parametrize(("operator", "variable", "path", "expected"), PATH_CASES)
def test_path_forms_compare_against_another_value_of_the_input(
    operator: str, variable: str, path: str, expected: bool
) -> None:
    assert evaluate_rule({"Variable": variable, operator: path}, DATA, {}) is expected


def test_every_operator_has_a_case_and_a_path_case() -> None:
    plain = {case[0] for case in CASES}
    paths = {case[0][:-4] for case in PATH_CASES}
    assert plain == COMPARISONS
    assert paths == COMPARISONS - {"StringMatches"}


@pytest.mark.parametrize(
    ("test", "variable", "expected"),
    [
        ("IsNull", "$.nothing", True),
        ("IsNull", "$.s", False),
        ("IsPresent", "$.s", True),
        ("IsPresent", "$.missing", False),
        ("IsNumeric", "$.f", True),
        ("IsNumeric", "$.b", False),
        ("IsString", "$.s", True),
        ("IsString", "$.n", False),
        ("IsBoolean", "$.b", True),
        ("IsBoolean", "$.nothing", False),
        ("IsTimestamp", "$.t", True),
        ("IsTimestamp", "$.s", False),
    ],
)
def test_type_tests(test: str, variable: str, expected: bool) -> None:
    assert evaluate_rule({"Variable": variable, test: True}, DATA, {}) is expected
    assert evaluate_rule({"Variable": variable, test: False}, DATA, {}) is (not expected)


def test_wrong_types_compare_false_rather_than_fail() -> None:
    assert evaluate_rule({"Variable": "$.s", "NumericEquals": 1}, DATA, {}) is False
    assert evaluate_rule({"Variable": "$.n", "StringEquals": "10"}, DATA, {}) is False
    assert evaluate_rule({"Variable": "$.b", "NumericEquals": 1}, DATA, {}) is False
    assert evaluate_rule({"Variable": "$.s", "TimestampEquals": "2026-01-02T00:00:00Z"}, DATA, {}) is False


def test_string_matches_escapes() -> None:
    data = {"v": "a*b\\c"}
    assert evaluate_rule({"Variable": "$.v", "StringMatches": "a\\*b\\\\c"}, data, {}) is True
    assert evaluate_rule({"Variable": "$.v", "StringMatches": "a\\*b"}, data, {}) is False


def test_and_or_not_compose() -> None:
    rule = {
        "Or": [
            {"And": [{"Variable": "$.n", "NumericGreaterThan": 5}, {"Variable": "$.s", "StringEquals": "x"}]},
            {"Not": {"Variable": "$.b", "BooleanEquals": False}},
        ]
    }
    assert evaluate_rule(rule, DATA, {}) is True
    assert evaluate_rule({"Not": rule}, DATA, {}) is False


def test_context_object_variable() -> None:
    assert evaluate_rule(
        {"Variable": "$$.State.Name", "StringEquals": "Route"}, {}, {"State": {"Name": "Route"}}
    )


def test_missing_variable_raises() -> None:
    with pytest.raises(LookupError):
        evaluate_rule({"Variable": "$.missing", "StringEquals": "x"}, DATA, {})
