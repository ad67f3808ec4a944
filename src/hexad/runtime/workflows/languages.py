"""Validation of what the two query languages differ in: the fields each allows, `Assign`, `{% %}` values.

A JSONPath state shapes data with InputPath, Parameters, ResultSelector, ResultPath and OutputPath; a
JSONata state with Arguments and Output, and most of its fields may be `{% %}` expressions. Mixing
them is a definition error naming the state and field, as is an invalid variable name, assigning
the reserved `$states`, or a Parallel branch / Map iteration assigning a variable of an outer scope
(it may read them, not assign them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hexad.runtime.workflows.choice import parse_timestamp
from hexad.runtime.workflows.expressions import is_expression, template_problems
from hexad.runtime.workflows.variables import variable_name_problem

__all__ = [
    "JSONATA_FIELDS",
    "JSONATA_ONLY",
    "JSONPATH_ONLY",
    "LANGUAGES",
    "assigned_names",
    "check_assign",
    "check_condition",
    "check_jsonata_values",
    "jsonata_extra",
    "jsonpath_extra",
]

LANGUAGES = ("JSONPath", "JSONata")
JSONATA_ONLY = frozenset({"Arguments", "Output", "Items"})
JSONPATH_ONLY = frozenset(
    {
        "InputPath",
        "OutputPath",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "Result",
        "ItemsPath",
        "ErrorPath",
        "CausePath",
        "SecondsPath",
        "TimestampPath",
        "TimeoutSecondsPath",
        "HeartbeatSecondsPath",
        "MaxConcurrencyPath",
        "ToleratedFailurePercentagePath",
        "ToleratedFailureCountPath",
    }
)
_WITH_ASSIGN = {"Pass", "Task", "Choice", "Wait", "Parallel", "Map"}
_WITH_OUTPUT = {"Pass", "Task", "Choice", "Wait", "Succeed", "Parallel", "Map"}
JSONATA_FIELDS: dict[str, set[str]] = {
    "Task": {"Arguments"},
    "Parallel": {"Arguments"},
    "Map": {"Items"},
}


def jsonata_extra(kind: str) -> set[str]:
    """The fields a JSONata state of `kind` has beyond the shared ones."""
    extra = set(JSONATA_FIELDS.get(kind, set()))
    if kind in _WITH_OUTPUT:
        extra.add("Output")
    if kind in _WITH_ASSIGN:
        extra.add("Assign")
    return extra


def jsonpath_extra(kind: str) -> set[str]:
    """The fields a JSONPath state of `kind` has beyond its classic ones: Assign."""
    return {"Assign"} if kind in _WITH_ASSIGN else set()


def assigned_names(states: dict[str, Any]) -> set[str]:
    """Every variable the states of one scope assign (state, Choice rules, Catch rules)."""
    names: set[str] = set()
    for state in states.values():
        for holder in _assign_holders(state):
            assign = holder.get("Assign")
            if isinstance(assign, dict):
                names.update(key[:-2] if key.endswith(".$") else key for key in assign)
    return names


def _assign_holders(state: Any) -> list[dict[str, Any]]:
    if not isinstance(state, dict):
        return []
    holders = [state]
    for field in ("Choices", "Catch"):
        rules = state.get(field)
        if isinstance(rules, list):
            holders += [rule for rule in rules if isinstance(rule, dict)]
    return holders


Report = Callable[[str, str], None]


def check_assign(
    assign: Any,
    field: str,
    jsonata: bool,
    outer: frozenset[str],
    report: Report,
    check_template: Callable[[Any, str], None],
) -> None:
    """An Assign object: valid names, none of an outer scope, valid paths or expressions."""
    if not isinstance(assign, dict):
        report(field, "expected a JSON object of variable names and values")
        return
    for key in assign:
        name = key[:-2] if key.endswith(".$") and not jsonata else key
        problem = variable_name_problem(name)
        if problem is not None:
            report(f"{field}.{key}", problem)
        elif name in outer:
            report(
                f"{field}.{key}",
                f"${name} is a variable of an outer scope: a Parallel branch or Map iteration may read "
                "it but not assign it",
            )
    if jsonata:
        for where, problem in template_problems(assign, field):
            report(where, problem)
    else:
        check_template(assign, field)


def check_jsonata_values(state: dict[str, Any], report: Report) -> None:
    """The `{% %}` expressions of a JSONata state parse, and its literal values have the right type."""
    for field in ("Arguments", "Output", "Items", "ItemSelector", "Error", "Cause"):
        if field in state:
            for where, problem in template_problems(state[field], field):
                report(where, problem)
    for field, ok, expected in _LITERALS:
        if field in state:
            value = state[field]
            if is_expression(value):
                for where, problem in template_problems(value, field):
                    report(where, problem)
            elif not ok(value):
                report(field, f"expected {expected} or a {{% %}} expression, got {value!r}")
    if "Items" in state and not (isinstance(state["Items"], list) or is_expression(state["Items"])):
        report("Items", "expected a JSON array or a {% %} expression")


def check_condition(rule: dict[str, Any], where: str, report: Report) -> None:
    """A JSONata Choice rule: a `Condition` (expression or boolean) and none of JSONPath's tests."""
    for key in rule:
        if key not in ("Condition", "Next", "Assign", "Output", "Comment"):
            report(f"{where}.{key}", "is not a field of a JSONata Choice rule (use Condition)")
    condition = rule.get("Condition")
    if not (is_expression(condition) or isinstance(condition, bool)):
        report(f"{where}.Condition", "expected a {% %} expression (or true/false)")
        return
    for field, problem in template_problems(condition, f"{where}.Condition"):
        report(field, problem)
    if "Output" in rule:
        for field, problem in template_problems(rule["Output"], f"{where}.Output"):
            report(field, problem)


def _integer(low: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= low


def _percent(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100


_LITERALS: list[tuple[str, Callable[[Any], bool], str]] = [
    ("TimeoutSeconds", _integer(1), "a positive integer"),
    ("HeartbeatSeconds", _integer(1), "a positive integer"),
    ("Seconds", _integer(0), "an integer >= 0"),
    ("Timestamp", lambda v: parse_timestamp(v) is not None, "an RFC 3339 timestamp"),
    ("MaxConcurrency", _integer(0), "an integer >= 0"),
    ("ToleratedFailurePercentage", _percent, "a number from 0 to 100"),
    ("ToleratedFailureCount", _integer(0), "an integer >= 0"),
]
