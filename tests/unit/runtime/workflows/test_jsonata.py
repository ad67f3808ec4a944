"""The JSONata query language (`{% %}`, `$states`) as the Step Functions guide describes it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hexad.errors import WorkflowDefinitionError
from hexad.runtime.workflows import run_local, validate_definition


def jsonata(states: dict[str, Any], start: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": start or next(iter(states)), "States": states, **extra}


def problems(definition: Any) -> list[str]:
    with pytest.raises(WorkflowDefinitionError) as caught:
        validate_definition(definition)
    return caught.value.problems  # type: ignore[attr-defined, no-any-return]


def test_task_arguments_output_and_assign_with_states_input_and_result() -> None:
    seen: list[Any] = []

    def price(payload: Any) -> Any:
        seen.append(payload)
        return {"total": payload["qty"] * 5}

    definition = jsonata(
        {
            "Price": {
                "Type": "Task",
                "Resource": "price",
                "Arguments": {"qty": "{% $states.input.order.qty %}", "fixed": "yes"},
                "Assign": {"lastTotal": "{% $states.result.total %}"},
                "Output": {"order": "{% $states.input.order.id %}", "total": "{% $states.result.total %}"},
                "Next": "Report",
            },
            "Report": {"Type": "Pass", "Output": "{% 'total ' & $string($lastTotal) %}", "End": True},
        }
    )
    result = run_local(definition, {"order": {"id": "A1", "qty": 3}}, resources={"price": price})
    assert result.status == "SUCCEEDED", result.cause
    assert seen == [{"qty": 3, "fixed": "yes"}]
    assert result.output == "total 15"
    assert result.events("TaskStateExited")[0]["details"]["output"] == '{"order":"A1","total":15}'


def test_defaults_task_gets_its_input_and_outputs_its_result_pass_outputs_its_input() -> None:
    definition = jsonata(
        {
            "Keep": {"Type": "Pass", "Next": "Call"},
            "Call": {"Type": "Task", "Resource": "echo", "End": True},
        }
    )
    result = run_local(definition, {"a": 1}, resources={"echo": lambda p: {"got": p}})
    assert result.output == {"got": {"a": 1}}


def test_assign_and_output_of_one_state_both_see_the_old_variable_values() -> None:
    definition = jsonata(
        {
            "Init": {"Type": "Pass", "Assign": {"x": 1}, "Next": "Bump"},
            "Bump": {
                "Type": "Pass",
                "Assign": {"x": "{% $x + 1 %}", "before": "{% $x %}"},
                "Output": {"seen": "{% $x %}"},
                "Next": "Show",
            },
            "Show": {
                "Type": "Pass",
                "Output": {"x": "{% $x %}", "before": "{% $before %}", "in": "{% $states.input %}"},
                "End": True,
            },
        }
    )
    assert run_local(definition, {}).output == {"x": 2, "before": 1, "in": {"seen": 1}}


def test_context_object_is_states_context() -> None:
    definition = jsonata(
        {
            "Who": {
                "Type": "Pass",
                "Output": {
                    "state": "{% $states.context.State.Name %}",
                    "input": "{% $states.context.Execution.Input %}",
                },
                "End": True,
            }
        }
    )
    assert run_local(definition, {"k": 2}).output == {"state": "Who", "input": {"k": 2}}


def test_choice_condition_with_rule_and_default_assign_and_output() -> None:
    definition = jsonata(
        {
            "ChoiceState": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": "{% $states.input.condition %}",
                        "Next": "Done",
                        "Assign": {"Assignment": "Condition assignment"},
                        "Output": {"rule": True},
                    }
                ],
                "Default": "Done",
                "Assign": {"Assignment": "Default Assignment"},
            },
            "Done": {
                "Type": "Pass",
                "Output": {"a": "{% $Assignment %}", "in": "{% $states.input %}"},
                "End": True,
            },
        }
    )
    assert run_local(definition, {"condition": True}).output == {
        "a": "Condition assignment",
        "in": {"rule": True},
    }
    assert run_local(definition, {"condition": False}).output == {
        "a": "Default Assignment",
        "in": {"condition": False},
    }


def test_a_condition_that_is_not_boolean_is_a_query_evaluation_error() -> None:
    definition = jsonata(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.n %}", "Next": "D"}],
                "Default": "D",
            },
            "D": {"Type": "Succeed"},
        }
    )
    result = run_local(definition, {"n": 5})
    assert result.error == "States.QueryEvaluationError"
    assert "Choices[0].Condition" in (result.cause or "")


def test_wait_seconds_and_timestamp_from_expressions() -> None:
    definition = jsonata(
        {
            "Short": {"Type": "Wait", "Seconds": "{% $states.input.delay * 2 %}", "Next": "Until"},
            "Until": {"Type": "Wait", "Timestamp": "{% $states.input.at %}", "End": True},
        }
    )
    result = run_local(definition, {"delay": 30, "at": "2026-01-02T00:00:00Z"})
    until = [event["details"]["until"] for event in result.events("WaitStateScheduled")]
    assert until == ["2026-01-01T00:01:00.000Z", "2026-01-02T00:00:00.000Z"]


def test_wait_seconds_that_is_not_a_whole_number_fails() -> None:
    definition = jsonata({"W": {"Type": "Wait", "Seconds": "{% 'soon' %}", "End": True}})
    assert run_local(definition, {}).error == "States.QueryEvaluationError"


def test_fail_error_and_cause_from_expressions() -> None:
    definition = jsonata(
        {
            "F": {
                "Type": "Fail",
                "Error": "{% 'Custom.' & $states.input.kind %}",
                "Cause": "{% $states.input.why %}",
            }
        }
    )
    result = run_local(definition, {"kind": "Bad", "why": "no stock"})
    assert (result.status, result.error, result.cause) == ("FAILED", "Custom.Bad", "no stock")


def test_catch_output_and_assign_from_states_error_output() -> None:
    def boom(_: Any) -> Any:
        raise RuntimeError("down")

    definition = jsonata(
        {
            "Task": {
                "Type": "Task",
                "Resource": "boom",
                "Assign": {"result": "SUCCESS"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"result": "{% $states.errorOutput %}"},
                        "Output": {"was": "{% $states.input %}", "error": "{% $states.errorOutput.Error %}"},
                        "Next": "Fallback",
                    }
                ],
                "End": True,
            },
            "Fallback": {
                "Type": "Pass",
                "Output": {"out": "{% $states.input %}", "result": "{% $result %}"},
                "End": True,
            },
        }
    )
    result = run_local(definition, {"k": 1}, resources={"boom": boom})
    assert result.output == {
        "out": {"was": {"k": 1}, "error": "States.TaskFailed"},
        "result": {"Error": "States.TaskFailed", "Cause": "down"},
    }


class _DeclinedError(Exception):
    error = "Custom.Declined"


def test_catch_without_output_passes_the_error_output_on() -> None:
    def decline(_: Any) -> Any:
        raise _DeclinedError("card declined")

    definition = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": "x",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "E"}],
                "End": True,
            },
            "E": {"Type": "Succeed"},
        }
    )
    result = run_local(definition, {"k": 1}, resources={"x": decline})
    assert result.output == {"Error": "Custom.Declined", "Cause": "card declined"}


def test_parallel_arguments_and_output_with_branch_variables_kept_inside() -> None:
    branch = {
        "StartAt": "B",
        "States": {
            "B": {
                "Type": "Pass",
                "Assign": {"inner": "{% $outer * 2 %}"},
                "Output": "{% $states.input.v + $outer %}",
                "End": True,
            }
        },
    }
    definition = jsonata(
        {
            "Init": {"Type": "Pass", "Assign": {"outer": 10}, "Next": "Fan"},
            "Fan": {
                "Type": "Parallel",
                "Arguments": {"v": "{% $states.input.v %}"},
                "Branches": [branch, branch],
                "Output": {"sum": "{% $sum($states.result) %}", "inner": "{% $inner %}"},
                "End": True,
            },
        }
    )
    assert run_local(definition, {"v": 1}).output == {"sum": 22}


def test_map_items_item_selector_and_numbers_from_expressions() -> None:
    definition = jsonata(
        {
            "Each": {
                "Type": "Map",
                "Items": "{% $states.input.rows[value > 1] %}",
                "ItemSelector": {
                    "value": "{% $states.context.Map.Item.Value.value %}",
                    "index": "{% $states.context.Map.Item.Index %}",
                    "tag": "{% $states.input.tag %}",
                },
                "MaxConcurrency": "{% 1 %}",
                "ToleratedFailureCount": "{% 0 %}",
                "ItemProcessor": {
                    "StartAt": "Double",
                    "States": {
                        "Double": {
                            "Type": "Pass",
                            "Output": "{% $states.input.value * 2 & $states.input.tag %}",
                            "End": True,
                        }
                    },
                },
                "Output": "{% $states.result %}",
                "End": True,
            }
        }
    )
    result = run_local(definition, {"rows": [{"value": 1}, {"value": 2}, {"value": 3}], "tag": "x"})
    assert result.output == ["4x", "6x"]


def test_map_items_that_are_not_an_array_fail() -> None:
    definition = jsonata(
        {
            "Each": {
                "Type": "Map",
                "Items": "{% $states.input.one %}",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        }
    )
    assert run_local(definition, {"one": {"a": 1}}).error == "States.QueryEvaluationError"


def test_step_functions_functions() -> None:
    definition = jsonata(
        {
            "F": {
                "Type": "Pass",
                "Output": {
                    "partition": "{% $partition([1,2,3,4,5], 2) %}",
                    "range": "{% $range(0, 10, 5) %}",
                    "hash": "{% $hash('input data', 'SHA-1') %}",
                    "seeded": "{% $random(42) = $random(42) %}",
                    "random": "{% $random() < 1 %}",
                    "uuid": "{% $uuid() %}",
                    "parse": "{% $parse($states.input.text).k %}",
                },
                "End": True,
            }
        }
    )
    output = run_local(definition, {"text": '{"k": [1, "two"]}'}).output
    assert output["partition"] == [[1, 2], [3, 4], [5]]
    assert output["range"] == [0, 5, 10]
    assert output["hash"] == "aaff4a450a104cd177d28d18d74485e8cae074b7"
    assert output["seeded"] is True and output["random"] is True
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", output["uuid"])
    assert output["parse"] == [1, "two"]


@pytest.mark.parametrize(
    "expression",
    [
        "{% $error('stop') %}",
        "{% 'a' + 1 %}",
        "{% $partition('no', 2) %}",
        "{% $eval('1 + 1') %}",
        "{% 1 / 0 %}",
        "{% $sum %}",
        "{% $nothing %}",
    ],
)
def test_an_expression_that_fails_is_a_query_evaluation_error(expression: str) -> None:
    result = run_local(jsonata({"P": {"Type": "Pass", "Output": expression, "End": True}}), {})
    assert result.status == "FAILED"
    assert result.error == "States.QueryEvaluationError"
    assert "field Output" in (result.cause or "")


def test_query_evaluation_error_can_be_caught() -> None:
    definition = jsonata(
        {
            "T": {
                "Type": "Task",
                "Resource": "ok",
                "Arguments": "{% $error('bad args') %}",
                "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "Output": "{% $states.input.Error %}", "End": True},
        }
    )
    assert run_local(definition, {}, resources={"ok": lambda p: p}).output == "States.QueryEvaluationError"


def test_one_jsonata_state_in_a_jsonpath_machine() -> None:
    definition = {
        "StartAt": "Path",
        "States": {
            "Path": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Assign": {"m.$": "$.n"}, "Next": "Ata"},
            "Ata": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $states.input.n + $m %}",
                "End": True,
            },
        },
    }
    assert run_local(definition, {"n": 4}).output == 8


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"Type": "Pass", "End": True, "Parameters": {"a": 1}}, "field Parameters: is a JSONPath field"),
        ({"Type": "Pass", "End": True, "InputPath": "$.a"}, "field InputPath: is a JSONPath field"),
        ({"Type": "Pass", "End": True, "Result": 1}, "field Result: is a JSONPath field"),
        (
            {"Type": "Task", "Resource": "r", "End": True, "ResultPath": "$.x"},
            "field ResultPath: is a JSONPath",
        ),
        (
            {"Type": "Task", "Resource": "r", "End": True, "ResultSelector": {}},
            "field ResultSelector: is a JSONPath",
        ),
        (
            {"Type": "Pass", "End": True, "Output": "{% 1 + %}"},
            "field Output: '{% 1 + %}' is not a valid JSONata",
        ),
        ({"Type": "Pass", "End": True, "Output": {"a": ["{% ) %}"]}}, "field Output.a[0]: '{% ) %}' is not"),
        (
            {"Type": "Task", "Resource": "r", "End": True, "TimeoutSeconds": "ten"},
            "field TimeoutSeconds: expected",
        ),
        ({"Type": "Wait", "Seconds": -1, "End": True}, "field Seconds: expected an integer >= 0"),
        ({"Type": "Wait", "SecondsPath": "$.s", "End": True}, "field SecondsPath: is a JSONPath field"),
        (
            {"Type": "Pass", "End": True, "Assign": {"states": 1}},
            "field Assign.states: the variable name $states",
        ),
        ({"Type": "Pass", "End": True, "Assign": {"x": "{% ( %}"}}, "field Assign.x: '{% ( %}' is not"),
        ({"Type": "Fail", "ErrorPath": "$.e"}, "field ErrorPath: is a JSONPath field"),
        (
            {
                "Type": "Task",
                "Resource": "r",
                "End": True,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S", "ResultPath": "$.e"}],
            },
            "field Catch[0].ResultPath: is a JSONPath field",
        ),
        (
            {
                "Type": "Map",
                "End": True,
                "ItemsPath": "$.a",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}},
            },
            "field ItemsPath: is a JSONPath field",
        ),
        (
            {
                "Type": "Map",
                "End": True,
                "Items": "x",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}},
            },
            "field Items: expected a JSON array",
        ),
    ],
)
def test_jsonata_state_validation_names_state_and_field(state: dict[str, Any], expected: str) -> None:
    found = problems(jsonata({"S": state}))
    assert any(f"state 'S', {expected}" in problem for problem in found), found


def test_jsonata_choice_rules_use_condition_not_variable() -> None:
    definition = jsonata(
        {
            "C": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.a", "BooleanEquals": True, "Next": "D"},
                    {"Condition": "{% 1 = %}", "Next": "D"},
                ],
                "Default": "D",
            },
            "D": {"Type": "Succeed"},
        }
    )
    found = problems(definition)
    assert any("field Choices[0].Variable: is not a field of a JSONata Choice rule" in p for p in found), (
        found
    )
    assert any("field Choices[0].Condition: expected a {% %} expression" in p for p in found), found
    assert any("field Choices[1].Condition: '{% 1 = %}' is not a valid JSONata" in p for p in found), found


def test_jsonata_fields_in_a_jsonpath_state_are_errors() -> None:
    definition = {
        "StartAt": "S",
        "States": {
            "S": {"Type": "Task", "Resource": "r", "Arguments": {}, "Output": "{% 1 %}", "End": True},
        },
    }
    found = problems(definition)
    assert any("state 'S', field Arguments: is a JSONata field" in p for p in found), found
    assert any("state 'S', field Output: is a JSONata field" in p for p in found), found


def test_a_jsonata_machine_cannot_have_jsonpath_states() -> None:
    found = problems(jsonata({"S": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}}))
    assert any(
        "state 'S', field QueryLanguage: a JSONata state machine cannot have JSONPath states" in p
        for p in found
    )


def test_branches_inherit_the_machine_query_language() -> None:
    branch = {"StartAt": "B", "States": {"B": {"Type": "Pass", "Parameters": {"a": 1}, "End": True}}}
    found = problems(jsonata({"P": {"Type": "Parallel", "Branches": [branch], "End": True}}))
    assert any(
        "state 'P' Branches[0] > state 'B', field Parameters: is a JSONPath field" in p for p in found
    ), found


def test_a_branch_takes_the_query_language_of_the_machine_not_its_own() -> None:
    branch = {"QueryLanguage": "JSONata", "StartAt": "B", "States": {"B": {"Type": "Succeed"}}}
    found = problems(
        {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [branch], "End": True}}}
    )
    assert any("state 'P' Branches[0]: field QueryLanguage: set it at the top level" in p for p in found), (
        found
    )


def test_a_runaway_expression_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    from hexad.runtime.workflows import expressions

    monkeypatch.setattr(expressions, "EVALUATION_SECONDS", 0.2)
    endless = "{% ($f := function($x){ $f($x + 1) }; $f(1)) %}"
    result = run_local(jsonata({"Loop": {"Type": "Pass", "Output": endless, "End": True}}), {})
    assert result.error == "States.QueryEvaluationError"
    assert "ran longer than 0.2 seconds" in (result.cause or "")


def test_timeout_and_heartbeat_seconds_from_expressions() -> None:
    definition = jsonata(
        {
            "Ask": {
                "Type": "Task",
                "Resource": "ask.waitForTaskToken",
                "Arguments": {"token": "{% $states.context.Task.Token %}"},
                "TimeoutSeconds": "{% $states.input.hours * 3600 %}",
                "HeartbeatSeconds": "{% $states.input.beat %}",
                "End": True,
            }
        }
    )
    tokens: list[str] = []
    result = run_local(
        definition, {"hours": 2, "beat": 600}, resources={"ask": lambda p: tokens.append(p["token"])}
    )
    assert result.error == "States.HeartbeatTimeout"
    assert len(tokens) == 1 and tokens[0]
    scheduled = result.events("TaskScheduled")[0]["details"]
    assert (scheduled["timeoutInSeconds"], scheduled["heartbeatInSeconds"]) == (7200, 600)
    assert run_local(definition, {"hours": 0, "beat": 1}, resources={"ask": lambda p: None}).error == (
        "States.QueryEvaluationError"
    )
