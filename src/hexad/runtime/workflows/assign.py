"""Evaluating a state's `Assign` and, for JSONata states, its `$states` bindings and `Output`.

`Assign` is evaluated against the state's result (JSONPath: `$` is the result after ResultSelector,
or the effective input for a state without one; JSONata: `$states.result` / `$states.input`), with
every variable still holding the value it had when the state was entered. The values are checked
against Step Functions' limits (256 KiB per variable and per `Assign`) and take effect only when
the state exits, which `Execution` does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from hexad.runtime.workflows.expressions import (
    UNDEFINED,
    evaluate_expression,
    evaluate_template,
    is_expression,
)
from hexad.runtime.workflows.failures import StateFailure
from hexad.runtime.workflows.processing import apply_template, read_value
from hexad.runtime.workflows.variables import ASSIGN_LIMIT_BYTES, VALUE_LIMIT_BYTES, current_scope

__all__ = [
    "NON_NEGATIVE",
    "POSITIVE_INTEGER",
    "Assigned",
    "evaluate_assign",
    "jsonata_bindings",
    "jsonata_output",
    "jsonata_value",
    "number_field",
    "value_sizes",
]

Assigned = tuple[dict[str, Any], dict[str, int]]
_MISSING: Any = object()
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
POSITIVE_INTEGER = (lambda value: isinstance(value, int) and value > 0, "a positive integer")
NON_NEGATIVE = (lambda value: value >= 0, "a number >= 0")


def jsonata_bindings(
    data: Any, context: Any, *, result: Any = _MISSING, error: Any = _MISSING
) -> dict[str, Any]:
    """The variables a JSONata expression sees: the workflow variables and `$states`."""
    states: dict[str, Any] = {"input": data, "context": context}
    if result is not _MISSING:
        states["result"] = result
    if error is not _MISSING:
        states["errorOutput"] = error
    bindings = current_scope().visible()
    bindings["states"] = states
    return bindings


def jsonata_value(value: Any, bindings: Mapping[str, Any], name: str, field: str) -> Any:
    """A field that is a literal or a whole `{% %}` expression; undefined is a QueryEvaluationError."""
    if not is_expression(value):
        return evaluate_template(value, bindings, name, field)
    result = evaluate_expression(value, bindings, name, field)
    if result is UNDEFINED:
        raise StateFailure(
            "States.QueryEvaluationError",
            f"The state '{name}', field {field}: {value} evaluated to nothing (undefined).",
        )
    return result


def number_field(
    state: Mapping[str, Any],
    field: str,
    at: tuple[Any, Any, Mapping[str, Any] | None],
    name: str,
    accept: tuple[Callable[[Any], bool], str],
) -> float | None:
    """A numeric field given as a literal, a `{% %}` expression (JSONata) or a `<field>Path` (JSONPath).

    `at` is (data, context object, JSONata bindings or None); a value `accept[0]` refuses fails the
    state, saying `accept[1]`.
    """
    data, context, bindings = at
    if bindings is not None and field in state:
        value = jsonata_value(state[field], bindings, name, field)
        error, where = "States.QueryEvaluationError", field
    elif field in state:
        return float(state[field])
    elif f"{field}Path" in state:
        value = read_value(state[f"{field}Path"], data, context, name, f"{field}Path")
        error, where = "States.Runtime", f"{field}Path"
    else:
        return None
    ok, expected = accept
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok(value):
        raise StateFailure(
            error, f"The state '{name}', field {where}: expected {expected}, got {_ENCODE(value)}"
        )
    return float(value)


def jsonata_output(holder: Mapping[str, Any], bindings: Mapping[str, Any], name: str, default: Any) -> Any:
    """A JSONata state's (or Catch's) output: its `Output` evaluated, else `default`."""
    if "Output" not in holder:
        return default
    return jsonata_value(holder["Output"], bindings, name, "Output")


def evaluate_assign(
    holder: Mapping[str, Any],
    name: str,
    field: str,
    *,
    bindings: Mapping[str, Any] | None = None,
    data: Any = None,
    context: Any = None,
) -> Assigned | None:
    """The values and sizes of `holder["Assign"]` (JSONata with `bindings`, else JSONPath on `data`)."""
    assign = holder.get("Assign")
    if assign is None:
        return None
    if bindings is not None:
        values = evaluate_template(assign, bindings, name, field)
    else:
        values = apply_template(assign, data, context, name, field)
    return values, _sizes(values, name)


def value_sizes(values: Mapping[str, Any]) -> dict[str, int]:
    """Each value's size in bytes as JSON (what the limits count)."""
    return {key: len(_ENCODE(value).encode()) for key, value in values.items()}


def _sizes(values: dict[str, Any], name: str) -> dict[str, int]:
    sizes = value_sizes(values)
    for key, size in sizes.items():
        if size > VALUE_LIMIT_BYTES:
            raise StateFailure(
                "States.DataLimitExceeded",
                f"The state '{name}' assigned {size} bytes to ${key}; a variable holds at most "
                f"{VALUE_LIMIT_BYTES}.",
            )
    if sum(sizes.values()) > ASSIGN_LIMIT_BYTES:
        raise StateFailure(
            "States.DataLimitExceeded",
            f"The state '{name}' assigned {sum(sizes.values())} bytes; one Assign holds at most "
            f"{ASSIGN_LIMIT_BYTES}.",
        )
    return sizes
