"""Parse and validate a state machine definition before it is stored or run.

Like Step Functions' `ValidateStateMachineDefinition`, every problem is collected and reported with
where it is: the state's name (with the Parallel branch or Map processor it sits in) and the field.
A definition that passes here can still fail at run time only on data (a path that selects nothing,
an intrinsic given the wrong type), never on its own shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hexad.errors import WorkflowDefinitionError
from hexad.runtime.workflows.choice import parse_timestamp
from hexad.runtime.workflows.intrinsics import is_intrinsic
from hexad.runtime.workflows.languages import (
    JSONATA_ONLY,
    JSONPATH_ONLY,
    LANGUAGES,
    assigned_names,
    check_jsonata_values,
    jsonata_extra,
    jsonpath_extra,
)
from hexad.runtime.workflows.paths import is_reference_path
from hexad.runtime.workflows.rules import (
    Where,
    check_choice,
    check_errors,
    check_intrinsic,
    check_path,
    check_state_assign,
    check_target,
    check_template,
    non_negative,
    positive_int,
)

__all__ = ["STATE_TYPES", "parse_definition", "validate_definition"]

STATE_TYPES = frozenset({"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"})
_TERMINAL = frozenset({"Choice", "Succeed", "Fail"})
_COMMON = {"Type", "Comment", "Next", "End", "InputPath", "OutputPath", "QueryLanguage"}
_FIELDS: dict[str, set[str]] = {
    "Pass": {"Result", "ResultPath", "Parameters"},
    "Task": {
        "Resource",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "Retry",
        "Catch",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
        "Credentials",
    },
    "Choice": {"Choices", "Default"},
    "Wait": {"Seconds", "Timestamp", "SecondsPath", "TimestampPath"},
    "Succeed": set(),
    "Fail": {"Error", "Cause", "ErrorPath", "CausePath"},
    "Parallel": {"Branches", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch"},
    "Map": {
        "ItemsPath",
        "ItemSelector",
        "Parameters",
        "ItemProcessor",
        "Iterator",
        "MaxConcurrency",
        "MaxConcurrencyPath",
        "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath",
        "ToleratedFailureCount",
        "ToleratedFailureCountPath",
        "ResultSelector",
        "ResultPath",
        "Retry",
        "Catch",
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "Label",
    },
}
_NO_IO = {"Succeed": {"Next", "End"}, "Fail": {"Next", "End", "InputPath", "OutputPath"}}
_ALLOWED: dict[tuple[str, bool], frozenset[str]] = {
    (kind, jsonata): frozenset(
        (
            (((_COMMON | fields) - JSONPATH_ONLY) | jsonata_extra(kind))
            if jsonata
            else (_COMMON | fields | jsonpath_extra(kind))
        )
        - _NO_IO.get(kind, set())
    )
    for kind, fields in _FIELDS.items()
    for jsonata in (False, True)
}


def parse_definition(definition: Mapping[str, Any] | str) -> dict[str, Any]:
    """A definition as a dict, from JSON text or a mapping; validated."""
    if isinstance(definition, str):
        try:
            loaded = json.loads(definition)
        except ValueError as exc:
            raise WorkflowDefinitionError(f"the definition is not JSON: {exc}") from None
    else:
        loaded = dict(definition)
    validate_definition(loaded)
    return loaded  # type: ignore[no-any-return]


def validate_definition(definition: Any) -> None:
    """Raise `WorkflowDefinitionError` listing every problem (state, field, what is expected)."""
    problems: list[str] = []
    _machine(definition, "", problems)
    if problems:
        error = WorkflowDefinitionError("invalid state machine definition:\n  " + "\n  ".join(problems))
        error.problems = problems  # type: ignore[attr-defined]
        raise error


def _machine(
    machine: Any,
    where: str,
    problems: list[str],
    default: str = "JSONPath",
    outer: frozenset[str] = frozenset(),
) -> None:
    prefix = f"{where}: " if where else ""
    if not isinstance(machine, dict):
        problems.append(f"{prefix}expected a JSON object with StartAt and States")
        return
    states = machine.get("States")
    if not isinstance(states, dict) or not states:
        problems.append(f"{prefix}field States: expected a non-empty object of states")
        return
    start = machine.get("StartAt")
    if not isinstance(start, str) or start not in states:
        problems.append(f"{prefix}field StartAt: expected the name of a state, got {start!r}")
    language = machine.get("QueryLanguage", default)
    if where and "QueryLanguage" in machine:
        problems.append(f"{prefix}field QueryLanguage: set it at the top level or on the states themselves")
        language = default
    elif language not in LANGUAGES:
        problems.append(f"{prefix}field QueryLanguage: expected JSONPath or JSONata, got {language!r}")
        language = default
    timeout = machine.get("TimeoutSeconds")
    if timeout is not None and not positive_int(timeout):
        problems.append(f"{prefix}field TimeoutSeconds: expected a positive integer, got {timeout!r}")
    inner = outer | assigned_names(states)
    for name, state in states.items():
        _state(name, state, states, Where(where, name, language, outer, inner), problems)
    if isinstance(start, str) and start in states:
        _reachability(start, states, where, problems)


def _state(name: str, state: Any, states: dict[str, Any], at: Where, problems: list[str]) -> None:
    if len(name) > 80:
        problems.append(at("name", "a state name has at most 80 characters"))
    if not isinstance(state, dict):
        problems.append(at("Type", "expected a JSON object"))
        return
    kind = state.get("Type")
    if kind not in STATE_TYPES:
        problems.append(at("Type", f"expected one of {', '.join(sorted(STATE_TYPES))}, got {kind!r}"))
        return
    _language(state, at, problems)
    _fields(kind, state, at, problems)
    _transition(kind, state, states, at, problems)
    if at.jsonata:
        check_jsonata_values(state, lambda field, message: problems.append(at(field, message)))
    else:
        _paths(state, at, problems)
    if "Assign" in state:
        check_state_assign(state["Assign"], "Assign", at, problems)
    _CHECKS.get(kind, _nothing)(state, states, at, problems)


def _language(state: dict[str, Any], at: Where, problems: list[str]) -> None:
    language = state.get("QueryLanguage", at.default)
    if language not in LANGUAGES:
        problems.append(at("QueryLanguage", f"expected JSONPath or JSONata, got {language!r}"))
    elif at.default == "JSONata" and language == "JSONPath":
        problems.append(at("QueryLanguage", "a JSONata state machine cannot have JSONPath states"))
    else:
        at.jsonata = language == "JSONata"


def _fields(kind: str, state: dict[str, Any], at: Where, problems: list[str]) -> None:
    allowed = _ALLOWED[kind, at.jsonata]
    for field in state:
        if field in allowed:
            continue
        if at.jsonata and field in JSONPATH_ONLY:
            problems.append(
                at(field, "is a JSONPath field; a JSONata state uses Arguments, Output and {% %}")
            )
        elif not at.jsonata and field in JSONATA_ONLY:
            problems.append(at(field, "is a JSONata field; set QueryLanguage to JSONata to use it"))
        else:
            problems.append(at(field, f"is not a field of a {kind} state"))


def _nothing(state: dict[str, Any], states: dict[str, Any], at: Where, problems: list[str]) -> None:
    return None


def _transition(
    kind: str, state: dict[str, Any], states: dict[str, Any], at: Where, problems: list[str]
) -> None:
    if kind in _TERMINAL:
        return
    has_next, end = "Next" in state, state.get("End")
    if has_next and end:
        problems.append(at("End", "a state has either Next or End: true, not both"))
    elif not has_next and end is not True:
        problems.append(at("Next", "expected Next (a state name) or End: true"))
    if has_next:
        check_target(state["Next"], states, at, "Next", problems)


def _paths(state: dict[str, Any], at: Where, problems: list[str]) -> None:
    for field in ("InputPath", "OutputPath", "ItemsPath"):
        if field in state and state[field] is not None:
            check_path(state[field], at, field, problems)
    for field in ("ResultPath",):
        value = state.get(field)
        if field in state and value is not None and not (isinstance(value, str) and is_reference_path(value)):
            problems.append(at(field, f"expected a reference path such as $.result, or null, got {value!r}"))
    for field in ("Parameters", "ResultSelector", "ItemSelector"):
        if field in state:
            if not isinstance(state[field], dict):
                problems.append(at(field, "expected a JSON object"))
            else:
                check_template(state[field], at, field, problems)


def _check_task(state: dict[str, Any], states: dict[str, Any], at: Where, problems: list[str]) -> None:
    if not isinstance(state.get("Resource"), str) or not state["Resource"]:
        problems.append(at("Resource", "expected a resource name (a string)"))
    for field in ("TimeoutSeconds", "HeartbeatSeconds"):
        if field in state and not at.jsonata and not positive_int(state[field]):
            problems.append(at(field, f"expected a positive integer, got {state[field]!r}"))
        if field in state and f"{field}Path" in state:
            problems.append(at(field, f"use {field} or {field}Path, not both"))
        if f"{field}Path" in state:
            check_path(state[f"{field}Path"], at, f"{field}Path", problems)
    timeout, heartbeat = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
    if positive_int(timeout) and positive_int(heartbeat) and int(heartbeat) >= int(timeout):  # type: ignore[arg-type]
        problems.append(at("HeartbeatSeconds", "must be smaller than TimeoutSeconds"))
    check_errors(state, states, at, problems)


def _check_wait(state: dict[str, Any], states: dict[str, Any], at: Where, problems: list[str]) -> None:
    given = [field for field in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if field in state]
    if len(given) != 1:
        problems.append(
            at(
                "Seconds",
                f"expected exactly one of Seconds, Timestamp, SecondsPath, TimestampPath, got {given}",
            )
        )
        return
    field = given[0]
    if at.jsonata:
        return
    if field == "Seconds" and not non_negative(state[field]):
        problems.append(at(field, f"expected a number >= 0, got {state[field]!r}"))
    elif field == "Timestamp" and parse_timestamp(state[field]) is None:
        problems.append(
            at(field, f"expected an RFC 3339 timestamp such as 2026-01-01T00:00:00Z, got {state[field]!r}")
        )
    elif field.endswith("Path"):
        check_path(state[field], at, field, problems)


def _check_fail(state: dict[str, Any], states: dict[str, Any], at: Where, problems: list[str]) -> None:
    for field in ("Error", "Cause"):
        if field in state and f"{field}Path" in state:
            problems.append(at(field, f"use {field} or {field}Path, not both"))
        if field in state and not isinstance(state[field], str):
            problems.append(at(field, "expected a string"))
        path = state.get(f"{field}Path")
        if path is not None:
            if is_intrinsic(path):
                check_intrinsic(path, at, f"{field}Path", problems)
            else:
                check_path(path, at, f"{field}Path", problems)


def _check_parallel(state: dict[str, Any], states: dict[str, Any], at: Where, problems: list[str]) -> None:
    branches = state.get("Branches")
    if not isinstance(branches, list) or not branches:
        problems.append(at("Branches", "expected a non-empty array of state machines"))
    else:
        for index, branch in enumerate(branches):
            _machine(branch, at.nested(f"Branches[{index}]"), problems, at.default, at.inner)
    check_errors(state, states, at, problems)


def _check_map(state: dict[str, Any], states: dict[str, Any], at: Where, problems: list[str]) -> None:
    processor = state.get("ItemProcessor", state.get("Iterator"))
    if processor is None:
        problems.append(at("ItemProcessor", "expected a state machine (StartAt and States)"))
    else:
        _machine(processor, at.nested("ItemProcessor"), problems, at.default, at.inner)
    if not at.jsonata:
        _check_map_numbers(state, at, problems)
    check_errors(state, states, at, problems)


def _check_map_numbers(state: dict[str, Any], at: Where, problems: list[str]) -> None:
    if "MaxConcurrency" in state and not (
        isinstance(state["MaxConcurrency"], int) and state["MaxConcurrency"] >= 0
    ):
        problems.append(at("MaxConcurrency", f"expected an integer >= 0, got {state['MaxConcurrency']!r}"))
    percent = state.get("ToleratedFailurePercentage")
    if percent is not None and not (non_negative(percent) and percent <= 100):
        problems.append(at("ToleratedFailurePercentage", f"expected a number from 0 to 100, got {percent!r}"))
    count = state.get("ToleratedFailureCount")
    if count is not None and not (isinstance(count, int) and not isinstance(count, bool) and count >= 0):
        problems.append(at("ToleratedFailureCount", f"expected an integer >= 0, got {count!r}"))
    for field in ("MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath"):
        if field in state:
            check_path(state[field], at, field, problems)


def _check_pass(state: dict[str, Any], states: dict[str, Any], at: Where, problems: list[str]) -> None:
    return None


_CHECKS = {
    "Task": _check_task,
    "Choice": check_choice,
    "Wait": _check_wait,
    "Fail": _check_fail,
    "Parallel": _check_parallel,
    "Map": _check_map,
    "Pass": _check_pass,
}


def _reachability(start: str, states: dict[str, Any], where: str, problems: list[str]) -> None:
    seen, pending = set(), [start]
    while pending:
        name = pending.pop()
        if name in seen or not isinstance(states.get(name), dict):
            continue
        seen.add(name)
        pending.extend(_successors(states[name]))
    for name in states:
        if name not in seen:
            scope = f"{where} > " if where else ""
            problems.append(f"{scope}state {name!r}, field Type: the state cannot be reached from StartAt")


def _successors(state: dict[str, Any]) -> list[str]:
    targets = [state.get("Next"), state.get("Default")]
    targets += [rule.get("Next") for rule in state.get("Choices", []) if isinstance(rule, dict)]
    targets += [rule.get("Next") for rule in state.get("Catch", []) if isinstance(rule, dict)]
    return [target for target in targets if isinstance(target, str)]
