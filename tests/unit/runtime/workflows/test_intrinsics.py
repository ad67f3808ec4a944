"""Every intrinsic function, with the examples of the Step Functions developer guide."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from hexad.runtime.workflows import run_local
from hexad.runtime.workflows.intrinsics import IntrinsicError, evaluate_intrinsic, parse_intrinsic

DATA: dict[str, Any] = {
    "name": "Arnav",
    "template": "Hello, my name is {}.",
    "inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9],
    "chunkSize": 4,
    "lookingFor": 5,
    "start": 1,
    "end": 9,
    "step": 2,
    "index": 5,
    "dupes": [1, 2, 3, 3, 3, 3, 3, 3, 4],
    "escapedJsonString": '{"foo": "bar"}',
    "unescapedJson": {"foo": "bar"},
    "input": "Data to encode",
    "base64": "RGF0YSB0byBlbmNvZGU=",
    "Data": "input data",
    "Algorithm": "SHA-1",
    "json1": {"a": {"a1": 1, "a2": 2}, "b": 2},
    "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
    "value1": 111,
    "step1": -1,
    "inputString": "1,2,3,4,5",
    "splitter": ",",
    "mixed": "This.is+a,test=string",
}


def run(expression: str, data: Any = None) -> Any:
    return evaluate_intrinsic(expression, DATA if data is None else data, {"State": {"Name": "S"}})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("States.Format('Hello, my name is {}.', $.name)", "Hello, my name is Arnav."),
        ("States.Format($.template, $.name)", "Hello, my name is Arnav."),
        ("States.Format('{} and {}: {}', 1, true, null)", "1 and true: null"),
        ("States.Format('braces \\{\\} stay, {} fills', 'x')", "braces {} stay, x fills"),
        ("States.Format('it\\'s {}', $$.State.Name)", "it's S"),
        ("States.StringToJson($.escapedJsonString)", {"foo": "bar"}),
        ("States.JsonToString($.unescapedJson)", '{"foo":"bar"}'),
        ("States.Array('Foo', 2020, $.name, null)", ["Foo", 2020, "Arnav", None]),
        ("States.Array()", []),
        ("States.ArrayPartition($.inputArray, 4)", [[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
        ("States.ArrayPartition($.inputArray, $.chunkSize)", [[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
        ("States.ArrayContains($.inputArray, $.lookingFor)", True),
        ("States.ArrayContains($.inputArray, 10)", False),
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange($.start, $.end, $.step)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
        ("States.ArrayGetItem($.inputArray, $.index)", 6),
        ("States.ArrayLength($.inputArray)", 9),
        ("States.ArrayUnique($.dupes)", [1, 2, 3, 4]),
        ("States.Base64Encode($.input)", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode($.base64)", "Data to encode"),
        ("States.Hash($.Data, $.Algorithm)", hashlib.sha1(b"input data").hexdigest()),
        ("States.Hash('input data', 'SHA-256')", hashlib.sha256(b"input data").hexdigest()),
        ("States.Hash('x', 'MD5')", hashlib.md5(b"x").hexdigest()),
        ("States.JsonMerge($.json1, $.json2, false)", {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}),
        ("States.MathAdd($.value1, $.step1)", 110),
        ("States.MathAdd(2, 3)", 5),
        ("States.StringSplit($.inputString, $.splitter)", ["1", "2", "3", "4", "5"]),
        ("States.StringSplit($.mixed, '.+,=')", ["This", "is", "a", "test", "string"]),
        ("States.ArrayLength(States.Array(1, 2, States.Array(3)))", 3),
        ("States.Format('{} items', States.ArrayLength($.inputArray))", "9 items"),
    ],
)
def test_intrinsic_functions(expression: str, expected: Any) -> None:
    assert run(expression) == expected


def test_math_random_is_in_range_and_seeded() -> None:
    values = {run("States.MathRandom(1, 999)") for _ in range(50)}
    assert all(1 <= value < 999 for value in values)
    assert run("States.MathRandom(1, 1000, 7)") == run("States.MathRandom(1, 1000, 7)")


def test_uuid_is_a_version_4_uuid() -> None:
    value = run("States.UUID()")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", value)
    assert value != run("States.UUID()")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("States.Format('{} {}', 1)", "2 placeholders"),
        ("States.Format('{}', $.json1)", "object"),
        ("States.StringToJson('not json')", "not JSON"),
        ("States.ArrayPartition($.inputArray, 0)", "greater than 0"),
        ("States.ArrayRange(1, 2000, 1)", "at most 1000"),
        ("States.ArrayRange(1, 5, 0)", "must not be 0"),
        ("States.ArrayGetItem($.inputArray, 20)", "outside"),
        ("States.ArrayLength($.name)", "expects an array"),
        ("States.Base64Decode('%%%')", "Base64"),
        ("States.Hash('x', 'SHA-3')", "algorithm"),
        ("States.JsonMerge($.json1, $.json2, true)", "shallow"),
        ("States.MathAdd(1.5, 1)", "integer"),
        ("States.MathRandom(5, 1)", "greater than start"),
        ("States.MathAdd(1)", "expects 2 arguments"),
        ("States.ArrayLength($.missing)", "selected nothing"),
    ],
)
def test_bad_arguments_fail_with_a_clear_message(expression: str, message: str) -> None:
    with pytest.raises(IntrinsicError, match=message):
        run(expression)


@pytest.mark.parametrize(
    "expression",
    [
        "States.Nope(1)",
        "States.Format('a'",
        "States.Format('a') extra",
        "States.Array(1 2)",
        "States.Array({})",
    ],
)
def test_syntax_errors_are_reported(expression: str) -> None:
    with pytest.raises(IntrinsicError):
        parse_intrinsic(expression)


def test_intrinsic_failure_in_a_state_is_catchable_as_states_intrinsic_failure() -> None:
    definition = {
        "StartAt": "Bad",
        "States": {
            "Bad": {
                "Type": "Task",
                "Resource": "echo",
                "Parameters": {"x.$": "States.ArrayGetItem($.list, 9)"},
                "Catch": [{"ErrorEquals": ["States.IntrinsicFailure"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    result = run_local(definition, {"list": [1]}, resources={"echo": lambda p: p})
    assert result.output["Error"] == "States.IntrinsicFailure"
    assert "Bad" in result.output["Cause"]
