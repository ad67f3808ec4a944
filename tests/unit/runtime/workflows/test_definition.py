"""Definition validation (every problem named with its state and field) and the path helpers."""

from __future__ import annotations

from typing import Any

import pytest

from hexad.errors import WorkflowDefinitionError
from hexad.runtime.workflows import validate_definition
from hexad.runtime.workflows.paths import PathNotFoundError, is_reference_path, read_path, write_path


def problems(definition: Any) -> list[str]:
    with pytest.raises(WorkflowDefinitionError) as caught:
        validate_definition(definition)
    return caught.value.problems  # type: ignore[attr-defined, no-any-return]


def one(state: dict[str, Any], **others: Any) -> dict[str, Any]:
    return {"StartAt": "S", "States": {"S": state, **others}}


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ([], "expected a JSON object"),
        ({"StartAt": "S"}, "field States"),
        ({"StartAt": "X", "States": {"S": {"Type": "Succeed"}}}, "field StartAt"),
        (one({"Type": "Nope"}), "state 'S', field Type: expected one of"),
        (one({"Type": "Pass"}), "state 'S', field Next: expected Next"),
        (one({"Type": "Pass", "Next": "Gone"}), "state 'S', field Next: the state 'Gone' does not exist"),
        (one({"Type": "Pass", "End": True, "Next": "S"}), "field End: a state has either"),
        (
            one({"Type": "Pass", "End": True, "Resource": "x"}),
            "field Resource: is not a field of a Pass state",
        ),
        (one({"Type": "Task", "End": True}), "field Resource"),
        (one({"Type": "Task", "Resource": "r", "End": True, "TimeoutSeconds": 0}), "field TimeoutSeconds"),
        (
            one({"Type": "Task", "Resource": "r", "End": True, "TimeoutSeconds": 5, "HeartbeatSeconds": 5}),
            "field HeartbeatSeconds: must be smaller",
        ),
        (one({"Type": "Pass", "End": True, "InputPath": "a.b"}), "field InputPath"),
        (
            one({"Type": "Pass", "End": True, "ResultPath": "$.a[*]"}),
            "field ResultPath: expected a reference path",
        ),
        (one({"Type": "Pass", "End": True, "Parameters": {"a.$": "nope"}}), "field Parameters.a.$"),
        (one({"Type": "Pass", "End": True, "Parameters": {"a.$": "States.Nope(1)"}}), "field Parameters.a.$"),
        (one({"Type": "Choice", "Choices": []}), "field Choices"),
        (
            one({"Type": "Choice", "Choices": [{"Variable": "$.a", "StringEquals": 1, "Next": "S"}]}),
            "field Choices[0].StringEquals",
        ),
        (
            one({"Type": "Choice", "Choices": [{"Variable": "$.a", "Next": "S"}]}),
            "field Choices[0]: expected And",
        ),
        (
            one({"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "X"}]}),
            "field Choices[0].Next",
        ),
        (
            one(
                {
                    "Type": "Choice",
                    "Choices": [{"And": [{"Variable": "$.a", "NumericEquals": "1"}], "Next": "S"}],
                }
            ),
            "Choices[0].And[0].NumericEquals",
        ),
        (one({"Type": "Wait", "End": True}), "field Seconds: expected exactly one"),
        (
            one({"Type": "Wait", "Seconds": 1, "Timestamp": "2026-01-01T00:00:00Z", "End": True}),
            "exactly one",
        ),
        (one({"Type": "Wait", "Timestamp": "tomorrow", "End": True}), "field Timestamp"),
        (one({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}), "field Error: use Error or ErrorPath"),
        (one({"Type": "Fail", "Next": "S"}), "field Next: is not a field of a Fail state"),
        (one({"Type": "Parallel", "End": True, "Branches": []}), "field Branches"),
        (
            one(
                {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass"}}}],
                }
            ),
            "state 'S' Branches[0] > state 'A', field Next",
        ),
        (one({"Type": "Map", "End": True}), "field ItemProcessor"),
        (
            one(
                {
                    "Type": "Map",
                    "End": True,
                    "ItemProcessor": {"StartAt": "A", "States": {"A": {"Type": "Bad"}}},
                }
            ),
            "state 'S' ItemProcessor > state 'A', field Type",
        ),
        (
            one(
                {
                    "Type": "Map",
                    "End": True,
                    "Iterator": one({"Type": "Succeed"}),
                    "ToleratedFailurePercentage": 101,
                }
            ),
            "field ToleratedFailurePercentage",
        ),
        (
            one(
                {
                    "Type": "Task",
                    "Resource": "r",
                    "End": True,
                    "Retry": [{"ErrorEquals": ["States.ALL", "X"]}],
                }
            ),
            "field Retry[0].ErrorEquals: States.ALL must be alone",
        ),
        (
            one(
                {
                    "Type": "Task",
                    "Resource": "r",
                    "End": True,
                    "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}],
                }
            ),
            "field Retry[0].BackoffRate",
        ),
        (
            one(
                {
                    "Type": "Task",
                    "Resource": "r",
                    "End": True,
                    "Retry": [{"ErrorEquals": ["X"], "JitterStrategy": "HALF"}],
                }
            ),
            "field Retry[0].JitterStrategy",
        ),
        (
            one(
                {
                    "Type": "Task",
                    "Resource": "r",
                    "End": True,
                    "Catch": [{"ErrorEquals": ["X"], "Next": "Nowhere"}],
                }
            ),
            "field Catch[0].Next",
        ),
        (one({"Type": "Pass", "End": True, "Assign": {"1x": 1}}), "field Assign.1x: the variable name"),
        (
            one({"Type": "Pass", "End": True, "QueryLanguage": "XPath"}),
            "field QueryLanguage: expected JSONPath or JSONata",
        ),
        (
            {**one({"Type": "Succeed"}), "QueryLanguage": "JQ"},
            "field QueryLanguage: expected JSONPath or JSONata",
        ),
        (
            {"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "Orphan": {"Type": "Succeed"}}},
            "state 'Orphan', field Type: the state cannot be reached",
        ),
    ],
)
def test_invalid_definitions_name_the_state_and_field(definition: Any, expected: str) -> None:
    found = problems(definition)
    assert any(expected in problem for problem in found), found


def test_all_problems_are_reported_at_once() -> None:
    definition = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "Gone"}, "B": {"Type": "Task", "End": True}},
    }
    assert len(problems(definition)) == 3


def test_a_valid_definition_passes() -> None:
    validate_definition(
        {
            "StartAt": "A",
            "TimeoutSeconds": 60,
            "States": {
                "A": {
                    "Type": "Pass",
                    "Parameters": {"x.$": "States.Format('{}', $.a)", "y.$": "$$.Execution.Id"},
                    "Next": "B",
                },
                "B": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "C"},
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.a", "StringEqualsPath": "$.b", "Next": "D"}],
                    "Default": "D",
                },
                "D": {"Type": "Succeed"},
            },
        }
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", {"a": {"b": [1, {"c": 2}]}, "x y": 3}),
        ("$.a.b[1].c", 2),
        ("$['x y']", 3),
        ("$.a.b[*]", [1, {"c": 2}]),
        ("$..c", [2]),
        ("$.a.b[?(@.c == 2)]", [{"c": 2}]),
    ],
)
def test_read_path(path: str, expected: Any) -> None:
    assert read_path(path, {"a": {"b": [1, {"c": 2}]}, "x y": 3}) == expected


def test_read_path_that_selects_nothing() -> None:
    with pytest.raises(PathNotFoundError):
        read_path("$.a.z", {"a": {}})
    with pytest.raises(PathNotFoundError):
        read_path("$.a[3]", {"a": [1]})
    assert read_path("$.a[*].z", {"a": [{}]}) == []


def test_write_path_creates_missing_objects_and_copies() -> None:
    data = {"a": {"keep": 1}}
    written = write_path("$.a.b.c", data, 5)
    assert written == {"a": {"keep": 1, "b": {"c": 5}}}
    assert data == {"a": {"keep": 1}}
    assert write_path("$", data, 7) == 7
    assert write_path("$.list[0]", {"list": [1, 2]}, 9) == {"list": [9, 2]}
    with pytest.raises(PathNotFoundError):
        write_path("$.a.keep.c", data, 1)


def test_reference_paths() -> None:
    assert is_reference_path("$.a.b[0]['c d']")
    assert not is_reference_path("$.a[*]")
    assert not is_reference_path("$..a")
