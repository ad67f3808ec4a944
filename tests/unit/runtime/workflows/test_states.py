"""Every state type and every input/output processing field, through `run_local` (the guide's examples)."""

from __future__ import annotations

from typing import Any

import pytest

from hexad.runtime.workflows import run_local


def machine(states: dict[str, Any], start: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"StartAt": start or next(iter(states)), "States": states, **extra}


def test_pass_result_and_result_path_merge_into_the_input() -> None:
    definition = machine(
        {
            "Add": {
                "Type": "Pass",
                "Result": {"x-datum": 0.381018, "y-datum": 622.2269926397355},
                "ResultPath": "$.coords",
                "End": True,
            }
        }
    )
    result = run_local(definition, {"georefOf": "Home"})
    assert result.status == "SUCCEEDED"
    assert result.output == {
        "georefOf": "Home",
        "coords": {"x-datum": 0.381018, "y-datum": 622.2269926397355},
    }


def test_input_path_parameters_and_output_path() -> None:
    definition = machine(
        {
            "Shape": {
                "Type": "Pass",
                "InputPath": "$.order",
                "Parameters": {"id.$": "$.id", "fixed": "yes", "nested": {"total.$": "$.lines[1].price"}},
                "ResultPath": "$.shaped",
                "OutputPath": "$.shaped",
                "End": True,
            }
        }
    )
    order = {"order": {"id": "A1", "lines": [{"price": 1}, {"price": 5}]}}
    assert run_local(definition, order).output == {"id": "A1", "fixed": "yes", "nested": {"total": 5}}


def test_null_paths_discard_as_the_guide_says() -> None:
    definition = machine(
        {
            "KeepInput": {"Type": "Pass", "Result": "ignored", "ResultPath": None, "Next": "EmptyInput"},
            "EmptyInput": {"Type": "Pass", "InputPath": None, "Next": "EmptyOutput"},
            "EmptyOutput": {"Type": "Pass", "OutputPath": None, "End": True},
        }
    )
    result = run_local(definition, {"a": 1})
    assert result.output == {}
    assert result.events("PassStateExited")[0]["details"]["output"] == '{"a":1}'
    assert result.events("PassStateExited")[1]["details"]["output"] == "{}"


def test_context_object_in_parameters() -> None:
    definition = machine(
        {
            "Ctx": {
                "Type": "Pass",
                "Parameters": {"state.$": "$$.State.Name", "input.$": "$$.Execution.Input"},
                "End": True,
            }
        }
    )
    assert run_local(definition, {"k": 2}).output == {"state": "Ctx", "input": {"k": 2}}


def test_task_result_selector_and_result_path() -> None:
    definition = machine(
        {
            "Call": {
                "Type": "Task",
                "Resource": "lookup",
                "Parameters": {"name.$": "$.who"},
                "ResultSelector": {"greeting.$": "$.body.text"},
                "ResultPath": "$.answer",
                "End": True,
            }
        }
    )
    seen: list[Any] = []

    def lookup(payload: Any) -> Any:
        seen.append(payload)
        return {"body": {"text": f"hello {payload['name']}"}, "noise": 1}

    result = run_local(definition, {"who": "ana"}, resources={"lookup": lookup})
    assert seen == [{"name": "ana"}]
    assert result.output == {"who": "ana", "answer": {"greeting": "hello ana"}}
    assert [e["type"] for e in result.history][:5] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
    ]


async def test_async_resources_are_awaited() -> None:
    from hexad.runtime.workflows import run_local_async

    async def double(payload: Any) -> Any:
        return payload * 2

    definition = machine({"T": {"Type": "Task", "Resource": "double", "End": True}})
    assert (await run_local_async(definition, 21, resources={"double": double})).output == 42


def test_choice_routes_and_default() -> None:
    definition = machine(
        {
            "Route": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.value", "NumericGreaterThan": 100, "Next": "Big"},
                    {
                        "And": [
                            {"Variable": "$.value", "NumericGreaterThanEquals": 10},
                            {"Not": {"Variable": "$.kind", "StringEquals": "skip"}},
                        ],
                        "Next": "Medium",
                    },
                ],
                "Default": "Small",
            },
            "Big": {"Type": "Pass", "Result": "big", "End": True},
            "Medium": {"Type": "Pass", "Result": "medium", "End": True},
            "Small": {"Type": "Pass", "Result": "small", "End": True},
        }
    )
    assert run_local(definition, {"value": 500, "kind": "x"}).output == "big"
    assert run_local(definition, {"value": 50, "kind": "x"}).output == "medium"
    assert run_local(definition, {"value": 50, "kind": "skip"}).output == "small"


def test_choice_without_match_or_default_fails_with_no_choice_matched() -> None:
    definition = machine(
        {
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.v", "BooleanEquals": True, "Next": "Done"}],
            },
            "Done": {"Type": "Succeed"},
        }
    )
    result = run_local(definition, {"v": False})
    assert (result.status, result.error) == ("FAILED", "States.NoChoiceMatched")


def test_choice_on_a_missing_variable_is_a_runtime_error() -> None:
    definition = machine(
        {
            "Route": {"Type": "Choice", "Choices": [{"Variable": "$.nope", "IsNull": True, "Next": "Done"}]},
            "Done": {"Type": "Succeed"},
        }
    )
    result = run_local(definition, {})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "Route" in (result.cause or "")


@pytest.mark.parametrize(
    ("wait", "data", "seconds"),
    [
        ({"Seconds": 10}, {}, 10),
        ({"SecondsPath": "$.delay"}, {"delay": 7776000}, 7776000),
        ({"Timestamp": "2026-01-02T00:00:00Z"}, {}, 86400),
        ({"TimestampPath": "$.at"}, {"at": "2026-03-01T00:00:00+00:00"}, 59 * 86400),
    ],
)
def test_wait_forms_take_virtual_time(wait: dict[str, Any], data: Any, seconds: int) -> None:
    definition = machine({"Hold": {"Type": "Wait", **wait, "Next": "Done"}, "Done": {"Type": "Succeed"}})
    result = run_local(definition, data)
    assert result.status == "SUCCEEDED"
    assert result.output == data
    started = result.history[0]["timestamp"]
    from datetime import datetime

    ended = result.history[-1]["timestamp"]
    elapsed = datetime.fromisoformat(ended) - datetime.fromisoformat(started)
    assert elapsed.total_seconds() == seconds


def test_wait_timestamp_in_the_past_continues_at_once() -> None:
    definition = machine({"Hold": {"Type": "Wait", "Timestamp": "2020-01-01T00:00:00Z", "End": True}})
    assert run_local(definition, 1).status == "SUCCEEDED"


def test_succeed_applies_paths_and_ends() -> None:
    definition = machine({"Done": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}})
    assert run_local(definition, {"a": {"b": 3}}).output == 3


@pytest.mark.parametrize(
    ("fields", "error", "cause"),
    [
        ({"Error": "Contract.Invalid", "Cause": "no end date"}, "Contract.Invalid", "no end date"),
        ({"ErrorPath": "$.e", "CausePath": "$.c"}, "E1", "C1"),
        ({"ErrorPath": "$.e", "CausePath": "States.Format('bad {}', $.c)"}, "E1", "bad C1"),
    ],
)
def test_fail_reports_error_and_cause(fields: dict[str, Any], error: str, cause: str) -> None:
    definition = machine({"Stop": {"Type": "Fail", **fields}})
    result = run_local(definition, {"e": "E1", "c": "C1"})
    assert (result.status, result.error, result.cause) == ("FAILED", error, cause)
    assert result.history[-1]["type"] == "ExecutionFailed"


def test_parallel_outputs_branch_results_in_order() -> None:
    definition = machine(
        {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Slow",
                        "States": {
                            "Slow": {"Type": "Wait", "Seconds": 60, "Next": "A"},
                            "A": {"Type": "Pass", "Result": "a", "End": True},
                        },
                    },
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "b", "End": True}}},
                ],
                "ResultSelector": {"first.$": "$[0]", "second.$": "$[1]"},
                "End": True,
            }
        }
    )
    result = run_local(definition, {})
    assert result.output == {"first": "a", "second": "b"}
    types = [event["type"] for event in result.history]
    assert "ParallelStateSucceeded" in types


def test_parallel_fails_with_the_branch_error_and_can_be_caught() -> None:
    branch_fail = {
        "StartAt": "F",
        "States": {"F": {"Type": "Fail", "Error": "Vote.Missing", "Cause": "no vote"}},
    }
    branch_ok = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    definition = machine(
        {
            "Both": {
                "Type": "Parallel",
                "Branches": [branch_ok, branch_fail],
                "Catch": [{"ErrorEquals": ["Vote.Missing"], "ResultPath": "$.problem", "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        }
    )
    result = run_local(definition, {"x": 1})
    assert result.output == {"x": 1, "problem": {"Error": "Vote.Missing", "Cause": "no vote"}}


def test_map_items_path_item_selector_and_context() -> None:
    definition = machine(
        {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {
                    "index.$": "$$.Map.Item.Index",
                    "value.$": "$$.Map.Item.Value",
                    "tag.$": "$.tag",
                },
                "MaxConcurrency": 2,
                "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}},
                "ResultPath": "$.results",
                "End": True,
            }
        }
    )
    result = run_local(definition, {"items": ["a", "b", "c"], "tag": "t"})
    assert result.output["results"] == [
        {"index": 0, "value": "a", "tag": "t"},
        {"index": 1, "value": "b", "tag": "t"},
        {"index": 2, "value": "c", "tag": "t"},
    ]
    assert len(result.events("MapIterationSucceeded")) == 3


def test_map_max_concurrency_limits_items_in_flight() -> None:
    in_flight, peak = [0], [0]

    async def work(item: Any) -> Any:
        import asyncio

        in_flight[0] += 1
        peak[0] = max(peak[0], in_flight[0])
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        in_flight[0] -= 1
        return item

    definition = machine(
        {
            "Each": {
                "Type": "Map",
                "MaxConcurrency": 3,
                "Iterator": {
                    "StartAt": "W",
                    "States": {"W": {"Type": "Task", "Resource": "work", "End": True}},
                },
                "End": True,
            }
        }
    )
    result = run_local(definition, list(range(10)), resources={"work": work})
    assert result.output == list(range(10))
    assert peak[0] == 3


def _flaky_map(tolerance: dict[str, Any]) -> dict[str, Any]:
    processor = {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$", "NumericLessThan": 0, "Next": "Bad"}],
                "Default": "Good",
            },
            "Bad": {"Type": "Fail", "Error": "Item.Negative", "Cause": "negative"},
            "Good": {"Type": "Pass", "End": True},
        },
    }
    return machine({"Each": {"Type": "Map", "ItemProcessor": processor, **tolerance, "End": True}})


def test_map_without_tolerance_fails_on_the_first_failed_item() -> None:
    result = run_local(_flaky_map({}), [1, -1, 2])
    assert (result.status, result.error) == ("FAILED", "Item.Negative")


def test_map_tolerated_failures_keep_the_error_in_place() -> None:
    result = run_local(_flaky_map({"ToleratedFailureCount": 1}), [1, -1, 2])
    assert result.output == [1, {"Error": "Item.Negative", "Cause": "negative"}, 2]


@pytest.mark.parametrize(
    "tolerance",
    [
        {"ToleratedFailureCount": 1},
        {"ToleratedFailurePercentage": 30},
        {"ToleratedFailurePercentagePath": "$[0]"},
    ],
)
def test_map_past_tolerance_fails_with_exceed_threshold(tolerance: dict[str, Any]) -> None:
    result = run_local(_flaky_map(tolerance), [25, -1, -2, 3, 4, 5])
    assert (result.status, result.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")


def test_map_percentage_within_tolerance_succeeds() -> None:
    result = run_local(_flaky_map({"ToleratedFailurePercentage": 50}), [1, -1, -2, 3])
    assert result.status == "SUCCEEDED"


def test_map_over_a_non_array_is_a_runtime_error() -> None:
    result = run_local(_flaky_map({}), {"not": "a list"})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


def test_a_loop_visits_a_state_many_times() -> None:
    definition = machine(
        {
            "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Again"},
            "Again": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericLessThan": 5, "Next": "Count"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        }
    )
    result = run_local(definition, {"n": 0})
    assert result.output == {"n": 5}
    assert len(result.events("PassStateEntered")) == 5


def test_execution_timeout_seconds_times_out_on_the_virtual_clock() -> None:
    definition = machine({"Long": {"Type": "Wait", "Seconds": 3600, "End": True}}, TimeoutSeconds=60)
    result = run_local(definition, {})
    assert (result.status, result.error) == ("TIMED_OUT", "States.Timeout")
    assert result.history[-1]["type"] == "ExecutionTimedOut"


def test_max_seconds_bounds_real_time() -> None:
    import time

    def hang(payload: Any) -> Any:
        time.sleep(0.05)
        return payload

    definition = machine(
        {
            "Spin": {"Type": "Task", "Resource": "hang", "Next": "Loop"},
            "Loop": {"Type": "Choice", "Choices": [{"Variable": "$", "IsPresent": True, "Next": "Spin"}]},
        }
    )
    result = run_local(definition, {}, resources={"hang": hang}, max_seconds=0.2)
    assert result.status == "TIMED_OUT"


def test_output_over_the_data_limit_fails_the_execution() -> None:
    definition = machine({"Big": {"Type": "Pass", "Parameters": {"s.$": "$.s"}, "End": True}})
    result = run_local(definition, {"s": "x" * 300_000})
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")


def test_definition_given_as_json_text() -> None:
    text = '{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}'
    assert run_local(text, [1]).output == [1]


def test_history_events_have_ids_and_previous_ids() -> None:
    result = run_local(machine({"P": {"Type": "Pass", "End": True}}), {})
    assert [event["id"] for event in result.history] == [1, 2, 3, 4]
    assert [event["previousEventId"] for event in result.history] == [0, 1, 2, 3]
    assert result.history[-1]["details"] == {"output": "{}"}


def test_map_max_concurrency_path_and_tolerated_failure_count_path() -> None:
    definition = _flaky_map({"ToleratedFailureCountPath": "$.allowed", "MaxConcurrencyPath": "$.width"})
    definition["States"]["Each"]["ItemsPath"] = "$.items"
    result = run_local(definition, {"items": [1, -1, 2], "allowed": 1, "width": 1})
    assert result.output == [1, {"Error": "Item.Negative", "Cause": "negative"}, 2]
    result = run_local(definition, {"items": [1, -1, -2], "allowed": 1, "width": 1})
    assert result.error == "States.ExceedToleratedFailureThreshold"


def test_items_path_that_selects_nothing_is_a_runtime_error_naming_the_field() -> None:
    definition = _flaky_map({"ItemsPath": "$.missing"})
    result = run_local(definition, {})
    assert result.error == "States.Runtime"
    assert "ItemsPath" in (result.cause or "")


def test_parallel_parameters_and_result_path() -> None:
    definition = machine(
        {
            "Both": {
                "Type": "Parallel",
                "Parameters": {"v.$": "$.value"},
                "Branches": [
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "OutputPath": "$.v", "End": True}}}
                ],
                "ResultPath": "$.branches",
                "End": True,
            }
        }
    )
    assert run_local(definition, {"value": 3}).output == {"value": 3, "branches": [3]}
