"""The states that call nothing: Pass, Succeed, Fail, Choice and Wait, in both query languages.

A JSONPath state shapes its data with InputPath, Parameters, ResultPath and OutputPath; a JSONata
state with `Output` (and `{% %}` expressions in its other fields), `$states.input` being its input.
Either may `Assign` variables (not Succeed and Fail); the values take effect when the state exits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hexad.runtime.workflows.assign import evaluate_assign, jsonata_bindings, jsonata_output, jsonata_value
from hexad.runtime.workflows.choice import evaluate_rule, parse_timestamp
from hexad.runtime.workflows.failures import StateFailure
from hexad.runtime.workflows.interpreter import Execution, iso_time, to_json
from hexad.runtime.workflows.intrinsics import IntrinsicError, evaluate_intrinsic, is_intrinsic
from hexad.runtime.workflows.processing import (
    apply_template,
    input_path,
    output_path,
    read_value,
    state_result_path,
)

__all__ = ["run_choice", "run_fail", "run_pass", "run_succeed", "run_wait"]


async def run_pass(
    run: Execution, name: str, state: dict[str, Any], data: Any, key: str
) -> tuple[Any, str | None]:
    """Pass: its input (or Result / Parameters / Output) on to the next state."""
    context = run.context(name, run.host.now())
    if run.jsonata(state):
        bindings = jsonata_bindings(data, context)
        run.stage(key, evaluate_assign(state, name, "Assign", bindings=bindings))
        return jsonata_output(state, bindings, name, data), state.get("Next")
    effective = input_path(state, data, context, name)
    if "Result" in state:
        result = state["Result"]
    elif "Parameters" in state:
        result = apply_template(state["Parameters"], effective, context, name, "Parameters")
    else:
        result = effective
    run.stage(key, evaluate_assign(state, name, "Assign", data=result, context=context))
    output = state_result_path(state, data, result, name)
    return output_path(state, output, context, name), state.get("Next")


async def run_succeed(
    run: Execution, name: str, state: dict[str, Any], data: Any, key: str
) -> tuple[Any, None]:
    """Succeed: end this (sub-)machine with the state's output."""
    context = run.context(name, run.host.now())
    if run.jsonata(state):
        return jsonata_output(state, jsonata_bindings(data, context), name, data), None
    return output_path(state, input_path(state, data, context, name), context, name), None


async def run_fail(run: Execution, name: str, state: dict[str, Any], data: Any, key: str) -> tuple[Any, None]:
    """Fail: raise the state's Error and Cause."""
    context = run.context(name, run.host.now())
    if run.jsonata(state):
        bindings = jsonata_bindings(data, context)
        error = _jsonata_text(state, "Error", bindings, name)
        cause = _jsonata_text(state, "Cause", bindings, name)
    else:
        error = _fail_field(state, "Error", data, context, name)
        cause = _fail_field(state, "Cause", data, context, name)
    raise StateFailure(error or "States.Failed", cause or "")


def _jsonata_text(state: dict[str, Any], field: str, bindings: Mapping[str, Any], name: str) -> str | None:
    if field not in state:
        return None
    value = jsonata_value(state[field], bindings, name, field)
    if not isinstance(value, str):
        raise StateFailure(
            "States.QueryEvaluationError",
            f"The state '{name}', field {field}: expected a string, got {to_json(value)}",
        )
    return value


def _fail_field(state: dict[str, Any], field: str, data: Any, context: Any, name: str) -> str | None:
    if field in state:
        return str(state[field])
    path = state.get(f"{field}Path")
    if path is None:
        return None
    if is_intrinsic(path):
        try:
            value = evaluate_intrinsic(path, data, context)
        except IntrinsicError as exc:
            raise StateFailure(
                "States.IntrinsicFailure", f"The state '{name}', field {field}Path: {exc}"
            ) from None
    else:
        value = read_value(path, data, context, name, f"{field}Path")
    if not isinstance(value, str):
        raise StateFailure(
            "States.Runtime",
            f"The state '{name}', field {field}Path: expected a string, got {to_json(value)}",
        )
    return value


async def run_choice(
    run: Execution, name: str, state: dict[str, Any], data: Any, key: str
) -> tuple[Any, str]:
    """Choice: the first matching rule's Next (and its Assign/Output), else Default (the state's)."""
    context = run.context(name, run.host.now())
    if run.jsonata(state):
        bindings = jsonata_bindings(data, context)
        index = _jsonata_match(state, bindings, name)
        holder = _holder(state, index)
        run.stage(key, evaluate_assign(holder, name, _field(index, "Assign"), bindings=bindings))
        return jsonata_output(holder, bindings, name, data), _following(state, index, name)
    effective = input_path(state, data, context, name)
    index = _jsonpath_match(state, effective, context, name)
    holder = _holder(state, index)
    run.stage(key, evaluate_assign(holder, name, _field(index, "Assign"), data=effective, context=context))
    return output_path(state, effective, context, name), _following(state, index, name)


def _jsonpath_match(state: dict[str, Any], data: Any, context: Any, name: str) -> int | None:
    for index, rule in enumerate(state["Choices"]):
        try:
            if evaluate_rule(rule, data, context):
                return index
        except LookupError as exc:
            raise StateFailure(
                "States.Runtime", f"The state '{name}': a Choices rule's path selected nothing ({exc})"
            ) from None
    return None


def _jsonata_match(state: dict[str, Any], bindings: Mapping[str, Any], name: str) -> int | None:
    for index, rule in enumerate(state["Choices"]):
        field = f"Choices[{index}].Condition"
        matched = jsonata_value(rule["Condition"], bindings, name, field)
        if not isinstance(matched, bool):
            raise StateFailure(
                "States.QueryEvaluationError",
                f"The state '{name}', field {field}: expected true or false, got {to_json(matched)}",
            )
        if matched:
            return index
    return None


def _holder(state: dict[str, Any], index: int | None) -> dict[str, Any]:
    """Where Assign and Output come from: the matched rule; the state's own only when Default is taken."""
    if index is None:
        return state
    rule: dict[str, Any] = state["Choices"][index]
    return rule


def _field(index: int | None, field: str) -> str:
    return field if index is None else f"Choices[{index}].{field}"


def _following(state: dict[str, Any], index: int | None, name: str) -> str:
    if index is not None:
        return str(state["Choices"][index]["Next"])
    if "Default" in state:
        return str(state["Default"])
    raise StateFailure(
        "States.NoChoiceMatched", f"No Choice Rule matched in the state '{name}' and it has no Default."
    )


async def run_wait(
    run: Execution, name: str, state: dict[str, Any], data: Any, key: str
) -> tuple[Any, str | None]:
    """Wait: until a durable deadline (recorded once, so a restart keeps it)."""
    context = run.context(name, run.host.now())
    jsonata = run.jsonata(state)
    bindings = jsonata_bindings(data, context) if jsonata else {}
    effective = data if jsonata else input_path(state, data, context, name)
    deadline = run.memo.get("w" + key)
    if deadline is None:
        if jsonata:
            deadline = _jsonata_deadline(run, name, state, bindings)
        else:
            deadline = _wait_deadline(run, name, state, effective, context)
        run.record("WaitStateScheduled", {"name": name, "until": iso_time(deadline)}, "w" + key, deadline)
    await run.sleep(float(deadline))
    if jsonata:
        run.stage(key, evaluate_assign(state, name, "Assign", bindings=bindings))
        return jsonata_output(state, bindings, name, data), state.get("Next")
    run.stage(key, evaluate_assign(state, name, "Assign", data=effective, context=context))
    return output_path(state, effective, context, name), state.get("Next")


def _jsonata_deadline(run: Execution, name: str, state: dict[str, Any], bindings: Mapping[str, Any]) -> float:
    if "Seconds" in state:
        seconds = jsonata_value(state["Seconds"], bindings, name, "Seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
            raise StateFailure(
                "States.QueryEvaluationError",
                f"The state '{name}', field Seconds: expected an integer >= 0, got {to_json(seconds)}",
            )
        return run.host.now() + float(seconds)
    text = jsonata_value(state["Timestamp"], bindings, name, "Timestamp")
    moment = parse_timestamp(text)
    if moment is None:
        raise StateFailure(
            "States.QueryEvaluationError",
            f"The state '{name}', field Timestamp: expected an RFC 3339 timestamp, got {to_json(text)}",
        )
    return moment.timestamp()


def _wait_deadline(run: Execution, name: str, state: dict[str, Any], data: Any, context: Any) -> float:
    if "Seconds" in state:
        return run.host.now() + float(state["Seconds"])
    if "SecondsPath" in state:
        seconds = read_value(state["SecondsPath"], data, context, name, "SecondsPath")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise StateFailure(
                "States.Runtime",
                f"The state '{name}', field SecondsPath: expected a number >= 0, got {to_json(seconds)}",
            )
        return run.host.now() + float(seconds)
    if "Timestamp" in state:
        text = state["Timestamp"]
    else:
        text = read_value(state["TimestampPath"], data, context, name, "TimestampPath")
    moment = parse_timestamp(text)
    if moment is None:
        raise StateFailure(
            "States.Runtime",
            f"The state '{name}', field TimestampPath: expected an RFC 3339 timestamp, got {to_json(text)}",
        )
    return moment.timestamp()
