"""Workflow variables (`Assign`, `$name`) as the Step Functions guide describes them, through `run_local`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hexad.errors import WorkflowDefinitionError
from hexad.runtime.workflows import run_local, validate_definition


def machine(states: dict[str, Any], start: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"StartAt": start or next(iter(states)), "States": states, **extra}


def problems(definition: Any) -> list[str]:
    with pytest.raises(WorkflowDefinitionError) as caught:
        validate_definition(definition)
    return caught.value.problems  # type: ignore[attr-defined, no-any-return]


def test_a_variable_set_in_one_state_is_read_several_states_later() -> None:
    definition = machine(
        {
            "Fetch": {"Type": "Task", "Resource": "api", "Assign": {"x.$": "$.body"}, "Next": "Two"},
            "Two": {"Type": "Pass", "Result": "other data", "Next": "Three"},
            "Three": {
                "Type": "Pass",
                "Parameters": {"fromStep1.$": "$x", "nested.$": "$x.items[1]"},
                "End": True,
            },
        }
    )
    result = run_local(definition, {}, resources={"api": lambda _: {"body": {"items": ["a", "b"]}}})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"fromStep1": {"items": ["a", "b"]}, "nested": "b"}


def test_constant_values_and_literals_are_assigned_as_given() -> None:
    definition = machine(
        {
            "Set": {
                "Type": "Pass",
                "Assign": {"productName": "product1", "count": 42, "available": True, "tags": ["a"]},
                "Next": "Show",
            },
            "Show": {
                "Type": "Pass",
                "Parameters": {"name.$": "$productName", "count.$": "$count", "ok.$": "$available"},
                "End": True,
            },
        }
    )
    assert run_local(definition, {}).output == {"name": "product1", "count": 42, "ok": True}


def test_every_expression_of_one_assign_sees_the_values_from_before_the_state() -> None:
    definition = machine(
        {
            "Start": {"Type": "Pass", "Assign": {"x": 3, "a": 6}, "Next": "Swap"},
            "Swap": {"Type": "Pass", "Assign": {"x.$": "$a", "nextX.$": "$x"}, "Next": "Show"},
            "Show": {"Type": "Pass", "Parameters": {"x.$": "$x", "nextX.$": "$nextX"}, "End": True},
        }
    )
    assert run_local(definition, {}).output == {"x": 6, "nextX": 3}


def test_the_output_path_of_the_assigning_state_still_sees_the_old_value() -> None:
    definition = machine(
        {
            "State0": {
                "Type": "Pass",
                "Result": {"theQuestion": "What is the answer?"},
                "Assign": {"question.$": "$.theQuestion", "answer": 42},
                "Next": "State1",
            },
            "State1": {
                "Type": "Pass",
                "InputPath": "$answer",
                "ResultPath": "$.theAnswer",
                "OutputPath": "$answer",
                "Assign": {"answer": "<omitted>"},
                "Next": "State2",
            },
            "State2": {"Type": "Pass", "Parameters": {"now.$": "$answer", "q.$": "$question"}, "End": True},
        }
    )
    result = run_local(definition, {})
    assert result.events("PassStateExited")[1]["details"]["output"] == "42"
    assert result.output == {"now": "<omitted>", "q": "What is the answer?"}


def test_a_task_assigns_from_its_result_after_result_selector() -> None:
    definition = machine(
        {
            "Call": {
                "Type": "Task",
                "Resource": "r",
                "ResultSelector": {"id.$": "$.Payload.id"},
                "Assign": {"orderId.$": "$.id", "entered.$": "$$.State.Name"},
                "ResultPath": None,
                "Next": "Use",
            },
            "Use": {"Type": "Pass", "Parameters": {"order.$": "$orderId", "by.$": "$entered"}, "End": True},
        }
    )
    result = run_local(definition, {"in": 1}, resources={"r": lambda _: {"Payload": {"id": "o-7"}}})
    assert result.output == {"order": "o-7", "by": "Call"}


def test_history_shows_assigned_variables_as_step_functions_does() -> None:
    definition = machine({"Set": {"Type": "Pass", "Assign": {"s": "text", "n": {"k": [1]}}, "End": True}})
    details = run_local(definition, {}).events("PassStateExited")[0]["details"]
    assert details["assignedVariables"] == {"s": '"text"', "n": '{"k":[1]}'}
    assert details["assignedVariablesDetails"] == {"truncated": False}


def test_variables_in_choice_rules_intrinsics_and_wait() -> None:
    definition = machine(
        {
            "Set": {"Type": "Pass", "Assign": {"limit": 10, "pause": 5, "who": "Ann"}, "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.value", "NumericGreaterThanPath": "$limit", "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {"Type": "Wait", "SecondsPath": "$pause", "Next": "Say"},
            "Small": {"Type": "Succeed"},
            "Say": {
                "Type": "Pass",
                "Parameters": {"text.$": "States.Format('big for {}', $who)"},
                "End": True,
            },
        }
    )
    result = run_local(definition, {"value": 11})
    assert result.output == {"text": "big for Ann"}
    waited = result.events("WaitStateScheduled")[0]["details"]["until"]
    assert waited == "2026-01-01T00:00:05.000Z"
    assert run_local(definition, {"value": 3}).output == {"value": 3}


def test_a_choice_rule_assigns_when_it_matches_and_the_state_assign_goes_with_default() -> None:
    definition = machine(
        {
            "Pick": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.ok", "BooleanEquals": True, "Assign": {"how": "rule"}, "Next": "Done"}
                ],
                "Default": "Done",
                "Assign": {"how": "default"},
            },
            "Done": {"Type": "Pass", "Parameters": {"how.$": "$how"}, "End": True},
        }
    )
    assert run_local(definition, {"ok": True}).output == {"how": "rule"}
    assert run_local(definition, {"ok": False}).output == {"how": "default"}


def test_a_catch_assigns_from_the_error_output_and_the_failed_state_assigns_nothing() -> None:
    def boom(_: Any) -> Any:
        raise RuntimeError("down")

    definition = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"result": "unset"}, "Next": "Call"},
            "Call": {
                "Type": "Task",
                "Resource": "boom",
                "Assign": {"result": "SUCCESS"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"result.$": "$.Error", "why.$": "$.Cause"},
                        "ResultPath": "$.error",
                        "Next": "Fallback",
                    }
                ],
                "End": True,
            },
            "Fallback": {"Type": "Pass", "Parameters": {"result.$": "$result", "why.$": "$why"}, "End": True},
        }
    )
    result = run_local(definition, {}, resources={"boom": boom})
    assert result.output == {"result": "States.TaskFailed", "why": "down"}


def test_a_reference_to_an_unassigned_variable_fails_the_state() -> None:
    definition = machine({"Use": {"Type": "Pass", "Parameters": {"v.$": "$never"}, "End": True}})
    result = run_local(definition, {})
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert "$never" in (result.cause or "")


def test_parallel_branches_read_outer_variables_and_keep_their_own() -> None:
    branch = {
        "StartAt": "B",
        "States": {
            "B": {"Type": "Pass", "Assign": {"innerX.$": "$x", "value.$": "$"}, "Next": "Out"},
            "Out": {"Type": "Pass", "Parameters": {"innerX.$": "$innerX", "seen.$": "$value"}, "End": True},
        },
    }
    definition = machine(
        {
            "State0": {"Type": "Pass", "Assign": {"x": 42}, "Next": "Fan"},
            "Fan": {"Type": "Parallel", "Branches": [branch, branch], "Next": "After"},
            "After": {"Type": "Pass", "Parameters": {"all.$": "$", "x.$": "$x"}, "Next": "Leak"},
            "Leak": {"Type": "Pass", "Parameters": {"inner.$": "$innerX"}, "End": True},
        }
    )
    result = run_local(definition, {"in": 1})
    assert result.status == "FAILED" and result.error == "States.Runtime"  # innerX stayed in the branches
    after = json.loads(result.events("PassStateExited")[-1]["details"]["output"])
    assert after == {"all": [{"innerX": 42, "seen": {"in": 1}}] * 2, "x": 42}


def test_map_iterations_have_scopes_of_their_own() -> None:
    definition = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "Each"},
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"v.$": "$$.Map.Item.Value", "f.$": "$factor"},
                "ItemProcessor": {
                    "StartAt": "Keep",
                    "States": {
                        "Keep": {"Type": "Pass", "Assign": {"mine.$": "$.v"}, "Next": "Give"},
                        "Give": {
                            "Type": "Pass",
                            "Parameters": {"v.$": "$mine", "f.$": "$factor"},
                            "End": True,
                        },
                    },
                },
                "Assign": {"count.$": "States.ArrayLength($)"},
                "End": True,
            },
        }
    )
    result = run_local(definition, {"items": [1, 2, 3]})
    assert result.output == [{"v": 1, "f": 10}, {"v": 2, "f": 10}, {"v": 3, "f": 10}]
    assert result.events("MapStateExited")[0]["details"]["assignedVariables"] == {"count": "3"}


def test_a_variable_value_over_256_kib_exceeds_the_data_limit() -> None:
    definition = machine({"Big": {"Type": "Pass", "Assign": {"blob.$": "$.text"}, "End": True}})
    result = run_local(definition, {"text": "x" * 262_144})
    assert result.status == "FAILED"
    assert result.error == "States.DataLimitExceeded"


def test_one_assign_over_256_kib_in_total_exceeds_the_data_limit() -> None:
    definition = machine({"Big": {"Type": "Pass", "Assign": {"a.$": "$.half", "b.$": "$.half"}, "End": True}})
    result = run_local(definition, {"half": "x" * 140_000})
    assert result.error == "States.DataLimitExceeded"


def test_all_variables_over_10_mib_exceed_the_data_limit() -> None:
    states = {
        f"S{n}": {"Type": "Pass", "Assign": {f"v{n}.$": "$.chunk"}, "Next": f"S{n + 1}" if n < 49 else "End"}
        for n in range(50)
    }
    states["End"] = {"Type": "Succeed"}
    result = run_local(machine(states, "S0"), {"chunk": "x" * 250_000})
    assert result.error == "States.DataLimitExceeded"
    assert len(result.events("PassStateExited")) == 41  # 41 x 250 kB fit in 10 MiB, the 42nd does not


@pytest.mark.parametrize(
    ("assign", "expected"),
    [
        ({"1st": 1}, "field Assign.1st: the variable name '1st' is not an identifier"),
        ({"my-var": 1}, "field Assign.my-var: the variable name"),
        ({"states": 1}, "field Assign.states: the variable name $states is reserved"),
        ({"states.$": "$.a"}, "field Assign.states.$: the variable name $states is reserved"),
        ({"x.$": "$..[bad"}, "field Assign.x.$"),
        ([1], "field Assign: expected a JSON object"),
    ],
)
def test_invalid_assign_is_a_definition_error(assign: Any, expected: str) -> None:
    found = problems(machine({"S": {"Type": "Pass", "Assign": assign, "End": True}}))
    assert any(expected in problem for problem in found), found


def test_assign_is_not_a_field_of_succeed_or_fail() -> None:
    found = problems(machine({"S": {"Type": "Succeed", "Assign": {"x": 1}}}))
    assert any("state 'S', field Assign: is not a field of a Succeed state" in p for p in found), found


def test_a_branch_cannot_assign_a_variable_of_the_outer_scope() -> None:
    branch = {"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"x": 2}, "End": True}}}
    definition = machine(
        {
            "Set": {"Type": "Pass", "Assign": {"x": 1}, "Next": "Fan"},
            "Fan": {"Type": "Parallel", "Branches": [branch], "End": True},
        }
    )
    found = problems(definition)
    assert any(
        "state 'Fan' Branches[0] > state 'B', field Assign.x: $x is a variable of an outer" in p
        for p in found
    )


def test_the_10_mib_limit_counts_the_variables_of_parallel_branches_together() -> None:
    def branch(n: int) -> dict[str, Any]:
        states = {
            f"B{n}S{i}": {
                "Type": "Pass",
                "Assign": {f"v{i}.$": "$.chunk"},
                **({"Next": f"B{n}S{i + 1}"} if i < 20 else {"End": True}),
            }
            for i in range(21)
        }
        return {"StartAt": f"B{n}S0", "States": states}

    fan = {"Fan": {"Type": "Parallel", "Branches": [branch(0), branch(1)], "End": True}}
    result = run_local(machine(fan), {"chunk": "x" * 250_000})
    assert result.error == "States.DataLimitExceeded"  # 2 x 21 x 250 kB > 10 MiB, though one branch fits

    one = {"Fan": {"Type": "Parallel", "Branches": [branch(0)], "End": True}}
    assert run_local(machine(one), {"chunk": "x" * 250_000}).status == "SUCCEEDED"


def test_a_finished_iteration_releases_its_variables() -> None:
    processor = {
        "StartAt": "Keep",
        "States": {"Keep": {"Type": "Pass", "Assign": {"mine.$": "$.c"}, "End": True}},
    }
    each = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {"c.$": "$.chunk"},
        "MaxConcurrency": 1,
        "ItemProcessor": processor,
        "ResultPath": None,
        "End": True,
    }
    result = run_local(machine({"Each": each}), {"chunk": "x" * 250_000, "items": list(range(60))})
    assert result.status == "SUCCEEDED", result.cause  # 15 MB assigned in all, 250 kB at a time
