"""Errors, Retry and Catch: error names, backoff, MaxDelaySeconds, jitter, timeouts, heartbeats, tokens."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import datetime
from typing import Any

import pytest

from hexad.runtime.workflows import run_local
from hexad.runtime.workflows.failures import find_rule, retry_delay


class ThrottledError(Exception):
    error = "Service.Throttled"


def task(resource: str = "work", **extra: Any) -> dict[str, Any]:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True, **extra}}}


def times_of(result: Any, event_type: str) -> list[float]:
    return [datetime.fromisoformat(e["timestamp"]).timestamp() for e in result.events(event_type)]


def failing(times: int, exc: Exception) -> Any:
    calls = [0]

    def work(payload: Any) -> Any:
        calls[0] += 1
        if calls[0] <= times:
            raise exc
        return {"calls": calls[0]}

    return work


def test_error_name_from_the_exception_class_else_task_failed() -> None:
    result = run_local(task(), {}, resources={"work": failing(9, ThrottledError("slow down"))})
    assert (result.status, result.error, result.cause) == ("FAILED", "Service.Throttled", "slow down")
    result = run_local(task(), {}, resources={"work": failing(9, KeyError("k"))})
    assert (result.error, result.cause) == ("States.TaskFailed", "'k'")


def test_retry_backoff_intervals_on_the_virtual_clock() -> None:
    retry = [{"ErrorEquals": ["Service.Throttled"], "IntervalSeconds": 3, "BackoffRate": 2, "MaxAttempts": 3}]
    result = run_local(task(Retry=retry), {}, resources={"work": failing(3, ThrottledError("x"))})
    assert result.output == {"calls": 4}
    starts = times_of(result, "TaskScheduled")
    assert [round(b - a) for a, b in itertools.pairwise(starts)] == [3, 6, 12]


def test_max_attempts_exhausted_fails_with_the_last_error() -> None:
    retry = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}]
    result = run_local(task(Retry=retry), {}, resources={"work": failing(5, ThrottledError("x"))})
    assert result.error == "Service.Throttled"
    assert len(result.events("TaskScheduled")) == 3


def test_max_attempts_zero_never_retries() -> None:
    retry = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]
    result = run_local(task(Retry=retry), {}, resources={"work": failing(1, ThrottledError("x"))})
    assert result.status == "FAILED"
    assert len(result.events("TaskScheduled")) == 1


def test_max_delay_seconds_caps_the_backoff() -> None:
    rule = {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "BackoffRate": 3, "MaxDelaySeconds": 50}
    assert [retry_delay(rule, n) for n in range(4)] == [10, 30, 50, 50]


def test_full_jitter_stays_below_the_computed_delay() -> None:
    rule = {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "BackoffRate": 2, "JitterStrategy": "FULL"}
    chance = random.Random(3)
    delays = [retry_delay(rule, 2, chance) for _ in range(200)]
    assert all(0 <= delay <= 40 for delay in delays)
    assert len({round(delay, 3) for delay in delays}) > 100
    assert retry_delay({**rule, "JitterStrategy": "NONE"}, 2) == 40


def test_retriers_count_separately_per_rule() -> None:
    retry = [
        {"ErrorEquals": ["Service.Throttled"], "MaxAttempts": 1, "IntervalSeconds": 1},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1},
    ]
    errors = [ThrottledError("a"), KeyError("b"), KeyError("c")]

    def work(payload: Any) -> Any:
        if errors:
            raise errors.pop(0)
        return "ok"

    result = run_local(task(Retry=retry), {}, resources={"work": work})
    assert result.output == "ok"


@pytest.mark.parametrize(
    ("names", "error", "index"),
    [
        (["States.ALL"], "Anything", 0),
        (["States.TaskFailed"], "Custom.Error", 0),
        (["States.TaskFailed"], "States.Timeout", None),
        (["States.ALL"], "States.Runtime", None),
        (["States.ALL"], "States.DataLimitExceeded", None),
        (["States.Timeout"], "States.Timeout", 0),
        (["A", "B"], "B", 0),
    ],
)
def test_error_matching(names: list[str], error: str, index: int | None) -> None:
    assert find_rule([{"ErrorEquals": names}], error) == index


def test_catch_default_result_path_replaces_the_input_with_the_error() -> None:
    definition = task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handler"}])
    definition["States"]["Handler"] = {"Type": "Pass", "End": True}
    result = run_local(definition, {"keep": 1}, resources={"work": failing(1, ThrottledError("why"))})
    assert result.output == {"Error": "Service.Throttled", "Cause": "why"}


def test_catch_after_retries_are_exhausted() -> None:
    definition = task(
        Retry=[{"ErrorEquals": ["Service.Throttled"], "MaxAttempts": 1, "IntervalSeconds": 1}],
        Catch=[{"ErrorEquals": ["Service.Throttled"], "ResultPath": "$.error", "Next": "Handler"}],
    )
    definition["States"]["Handler"] = {"Type": "Pass", "End": True}
    result = run_local(definition, {"keep": 1}, resources={"work": failing(5, ThrottledError("why"))})
    assert result.output == {"keep": 1, "error": {"Error": "Service.Throttled", "Cause": "why"}}
    assert len(result.events("TaskScheduled")) == 2


def test_result_path_into_a_non_object_fails_with_result_path_match_failure() -> None:
    definition = task(ResultPath="$.a.b")
    result = run_local(definition, {"a": 5}, resources={"work": lambda p: 1})
    assert result.error == "States.ResultPathMatchFailure"


def test_runtime_errors_are_not_caught_by_states_all() -> None:
    definition = task(InputPath="$.missing", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handler"}])
    definition["States"]["Handler"] = {"Type": "Pass", "End": True}
    result = run_local(definition, {}, resources={"work": lambda p: p})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "InputPath" in (result.cause or "")


def test_task_timeout_seconds_times_out_a_slow_task() -> None:
    async def slow(payload: Any) -> Any:
        await asyncio.sleep(5)
        return "late"

    definition = task(
        "slow",
        TimeoutSeconds=1,
        Catch=[{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.e", "Next": "Late"}],
    )
    definition["States"]["Late"] = {"Type": "Pass", "End": True}
    result = run_local(definition, {}, resources={"slow": slow}, max_seconds=10)
    assert result.output["e"]["Error"] == "States.Timeout"
    assert len(result.events("TaskTimedOut")) == 1


def test_task_failed_does_not_catch_a_timeout() -> None:
    async def slow(payload: Any) -> Any:
        await asyncio.sleep(5)

    definition = task("slow", TimeoutSeconds=1, Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "X"}])
    definition["States"]["X"] = {"Type": "Pass", "End": True}
    result = run_local(definition, {}, resources={"slow": slow}, max_seconds=10)
    assert (result.status, result.error) == ("FAILED", "States.Timeout")


def test_wait_for_task_token_gets_the_token_and_its_answer() -> None:
    seen: list[Any] = []

    def ask(payload: Any) -> Any:
        seen.append(payload)
        return {"approved": True, "token_seen": payload["token"] == seen[0]["token"]}

    definition = task(
        "ask.waitForTaskToken",
        Parameters={"token.$": "$$.Task.Token", "what.$": "$.what"},
        ResultPath="$.answer",
    )
    result = run_local(definition, {"what": "contract"}, resources={"ask": ask})
    assert seen[0]["what"] == "contract" and len(seen[0]["token"]) >= 16
    assert result.output == {"what": "contract", "answer": {"approved": True, "token_seen": True}}
    assert [e["type"] for e in result.history][2:6] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
    ]


@pytest.mark.parametrize(
    ("fields", "error", "after"),
    [
        ({"TimeoutSeconds": 86400}, "States.Timeout", 86400),
        ({"TimeoutSeconds": 86400, "HeartbeatSeconds": 3600}, "States.HeartbeatTimeout", 3600),
    ],
)
def test_wait_for_task_token_unanswered_times_out_on_the_virtual_clock(
    fields: dict[str, Any], error: str, after: int
) -> None:
    result = run_local(task("ask.waitForTaskToken", **fields), {}, resources={"ask": lambda p: None})
    assert (result.status, result.error) == ("FAILED", error)
    started, ended = times_of(result, "TaskSubmitted")[0], times_of(result, "TaskTimedOut")[0]
    assert ended - started == after


def test_timeout_seconds_path_and_heartbeat_seconds_path() -> None:
    definition = task("ask.waitForTaskToken", TimeoutSecondsPath="$.timeout", HeartbeatSecondsPath="$.beat")
    result = run_local(definition, {"timeout": 60, "beat": 10}, resources={"ask": lambda p: None})
    assert result.error == "States.HeartbeatTimeout"
    details = result.events("TaskScheduled")[0]["details"]
    assert (details["timeoutInSeconds"], details["heartbeatInSeconds"]) == (60, 10)


def test_unknown_resource_is_a_runtime_error() -> None:
    result = run_local(task("nowhere"), {})
    assert (result.error, "nowhere" in (result.cause or "")) == ("States.Runtime", True)


def test_parallel_retry_reruns_the_branches() -> None:
    work = failing(1, ThrottledError("once"))
    definition = {
        "StartAt": "Par",
        "States": {
            "Par": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "work", "End": True}}}
                ],
                "Retry": [{"ErrorEquals": ["Service.Throttled"], "IntervalSeconds": 1}],
                "End": True,
            }
        },
    }
    result = run_local(definition, {}, resources={"work": work})
    assert result.output == [{"calls": 2}]
    assert len(result.events("ParallelStateFailed")) == 1
